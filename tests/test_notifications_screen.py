"""The notifications screen driven as a person drives it (Pilot) on a real
database: newest first with the unread ones marked, Enter opens the target
and marks it read, `a` marks all read, `u` shows the unread ones only, a
deleted target says so, the count in the header follows; and its
snapshots at 80x24 and 120x40.

The data set is the snapshot sales floor (`app_helpers.build_floor`) plus
Luis's notifications: Marta's assignment of the closing meeting (read), a
mention on opportunity OP-001 (read), a mention on the inbound call
(unread) and the reminder of a visit starting in ten minutes (unread)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.notifications import NotificationsScreen
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services import notifications
from crm_tui.services.contacts import get_opportunity
from crm_tui.services.interactions import delete_interaction
from crm_tui.services.reminders import create_due_reminders
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import NOW, NOW_ENV, build_floor, log, make_app, settle, shown

MEETING = 4  # "Reunión de cierre", OP-002
CALL = 7  # "Llamada entrante", OP-001
VISIT = 8  # Luis's visit starting in ten minutes, made here
CALL_MENTION = "@luis ¿puedes llamarle tú mañana? Pide ampliar a dos tiendas."
OPPORTUNITY_MENTION = "@luis revisa el contrato antes del viernes"
MEETING_SUBJECT = "Reunión de cierre"
REMINDER = "Starts at 10:10: Visita de instalación"


def build_notification_floor(target: store_db.Target) -> None:
    build_floor(target)
    store_db.connect(target)
    try:
        luis, ana, marta = (get_user(name) for name in ("luis", "ana", "marta"))
        done = notifications.notify(
            luis.id,
            "assignment",
            actor_id=marta.id,
            interaction_id=MEETING,
            text=MEETING_SUBJECT,
            at=NOW - timedelta(days=1),
        )
        seen = notifications.notify(
            luis.id,
            "mention",
            actor_id=ana.id,
            opportunity_id=get_opportunity("OP-001").id,
            text=OPPORTUNITY_MENTION,
            at=NOW - timedelta(hours=3),
        )
        notifications.mark_read(luis.id, [done.id, seen.id])
        notifications.notify(
            luis.id,
            "mention",
            actor_id=ana.id,
            interaction_id=CALL,
            text=CALL_MENTION,
            at=NOW - timedelta(hours=1),
        )
        visit = log(
            "Visita de instalación",
            NOW,
            type="visit",
            kind="scheduled",
            status="pending",
            starts_at=NOW + timedelta(minutes=10),
        )
        assert visit.id == VISIT
        create_due_reminders(luis.id, NOW - timedelta(minutes=5))
    finally:
        store_db.close()


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    # The pictures of a 256-colour terminal, and a header that names the
    # database by a relative path, the same on every run.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_notification_floor(target)
    return target


def table_of(app: CrmApp) -> PagedTable[Any]:
    screen = app.screen
    assert isinstance(screen, NotificationsScreen), f"in front: {screen!r}"
    return screen.table


def rows(app: CrmApp) -> list[list[str]]:
    table = table_of(app)
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


def status(app: CrmApp) -> str:
    return shown(app.screen.query_one("#list-status", Label))


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def open_notifications(pilot: Pilot[None], key: str = "N") -> None:
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot, until=lambda: isinstance(pilot.app.screen, NotificationsScreen))


def the_header(app: CrmApp) -> str:
    return f"{app.title} — {app.sub_title}"


# --- the list -------------------------------------------------------------------------


async def test_newest_first_with_the_unread_ones_marked(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(140, 30)) as pilot:
        await open_notifications(pilot)
        assert rows(app) == [
            ["●", "Reminder", "The system", "09:55", "interaction 8", REMINDER],
            ["●", "Mention", "Ana Ruiz", "09:00", "interaction 7 · OP-001", CALL_MENTION],
            ["", "Mention", "Ana Ruiz", "07:00", "OP-001", OPPORTUNITY_MENTION],
            ["", "Assignment", "Marta Vidal", "Nov 22", "interaction 4 · OP-002", MEETING_SUBJECT],
        ]
        # Unread ones are bold as well as marked, read ones plain.
        table = table_of(app)
        assert all("bold" in str(cell.style) for cell in table.get_row_at(1))
        assert not any("bold" in str(cell.style) for cell in table.get_row_at(2)[1:])
        assert status(app) == "4 shown"
        assert the_header(app) == "crm-tui · 🔔 2 unread — crm.db · Luis Gómez"


async def test_the_screen_in_spanish(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(140, 30)) as pilot:
        await open_notifications(pilot)
        assert [row[1:5] for row in rows(app)] == [
            ["Recordatorio", "El sistema", "09:55", "interacción 8"],
            ["Mención", "Ana Ruiz", "09:00", "interacción 7 · OP-001"],
            ["Mención", "Ana Ruiz", "07:00", "OP-001"],
            ["Asignación", "Marta Vidal", "22 nov", "interacción 4 · OP-002"],
        ]
        assert shown(app.screen.query_one("#list-heading", Label)) == "Notificaciones"
        assert "🔔 2 sin leer" in app.title


async def test_it_is_a_main_screen_reached_with_n_or_6(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_notifications(pilot, "6")
        assert app.current_mode == "notifications"
        await pilot.press("1")
        await settle(pilot)
        assert app.current_mode == "queue"
        await pilot.press("N")
        await settle(pilot)
        assert app.current_mode == "notifications"
        await pilot.press("q")  # a main screen: q quits, as on the others
        await pilot.pause()
        assert app.return_code == 0


async def test_typing_n_in_a_search_box_is_text(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("slash", "N", "u", "e", "v", "o")
        await settle(pilot)
        assert app.current_mode == "interactions"
        assert app.screen.query_one(Input).value == "Nuevo"


# --- following one ----------------------------------------------------------------------


async def test_enter_opens_the_interaction_and_marks_it_read(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_notifications(pilot)
        await pilot.press("j", "enter")  # the mention on the call
        await settle(pilot, until=lambda: isinstance(app.screen, InteractionDetailScreen))
        detail = app.screen
        assert isinstance(detail, InteractionDetailScreen) and detail.interaction_id == CALL
        await settle(pilot, until=lambda: app.unread == 1)
        assert the_header(app).startswith("crm-tui · 🔔 1 unread — ")

        await pilot.press("q")
        await settle(pilot, until=lambda: isinstance(app.screen, NotificationsScreen))
        assert [row[0] for row in rows(app)] == ["●", "", "", ""]
        assert table_of(app).cursor_row == 1  # still on the one just read

    store_db.connect(floor)
    try:
        unread = notifications.list_notifications(get_user("luis").id)
        assert [n.interaction_id for n in unread] == [VISIT]
    finally:
        store_db.close()


async def test_a_notification_about_an_opportunity_opens_its_timeline(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_notifications(pilot)
        await pilot.press("j", "j", "enter")
        await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))
        assert app.unread == 2  # that one was read already


async def test_a_deleted_target_says_so_and_stays(floor: store_db.Target) -> None:
    store_db.connect(floor)
    try:
        delete_interaction(CALL, actor=get_user("ana"))
    finally:
        store_db.close()
    app = make_app(floor)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_notifications(pilot)
        assert rows(app)[1][:5] == ["●", "Mention", "Ana Ruiz", "09:00", "deleted"]
        await pilot.press("j", "enter")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["What this notification is about has been deleted"]
        assert isinstance(app.screen, NotificationsScreen)
        await settle(pilot, until=lambda: app.unread == 1)
        assert rows(app)[1][0] == ""


async def test_a_target_deleted_while_the_list_is_shown_says_so(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_notifications(pilot)
        store_db.connect(floor)
        try:
            delete_interaction(CALL, actor=get_user("ana"))
        finally:
            store_db.close()
        await pilot.press("j", "enter")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["What this notification is about has been deleted"]
        assert isinstance(app.screen, NotificationsScreen)


# --- all read, unread only ---------------------------------------------------------------


async def test_a_marks_all_read_and_u_shows_the_unread_ones_only(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await open_notifications(pilot)
        await pilot.press("u")
        await settle(pilot)
        heading = app.screen.query_one("#list-heading", Label)
        assert shown(heading) == "Notifications · unread only"
        assert [row[1] for row in rows(app)] == ["Reminder", "Mention"]

        await pilot.press("a")
        await settle(pilot, until=lambda: status(app) == "Nothing unread")
        assert rows(app) == []
        await settle(pilot, until=lambda: app.unread == 0)
        assert app.title == "crm-tui"  # no count when there is nothing unread
        assert "2 marked read" in toasts(app)

        await pilot.press("u")
        await settle(pilot)
        assert shown(heading) == "Notifications"
        assert [row[0] for row in rows(app)] == ["", "", "", ""]


async def test_thousands_are_read_a_page_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    target = store_db.Target("sqlite", str(tmp_path / "crm.db"))
    build_floor(target)
    store_db.connect(target)
    try:
        luis = get_user("luis")
        for number in range(120):
            notifications.notify(luis.id, "reminder", text=f"Recordatorio {number:03d}")
    finally:
        store_db.close()
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_notifications(pilot)
        assert table_of(app).row_count == 50
        assert status(app) == "50 shown · more below"
        assert the_header(app).startswith("crm-tui · 🔔 120 unread")
        await pilot.press("G")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert [row[5] for row in rows(app)][::50] == [
            "Recordatorio 119",
            "Recordatorio 069",
            "Recordatorio 019",
        ]
        assert status(app) == "120 shown"


async def test_hostile_text_shows_as_typed(floor: store_db.Target) -> None:
    hostile = "[bold red]boom[/] [@click=app.quit]x[/] \x1b]0;pwned\x07 مرحبا 👋🏽"
    store_db.connect(floor)
    try:
        notifications.notify(
            get_user("luis").id, "mention", actor_id=get_user("ana").id, text=hostile
        )
    finally:
        store_db.close()
    app = make_app(floor)
    async with app.run_test(size=(160, 30)) as pilot:
        await open_notifications(pilot)
        assert rows(app)[0][5] == "[bold red]boom[/] [@click=app.quit]x[/] ]0;pwned مرحبا 👋🏽"
        assert app.is_running


# --- snapshots ----------------------------------------------------------------------------


async def on_the_notifications(pilot: Pilot[None]) -> None:
    await open_notifications(pilot)
    await pilot.press("j")  # the cursor on an unread one
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_notifications_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor)
    assert snap_compare(app, terminal_size=size, run_before=on_the_notifications)
