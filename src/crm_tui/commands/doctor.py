"""`crm-tui doctor`: print the health report of a database, or with
`--backup FILE` of a file written by `crm-tui backup`; exit 0 when healthy,
1 when something needs fixing (warnings alone do not fail)."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from pathlib import Path

from crm_tui.commands.common import Commands
from crm_tui.i18n import register, t
from crm_tui.services.doctor import DoctorReport, diagnose, diagnose_backup
from crm_tui.store.db import resolve_target

register(
    {
        "cli.doctor.help": (
            "check a database: schema, integrity, history guard, search index",
            "revisa una base de datos: esquema, integridad, historial, índice de búsqueda",
        ),
        "cli.doctor.backup": (
            "check a backup file instead of the database: a SQLite copy (integrity, "
            "schema, rows) or a pg_dump archive (read through with pg_restore)",
            "revisa un archivo de copia en vez de la base de datos: una copia SQLite "
            "(integridad, esquema, filas) o un archivo de pg_dump (leído con pg_restore)",
        ),
        "cli.doctor.database": (
            "database: {location} ({engine})",
            "base de datos: {location} ({engine})",
        ),
        "cli.doctor.schema": (
            "schema version: {found} (this program: {known})",
            "versión del esquema: {found} (este programa: {known})",
        ),
        "cli.doctor.archive": ("pg_dump archive", "archivo de pg_dump"),
        "cli.doctor.ok": ("ok", "bien"),
        "cli.doctor.problem": ("PROBLEM", "PROBLEMA"),
        "cli.doctor.rows": ("rows: {counts}", "filas: {counts}"),
        "cli.doctor.warning": ("warning: {message}", "aviso: {message}"),
        "cli.doctor.healthy": ("healthy", "sin problemas"),
        "cli.doctor.unhealthy": (
            "{count} problems found (listed above)",
            "{count} problemas encontrados (ver arriba)",
        ),
    }
)

ENGINE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def register_command(commands: Commands) -> None:
    parser = commands.add("doctor", run_doctor)
    parser.add_argument("--backup", metavar="FILE", help=t("cli.doctor.backup"))


def run_doctor(args: argparse.Namespace) -> int:
    if args.backup:
        report = diagnose_backup(Path(args.backup).expanduser())
    else:
        report = diagnose(resolve_target(args.db))
    print(render(report), end="")
    if report.healthy:
        return 0
    print("crm-tui: " + t("cli.doctor.unhealthy", count=len(report.problems)), file=sys.stderr)
    return 1


def render(report: DoctorReport) -> str:
    if report.engine == "pg_dump":
        engine = t("cli.doctor.archive")
    else:
        engine = ENGINE_NAMES.get(report.engine, report.engine)
    lines = [
        t("cli.doctor.database", location=report.location, engine=engine),
        t("cli.doctor.schema", found=report.schema_version, known=report.program_version),
    ]
    width = max(len(t("cli.doctor.ok")), len(t("cli.doctor.problem")))
    for check in report.checks:
        status = t("cli.doctor.ok") if check.ok else t("cli.doctor.problem")
        lines.append(f"  {status:<{width}}  {t(check.name)}")
        lines.extend(f"  {'':<{width}}  - {problem.message()}" for problem in check.problems)
    if report.row_counts:
        # A no-break space keeps each table next to its count when wrapped.
        counts = ", ".join(f"{table}\xa0{count:,}" for table, count in report.row_counts)
        columns = shutil.get_terminal_size((80, 24)).columns
        rows = t("cli.doctor.rows", counts=counts)
        wrapped = textwrap.fill(rows, columns, subsequent_indent="  ")
        lines.append(wrapped.replace("\xa0", " "))
    lines.extend(t("cli.doctor.warning", message=w.message()) for w in report.warnings)
    lines.append(t("cli.doctor.healthy") if report.healthy else "")
    return "\n".join(line for line in lines if line) + "\n"
