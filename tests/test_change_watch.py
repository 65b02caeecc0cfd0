"""The change watchers, on SQLite and PostgreSQL: a commit made by another
process wakes the watcher well within a second; nothing wakes it while
nothing changes (and nothing is asked of the database then); uncommitted
work and another user's notifications do not; a burst of commits is one
wake-up; a watcher follows a restarted server or a replaced database file,
stops at once, and says so when it cannot start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg2
import pytest

from crm_tui.services import history, notifications
from crm_tui.services.changes import watch_changes
from crm_tui.store import db as store_db
from crm_tui.store.change_watch import (
    COALESCE_SECONDS,
    ChangeWatcher,
    PostgresChangeWatcher,
    SqliteChangeWatcher,
    start_watcher,
)
from crm_tui.store.migrations import m0005_change_notify
from tests.conftest import PG_URL, World

IDLE_SECONDS = 2.0


def install_change_triggers(target: store_db.Target) -> None:
    """Schema version 5's triggers on the test's database, whether or not
    the migration runner knows version 5 yet (applying it again is
    harmless)."""
    if target.engine == "postgres":
        with store_db.current().atomic():
            m0005_change_notify.apply(store_db.current(), "postgres")


def database_name(target: store_db.Target) -> str:
    return target.location.rsplit("/", 1)[1]


class Wakes:
    """What a watcher calls back, with the wall-clock time of each wake-up
    (comparable with a time printed by another process)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.failures: list[str] = []
        self._changed = threading.Condition()

    def wake(self) -> None:
        with self._changed:
            self.times.append(time.time())
            self._changed.notify_all()

    def failed(self, reason: str) -> None:
        with self._changed:
            self.failures.append(reason)
            self._changed.notify_all()

    def wait_for(self, count: int, seconds: float = 5.0) -> float:
        """The time of wake-up number `count` (1-based), once it came."""
        with self._changed:
            came = self._changed.wait_for(lambda: len(self.times) >= count, seconds)
        assert came, f"{len(self.times)} wake-ups, not {count}, within {seconds} s"
        return self.times[count - 1]

    def count_over(self, seconds: float) -> int:
        """How many wake-ups come in the next `seconds`."""
        before = len(self.times)
        time.sleep(seconds)
        return len(self.times) - before


@pytest.fixture
def watched(db: store_db.Target, world: World) -> Iterator[tuple[ChangeWatcher, Wakes]]:
    """A watcher on the test's database, listening (its first wake-up,
    the one after connecting, has come)."""
    install_change_triggers(db)
    wakes = Wakes()
    watcher = start_watcher(store_db.current(), wakes.wake, wakes.failed)
    wakes.wait_for(1)
    yield watcher, wakes
    watcher.stop()


def committed_elsewhere(target: store_db.Target, actor_id: int) -> float:
    """A history event written by another process, and the wall-clock time
    that process finished its commit."""
    script = (
        "import sys, time\n"
        "from crm_tui.services import history\n"
        "from crm_tui.store import db\n"
        "db.connect(db.Target(sys.argv[1], sys.argv[2]))\n"
        "history.record(history.INTERACTION_EDITED, actor_id=int(sys.argv[3]))\n"
        "print(time.time())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, target.engine, target.location, str(actor_id)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(done.stdout)


def test_a_commit_in_another_process_wakes_the_watcher_within_a_second(
    db: store_db.Target, world: World, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    _watcher, wakes = watched
    latencies = []
    for round_ in range(3):
        committed = committed_elsewhere(db, world.admin.id)
        latencies.append(wakes.wait_for(2 + round_) - committed)
    # (PostgreSQL may deliver before the writer's commit call returns.)
    assert max(latencies) < 1.0, latencies


def test_nothing_wakes_an_idle_watcher(
    db: store_db.Target, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    _watcher, wakes = watched
    assert wakes.count_over(IDLE_SECONDS) == 0


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_an_idle_postgres_watcher_sends_the_server_nothing(
    db: store_db.Target, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    """It waits on its socket: the server sees no statement after LISTEN."""

    def watchers_activity() -> list[tuple[str, object]]:
        with psycopg2.connect(PG_URL, connect_timeout=5) as admin, admin.cursor() as cursor:
            cursor.execute(
                "SELECT query, state_change FROM pg_stat_activity"
                " WHERE application_name = 'crm-tui watcher' AND datname = %s",
                (database_name(db),),
            )
            return cursor.fetchall()

    before = watchers_activity()
    time.sleep(IDLE_SECONDS)
    assert watchers_activity() == before
    [(last_statement, _when)] = before
    assert last_statement == "LISTEN crm_changes"


def test_a_burst_of_commits_is_one_wake_up(
    db: store_db.Target, world: World, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    _watcher, wakes = watched
    started = time.monotonic()
    for _ in range(20):
        history.record(history.INTERACTION_EDITED, actor_id=world.admin.id)
    burst = time.monotonic() - started
    time.sleep(1.0)
    # At most one wake-up per coalescing interval (and the SQLite watcher's
    # look): a handful, not twenty.
    assert 1 <= len(wakes.times) - 1 <= burst / COALESCE_SECONDS + 2


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_postgres_tells_at_commit_never_before_nor_after_a_rollback(
    db: store_db.Target, world: World, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    _watcher, wakes = watched
    insert = (
        "INSERT INTO history_event (uid, at, action, actor_id, details)"
        " VALUES (%s, now(), 'interaction_edited', %s, '{}')"
    )
    with psycopg2.connect(db.location) as other:
        with other.cursor() as cursor:
            cursor.execute(insert, ("rolled-back", world.admin.id))
        other.rollback()
        with other.cursor() as cursor:
            cursor.execute(insert, ("open", world.admin.id))
        assert wakes.count_over(1.0) == 0  # written, not committed
        other.commit()
        committed = time.time()
    assert wakes.wait_for(2) - committed < 1.0
    assert wakes.count_over(0.5) == 0


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_another_users_notifications_do_not_wake_the_agent(
    db: store_db.Target, world: World
) -> None:
    install_change_triggers(db)
    wakes = Wakes()
    watcher = watch_changes(world.agent.id, wakes.wake, wakes.failed)
    try:
        wakes.wait_for(1)
        notifications.notify(world.supervisor.id, "mention", text="para marta")
        notifications.mark_read(world.supervisor.id)
        assert wakes.count_over(1.0) == 0
        notifications.notify(world.agent.id, "mention", text="para luis")
        wakes.wait_for(2, seconds=1.0)
        notifications.mark_read(world.agent.id)  # read elsewhere: the count goes
        wakes.wait_for(3, seconds=1.0)
    finally:
        watcher.stop()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_an_import_of_many_events_is_one_notification_per_actor(
    db: store_db.Target, world: World
) -> None:
    install_change_triggers(db)
    listener = psycopg2.connect(db.location)
    listener.autocommit = True
    try:
        with listener.cursor() as cursor:
            cursor.execute("LISTEN crm_changes")
        items: list[history.HistoryItem] = [(None, world.contact.id, None, {})] * 2000
        with store_db.current().atomic():
            history.record_many(
                history.IMPORTED,
                actor_id=world.admin.id,
                at=datetime(2026, 11, 23, 10, 0),
                items=items,
            )
        time.sleep(0.2)
        listener.poll()
        assert [note.payload for note in listener.notifies] == [f"history_event:{world.admin.id}"]
    finally:
        listener.close()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_the_postgres_watcher_reconnects_when_its_connection_is_cut(
    db: store_db.Target, world: World, watched: tuple[ChangeWatcher, Wakes]
) -> None:
    """An administrator ends the listener's session (as a server restart
    would): the watcher connects again, looks once for what it missed, and
    hears the next commit."""
    watcher, wakes = watched
    with psycopg2.connect(PG_URL, connect_timeout=5) as admin, admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'crm-tui watcher' AND datname = %s",
            (database_name(db),),
        )
        assert cursor.fetchall() == [(True,)]
    wakes.wait_for(2, seconds=5.0)  # reconnected
    assert watcher.running
    committed = committed_elsewhere(db, world.admin.id)
    assert wakes.wait_for(3) - committed < 1.0


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_sqlite_watcher_follows_a_database_file_replaced_under_it(
    db: store_db.Target, world: World, watched: tuple[ChangeWatcher, Wakes], tmp_path: Path
) -> None:
    """A copy put in place of the file (a backup restored): the watcher
    watches the new file, not the old one it had open."""
    _watcher, wakes = watched
    store_db.close()
    path = Path(db.location)
    copy = tmp_path / "restored.db"
    shutil.copy(path, copy)
    os.replace(copy, path)
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    wakes.wait_for(2, seconds=5.0)  # reopened
    committed = committed_elsewhere(db, world.admin.id)
    assert wakes.wait_for(3) - committed < 1.0


def test_a_watcher_stops_at_once(db: store_db.Target, watched: tuple[ChangeWatcher, Wakes]) -> None:
    watcher, _wakes = watched
    started = time.monotonic()
    watcher.stop()
    assert not watcher.running
    assert time.monotonic() - started < 0.5


def test_a_watcher_that_cannot_connect_says_why_and_ends(tmp_path: Path) -> None:
    for watcher_of in (
        lambda wakes: SqliteChangeWatcher(str(tmp_path / "missing.db"), wakes.wake, wakes.failed),
        lambda wakes: PostgresChangeWatcher(
            "crm_no_such_database",
            {"host": "127.0.0.1", "port": 1, "connect_timeout": 2},
            wakes.wake,
            wakes.failed,
        ),
    ):
        wakes = Wakes()
        watcher = watcher_of(wakes).start()
        watcher.stop(timeout=5.0)
        assert not watcher.running
        assert len(wakes.failures) == 1 and wakes.failures[0]
        assert wakes.times == []
    assert not (tmp_path / "missing.db").exists()  # read-only: nothing made


def test_the_change_triggers_are_postgres_only_and_can_be_applied_again(
    db: store_db.Target,
) -> None:
    database = store_db.current()
    with database.atomic():
        m0005_change_notify.apply(database, db.engine)
        m0005_change_notify.apply(database, db.engine)
    if db.engine == "sqlite":
        assert not database.execute_sql(
            "SELECT name FROM sqlite_master WHERE name LIKE '%notify%'"
        ).fetchall()
    else:
        triggers = database.execute_sql(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE %s ORDER BY tgname", ("%notify%",)
        ).fetchall()
        assert [name for (name,) in triggers] == [
            "history_event_notify",
            "notification_notify_delete",
            "notification_notify_insert",
            "notification_notify_update",
        ]
