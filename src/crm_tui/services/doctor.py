"""Health of a database: schema version, integrity, the guards the design
relies on (append-only history, search kept in step), and rows per table.

`diagnose` opens the database without migrating it, so looking never
changes what is looked at. The one statement that has the form of a write,
SQLite's FTS5 'integrity-check', runs in a transaction that is rolled back.
"""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peewee import JOIN, SQL, Database, DatabaseError, ForeignKeyField, fn

from crm_tui.i18n import register, t
from crm_tui.services.errors import StoreError
from crm_tui.store import schema
from crm_tui.store.db import Target, connect, engine_of
from crm_tui.store.migrations import LATEST, current_version
from crm_tui.store.models import ALL_MODELS, Attachment

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
    warnings = permission_warnings(target)
    try:
        db = connect(target, create=False, migrate=False)
    except StoreError as exc:
        if exc.key != "error.schema_too_new":
            raise
        too_new = Check("doctor.check.schema", (Finding(exc.key, exc.params),))
        return _report(target, int(str(exc.params["found"])), [too_new], warnings)
    version = current_version(db)
    if version == 0:
        no_schema = Check("doctor.check.schema", (Finding("doctor.no_schema"),))
        return _report(target, 0, [no_schema], warnings)
    if version < LATEST:
        warnings.append(Finding("doctor.schema_old", {"found": version, "known": LATEST}))
    engine = engine_of(db)
    checks = [Check("doctor.check.schema")]
    if engine == "sqlite":
        checks.append(Check("doctor.check.integrity", _sqlite_integrity(db)))
        checks.append(Check("doctor.check.foreign_keys", _sqlite_orphans(db)))
    else:
        checks.append(Check("doctor.check.foreign_keys", _orphans_by_join()))
    checks.append(Check("doctor.check.history_guard", _history_guard(db, engine)))
    if engine == "sqlite":
        checks.append(Check("doctor.check.search", _sqlite_search(db)))
    checks.append(Check("doctor.check.attachments", _missing_attachments()))
    warnings.extend(_leftover_copies())
    return _report(target, version, checks, warnings, row_counts())


def _report(
    target: Target,
    version: int,
    checks: list[Check],
    warnings: list[Finding],
    counts: tuple[tuple[str, int], ...] = (),
) -> DoctorReport:
    return DoctorReport(
        engine=target.engine,
        location=target.describe(),
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
    except DatabaseError:
        return False
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


def _missing_attachments() -> tuple[Finding, ...]:
    """Attachment rows whose content is not in the store. Each distinct
    content is looked up once; the rows come a page at a time."""
    from crm_tui.services.attachments import attachments_root

    root = attachments_root()
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


def _leftover_copies() -> list[Finding]:
    from crm_tui.services.attachments import attachments_root

    root = attachments_root()
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
