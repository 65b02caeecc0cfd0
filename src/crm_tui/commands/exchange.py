"""`crm-tui export` and `crm-tui import`: interactions to and from files
in the interchange columns. The exporters and the importer (openpyxl,
xlwt, icalendar) are imported only when one of these commands runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_tui.commands.common import Commands, acting_user, add_by_option, open_database
from crm_tui.commands.filters import add_filter_options, filter_from
from crm_tui.i18n import register, t
from crm_tui.services.errors import CrmError

register(
    {
        "cli.export.help": (
            "write the filtered interactions to .xlsx, .xls, .csv or .ics",
            "escribe las interacciones filtradas en .xlsx, .xls, .csv o .ics",
        ),
        "cli.export.out": (
            "the file to write; its extension chooses the format",
            "el archivo a escribir; su extensión elige el formato",
        ),
        "cli.export.done": (
            "{count} interactions written to {path}",
            "{count} interacciones escritas en {path}",
        ),
        "cli.import.help": (
            "read interactions from .csv or .xlsx: all rows or none",
            "lee interacciones de .csv o .xlsx: todas las filas o ninguna",
        ),
        "cli.import.file": ("the file to read", "el archivo a leer"),
        "cli.import.dry_run": (
            "check every row and report, without writing anything",
            "comprueba cada fila e informa, sin escribir nada",
        ),
        "cli.import.skipped": (
            "line {line}: id {id} is already in the database; left as it is",
            "línea {line}: el id {id} ya está en la base de datos; se deja como está",
        ),
    }
)


def register_command(commands: Commands) -> None:
    export = commands.add("export", run_export)
    add_filter_options(export)
    export.add_argument("--out", required=True, metavar="FILE", help=t("cli.export.out"))

    imported = commands.add("import", run_import)
    imported.add_argument("file", metavar="FILE", help=t("cli.import.file"))
    imported.add_argument("--dry-run", action="store_true", help=t("cli.import.dry_run"))
    add_by_option(imported)


def run_export(args: argparse.Namespace) -> int:
    f = filter_from(args)
    open_database(args, create=False)
    from crm_tui.exchange.exporter import export_interactions

    count = export_interactions(f, Path(args.out))
    print(t("cli.export.done", count=count, path=args.out))
    return 0


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CrmError("cli.error.file_not_found", path=args.file)
    # A dry run checks a file against a database; it does not create one.
    open_database(args, create=not args.dry_run)
    actor = acting_user(args, args.by)
    from crm_tui.exchange.importer import import_file

    report = import_file(path, actor=actor, dry_run=args.dry_run)
    if report.errors:
        for problem in report.error_lines():
            print(problem, file=sys.stderr)
        print(report.summary(), file=sys.stderr)
        return 1
    for line, uid in report.skipped_existing:
        print(t("cli.import.skipped", line=line, id=uid))
    print(report.summary())
    return 0
