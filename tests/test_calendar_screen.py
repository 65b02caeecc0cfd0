"""The calendar screen driven as a person drives it (Pilot): moving by day
and week, going to a typed date, another person's calendar (supervisors
only), opening and closing an event; and its pictures, day and week, at
80x24 and 120x40."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.calendar import CalendarScreen
from crm_tui.screens.calendar_dialogs import GoToDateDialog, PersonChooser
from crm_tui.screens.close_event_dialog import CloseEventDialog
from crm_tui.screens.events import EventsScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.services import contacts, users
from crm_tui.services.comments import list_comments
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.widgets.calendar_week import DayOptions, WeekGrid
from crm_tui.widgets.event_agenda import EventAgenda

from .app_helpers import NOW, NOW_ENV, install_defaults_without_rules, log, make_app, settle, shown
from .conftest import World


def event(subject: str, start: datetime, **fields: Any) -> InteractionRecord:
    """A scheduled event starting at `start` (luis's unless `user` says)."""
    fields.setdefault("status", "pending")
    fields.setdefault("type", "meeting")
    return log(subject, start, kind="scheduled", starts_at=start, **fields)


def add_week() -> dict[str, InteractionRecord]:
    """Events around NOW (Monday 23 Nov 2026, 10:00), by subject."""
    monday = NOW.replace(hour=0)
    made = [
        event(
            "Desayuno con López",
            monday.replace(hour=8, minute=30),
            ends_at=monday.replace(hour=9),
        ),
        event(
            "Visita a la panadería",
            monday.replace(hour=16),
            ends_at=monday.replace(hour=17),
            type="visit",
            contact="C-002",
            status="in_progress",
        ),
        event("Llamada de control", monday + timedelta(days=1, hours=9, minutes=30), type="call"),
        event("Revisión cerrada", monday + timedelta(days=1, hours=11), status="done"),
        event("Reunión anulada", monday + timedelta(days=3, hours=11), status="cancelled"),
        event("Demo del horno", monday + timedelta(days=7, hours=10), contact="C-002"),
        event(
            "Llamar para confirmar pedido",
            monday + timedelta(hours=14),
            type="call",
            contact="C-002",
            user=None,  # in the pool: luis's as its creator
        ),
        event("Formación interna", monday + timedelta(days=1, hours=12), user="marta"),
    ]
    return {record.subject: record for record in made}


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def heading(app: CrmApp) -> str:
    return shown(app.screen.query_one("#list-heading", Label))


def agenda_lines(app: CrmApp) -> list[str]:
    options = app.screen.query_one(EventAgenda).options.options
    return [" ".join(str(getattr(o.prompt, "plain", o.prompt)).split()) for o in options]


def grid_days(app: CrmApp) -> list[list[str]]:
    """Each week column's options, lines joined by " / "."""
    return [
        [" / ".join(str(getattr(o.prompt, "plain", o.prompt)).split("\n")) for o in day.options]
        for day in app.screen.query(DayOptions)
    ]


def at_cursor(app: CrmApp) -> str | None:
    screen = app.screen
    assert isinstance(screen, CalendarScreen)
    record = (
        screen.grid.record_at_cursor()
        if screen.as_grid
        else screen.query_one(EventAgenda).record_at_cursor()
    )
    return record.subject if record else None


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def open_calendar(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, CrmApp)
    await settle(pilot, lambda: app.actor is not None)
    app.push_screen(CalendarScreen())
    await settle(pilot, lambda: isinstance(app.screen, CalendarScreen))


async def press(pilot: Pilot[Any], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def test_keys_move_by_day_and_by_week(world: World, db: store_db.Target, now: None) -> None:
    add_week()
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_calendar(pilot)
        assert heading(app) == "Calendar · Luis Gómez · week 48, Nov 23 – 29, 2026"
        lines = agenda_lines(app)
        assert lines[0] == "Monday, November 23 · today"
        assert "Sunday, November 29 · no events" in lines
        assert not any("Demo del horno" in line for line in lines)

        await press(pilot, "d")
        assert heading(app) == "Calendar · Luis Gómez · Monday, November 23, 2026"
        lines = agenda_lines(app)
        assert lines[0] == "Monday, November 23 · today"
        assert lines[1].startswith("08:30–09:00 ◆ Meeting ⚠ Overdue Ferretería López Desayuno")
        assert lines[2] == "── now 10:00 ──"
        assert lines[3].startswith("14:00 ☎ Call Pending Panadería Sol Llamar para")
        assert lines[4].startswith("16:00–17:00 ⌂ Visit In progress Panadería Sol Visita")

        await press(pilot, "right")
        assert heading(app).endswith("Tuesday, November 24, 2026")
        await press(pilot, "l", "l")
        assert heading(app).endswith("Thursday, November 26, 2026")
        assert any("Reunión anulada" in line and "Cancelled" in line for line in agenda_lines(app))
        await press(pilot, "h")
        assert heading(app).endswith("Wednesday, November 25, 2026")
        assert agenda_lines(app) == ["Wednesday, November 25 · no events"]
        await press(pilot, "right_square_bracket")
        assert heading(app).endswith("Wednesday, December 2, 2026")
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert heading(app).endswith("Wednesday, November 18, 2026")
        await press(pilot, "t")
        assert heading(app).endswith("Monday, November 23, 2026")

        await press(pilot, "w", "right")
        assert heading(app).endswith("week 49, Nov 30 – Dec 6, 2026")
        assert "Demo del horno" in agenda_lines(app)[1]
        await press(pilot, "left")
        assert heading(app).endswith("week 48, Nov 23 – 29, 2026")


async def test_g_goes_to_a_typed_date_and_says_when_it_is_not_one(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()

    app = make_app(db, lang="es")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_calendar(pilot)
        await press(pilot, "d", "g")
        assert isinstance(app.screen, GoToDateDialog)
        await press(pilot, *"pronto", "enter")
        assert isinstance(app.screen, GoToDateDialog)
        message = shown(app.screen.query_one("#calendar-goto-message", Label))
        assert "pronto" in message
        app.screen.query_one(Input).value = ""
        await press(pilot, *"12/12")
        message = shown(app.screen.query_one("#calendar-goto-message", Label))
        assert message == "→ sábado, 12 de diciembre de 2026"
        await press(pilot, "enter")
        assert isinstance(app.screen, CalendarScreen)
        assert heading(app) == "Calendario · Luis Gómez · sábado, 12 de diciembre de 2026"
        assert agenda_lines(app) == ["Sábado, 12 de diciembre · sin eventos"]

        await press(pilot, "w", "g", *"+3d", "enter")
        assert heading(app) == "Calendario · Luis Gómez · semana 48, 23–29 nov 2026"


async def test_an_agent_cannot_switch_calendars(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_calendar(pilot)
        await press(pilot, "u")
        assert isinstance(app.screen, CalendarScreen)
        assert (
            "Only roles with 'see-others-calendar' can see another person's calendar;"
            " you are an agent" in toasts(app)
        )


async def test_a_supervisor_shows_an_agents_calendar(
    world: World, db: store_db.Target, now: None
) -> None:
    add_week()
    store_db.close()

    app = make_app(db, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_calendar(pilot)
        assert heading(app).startswith("Calendar · Marta Vidal · week 48")
        lines = agenda_lines(app)
        assert any("Formación interna" in line for line in lines)
        assert not any("Desayuno con López" in line for line in lines)
        await press(pilot, "u")
        assert isinstance(app.screen, PersonChooser)
        people = app.screen.query_one(OptionList)
        assert [option.id for option in people.options] == ["ana", "luis", "marta"]
        await press(pilot, *"lgmz")  # fuzzy: Luis Gómez
        assert [option.id for option in people.options] == ["luis"]
        await press(pilot, "enter")
        assert heading(app).startswith("Calendar · Luis Gómez · week 48")
        lines = agenda_lines(app)
        assert any("Desayuno con López" in line for line in lines)
        assert any("Formación interna" in line for line in lines)  # luis made it for her


async def test_enter_opens_the_event_and_d_closes_it(
    world: World, db: store_db.Target, now: None
) -> None:
    events = add_week()
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_calendar(pilot)
        await press(pilot, "d")
        assert at_cursor(app) == "Desayuno con López"
        await press(pilot, "j", "j")
        assert at_cursor(app) == "Visita a la panadería"
        await press(pilot, "k", "k", "enter")
        detail = app.screen
        assert isinstance(detail, InteractionDetailScreen)
        await press(pilot, "escape")
        await settle(pilot, lambda: isinstance(app.screen, CalendarScreen))
        assert heading(app).endswith("Monday, November 23, 2026")  # the day is kept

        await press(pilot, "D")
        assert isinstance(app.screen, CloseEventDialog)
        await press(pilot, *"Fue bien", "ctrl+j")
        await settle(pilot, lambda: isinstance(app.screen, CalendarScreen))
        await settle(pilot)
        [line] = [line for line in agenda_lines(app) if "Desayuno" in line]
        assert "Done" in line and "Overdue" not in line

        await press(pilot, "D")  # closed already: nothing to close
        assert isinstance(app.screen, CalendarScreen)
        assert "This event is done or cancelled already" in toasts(app)

    store_db.connect(db)
    item = events["Desayuno con López"]
    assert get_interaction(item.id).status == "done"
    assert [comment.body for comment in list_comments(item.id)] == ["Fue bien"]


async def test_a_wide_week_is_seven_columns_with_one_cursor(
    world: World, db: store_db.Target, now: None
) -> None:
    add_week()
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_calendar(pilot)
        assert app.screen.query_one(WeekGrid).has_focus
        days = grid_days(app)
        assert len(days) == 7
        assert days[0][0] == "08:30–09:00 / ◆ Desayuno con López / Ferretería López / ⚠ Overdue"
        assert days[2] == ["No events"]
        assert at_cursor(app) == "Desayuno con López"
        await press(pilot, "j", "j", "j")
        assert at_cursor(app) == "Llamada de control"  # past Monday, into Tuesday

        await pilot.resize_terminal(100, 30)  # too narrow: the week as an agenda
        await settle(pilot)
        assert not app.screen.query_one(WeekGrid).display
        assert any("Llamada de control" in line for line in agenda_lines(app))
        await pilot.resize_terminal(140, 40)
        await settle(pilot)
        assert app.screen.query_one(WeekGrid).display
        await press(pilot, "enter")
        assert isinstance(app.screen, InteractionDetailScreen)


async def test_v_in_upcoming_events_opens_the_calendar(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        await settle(pilot, lambda: isinstance(app.screen, EventsScreen))
        await press(pilot, "v")
        assert isinstance(app.screen, CalendarScreen)
        assert heading(app).startswith("Calendar · Luis Gómez · week 48")


# --- the pictures -----------------------------------------------------------------------


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    store_db.connect(target)
    try:
        install_defaults_without_rules()
        admin = users.add_user("ana", "Ana Ruiz", role="admin")
        users.add_user("luis", "Luis Gómez")
        users.add_user("marta", "Marta Vidal", role="supervisor")
        contacts.create_contact("C-001", "Ferretería López", actor_id=admin.id)
        contacts.create_contact("C-002", "Panadería Sol", actor_id=admin.id)
        add_week()
    finally:
        store_db.close()
    return target


async def week_view(pilot: Pilot[Any]) -> None:
    await open_calendar(pilot)


async def day_view(pilot: Pilot[Any]) -> None:
    await open_calendar(pilot)
    await press(pilot, "d")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("view", [week_view, day_view], ids=["week", "day"])
def test_calendar_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int], view: Any
) -> None:
    assert snap_compare(make_app(floor), terminal_size=size, run_before=view)


def test_calendar_week_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    assert snap_compare(make_app(floor, lang="es"), terminal_size=(120, 40), run_before=week_view)
