"""Health of a database: schema version, integrity, the guards the design
relies on (append-only history, search kept in step), and rows per table.

`diagnose` opens the database without migrating it, so looking never
changes what is looked at. The one statement that has the form of a write,
SQLite's FTS5 'integrity-check', runs in a transaction that is rolled back.

`diagnose_backup` checks a file written by `crm-tui backup`: a SQLite copy
gets the same checks (opened as it is, not switched to WAL, so it stays one
file), with the attachments copied beside it; a pg_dump archive is read
through with pg_restore: its table of contents lists every table, its data
reads to the end, and the rows are counted as they stream by.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import JOIN, SQL, Database, DatabaseError, ForeignKeyField, SqliteDatabase, fn

from crm_tui.i18n import register, t
from crm_tui.services.errors import StoreError
from crm_tui.store import schema
from crm_tui.store.db import Target, connect, engine_of
from crm_tui.store.migrations import LATEST, check_not_newer, current_version
from crm_tui.store.models import ALL_MODELS, Attachment, database

register(
    {
        "doctor.check.schema": ("schema version", "versión del esquema"),
        "doctor.check.integrity": ("integrity check", "comprobación de integridad"),
        "doctor.check.foreign_keys": ("references between tables", "referencias entre tablas"),
        "doctor.check.history_guard": (
            "history is append-only",
            "el historial es de solo añadir",
        ),
        "doctor.check.search": ("search index", "índice de búsqueda"),
        "doctor.check.attachments": ("attached files", "archivos adjuntos"),
        "doctor.check.archive": (
            "archive reads to the end (pg_restore)",
            "el archivo se lee hasta el final (pg_restore)",
        ),
        "doctor.check.archive_tables": (
            "every table is in the archive",
            "todas las tablas están en el archivo",
        ),
        "doctor.backup_missing": (
            "backup file not found: {path}",
            "no se encuentra el archivo de copia: {path}",
        ),
        "doctor.not_a_backup": (
            "{path} is neither a SQLite file nor a pg_dump archive (custom format); "
            "it is not a crm-tui backup",
            "{path} no es ni un archivo SQLite ni un archivo de pg_dump (formato custom); "
            "no es una copia de crm-tui",
        ),
        "doctor.no_pg_restore": (
            "pg_restore is not on PATH: install the PostgreSQL client tools to check "
            "a pg_dump archive",
            "pg_restore no está en el PATH: instale las herramientas cliente de "
            "PostgreSQL para revisar un archivo de pg_dump",
        ),
        "doctor.archive_unreadable": (
            "pg_restore cannot read it: {detail}",
            "pg_restore no puede leerlo: {detail}",
        ),
        "doctor.archive_table_missing": (
            "the archive has no data for table {table}",
            "el archivo no tiene datos de la tabla {table}",
        ),
        "doctor.backup_without_attachments": (
            "this backup lists attachments ({count:,}) but not their files: it was made "
            "without --attachments, and the files are in the database's attachment folder",
            "esta copia tiene adjuntos ({count:,}) pero no sus archivos: se hizo sin "
            "--attachments, y los archivos están en la carpeta de adjuntos de la base de datos",
        ),
        "doctor.attachments_missing": (
            "{count:,} attached files are missing from {folder} (for example {sample}): "
            "their comments show them but they cannot be opened",
            "faltan {count:,} archivos adjuntos en {folder} (por ejemplo {sample}): "
            "sus comentarios los muestran pero no se pueden abrir",
        ),
        "doctor.attachments_leftover": (
            "{count:,} unfinished copies in {folder} (.incoming-*), left by an attachment "
            "interrupted mid-copy; nothing refers to them and they can be deleted",
            "{count:,} copias sin terminar en {folder} (.incoming-*), de un adjunto "
            "interrumpido a mitad de copia; nada las usa y se pueden borrar",
        ),
        "doctor.no_schema": (
            "this database has no crm-tui schema (is it another program's database?)",
            "esta base de datos no tiene el esquema de crm-tui (¿es de otro programa?)",
        ),
        "doctor.schema_old": (
            "schema {found} is older than this program's {known}; "
            "it is upgraded the next time crm-tui opens it",
            "el esquema {found} es anterior al {known} de este programa; "
            "se actualiza la próxima vez que crm-tui la abra",
        ),
        "doctor.integrity": ("SQLite reports: {detail}", "SQLite informa: {detail}"),
        "doctor.orphans": (
            "{count:,} rows of {table} point to a missing {parent}",
            "{count:,} filas de {table} apuntan a un {parent} que no existe",
        ),
        "doctor.trigger_missing": (
            "trigger {name} is missing",
            "falta el disparador {name}",
        ),
        "doctor.search_damaged": (
            "the search index {name} is damaged: searches may fail or miss interactions",
            "el índice de búsqueda {name} está dañado: las búsquedas pueden fallar u omitir "
            "interacciones",
        ),
        "doctor.search_out_of_step": (
            "the search index {name} differs from the interactions in {count:,} rows: "
            "searches may miss them or find stale text",
            "el índice de búsqueda {name} difiere de las interacciones en {count:,} filas: "
            "las búsquedas pueden omitirlas o encontrar texto antiguo",
        ),
        "doctor.not_group_writable": (
            "{path} is not group-writable: other agents sharing this database cannot "
            "write to it (fine for one user; for a team: chgrp TEAM and chmod g+w)",
            "{path} no tiene permiso de escritura para el grupo: otros agentes que "
            "compartan esta base de datos no pueden escribir (bien para un usuario; "
            "para un equipo: chgrp EQUIPO y chmod g+w)",
        ),
    }
)

# The guards of schema 1, by name, so that a trigger dropped by hand is
# noticed (the migration creates them in SQL text, not from a list).
HISTORY_GUARD_TRIGGERS = {
    "sqlite": ("history_event_no_update", "history_event_no_delete"),
    "postgres": ("history_event_append_only", "history_event_no_truncate"),
}
MAX_INTEGRITY_LINES = 20


@dataclass(frozen=True)
class Finding:
    """One problem or warning, rendered in the reader's language."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class Check:
    name: str  # message id of what was checked
    problems: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class DoctorReport:
    engine: str
    location: str
    schema_version: int
    program_version: int
    checks: tuple[Check, ...]
    row_counts: tuple[tuple[str, int], ...]
    warnings: tuple[Finding, ...]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(problem for check in self.checks for problem in check.problems)

    @property
    def healthy(self) -> bool:
        return not self.problems


def diagnose(target: Target) -> DoctorReport:
    """Check the database at `target`. A missing SQLite file is an error
    (StoreError), not a report: there is nothing to diagnose."""
    return _examine(
        target,
        lambda: connect(target, create=False, migrate=False),
        permission_warnings(target),
        backup=None,
    )


def diagnose_backup(path: Path) -> DoctorReport:
    """Check a file written by `crm-tui backup`, of either kind."""
    from crm_tui.services.backup import backup_kind

    if not path.is_file():
        raise StoreError("doctor.backup_missing", path=str(path))
    kind = backup_kind(path)
    if kind is None:
        raise StoreError("doctor.not_a_backup", path=str(path))
    if kind == "pg_dump":
        return _diagnose_archive(path)
    return _examine(Target("sqlite", str(path)), lambda: _open_copy(path), [], backup=path)


def _examine(
    target: Target,
    open_database: Callable[[], Database],
    warnings: list[Finding],
    *,
    backup: Path | None,
) -> DoctorReport:
    where = (target.engine, target.describe())
    try:
        db = open_database()
    except StoreError as exc:
        if exc.key != "error.schema_too_new":
            raise
        too_new = Check("doctor.check.schema", (Finding(exc.key, exc.params),))
        return _report(where, int(str(exc.params["found"])), [too_new], warnings)
    version = current_version(db)
    if version == 0:
        no_schema = Check("doctor.check.schema", (Finding("doctor.no_schema"),))
        return _report(where, 0, [no_schema], warnings)
    if version < LATEST:
        warnings.append(Finding("doctor.schema_old", {"found": version, "known": LATEST}))
    engine = engine_of(db)
    checks = [Check("doctor.check.schema")]
    if engine == "sqlite":
        try:
            checks.append(Check("doctor.check.integrity", _sqlite_integrity(db)))
        except (DatabaseError, sqlite3.DatabaseError) as exc:
            # Too damaged for the check to finish: the others would fail alike.
            broken = Finding("doctor.integrity", {"detail": _first_line(exc)})
            checks.append(Check("doctor.check.integrity", (broken,)))
            return _report(where, version, checks, warnings)
        checks.append(Check("doctor.check.foreign_keys", _sqlite_orphans(db)))
    else:
        checks.append(Check("doctor.check.foreign_keys", _orphans_by_join()))
    checks.append(Check("doctor.check.history_guard", _history_guard(db, engine)))
    if engine == "sqlite":
        checks.append(Check("doctor.check.search", _sqlite_search(db)))
    if backup is None:
        from crm_tui.services.attachments import attachments_root

        root = attachments_root()
        checks.append(Check("doctor.check.attachments", _missing_attachments(root)))
        warnings.extend(_leftover_copies(root))
    else:
        checks.extend(_backup_attachments(backup, warnings))
    return _report(where, version, checks, warnings, row_counts())


def _open_copy(path: Path) -> Database:
    """A backup copy as it is: unlike `connect`, not switched to WAL, so
    checking it leaves it a single file."""
    db = SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    try:
        db.connect()
        database.initialize(db)
        check_not_newer(db)
    except DatabaseError as exc:  # "file is not a database"
        db.close()
        raise StoreError(
            "error.database_unreadable", path=str(path), reason=_first_line(exc)
        ) from exc
    return db


def _backup_attachments(backup: Path, warnings: list[Finding]) -> list[Check]:
    """The attachments copied beside `backup`, when they were copied."""
    from crm_tui.services.backup import attachments_folder

    folder = attachments_folder(backup)
    if folder.is_dir():
        return [Check("doctor.check.attachments", _missing_attachments(folder))]
    listed = Attachment.select().count()
    if listed:
        warnings.append(Finding("doctor.backup_without_attachments", {"count": listed}))
    return []


def _report(
    where: tuple[str, str],
    version: int,
    checks: list[Check],
    warnings: list[Finding],
    counts: tuple[tuple[str, int], ...] = (),
) -> DoctorReport:
    """`where`: the engine ("sqlite", "postgres", "pg_dump") and location."""
    engine, location = where
    return DoctorReport(
        engine=engine,
        location=location,
        schema_version=version,
        program_version=LATEST,
        checks=tuple(checks),
        row_counts=counts,
        warnings=tuple(warnings),
    )


def row_counts() -> tuple[tuple[str, int], ...]:
    return tuple(
        (model._meta.table_name, int(model.select(fn.COUNT(SQL("*"))).scalar() or 0))
        for model in ALL_MODELS
    )


def _sqlite_integrity(db: Database) -> tuple[Finding, ...]:
    rows = db.execute_sql("PRAGMA integrity_check").fetchall()
    lines = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    return tuple(
        Finding("doctor.integrity", {"detail": line}) for line in lines[:MAX_INTEGRITY_LINES]
    )


def _sqlite_orphans(db: Database) -> tuple[Finding, ...]:
    # Rows are (table, rowid, parent table, foreign key index).
    found = Counter((row[0], row[2]) for row in db.execute_sql("PRAGMA foreign_key_check"))
    return tuple(
        Finding("doctor.orphans", {"count": count, "table": table, "parent": parent})
        for (table, parent), count in sorted(found.items())
    )


def _orphans_by_join() -> tuple[Finding, ...]:
    """Rows whose foreign key points nowhere, found with a LEFT JOIN per
    foreign key of the models (PostgreSQL enforces them, unless someone
    loaded data with triggers off)."""
    findings = []
    for model in ALL_MODELS:
        for column in model._meta.sorted_fields:
            if not isinstance(column, ForeignKeyField):
                continue
            parent: Any = column.rel_model.alias()
            count = (
                model.select(fn.COUNT(SQL("*")))
                .join(parent, JOIN.LEFT_OUTER, on=(column == parent.id))
                .where(column.is_null(False) & parent.id.is_null())
                .scalar()
            )
            if count:
                findings.append(
                    Finding(
                        "doctor.orphans",
                        {
                            "count": int(count),
                            "table": model._meta.table_name,
                            "parent": column.rel_model._meta.table_name,
                        },
                    )
                )
    return tuple(findings)


def _triggers(db: Database, engine: str) -> set[str]:
    if engine == "sqlite":
        rows = db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    else:
        rows = db.execute_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    return {str(row[0]) for row in rows}


def _missing_triggers(db: Database, engine: str, names: tuple[str, ...]) -> tuple[Finding, ...]:
    present = _triggers(db, engine)
    return tuple(Finding("doctor.trigger_missing", {"name": n}) for n in names if n not in present)


def _history_guard(db: Database, engine: str) -> tuple[Finding, ...]:
    return _missing_triggers(db, engine, HISTORY_GUARD_TRIGGERS[engine])


def _sqlite_search(db: Database) -> tuple[Finding, ...]:
    """The full-text index is sound, holds one row per interaction with its
    current subject and note, and the triggers that keep it so exist."""
    table = schema.SQLITE_SEARCH_TABLE
    findings = list(_missing_triggers(db, "sqlite", schema.SQLITE_SEARCH_TRIGGERS))
    if not _fts_sound(db, table):
        findings.append(Finding("doctor.search_damaged", {"name": table}))
    else:
        differing = _search_rows_out_of_step(db, table)
        if differing:
            findings.append(
                Finding("doctor.search_out_of_step", {"name": table, "count": differing})
            )
    return tuple(findings)


def _fts_sound(db: Database, table: str) -> bool:
    # FTS5's own check of its index against the text it holds; the
    # statement has the form of an INSERT, so it runs in a transaction
    # that is rolled back whatever happens.
    try:
        with db.atomic() as transaction:
            db.execute_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
            transaction.rollback()
    except DatabaseError as exc:
        # A backup on read-only media cannot run the check; the comparison
        # with the interactions (a read) still runs.
        return "readonly" in str(exc)
    return True


def _search_rows_out_of_step(db: Database, table: str) -> int:
    missing_or_stale = db.execute_sql(
        f"SELECT COUNT(*) FROM interaction AS i LEFT JOIN {table} AS f ON f.rowid = i.id "
        "WHERE f.rowid IS NULL OR f.subject IS NOT i.subject OR f.note IS NOT i.note"
    ).fetchone()[0]
    left_over = db.execute_sql(
        f"SELECT COUNT(*) FROM {table} AS f LEFT JOIN interaction AS i ON i.id = f.rowid "
        "WHERE i.id IS NULL"
    ).fetchone()[0]
    return int(missing_or_stale) + int(left_over)


def permission_warnings(target: Target) -> list[Finding]:
    """For SQLite: the file, its -wal/-shm and its folder should be
    group-writable when several agents share it (SQLite creates -wal and
    -shm next to the file, as whoever opens it first)."""
    if target.engine != "sqlite":
        return []
    path = target.path.absolute()
    candidates = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), path.parent]
    warnings = []
    for candidate in candidates:
        try:
            mode = os.stat(candidate).st_mode
        except OSError:
            continue
        if not mode & stat.S_IWGRP:
            warnings.append(Finding("doctor.not_group_writable", {"path": str(candidate)}))
    return warnings


# An unfinished copy younger than this may be one being written right now.
LEFTOVER_AGE_SECONDS = 3600


def _missing_attachments(root: Path) -> tuple[Finding, ...]:
    """Attachment rows whose content is not in the store at `root`. Each
    distinct content is looked up once; the rows come a page at a time."""
    missing: list[str] = []
    query = Attachment.select(Attachment.sha256, fn.MIN(Attachment.file_name)).group_by(
        Attachment.sha256
    )
    for digest, name in query.tuples().iterator():
        if not (root / digest[:2] / digest).is_file():
            missing.append(name)
    if not missing:
        return ()
    sample = ", ".join(missing[:3])
    return (
        Finding(
            "doctor.attachments_missing",
            {"count": len(missing), "folder": str(root), "sample": sample},
        ),
    )


def _leftover_copies(root: Path) -> list[Finding]:
    if not root.is_dir():
        return []
    cutoff = time.time() - LEFTOVER_AGE_SECONDS
    leftovers = [
        path
        for path in root.glob(".incoming-*")
        if path.is_file() and path.stat().st_mtime < cutoff
    ]
    if not leftovers:
        return []
    return [Finding("doctor.attachments_leftover", {"count": len(leftovers), "folder": str(root)})]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- pg_dump archives -----------------------------------------------------------

ARCHIVE_TABLES = ("schema_version", *(model._meta.table_name for model in ALL_MODELS))
# `3628; 0 21493 TABLE DATA public interaction postgres` in pg_restore --list.
_LISTED_DATA = re.compile(r'^\d+; \d+ \d+ TABLE DATA \S+ "?([^"\s]+)"? ', re.MULTILINE)
# `COPY public."user" (id, uid, ...) FROM stdin;` opens a table's rows, `\.` ends them.
_COPY_START = re.compile(r'^COPY [^.\s]+\."?([^"\s]+)"? \(.*\) FROM stdin;$')
_COPY_END = "\\."


def _diagnose_archive(path: Path) -> DoctorReport:
    """A pg_dump archive: pg_restore lists every table of the schema, and
    writes out all the data without an error (which reads every block);
    the rows of each table are counted and the schema version read on the way."""
    where = ("pg_dump", str(path))
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        no_tool = Check("doctor.check.archive", (Finding("doctor.no_pg_restore"),))
        return _report(where, 0, [no_tool], [])
    listing = subprocess.run(
        [pg_restore, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        unreadable = Finding("doctor.archive_unreadable", {"detail": _last_line(listing.stderr)})
        return _report(where, 0, [Check("doctor.check.archive", (unreadable,))], [])
    listed = set(_LISTED_DATA.findall(listing.stdout))
    missing = tuple(
        Finding("doctor.archive_table_missing", {"table": table})
        for table in ARCHIVE_TABLES
        if table not in listed
    )
    counts, version, problem = _archive_rows(pg_restore, path)
    checks = [
        Check("doctor.check.archive", (problem,) if problem else ()),
        Check("doctor.check.archive_tables", missing),
    ]
    warnings: list[Finding] = []
    if version > LATEST:
        checks.insert(
            0,
            Check(
                "doctor.check.schema",
                (Finding("error.schema_too_new", {"found": version, "known": LATEST}),),
            ),
        )
    elif 0 < version < LATEST:
        warnings.append(Finding("doctor.schema_old", {"found": version, "known": LATEST}))
    ordered = tuple((table, counts.get(table, 0)) for table in ARCHIVE_TABLES[1:])
    return _report(where, version, checks, warnings, ordered)


def _archive_rows(pg_restore: str, path: Path) -> tuple[dict[str, int], int, Finding | None]:
    """Rows per table and the schema version, from the archive's data as
    pg_restore writes it out (COPY text: one line per row)."""
    counts: dict[str, int] = {}
    version = 0
    table: str | None = None
    with subprocess.Popen(
        [pg_restore, "--data-only", "--file=-", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        for raw in process.stdout:
            line = raw.rstrip("\n")
            if table is None:
                start = _COPY_START.match(line)
                if start:
                    table = start.group(1)
                    counts[table] = 0
            elif line == _COPY_END:
                table = None
            else:
                counts[table] += 1
                if table == "schema_version":
                    version = max(version, int(line.split("\t", 1)[0]))
        errors = process.stderr.read()
    if process.returncode != 0:
        return counts, version, Finding("doctor.archive_unreadable", {"detail": _last_line(errors)})
    return counts, version, None


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "?"
