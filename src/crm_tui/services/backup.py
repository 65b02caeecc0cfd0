"""Backups while agents keep working: `crm-tui backup` and the copy that
the migration runner takes before it changes a schema.

SQLite: the backup API in ONE step. One step reads the whole file inside
one read transaction, so the copy is a consistent snapshot, and under WAL
the writers go on meanwhile (a reader never blocks a writer). Copying in
small steps with pauses, which sounds kinder to writers, is worse: SQLite
restarts a stepped backup whenever another connection writes, so with four
agents logging calls a 160 MB copy took 22 s instead of 0.3 s and finished
only when they stopped. `VACUUM INTO` is consistent too but rebuilds every
b-tree (0.5 s for the same file). The copy is switched to journal_mode
DELETE: one self-contained file, no -wal beside it.

PostgreSQL: `pg_dump --format=custom` when it is on PATH, run on a snapshot
exported by our own REPEATABLE READ transaction, so the row counts we print
are those of the dump. Else a logical export: a SQLite file with the same
schema (built by the same migrations, up to the source's version) holding
every row, read table by table in keyset batches from one snapshot; doctor
checks it and crm-tui can open it.

Every backup is written to a hidden `.NAME.PID.partial` file beside its
destination, synced, and renamed into place: a backup killed half-way
leaves no half file under the name asked for (and the next backup to that
name deletes what a dead one left). Attachments live outside the database;
with `attachments=True` the content-addressed files are copied beside the
backup, before it is renamed into place, so a backup that exists has them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from peewee import Database, Model, PostgresqlDatabase, SqliteDatabase, Tuple

from crm_tui import clock
from crm_tui.durable import sync_path
from crm_tui.i18n import register, t
from crm_tui.services.errors import CrmError
from crm_tui.store import schema
from crm_tui.store.db import Target, connect, engine_of
from crm_tui.store.models import ALL_MODELS

register(
    {
        "error.backup_exists": (
            "{path} already exists; choose another file or add --force to replace it",
            "{path} ya existe; elija otro archivo o añada --force para reemplazarlo",
        ),
        "error.backup_not_a_file": (
            "{path} is a folder; give the name of the backup file to write",
            "{path} es una carpeta; indique el nombre del archivo de copia a escribir",
        ),
        "error.backup_no_folder": (
            "the folder {folder} does not exist; create it first",
            "la carpeta {folder} no existe; créela primero",
        ),
        "error.backup_is_source": (
            "{path} is the database itself; write the backup to another file",
            "{path} es la propia base de datos; escriba la copia en otro archivo",
        ),
        "error.backup_failed": (
            "the backup to {path} failed: {reason}",
            "la copia de seguridad en {path} falló: {reason}",
        ),
        "error.pg_dump_failed": (
            "pg_dump failed: {reason} (add --logical to write a SQLite export instead)",
            "pg_dump falló: {reason} (añada --logical para escribir una exportación SQLite)",
        ),
        "error.backup_before_migration": (
            "could not back up {path} before upgrading its schema, so it was not "
            "upgraded: {reason}",
            "no se pudo hacer una copia de {path} antes de actualizar su esquema, así "
            "que no se actualizó: {reason}",
        ),
        "backup.before_migration": (
            "upgrading the database from schema {found} to {upgrade_to}; a copy as it "
            "was is in {path}",
            "actualizando la base de datos del esquema {found} al {upgrade_to}; hay una "
            "copia de cómo estaba en {path}",
        ),
        "backup.before_migration_skipped": (
            "upgrading the database from schema {found} to {upgrade_to} without a "
            "backup first: {reason}",
            "actualizando la base de datos del esquema {found} al {upgrade_to} sin "
            "copia previa: {reason}",
        ),
        "backup.no_pg_dump": (
            "pg_dump is not on PATH (install the PostgreSQL client tools)",
            "pg_dump no está en el PATH (instale las herramientas cliente de PostgreSQL)",
        ),
    }
)

log = logging.getLogger(__name__)

Kind = Literal["sqlite", "pg_dump", "logical"]
PARTIAL_SUFFIX = ".partial"
# The tables whose counts a backup reports: what a person checks first.
MAIN_TABLES = ("user", "contact", "opportunity", "interaction", "comment", "history_event")
# Rows read per query of a logical export.
EXPORT_BATCH = 10_000
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# A stored attachment is `root/ab/abcdef…` (its SHA-256).
ATTACHMENT_GLOB = "[0-9a-f][0-9a-f]/*"


@dataclass(frozen=True)
class AttachmentSummary:
    store: Path  # the live attachment store
    files: int
    size: int
    copied: bool  # into FILE.attachments, when asked for
    newly_copied: int  # files written this time (the others were there already)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: Kind
    size: int
    seconds: float
    row_counts: tuple[tuple[str, int], ...]
    attachments: AttachmentSummary
    pg_dump_missing: bool  # PostgreSQL fell back to a logical export


def attachments_folder(backup: Path) -> Path:
    """Where `--attachments` puts the files of the backup `backup`."""
    return backup.with_name(backup.name + ".attachments")


def backup_kind(path: Path) -> Kind | None:
    """What the file at `path` is, by its first bytes: "sqlite" (a copy or a
    logical export), "pg_dump" (an archive in custom format), else None."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "pg_dump"
    return None


def back_up(
    target: Target,
    out: Path,
    *,
    force: bool = False,
    logical: bool = False,
    attachments: bool = False,
) -> BackupResult:
    """Write a consistent copy of the database at `target` to `out` while
    others keep writing. Refuses an existing `out` unless `force`."""
    _check_destination(target, out, force)
    started = time.perf_counter()
    db = connect(target, create=False, migrate=False)
    pg_dump = shutil.which("pg_dump")
    kind: Kind = "sqlite"
    if target.engine == "postgres":
        kind = "pg_dump" if pg_dump and not logical else "logical"
    _remove_dead_partials(out.parent, out.name)
    with _written_in_place(out, replace=force) as partial:
        if kind == "sqlite":
            counts = _copy_sqlite(_sqlite_connection(db), partial)
        elif kind == "pg_dump":
            counts = _dump_postgres(db, partial)
        else:
            counts = _export_postgres(db, partial)
        summary = _attachments(attachments_folder(out) if attachments else None)
    return BackupResult(
        path=out,
        kind=kind,
        size=out.stat().st_size,
        seconds=time.perf_counter() - started,
        row_counts=counts,
        attachments=summary,
        pg_dump_missing=target.engine == "postgres" and not pg_dump,
    )


def _check_destination(target: Target, out: Path, force: bool) -> None:
    if out.is_dir():
        raise CrmError("error.backup_not_a_file", path=str(out))
    if not out.parent.is_dir():
        raise CrmError("error.backup_no_folder", folder=str(out.parent))
    if target.engine == "sqlite":
        source = target.path.absolute()
        database_files = {source, Path(f"{source}-wal"), Path(f"{source}-shm")}
        if out.absolute() in database_files or (out.exists() and out.samefile(source)):
            raise CrmError("error.backup_is_source", path=str(out))
    if out.exists() and not force:
        raise CrmError("error.backup_exists", path=str(out))


def _sqlite_connection(db: Database) -> sqlite3.Connection:
    connection: sqlite3.Connection = db.connection()
    return connection


def _copy_sqlite(source: sqlite3.Connection, copy_path: Path) -> tuple[tuple[str, int], ...]:
    """Copy the database of `source` into the new file `copy_path` (see the
    module notes for why in one step); the row counts of the copy."""
    copy = sqlite3.connect(copy_path)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        return _row_counts(copy.execute)
    finally:
        copy.close()


def _row_counts(execute: Callable[[str], Any]) -> tuple[tuple[str, int], ...]:
    return tuple(
        (table, int(execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]))
        for table in MAIN_TABLES
    )


# --- PostgreSQL ---------------------------------------------------------------


@contextmanager
def _snapshot(db: Database) -> Iterator[None]:
    """One read-only transaction that sees one moment of the database."""
    with db.atomic():
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _dump_postgres(db: Database, partial: Path) -> tuple[tuple[str, int], ...]:
    with _snapshot(db):
        snapshot = db.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
        counts = _row_counts(db.execute_sql)
        run_pg_dump(db, partial, snapshot=str(snapshot))
    return counts


def run_pg_dump(db: Database, out: Path, *, snapshot: str | None = None) -> None:
    """`pg_dump --format=custom` of the database `db` is connected to. The
    connection string carries no password (a command line is visible to
    every user of the machine): that goes in PGPASSWORD."""
    pg_dump = _pg_dump_program()
    assert isinstance(db, PostgresqlDatabase)
    params = dict(db.connect_params)
    password = params.pop("password", None)
    conninfo = " ".join(
        f"{key}={_conninfo_value(value)}"
        for key, value in {"dbname": db.database, **params}.items()
    )
    command = [pg_dump, "--format=custom", "--no-password", f"--file={out}"]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    command.append(f"--dbname={conninfo}")
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = str(password)
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise CrmError("error.pg_dump_failed", reason=lines[-1] if lines else result.returncode)


def _pg_dump_program() -> str:
    program = shutil.which("pg_dump")
    if program is None:
        raise CrmError("backup.no_pg_dump")
    return program


def _conninfo_value(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _export_postgres(db: Database, partial: Path) -> tuple[tuple[str, int], ...]:
    """A SQLite file with the schema of the source's version and its rows."""
    from crm_tui.store import migrations

    copy = SqliteDatabase(str(partial), pragmas={"journal_mode": "off", "synchronous": "off"})
    try:
        with _snapshot(db):
            version = migrations.current_version(db)
            migrations.migrate(copy, up_to=version)
            tables = set(copy.get_tables())
            with copy.atomic(), schema.bulk_load(copy, "sqlite"):
                _copy_schema_versions(db, copy)
                for model in ALL_MODELS:
                    if model._meta.table_name in tables:
                        _copy_rows(model, db, copy)
        copy.execute_sql("PRAGMA journal_mode=DELETE")
        return _row_counts(copy.execute_sql)
    finally:
        copy.close()


def _copy_schema_versions(source: Database, copy: Database) -> None:
    rows = source.execute_sql("SELECT version, name, applied_at FROM schema_version").fetchall()
    copy.execute_sql("DELETE FROM schema_version")
    for version, name, applied_at in rows:
        copy.execute_sql(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
            (version, name, str(applied_at)),
        )


def _copy_rows(model: type[Model], source: Database, copy: Database) -> None:
    """Every row of `model`'s table, a batch at a time in key order. Only
    the columns the copy's schema has: an older source lacks newer ones.
    Rows go from one driver to the other as they come (datetime, Decimal,
    bool): Peewee registers the same SQLite adapters that the app's own
    writes go through, so the values are stored as the app stores them."""
    table = model._meta.table_name
    present = {column.name for column in copy.get_columns(table)}
    fields = [field for field in model._meta.sorted_fields if field.column_name in present]
    keys = list(model._meta.get_primary_keys()) or fields
    # By identity: `==` on Peewee fields builds an expression.
    positions = [next(i for i, field in enumerate(fields) if field is key) for key in keys]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    insert = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(fields))})'
    query = model.select(*fields).order_by(*keys).limit(EXPORT_BATCH)
    rows = source.execute(query).fetchall()
    while rows:
        copy.connection().executemany(insert, rows)
        last = [rows[-1][position] for position in positions]
        rows = source.execute(query.where(Tuple(*keys) > Tuple(*last))).fetchall()


# --- attachments --------------------------------------------------------------


def _attachments(destination: Path | None) -> AttachmentSummary:
    """Describe the attachment store; copy its files to `destination`,
    each through a temporary name, skipping those already there."""
    from crm_tui.services.attachments import attachments_root

    root = attachments_root()
    stored = sorted(path for path in root.glob(ATTACHMENT_GLOB) if path.is_file())
    size = sum(path.stat().st_size for path in stored)
    copied = 0
    if destination is not None:
        for path in stored:
            final = destination / path.parent.name / path.name
            if final.is_file() and final.stat().st_size == path.stat().st_size:
                continue
            final.parent.mkdir(parents=True, exist_ok=True)
            partial = final.with_name(f".{final.name}{PARTIAL_SUFFIX}")
            shutil.copyfile(path, partial)
            shutil.copymode(path, partial)
            sync_path(partial)
            os.replace(partial, final)
            sync_path(final.parent)
            copied += 1
    return AttachmentSummary(root, len(stored), size, destination is not None, copied)


# --- writing files ------------------------------------------------------------


@contextmanager
def _written_in_place(out: Path, *, replace: bool) -> Iterator[Path]:
    """A hidden partial file beside `out` for the body to fill; synced and
    renamed to `out` when the body succeeds, removed when it does not."""
    partial = out.with_name(f".{out.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    _remove_partial(partial)
    try:
        yield partial
        sync_path(partial)
        if out.exists() and not replace:  # appeared while we copied
            raise CrmError("error.backup_exists", path=str(out))
        os.replace(partial, out)
        sync_path(out.parent)
    except (OSError, sqlite3.Error) as exc:
        raise CrmError("error.backup_failed", path=str(out), reason=_reason(exc)) from exc
    finally:
        _remove_partial(partial)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _remove_partial(partial: Path) -> None:
    for path in (partial, Path(f"{partial}-journal")):
        path.unlink(missing_ok=True)


def _remove_dead_partials(folder: Path, name_prefix: str) -> None:
    """Delete the partial files that a killed backup to a name starting
    with `name_prefix` left in `folder` (its process no longer exists)."""
    pattern = re.compile(
        rf"\.{re.escape(name_prefix)}.*\.(\d+){re.escape(PARTIAL_SUFFIX)}(-journal)?"
    )
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match and not _process_exists(int(match.group(1))):
            path.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# --- before a migration -------------------------------------------------------


def back_up_before_migration(db: Database, found: int, upgrade_to: int) -> Path | None:
    """Called by the migration runner before it upgrades a database from
    schema `found`: a copy named `<db>.before-v<N>.<time>.bak` beside a
    SQLite file, or a pg_dump file in the user data folder's `backups/`.
    A database without rows is not copied; without pg_dump, PostgreSQL is
    upgraded with a logged warning. A SQLite copy that cannot be written
    stops the upgrade (StoreError)."""
    if not _holds_data(db):
        return None
    suffix = f".before-v{upgrade_to}.{clock.now():%Y%m%d-%H%M%S}"
    if engine_of(db) == "sqlite":
        out = _copy_before_migration(db, suffix)
    else:
        try:
            out = _dump_before_migration(db, suffix)
        except CrmError as exc:
            log.warning(
                t(
                    "backup.before_migration_skipped",
                    found=found,
                    upgrade_to=upgrade_to,
                    reason=exc.message(),
                )
            )
            return None
    if out is not None:
        log.warning(t("backup.before_migration", found=found, upgrade_to=upgrade_to, path=str(out)))
    return out


def _copy_before_migration(db: Database, suffix: str) -> Path | None:
    from crm_tui.services.errors import StoreError

    source = Path(db.database)
    if not source.is_file():  # an in-memory database
        return None
    out = source.with_name(f"{source.name}{suffix}.bak")
    _remove_dead_partials(out.parent, f"{source.name}.before-v")
    try:
        with _written_in_place(out, replace=True) as partial:
            _copy_sqlite(_sqlite_connection(db), partial)
    except CrmError as exc:
        raise StoreError(
            "error.backup_before_migration", path=str(source), reason=exc.message()
        ) from exc
    return out


def _dump_before_migration(db: Database, suffix: str) -> Path:
    _pg_dump_program()  # before making a folder for nothing
    out = _postgres_backups_folder() / f"{db.database}{suffix}.dump"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CrmError("error.backup_failed", path=str(out), reason=_reason(exc)) from exc
    with _written_in_place(out, replace=True) as partial:
        run_pg_dump(db, partial)
    return out


def _postgres_backups_folder() -> Path:
    from platformdirs import user_data_path

    return user_data_path("crm-tui", appauthor=False) / "backups"


def _holds_data(db: Database) -> bool:
    tables = set(db.get_tables())
    return any(
        db.execute_sql(f'SELECT 1 FROM "{model._meta.table_name}" LIMIT 1').fetchone()
        for model in ALL_MODELS
        if model._meta.table_name in tables
    )
