"""`crm-tui export` and `crm-tui import`: interactions to and from files
in the interchange columns. The exporters and the importer (openpyxl,
xlwt, icalendar) are imported only when one of these commands runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_tui.commands.common import Commands, acting_user, add_by_option, open_database
from crm_tui.commands.filters import REPEATABLE, add_filter_options, filter_from
from crm_tui.i18n import register, t
from crm_tui.services.errors import CrmError

register(
    {
        "cli.export.help": (
            "write the filtered interactions, or one with --id, to .xlsx, .xls, .csv or .ics",
            "escribe las interacciones filtradas, o una con --id, en .xlsx, .xls, .csv o .ics",
        ),
        "cli.export.out": (
            "the file to write; its extension chooses the format",
            "el archivo a escribir; su extensión elige el formato",
        ),
        "cli.export.id": (
            "one interaction (Id or global id); a workbook also gets its comments and history",
            "una interacción (Id o id global); un libro lleva también sus comentarios e historial",
        ),
        "cli.export.done": (
            "{count} interactions written to {path}",
            "{count} interacciones escritas en {path}",
        ),
        "cli.export.done_events": (
            "{count} events written to {path}",
            "{count} eventos escritos en {path}",
        ),
        "cli.export.id_with_filters": (
            "--id exports one interaction, without filters: leave out {options}, "
            "or leave out --id to export the filtered list",
            "--id exporta una interacción, sin filtros: quite {options}, "
            "o quite --id para exportar la lista filtrada",
        ),
        "cli.export.one_id": (
            "--id takes one interaction; export several with the filters "
            "(--type, --contact, --search...) or one file per --id",
            "--id lleva una sola interacción; exporte varias con los filtros "
            "(--type, --contact, --search...) o un archivo por cada --id",
        ),
        "cli.export.no_internal": (
            "leave internal interactions out: a file meant for a customer",
            "deja fuera las interacciones internas: un archivo para un cliente",
        ),
        "cli.import.help": (
            "read interactions from .csv, .xlsx or .xls: all rows or none",
            "lee interacciones de .csv, .xlsx o .xls: todas las filas o ninguna",
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
    # `--id` is not the list's filter here: it names the one interaction
    # to export with its comments and history.
    add_filter_options(export, skip=frozenset({"--id"}))
    export.add_argument(
        "--id",
        dest="interaction",
        action="append",
        default=[],
        metavar="ID",
        help=t("cli.export.id"),
    )
    export.add_argument("--out", required=True, metavar="FILE", help=t("cli.export.out"))
    export.add_argument(
        "--no-internal",
        dest="exclude_internal",
        action="store_true",
        help=t("cli.export.no_internal"),
    )
    add_by_option(export)

    imported = commands.add("import", run_import)
    imported.add_argument("file", metavar="FILE", help=t("cli.import.file"))
    imported.add_argument("--dry-run", action="store_true", help=t("cli.import.dry_run"))
    add_by_option(imported)


def run_export(args: argparse.Namespace) -> int:
    path = Path(args.out)
    f = filter_from(args)
    if len(args.interaction) > 1:
        raise CrmError("cli.export.one_id")
    if args.interaction and not f.is_empty():
        raise CrmError("cli.export.id_with_filters", options=", ".join(_filter_options(args)))
    target = open_database(args, create=False)
    actor = acting_user(args, args.by)
    from crm_tui.exchange import exporter

    if args.interaction:
        count = exporter.export_interaction(
            args.interaction[0], path, actor=actor, exclude_internal=args.exclude_internal
        )
    else:
        count = exporter.export_interactions(
            f,
            path,
            database=target.describe(),
            actor=actor,
            exclude_internal=args.exclude_internal,
        )
    done = "cli.export.done_events" if path.suffix.lower() == ".ics" else "cli.export.done"
    print(t(done, count=count, path=args.out))
    return 0


def _filter_options(args: argparse.Namespace) -> list[str]:
    """The filter options given on the command line."""
    given = [option for option, dest, _ in REPEATABLE if option != "--id" and getattr(args, dest)]
    given += [f"--{name}" for name in ("since", "until", "search") if getattr(args, name)]
    return given


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
