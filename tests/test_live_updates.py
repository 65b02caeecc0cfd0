"""Live updates, on SQLite and PostgreSQL: what another agent or a script
writes shows up within two seconds without a restart, the unread count in
the header follows, due reminders are written at start and then every
minute; and the looks behind it reload once (not forever) after the app's
own writes, hold no read transaction between looks, skip a database they
cannot read without a toast, fall back to a look every `POLL` when the
watcher cannot start, and stop with the app.

The look on a timer that covers lost wake-ups is put off to `FALLBACK`,
beyond every deadline here: what shows in time was brought by the change
watcher."""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from crm_tui import app as app_module
from crm_tui.app import CrmApp
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.notifications import NotificationsScreen
from crm_tui.services import history, notifications
from crm_tui.services.changes import check_for_changes
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.store.change_watch import SqliteChangeWatcher, Wake
from tests.conftest import PG_URL, World
from tests.test_change_watch import database_name, install_change_triggers

from .app_helpers import NOW, NOW_ENV, column_texts, log, make_app, settle, table_of

POLL = 0.2
FALLBACK = 60.0
LIVE = 2.0  # the deadline issue 7 sets: "within 2 seconds"
WHILE = 1.0  # long enough for a look to have come and gone


@pytest.fixture(autouse=True)
def watched_not_polled(db: store_db.Target, monkeypatch: pytest.MonkeyPatch) -> None:
    install_change_triggers(db)
    monkeypatch.setattr(app_module, "POLL_SECONDS", POLL)
    monkeypatch.setattr(app_module, "FALLBACK_POLL_SECONDS", FALLBACK)
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def screen_text(app: CrmApp) -> str:
    """Every line of the screen as the terminal shows it."""
    svg = app.export_screenshot()
    lines: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<text [^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        lines.setdefault(float(y), []).append((float(x), html.unescape(text)))
    return "\n".join(
        "".join(text for _x, text in sorted(parts)).replace("\xa0", " ")
        for _y, parts in sorted(lines.items())
    )


async def meanwhile(write: Callable[[], Any]) -> None:
    """`write` as another agent would: in a thread of its own, with its own
    connection to the database the app has open."""

    def run() -> None:
        with store_db.current().connection_context():
            write()

    await asyncio.to_thread(run)


async def within_seconds(pilot: Pilot[None], seconds: float, condition: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {seconds} s"
        await pilot.pause(0.05)


async def idle_poller(pilot: Pilot[None]) -> None:
    """Until no look for changes is under way (one may start right after)."""
    app = pilot.app
    assert isinstance(app, CrmApp)
    await within_seconds(pilot, 5, lambda: not app._polling)


def logged_by_ana(subject: str) -> None:
    """A call another agent logs (for luis, so it is in his lists too)."""
    draft = InteractionDraft(
        type="call", contact="C-001", created_by="ana", user="luis", subject=subject
    )
    create_interaction(draft)


def first_subject_is(app: CrmApp, subject: str) -> bool:
    subjects = column_texts(table_of(app), "subject")
    return bool(subjects) and subjects[0] == subject


def toasts(app: CrmApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


# --- the marker ----------------------------------------------------------------------


def test_the_marker_moves_with_history_and_notifications(db: store_db.Target, world: World) -> None:
    first = check_for_changes(world.agent.id)
    assert check_for_changes(world.agent.id, first.marker) == first  # nothing happened

    history.record(history.INTERACTION_EDITED, actor_id=world.agent.id)
    mine = check_for_changes(world.agent.id, first.marker)
    assert mine.marker != first.marker and not mine.by_others

    history.record(history.INTERACTION_EDITED, actor_id=world.admin.id)
    history.record(history.INTERACTION_EDITED, actor_id=world.agent.id)
    theirs = check_for_changes(world.agent.id, mine.marker)
    assert theirs.by_others  # one of the two is ana's
    history.record(history.IMPORTED, actor_id=None)
    assert check_for_changes(world.agent.id, theirs.marker).by_others  # the program's

    before = check_for_changes(world.agent.id).marker
    told = notifications.notify(world.agent.id, "reminder", text="hola")
    after = check_for_changes(world.agent.id, before).marker
    assert (after.unread, after.newest_unread) == (before.unread + 1, told.id)
    notifications.notify(world.supervisor.id, "reminder", text="for marta")
    assert check_for_changes(world.agent.id, after).marker == after  # not luis's
    notifications.mark_read(world.agent.id)
    assert check_for_changes(world.agent.id, after).marker.unread == 0


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_an_event_committed_late_below_the_newest_still_counts(
    db: store_db.Target, world: World
) -> None:
    """Two PostgreSQL transactions commit in the opposite order to their
    history ids: the one that comes second is below the newest id already
    seen, and is still a change."""
    import psycopg2

    def event(connection: Any, uid: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO history_event (uid, at, action, actor_id, details)"
                " VALUES (%s, now(), 'interaction_edited', %s, '{}')",
                (uid, world.admin.id),
            )

    slow, quick = (psycopg2.connect(db.location) for _ in range(2))
    try:
        event(slow, "slow")  # takes its id first, commits last
        event(quick, "quick")
        quick.commit()
        seen = check_for_changes(world.agent.id).marker
        slow.commit()
        late = check_for_changes(world.agent.id, seen)
        assert late.marker.newest_event == seen.newest_event
        assert late.marker != seen and late.by_others
    finally:
        slow.close()
        quick.close()


# --- what others write shows up -------------------------------------------------------


async def test_a_comment_by_another_agent_appears_on_the_open_detail(
    db: store_db.Target, world: World
) -> None:
    call = log("Llamada de seguimiento", NOW - timedelta(hours=1))
    store_db.close()
    app = make_app(db, interaction=str(call.id))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, until=lambda: isinstance(app.screen, InteractionDetailScreen))
        await settle(pilot, until=lambda: "Llamada de seguimiento" in screen_text(app))
        assert "Le mando el presupuesto hoy" not in screen_text(app)

        await meanwhile(
            lambda: add_comment(
                CommentTarget(interaction_id=call.id),
                "Le mando el presupuesto hoy",
                actor=get_user("marta"),
            )
        )
        await within_seconds(pilot, LIVE, lambda: "Le mando el presupuesto hoy" in screen_text(app))
        assert isinstance(app.screen, InteractionDetailScreen)


async def test_a_call_logged_by_a_script_appears_on_the_list(
    db: store_db.Target, world: World
) -> None:
    log("Primera llamada", NOW - timedelta(hours=2))
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot, until=lambda: column_texts(table_of(app), "subject") != [])
        assert column_texts(table_of(app), "subject") == ["Primera llamada"]

        command = [sys.executable, "-m", "crm_tui", "log", "--db", db.location]
        command += ["--type", "call", "--contact", "C-001", "--by", "ana"]
        command += ["--subject", "Llamada desde el marcador"]
        env = {**os.environ, "CRM_TUI_NOW": NOW_ENV}
        await asyncio.to_thread(
            subprocess.run, command, check=True, capture_output=True, env=env, timeout=60
        )
        await within_seconds(
            pilot,
            LIVE,
            lambda: (
                column_texts(table_of(app), "subject")
                == ["Llamada desde el marcador", "Primera llamada"]
            ),
        )


async def test_another_agents_call_shows_on_the_open_list_within_two_seconds(
    db: store_db.Target, world: World
) -> None:
    """Ana logs calls for luis from her own connection while his list is
    open, a few times, each time with nothing pressed on his side."""
    log("Primera llamada", NOW - timedelta(hours=2))
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot, until=lambda: column_texts(table_of(app), "subject") != [])
        for number in range(3):
            subject = f"Llamada de ana {number}"
            await meanwhile(partial(logged_by_ana, subject))
            await within_seconds(pilot, LIVE, partial(first_subject_is, app, subject))


async def test_a_call_queued_before_the_watcher_starts_still_shows(
    db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher starts once the first screen shows its rows; a commit
    after the queue read them and before then is caught by the first
    look, which compares with the database as it was opened."""
    log("Primera llamada", NOW - timedelta(hours=2), status="pending")
    store_db.close()
    start_live_updates = CrmApp._start_live_updates

    def call_queued_first(app: CrmApp) -> None:
        if app.actor is not None and not app._watching:
            draft = InteractionDraft(
                type="call",
                contact="C-001",
                created_by="ana",
                user="luis",
                subject="Llamada antes del vigilante",
                occurred_at=NOW - timedelta(hours=1),
                status="pending",
            )
            with store_db.current().connection_context():
                create_interaction(draft)
        start_live_updates(app)

    monkeypatch.setattr(CrmApp, "_start_live_updates", call_queued_first)
    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await within_seconds(
            pilot,
            LIVE,
            lambda: (
                sorted(column_texts(table_of(app), "subject"))
                == ["Llamada antes del vigilante", "Primera llamada"]
            ),
        )


async def test_a_list_scrolled_past_its_first_page_keeps_its_place(
    db: store_db.Target, world: World
) -> None:
    """A change elsewhere reloads the list under the agent's eyes: the new
    call shows at the top, and the cursor stays on the call it was on, two
    pages down, instead of jumping back to the first row."""
    for number in range(120):
        log(f"Llamada {number:03d}", NOW - timedelta(minutes=number))
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("G")  # row 50, and the next page comes
        await settle(pilot)
        table = table_of(app)
        assert table.cursor_row == 49 and table.row_count == 100
        await pilot.press("j")
        under_cursor = column_texts(table, "subject")[table.cursor_row]
        assert under_cursor == "Llamada 050"

        await meanwhile(lambda: logged_by_ana("Llamada nueva"))
        await within_seconds(
            pilot, LIVE, lambda: column_texts(table, "subject")[0] == "Llamada nueva"
        )
        await settle(pilot)
        assert column_texts(table, "subject")[table.cursor_row] == "Llamada 050"
        assert table.cursor_row == 51


async def test_the_header_counts_a_mention_written_elsewhere(
    db: store_db.Target, world: World
) -> None:
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.title == "crm-tui" and app.unread == 0

        await meanwhile(
            lambda: notifications.notify(
                world.agent.id, "mention", actor_id=world.admin.id, text="@luis mira esto"
            )
        )
        await within_seconds(pilot, LIVE, lambda: app.title == "crm-tui · 🔔 1 unread")

        # Read from the command line: the count goes as well.
        await meanwhile(lambda: notifications.mark_read(world.agent.id))
        await within_seconds(pilot, LIVE, lambda: app.title == "crm-tui")


async def test_reminders_are_written_at_start_and_then_every_minute(
    db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "REMINDER_SECONDS", 0.5)
    soon = {"kind": "scheduled", "status": "pending", "type": "meeting"}
    log("Reunión con el gerente", NOW, starts_at=NOW + timedelta(minutes=10), **soon)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await within_seconds(pilot, 5, lambda: app.unread == 1)

        await meanwhile(lambda: log("Visita", NOW, starts_at=NOW + timedelta(minutes=5), **soon))
        await within_seconds(pilot, LIVE, lambda: app.unread == 2)
        await pilot.press("N")
        await settle(pilot, until=lambda: isinstance(app.screen, NotificationsScreen))
        assert "Starts at 10:05: Visita" in screen_text(app)
        # Minutes later, still one reminder each.
        await pilot.pause(1.5)
        assert app.unread == 2


# --- the poller's manners ----------------------------------------------------------------


async def test_the_apps_own_writes_do_not_reload_the_screen_in_front(
    db: store_db.Target, world: World
) -> None:
    for number in range(3):
        log(f"Tarea {number}", NOW + timedelta(hours=number), kind="task", status="pending")
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # My queue
        screen = app.screen
        assert isinstance(screen, CrmScreen)
        loads: list[bool] = []
        original = screen.load_data

        def counted(*, first: bool) -> None:
            loads.append(first)
            original(first=first)

        screen.load_data = counted
        version = app.data_version
        await pilot.press("d")  # done: the app's own write, shown in place
        await within_seconds(pilot, 5, lambda: app.data_version > version)
        await pilot.pause(WHILE)
        # Every other screen reloads when next shown; this one is as it is.
        assert app.data_version - version <= 2
        assert loads == []
        assert app.screen is screen


async def test_no_read_transaction_stays_open_between_looks(
    db: store_db.Target, world: World
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(WHILE)
        await idle_poller(pilot)
        # Nothing of the app runs until this test awaits again.
        if db.engine == "sqlite":
            # A checkpoint that empties the WAL waits for no reader: it is
            # "busy" while any connection holds a read snapshot.
            with store_db.current().connection_context():
                busy, _log, _done = (
                    store_db.current().execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                )
            assert busy == 0
        else:
            import psycopg2

            with psycopg2.connect(PG_URL, connect_timeout=5) as admin, admin.cursor() as cur:
                # This test's database only: other tests run on the same server.
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND application_name LIKE 'crm-tui%%' AND state LIKE 'idle in transaction%%'",
                    (database_name(db),),
                )
                assert cur.fetchone() == (0,)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_an_unreadable_database_is_skipped_quietly(
    db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "FALLBACK_POLL_SECONDS", POLL)  # looks while it is gone
    store_db.close()
    path = Path(db.location)
    aside = path.with_name("aside.db")
    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await idle_poller(pilot)
        # Gone from under the app: each look now finds no tables.
        os.replace(path, aside)
        await pilot.pause(POLL * 10)
        assert toasts(app) == []
        assert app.is_running

        await idle_poller(pilot)
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()  # the empty database the looks made meanwhile
        os.replace(aside, path)
        await meanwhile(
            lambda: notifications.notify(world.agent.id, "mention", text="@luis ¿sigues ahí?")
        )
        await within_seconds(pilot, LIVE, lambda: app.unread == 1)
        assert toasts(app) == []


def looks_counted(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When the app looks for changes from now on (the real look, counted)."""
    looks: list[float] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        looks.append(time.monotonic())
        return check_for_changes(*args, **kwargs)

    monkeypatch.setattr(app_module, "check_for_changes", counted)
    return looks


async def test_an_idle_app_asks_the_database_nothing(
    db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changes for two seconds: not one look (the old poller made
    one every two seconds, each agent, all day)."""
    # The first chores run could write (a rule due), and be looked at.
    monkeypatch.setattr(app_module, "CHORES_FIRST_SECONDS", FALLBACK)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(WHILE)  # the watcher's look once connected
        await idle_poller(pilot)
        looks = looks_counted(monkeypatch)
        await pilot.pause(2.0)
        assert looks == []

        await meanwhile(lambda: logged_by_ana("Llamada"))
        await within_seconds(pilot, LIVE, lambda: len(looks) >= 1)


async def test_without_a_watcher_the_app_looks_on_a_timer(
    db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A watcher that cannot start (here: a database file it may not open)
    says so, and the app looks every `POLL_SECONDS` instead: changes still
    show, without a toast."""

    def failing_watcher(_user_id: int, wake: Wake, failed: Callable[[str], object]) -> Any:
        return SqliteChangeWatcher(str(tmp_path / "not-allowed.db"), wake, failed).start()

    monkeypatch.setattr(app_module, "watch_changes", failing_watcher)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        looks = looks_counted(monkeypatch)
        await pilot.pause(WHILE)
        assert len(looks) >= 3  # every POLL

        await meanwhile(
            lambda: notifications.notify(world.agent.id, "mention", text="@luis ¿me oyes?")
        )
        await within_seconds(pilot, LIVE, lambda: app.unread == 1)
        assert toasts(app) == []


def watcher_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if "ChangeWatcher" in thread.name]


async def test_the_poller_stops_with_the_app(db: store_db.Target, world: World) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(WHILE)
        assert len(watcher_threads()) == 1
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not [worker for worker in app.workers if worker.is_running]
    assert watcher_threads() == []
