"""Hearing of changes committed by other connections as they happen, on a
thread of its own with a connection of its own, without asking the database
anything while nothing changes.

PostgreSQL: the listener waits on its socket for the notifications the
triggers of schema version 5 send when a change commits (see
`migrations.m0005_change_notify`); no query runs while nothing changes.

SQLite: the watcher reads `PRAGMA data_version` four times a second, a look
at the shared-memory index of the WAL that touches no table and takes no
lock anyone waits for; the number moves when another connection commits
(not for the watcher's own writes, and it writes nothing). The file is also
checked for having been replaced (a backup restored under the app), which
the old connection would never see.

Either way `wake` is called on the watcher's thread, at most once per
`COALESCE_SECONDS` (a burst of commits is one wake-up), and once after every
(re)connection, for whatever happened while nobody was listening. A broken
connection (server restarted, file moved away) is reopened with growing
pauses. Nothing the watcher meets is raised to its caller: only a first
connection that cannot be made is reported, through `failed`, and the
watcher then ends.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from peewee import Database, PostgresqlDatabase

from crm_tui.store.migrations.m0005_change_notify import CHANNEL

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2
SQLITE_LOOK_SECONDS = 0.25

Wake = Callable[[], object]
Failed = Callable[[str], object]
Wanted = Callable[[str], bool]
"""Whether a PostgreSQL notification's payload is worth a wake-up."""


def _every_change(_payload: str) -> bool:
    return True


class ChangeWatcher:
    """The thread, its stop signal and the callbacks; the engine's
    subclass opens the connection and watches it."""

    reconnect_pauses: tuple[float, ...] = (0.25, 0.5, 1.0)
    """Before each attempt to reconnect after the connection broke; the last repeats."""

    def __init__(self, wake: Wake, failed: Failed) -> None:
        self._wake = wake
        self._failed = failed
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)

    def start(self) -> ChangeWatcher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """End the thread and close its connection, waiting for it (a
        fraction of a second) at most `timeout` seconds."""
        self._stopping.set()
        self._interrupt()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # -- the engine's part ----------------------------------------------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    def _watch(self, connection: Any) -> None:
        """Watch until stopped; raise when the connection broke."""
        raise NotImplementedError

    def _close(self, connection: Any) -> None:
        connection.close()

    def _interrupt(self) -> None:
        """Cut a wait short when stopping (the SQLite wait is the event's)."""

    # -- the thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            connection = self._connect()
        except Exception as error:  # whatever the driver raises; the app polls instead
            self._call(self._failed, _first_line(error))
            return
        pauses = iter(self.reconnect_pauses)
        broken_since: float | None = None
        while not self._stopping.is_set():
            try:
                if connection is None:
                    connection = self._connect()
                    if broken_since is not None:
                        seconds = time.monotonic() - broken_since
                        log.info("change watcher reconnected after %.1f s", seconds)
                        broken_since = None
                pauses = iter(self.reconnect_pauses)
                self._call(self._wake)  # for what no one heard while connecting
                self._watch(connection)
            except Exception as error:  # a broken connection: reopen it, after a pause
                if broken_since is None:
                    broken_since = time.monotonic()
                    log.warning("change watcher lost its connection: %s", _first_line(error))
                if connection is not None:
                    self._close_quietly(connection)
                    connection = None
                self._stopping.wait(next(pauses, self.reconnect_pauses[-1]))
        if connection is not None:
            self._close_quietly(connection)

    def _close_quietly(self, connection: Any) -> None:
        try:
            self._close(connection)
        except Exception as error:  # already broken; nothing more to do with it
            log.debug("closing the change watcher's connection: %s", error)

    def _call(self, callback: Callable[..., object], *args: object) -> None:
        try:
            callback(*args)
        except Exception:  # the receiver's bug must not end the watching
            log.exception("change watcher callback %r failed", callback)


class PostgresChangeWatcher(ChangeWatcher):
    # A server restarting or out of reach: no need to knock every second.
    reconnect_pauses = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)

    def __init__(
        self,
        name: str,
        connect_params: dict[str, Any],
        wake: Wake,
        failed: Failed,
        wanted: Wanted = _every_change,
    ) -> None:
        super().__init__(wake, failed)
        self._params = {
            **connect_params,
            "dbname": name,
            "application_name": "crm-tui watcher",
            # A server gone without a word (network cut) is noticed within
            # about a minute instead of never.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        self._wanted = wanted
        # Written to on stop, so the wait on the socket ends at once; closed
        # by the thread as it ends, under the lock, so a late stop never
        # writes to a descriptor number reused by then.
        self._stop_reader, self._stop_writer = os.pipe()
        self._pipe_lock = threading.Lock()
        self._pipe_open = True

    def _connect(self) -> Any:
        import psycopg2

        connection = psycopg2.connect(**self._params)
        try:
            connection.autocommit = True  # no transaction stays open while waiting
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
        except Exception:
            connection.close()
            raise
        return connection

    def _interrupt(self) -> None:
        with self._pipe_lock:
            if self._pipe_open:
                os.write(self._stop_writer, b"x")

    def _watch(self, connection: Any) -> None:
        last_wake = float("-inf")
        pending = False
        while True:
            # Idle: wait for the server or the stop signal, however long.
            # A wake-up put off by the coalescing: only until it is due.
            timeout = max(0.0, last_wake + COALESCE_SECONDS - time.monotonic()) if pending else None
            readable, _, _ = select.select([connection, self._stop_reader], [], [], timeout)
            if self._stopping.is_set():
                return
            if connection in readable:
                connection.poll()  # raises when the server has gone
                pending |= any(self._wanted(payload) for payload in _drain(connection))
            if pending and time.monotonic() - last_wake >= COALESCE_SECONDS:
                pending = False
                last_wake = time.monotonic()
                self._call(self._wake)

    def _run(self) -> None:
        try:
            super()._run()
        finally:
            with self._pipe_lock:
                self._pipe_open = False
                os.close(self._stop_reader)
                os.close(self._stop_writer)


def _drain(connection: Any) -> Iterable[str]:
    notifies = connection.notifies
    while notifies:
        yield notifies.pop(0).payload


class DatabaseReplaced(Exception):
    """Another file is now where the database was: watch that one."""


class SqliteChangeWatcher(ChangeWatcher):
    def __init__(self, path: str, wake: Wake, failed: Failed) -> None:
        super().__init__(wake, failed)
        self._path = path
        self._identity = (0, 0)  # of the file the connection has open
        self._version = 0  # its data version, as last read

    def _connect(self) -> sqlite3.Connection:
        # Which file, then what it holds, both before the first wake-up: a
        # file replaced or a commit made after either is still noticed.
        self._identity = _file_identity(self._path)
        # Read-only, and never creating a file where the database went missing.
        connection = sqlite3.connect(
            f"file:{_uri_path(self._path)}?mode=ro",
            uri=True,
            isolation_level=None,  # autocommit: no read transaction between looks
            check_same_thread=False,
        )
        try:
            self._version = _data_version(connection)  # a file that is no database fails here
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def _watch(self, connection: sqlite3.Connection) -> None:
        while not self._stopping.wait(SQLITE_LOOK_SECONDS):
            if _file_identity(self._path) != self._identity:
                raise DatabaseReplaced(self._path)
            seen, self._version = self._version, _data_version(connection)
            if self._version != seen:
                self._call(self._wake)


def _data_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA data_version").fetchone()[0])


def _file_identity(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def _uri_path(path: str) -> str:
    return quote(os.path.abspath(path))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def start_watcher(
    db: Database, wake: Wake, failed: Failed, wanted: Wanted = _every_change
) -> ChangeWatcher:
    """Watch the database `db` is configured for (not its connection: the
    watcher opens its own). `wanted` only filters PostgreSQL's
    notifications; SQLite does not say what changed."""
    if isinstance(db, PostgresqlDatabase):
        watcher: ChangeWatcher = PostgresChangeWatcher(
            db.database, dict(db.connect_params), wake, failed, wanted
        )
    else:
        watcher = SqliteChangeWatcher(db.database, wake, failed)
    return watcher.start()
