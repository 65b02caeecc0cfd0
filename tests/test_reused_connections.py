"""The app's PostgreSQL connections: a worker's connection is reused by the
next worker, and none is left open once the app has read nothing for a
while or has ended. Real server, real backends, counted in
pg_stat_activity."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg2
import pytest

from crm_tui.store import db as store_db
from tests.app_helpers import make_app, settle
from tests.conftest import PG_URL, World
from tests.test_change_watch import database_name

IDLE = 0.4


def in_a_worker(call: Callable[[], Any]) -> Any:
    """Run `call` as the app's workers do: on a thread of its own, with a
    connection opened and closed around it."""
    results: list[Any] = []

    def work() -> None:
        with store_db.current().connection_context():
            results.append(call())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return results[0]


def backend() -> int:
    pid: int = store_db.current().execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return pid


def app_connections(target: store_db.Target) -> list[int]:
    """The backends the app holds on this test's database."""
    with psycopg2.connect(PG_URL, connect_timeout=5) as admin, admin.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'crm-tui'",
            (database_name(target),),
        )
        return [pid for (pid,) in cur.fetchall()]


def terminate(pid: int) -> None:
    admin = psycopg2.connect(PG_URL, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()


def wait_until(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


@pytest.fixture
def reused(postgres_target: store_db.Target) -> store_db.Target:
    """The test's database opened as the app opens it."""
    store_db.close()
    store_db.connect(postgres_target, reuse_seconds=IDLE)
    store_db.close()
    return postgres_target


def test_the_next_worker_reads_on_the_connection_the_last_one_closed(
    reused: store_db.Target,
) -> None:
    first = in_a_worker(backend)
    assert in_a_worker(backend) == first
    assert in_a_worker(backend) == first
    assert app_connections(reused) == [first]


def test_workers_at_the_same_time_each_get_a_connection_and_few_are_kept(
    reused: store_db.Target,
) -> None:
    workers = store_db.APP_KEPT_CONNECTIONS + 1
    all_in = threading.Barrier(workers, timeout=5)

    def meet() -> int:
        all_in.wait()  # none lets go before every one has a connection
        return backend()

    pids: list[int] = []
    threads = [
        threading.Thread(target=lambda: pids.append(in_a_worker(meet))) for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(pids)) == workers
    kept = app_connections(reused)
    assert len(kept) == store_db.APP_KEPT_CONNECTIONS
    assert set(kept) < set(pids)


def test_no_connection_is_left_once_nothing_was_read_for_a_while(
    reused: store_db.Target,
) -> None:
    in_a_worker(backend)
    time.sleep(IDLE / 2)
    kept = in_a_worker(backend)  # a read in between starts the wait anew
    time.sleep(IDLE * 0.75)
    assert app_connections(reused) == [kept]
    wait_until(lambda: app_connections(reused) == [], IDLE * 5)


def test_a_connection_the_server_closed_meanwhile_is_replaced_not_used(
    reused: store_db.Target,
) -> None:
    first = in_a_worker(backend)
    terminate(first)
    wait_until(lambda: first not in app_connections(reused))
    second = in_a_worker(backend)
    assert second != first
    assert app_connections(reused) == [second]


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_the_app_leaves_no_connection_behind_when_it_ends(
    db: store_db.Target, world: World
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        held = app_connections(db)
        # The app reads on the few connections its workers keep passing on,
        # not one per page (the change watch listens on one of its own).
        assert 1 <= len(held) <= 4
        await pilot.press("j", "j")
        await settle(pilot)
    assert app_connections(db) == []
