"""Versioned schema migrations, from the first schema on.

Each migration is a numbered function that receives the database and its
engine and runs DDL; the runner applies the missing ones in order, all in
one transaction, and records each in `schema_version`. A database whose
version is higher than the newest migration here was written by a newer
program and is refused rather than misread.

Before upgrading a database that already holds rows, the runner has it
backed up (`services.backup.back_up_before_migration`): a SQLite copy beside
the file, a pg_dump file for PostgreSQL when pg_dump is installed. The
caller may ask to be told of an upgrade (an `Upgrade`: from which version,
to which, where the copy is), so that the TUI can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from crm_tui import clock
from crm_tui.services.errors import StoreError
from crm_tui.store.migrations import (
    m0001_initial,
    m0002_facet_index,
    m0003_outbox,
    m0004_campaign_index,
    m0005_change_notify,
    m0006_search_languages,
    m0007_cheaper_fold,
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Database, str], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", m0001_initial.apply),
    Migration(2, "facet index", m0002_facet_index.apply),
    Migration(3, "e-mail outbox", m0003_outbox.apply),
    Migration(4, "campaign index", m0004_campaign_index.apply),
    Migration(5, "change notifications", m0005_change_notify.apply),
    Migration(6, "search languages", m0006_search_languages.apply),
    Migration(7, "cheaper accent folding", m0007_cheaper_fold.apply),
)
LATEST = MIGRATIONS[-1].version


@dataclass(frozen=True)
class Upgrade:
    """A database that held a schema (`found`) brought up to `version`;
    `backup`: the copy of it as it was, None when none was made (no rows to
    keep, or PostgreSQL without pg_dump)."""

    found: int
    version: int
    backup: Path | None


def _engine(db: Database) -> str:
    from crm_tui.store.db import engine_of

    return engine_of(db)


def current_version(db: Database) -> int:
    if "schema_version" not in db.get_tables():
        return 0
    row = db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def check_not_newer(db: Database) -> int:
    version = current_version(db)
    if version > LATEST:
        raise StoreError("error.schema_too_new", found=version, known=LATEST)
    return version


def migrate(
    db: Database, up_to: int | None = None, *, upgraded: Callable[[Upgrade], None] | None = None
) -> list[Migration]:
    """Apply every missing migration (up to version `up_to`, default all)
    in one transaction, so that an upgrade interrupted at any moment leaves
    the old schema whole, never one in between; return those applied.
    `upgraded` is told of an existing database this call upgraded, once
    the upgrade is committed (not of a new one, nor of one another process
    upgraded meanwhile)."""
    version = check_not_newer(db)
    pending = [
        m for m in MIGRATIONS if m.version > version and (up_to is None or m.version <= up_to)
    ]
    if not pending:
        return []
    backup = None
    if version > 0:
        # Services build on the store; the runner reaches up only for this.
        from crm_tui.services.backup import back_up_before_migration

        backup = back_up_before_migration(db, version, pending[-1].version)
    engine = _engine(db)
    with db.atomic():
        if engine == "postgres":
            # Serialise concurrent first starts of several agents.
            db.execute_sql("SELECT pg_advisory_xact_lock(727301)")
        db.execute_sql(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        # Another process may have migrated while we waited for the lock.
        done = current_version(db)
        applied_here = [migration for migration in pending if migration.version > done]
        for migration in applied_here:
            migration.apply(db, engine)
            mark = db.param
            db.execute_sql(
                f"INSERT INTO schema_version (version, name, applied_at) "
                f"VALUES ({mark}, {mark}, {mark})",
                (migration.version, migration.name, clock.now().isoformat(sep=" ")),
            )
    if upgraded is not None and version > 0 and applied_here:
        upgraded(Upgrade(version, applied_here[-1].version, backup))
    return pending
