"""Opening the database: an SQLite file (default) or a PostgreSQL URL.

SQLite is opened for several agents sharing one file on one server: WAL,
foreign keys, a busy timeout, and IMMEDIATE write transactions (a DEFERRED
transaction that reads then writes fails at once with "database is locked"
under contention, whatever the timeout). Reads run in autocommit, so no read
transaction stays open while a screen is idle and the WAL can checkpoint.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar
from urllib.parse import parse_qsl, unquote, urlparse

from peewee import Database, DatabaseError, OperationalError, PostgresqlDatabase, SqliteDatabase

from crm_tui.services.errors import DatabaseBusy, StoreError
from crm_tui.store.models import database

if TYPE_CHECKING:
    from crm_tui.store.migrations import Upgrade

ENV_DB = "CRM_TUI_DB"
BUSY_TIMEOUT_SECONDS = 10
WRITE_ATTEMPTS = 4
# SQLite's page cache, per connection, in KiB. The app opens one connection
# per worker thread, and at a million interactions each filled a 62.5 MB
# cache: the TUI peaked at 211 MB against 93 MB at 1k. The list queries
# read a page or two of an index each, and the operating system keeps the
# file cached anyway. Bulk loads and exports set their own size.
PAGE_CACHE_KIB = 8_000
# The app reads through short connections, one per page in a worker thread:
# no cache outlives a query there, and what each thread's cache held stays
# in that thread's memory arena. 2 MB instead of 8 took the TUI's peak at
# 1M from 104 to 92 MB (the bench's key measure), list times unchanged.
APP_PAGE_CACHE_KIB = 2_048
# How long the app keeps PostgreSQL connections no worker uses, for the
# next one, and how many (store.reused_connections): a person working a
# list presses the next key well within it, and a list page with its
# counts reads on two connections at once.
APP_IDLE_CONNECTION_SECONDS = 3.0
APP_KEPT_CONNECTIONS = 2

Engine = Literal["sqlite", "postgres"]
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Target:
    engine: Engine
    location: str  # a file path for SQLite, the URL for PostgreSQL

    @property
    def path(self) -> Path:
        return Path(self.location)

    def describe(self) -> str:
        if self.engine == "sqlite":
            return self.location
        parsed = urlparse(self.location)
        host = parsed.hostname or "localhost"
        return f"postgresql://{host}:{parsed.port or 5432}{parsed.path}"


def default_database_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("crm-tui", appauthor=False) / "crm.db"


def resolve_target(db_arg: str | None) -> Target:
    """`--db`, else `CRM_TUI_DB`, else the file in the user data folder."""
    value = (db_arg or os.environ.get(ENV_DB, "")).strip()
    if not value:
        return Target("sqlite", str(default_database_path()))
    if value.startswith(("postgresql://", "postgres://")):
        return Target("postgres", value)
    if value.startswith("sqlite:///"):
        value = value[len("sqlite:///") - 1 :]
    return Target("sqlite", str(Path(value).expanduser()))


def _sqlite(path: Path) -> SqliteDatabase:
    return SqliteDatabase(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        lock_type="IMMEDIATE",
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000,
            "synchronous": "normal",
            "cache_size": -PAGE_CACHE_KIB,
            "temp_store": "memory",
        },
        check_same_thread=False,
    )


def _load_psycopg2() -> None:
    """Give peewee the PostgreSQL driver, which `crm_tui` imported it
    without (SQLite needs none): what peewee does with psycopg2 when it
    finds it at its own import."""
    import peewee

    if peewee.psycopg2 is not None:
        return
    import psycopg2
    from psycopg2 import extensions, extras

    extras.register_uuid()
    vars(peewee).update(psycopg2=psycopg2, pg_extensions=extensions, Json_pg2=extras.Json)
    adapter = peewee.Psycopg2Adapter
    adapter.txn_idle = extensions.TRANSACTION_STATUS_IDLE
    adapter.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
    adapter.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN


def _postgres(url: str, *, reuse_seconds: float | None) -> PostgresqlDatabase:
    _load_psycopg2()
    parsed = urlparse(url)
    params: dict[str, object] = dict(parse_qsl(parsed.query))
    if parsed.hostname:
        params["host"] = parsed.hostname
    if parsed.port:
        params["port"] = parsed.port
    if parsed.username:
        params["user"] = unquote(parsed.username)
    if parsed.password:
        params["password"] = unquote(parsed.password)
    params.setdefault("application_name", "crm-tui")
    params.setdefault("connect_timeout", 5)
    name = unquote(parsed.path.lstrip("/")) or "crm"
    if reuse_seconds is None:
        return PostgresqlDatabase(name, **params)
    from crm_tui.store.reused_connections import ReusedPostgresqlDatabase

    return ReusedPostgresqlDatabase(
        name, idle_seconds=reuse_seconds, most_kept=APP_KEPT_CONNECTIONS, **params
    )


def connect(
    target: Target,
    *,
    create: bool = True,
    migrate: bool = True,
    upgraded: Callable[[Upgrade], None] | None = None,
    reuse_seconds: float | None = None,
) -> Database:
    """Open `target`, bring its schema up to date, and make it the database
    every model uses. A missing SQLite file is created only if `create`;
    `upgraded` is told of an existing database brought to a newer schema.
    With `reuse_seconds`, a PostgreSQL connection a thread closes is kept
    that long for the next thread (the app's workers)."""
    from crm_tui.store import migrations

    if target.engine == "sqlite":
        path = target.path
        if not path.exists():
            if not create:
                raise StoreError("error.database_missing", path=str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        db: Database = _sqlite(path)
    else:
        db = _postgres(target.location, reuse_seconds=reuse_seconds)
    try:
        db.connect(reuse_if_open=True)
    except DatabaseError as exc:
        raise StoreError(
            "error.database_unreadable", path=target.describe(), reason=_first_line(exc)
        ) from exc
    database.initialize(db)
    try:
        if migrate:
            migrations.migrate(db, upgraded=upgraded)
        else:
            migrations.check_not_newer(db)
    except StoreError:
        db.close()
        raise
    except DatabaseError as exc:  # e.g. "file is not a database"
        db.close()
        raise StoreError(
            "error.database_unreadable", path=target.describe(), reason=_first_line(exc)
        ) from exc
    return db


def use_app_page_cache(db: Database) -> None:
    """Every later connection of `db` (the app's workers) gets the app's
    smaller page cache."""
    if isinstance(db, SqliteDatabase):
        db.pragma("cache_size", -APP_PAGE_CACHE_KIB, permanent=True)


def engine_of(db: Database) -> Engine:
    return "postgres" if isinstance(db, PostgresqlDatabase) else "sqlite"


def current() -> Database:
    db = database.obj
    if db is None:
        raise RuntimeError("no database is open: call store.db.connect() first")
    return db


def close() -> None:
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()


def close_kept_connections() -> None:
    """Close the PostgreSQL connections kept for the next worker (the app
    is ending); a no-op on a database that keeps none."""
    from crm_tui.store.reused_connections import ReusedPostgresqlDatabase

    db = database.obj
    if isinstance(db, ReusedPostgresqlDatabase):
        db.let_go()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_RETRYABLE = (
    "database is locked",
    "database is busy",
    "deadlock detected",
    "could not serialize access",
)


def is_retryable(exc: BaseException) -> bool:
    return any(marker in str(exc).lower() for marker in _RETRYABLE)


def writes(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in one write transaction (IMMEDIATE on SQLite), retrying a
    few times with jitter when the database stays locked beyond the busy
    timeout. Inside an outer transaction it simply joins it, so services
    compose into one atomic change."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        db = current()
        if db.in_transaction():
            return fn(*args, **kwargs)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with db.atomic():
                    return fn(*args, **kwargs)
            except OperationalError as exc:
                if not is_retryable(exc):
                    raise
                if attempt == WRITE_ATTEMPTS - 1:
                    raise DatabaseBusy() from exc
                time.sleep(0.05 * (2**attempt) + random.random() * 0.05)
        raise AssertionError("unreachable")

    return run
