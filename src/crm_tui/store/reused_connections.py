"""The app's PostgreSQL connections, reused from one worker to the next.

Every database call of the app runs in a worker thread that opens a
connection around the call. On PostgreSQL a new connection costs a
handshake, a backend process and that backend's cold catalog caches: at a
million interactions a list page read on a new connection took 18.7 ms
against 10.6 ms on one already open, about the whole margin of a search or
filter key's 50 ms (issue 8). So a connection a worker lets go of waits
for the next worker, and all of them are closed once the app has read
nothing for `idle_seconds`. The app looks for changes every 10 seconds
even when nobody types, so that wait is shorter, and at most `most_kept`
connections wait: with 50 agents on a server (PostgreSQL allows 100
connections by default) an app holds no more than its change watcher
most of the time.

A connection handed out again is checked first (a round trip of `SELECT
1`), so one the server closed meanwhile is dropped and a new one opened,
not handed to a query to fail. SQLite is not pooled: opening its file costs
a fraction of a millisecond.
"""

from __future__ import annotations

import heapq
import threading
from typing import Any

from playhouse.pool import PooledPostgresqlDatabase


class ReusedPostgresqlDatabase(PooledPostgresqlDatabase):
    """PostgreSQL whose connections, when a thread closes one, are kept for
    the next thread (`most_kept` of them), until none has been used for
    `idle_seconds`."""

    def __init__(
        self, database: str, *, idle_seconds: float, most_kept: int, **params: Any
    ) -> None:
        # No cap on those in use: a worker must never wait for another's.
        super().__init__(database, max_connections=None, **params)
        self.idle_seconds = idle_seconds
        self.most_kept = most_kept
        self._closer: threading.Timer | None = None

    def _close(self, conn: Any, close_conn: bool = False) -> None:
        super()._close(conn, close_conn)
        if close_conn:
            return
        with self._pool_lock:
            while len(self._connections) > self.most_kept:
                _opened, _order, oldest = heapq.heappop(self._connections)
                self._close_raw(oldest)
        self._close_idle_later()

    def _close_idle_later(self) -> None:
        """Close the kept connections `idle_seconds` after this one came
        back, unless another comes back first (which starts the wait anew)."""
        with self._pool_lock:
            if self._closer is not None:
                self._closer.cancel()
            self._closer = threading.Timer(self.idle_seconds, self.close_idle)
            self._closer.name = "crm-tui idle connections"
            self._closer.daemon = True
            self._closer.start()

    def let_go(self) -> None:
        """Close every kept connection now (the app is ending)."""
        with self._pool_lock:
            if self._closer is not None:
                self._closer.cancel()
                self._closer = None
            self.close_idle()
