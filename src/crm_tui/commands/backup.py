"""`crm-tui backup --out FILE`: a consistent copy of the database while
agents keep working (see `services.backup` for how), then what was written."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from crm_tui.commands.common import Commands
from crm_tui.formatting import file_size
from crm_tui.i18n import language, register, t
from crm_tui.services.backup import (
    AttachmentSummary,
    BackupResult,
    attachments_folder,
    back_up,
)
from crm_tui.store.db import resolve_target

register(
    {
        "cli.backup.help": (
            "write a consistent copy of the database while others keep working",
            "escribe una copia coherente de la base de datos mientras otros siguen trabajando",
        ),
        "cli.backup.out": (
            "the backup file to write (refused if it exists, unless --force)",
            "el archivo de copia a escribir (se rechaza si existe, salvo con --force)",
        ),
        "cli.backup.force": ("replace FILE if it exists", "reemplaza FILE si ya existe"),
        "cli.backup.attachments": (
            "also copy the attached files (kept outside the database) into FILE.attachments/",
            "copia también los archivos adjuntos (guardados fuera de la base de datos) en "
            "FILE.attachments/",
        ),
        "cli.backup.logical": (
            "PostgreSQL: write a SQLite file with every row instead of a pg_dump archive",
            "PostgreSQL: escribe un archivo SQLite con todas las filas en vez de un "
            "archivo de pg_dump",
        ),
        "cli.backup.written": (
            "wrote {path}: {kind}, {size} in {seconds:.1f} s",
            "escrito {path}: {kind}, {size} en {seconds:.1f} s",
        ),
        "cli.backup.kind.sqlite": (
            "a SQLite copy (one file; crm-tui --db opens it)",
            "una copia SQLite (un solo archivo; crm-tui --db la abre)",
        ),
        "cli.backup.kind.pg_dump": (
            "a pg_dump archive (custom format; pg_restore restores it)",
            "un archivo de pg_dump (formato custom; pg_restore lo restaura)",
        ),
        "cli.backup.kind.logical": (
            "a logical export into SQLite (same schema, every row; crm-tui --db opens it)",
            "una exportación lógica a SQLite (mismo esquema, todas las filas; "
            "crm-tui --db la abre)",
        ),
        "cli.backup.no_pg_dump": (
            "pg_dump is not on PATH, so this is a logical export; install the PostgreSQL "
            "client tools to get a pg_dump archive",
            "pg_dump no está en el PATH, así que es una exportación lógica; instale las "
            "herramientas cliente de PostgreSQL para obtener un archivo de pg_dump",
        ),
        "cli.backup.rows": ("rows: {counts}", "filas: {counts}"),
        "cli.backup.attachments_none": (
            "attached files: none (they would be kept in {store}, outside the database)",
            "archivos adjuntos: ninguno (se guardarían en {store}, fuera de la base de datos)",
        ),
        "cli.backup.attachments_left": (
            "attached files: {files:,} ({size}), kept in {store} outside the database, are "
            "NOT in this backup; add --attachments to copy them into {folder}",
            "archivos adjuntos: {files:,} ({size}), guardados en {store} fuera de la base de "
            "datos, NO están en esta copia; añada --attachments para copiarlos en {folder}",
        ),
        "cli.backup.attachments_copied": (
            "attached files: {files:,} ({size}) from {store} are in {folder} "
            "({copied:,} copied now, the others were there already)",
            "archivos adjuntos: {files:,} ({size}) de {store} están en {folder} "
            "({copied:,} copiados ahora, los demás ya estaban)",
        ),
        "cli.backup.check": (
            "check it with: crm-tui doctor --backup {path}",
            "revísela con: crm-tui doctor --backup {path}",
        ),
    }
)


def register_command(commands: Commands) -> None:
    parser = commands.add("backup", run_backup)
    parser.add_argument("--out", required=True, metavar="FILE", help=t("cli.backup.out"))
    parser.add_argument("--force", action="store_true", help=t("cli.backup.force"))
    parser.add_argument("--attachments", action="store_true", help=t("cli.backup.attachments"))
    parser.add_argument("--logical", action="store_true", help=t("cli.backup.logical"))


def run_backup(args: argparse.Namespace) -> int:
    result = back_up(
        resolve_target(args.db),
        Path(args.out).expanduser(),
        force=args.force,
        logical=args.logical,
        attachments=args.attachments,
    )
    print(describe(result))
    return 0


def describe(result: BackupResult) -> str:
    lines = [
        t(
            "cli.backup.written",
            path=result.path,
            kind=t(f"cli.backup.kind.{result.kind}"),
            size=file_size(result.size, language()),
            seconds=result.seconds,
        )
    ]
    if result.pg_dump_missing:
        lines.append(t("cli.backup.no_pg_dump"))
    counts = ", ".join(f"{table} {count:,}" for table, count in result.row_counts)
    lines.append(t("cli.backup.rows", counts=counts))
    lines.append(describe_attachments(result.attachments, attachments_folder(result.path)))
    lines.append(t("cli.backup.check", path=shlex.quote(str(result.path))))
    return "\n".join(lines)


def describe_attachments(summary: AttachmentSummary, folder: Path) -> str:
    size = file_size(summary.size, language())
    if not summary.files:
        return t("cli.backup.attachments_none", store=summary.store)
    if not summary.copied:
        return t(
            "cli.backup.attachments_left",
            files=summary.files,
            size=size,
            store=summary.store,
            folder=f"{folder}/",
        )
    return t(
        "cli.backup.attachments_copied",
        files=summary.files,
        size=size,
        store=summary.store,
        folder=f"{folder}/",
        copied=summary.newly_copied,
    )
