"""The upcoming events, contacts and opportunities screens, driven as a
person drives them (Pilot) on real databases made through the services:
what each shows and in which order, the day headings of the events,
incremental search, paging, what Enter opens, hostile names; and pictures
of each screen at 80x24 and 120x40 (snapshots)."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens import contacts as contacts_screen
from crm_tui.screens import events as events_screen
from crm_tui.screens import opportunities as opportunities_screen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.events import EventsScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.opportunities import OpportunitiesScreen
from crm_tui.services import contacts, users
from crm_tui.services.errors import DatabaseBusy
from crm_tui.services.events import DayGroup
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import ContactRecord, InteractionRecord
from crm_tui.services.text import clean_line
from crm_tui.store import db as store_db
from crm_tui.widgets.event_agenda import EventAgenda
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import NOW, NOW_ENV, build_floor, log, make_app, settle, shown
from .conftest import World

MODE_KEYS = {"events": "2", "contacts": "4", "opportunities": "5"}

HOSTILE = "[bold]Oferta[/] [@click=app.quit]x[/] \x1b]0;title\x07[red]rojo"


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def event(subject: str, at: datetime, **fields: Any) -> InteractionRecord:
    """An open scheduled event starting at `at`, recorded by luis."""
    fields.setdefault("status", "pending")
    return log(subject, at, kind="scheduled", starts_at=at, **fields)


async def settle_lists(pilot: Pilot[Any]) -> None:
    """`settle`, and until no paged table of the screen waits for a page."""
    app = pilot.app
    await settle(pilot, until=lambda: not any(t.is_loading for t in app.screen.query(PagedTable)))


async def open_mode(pilot: Pilot[Any], mode: str) -> None:
    await settle(pilot)
    await pilot.press(MODE_KEYS[mode])
    await settle_lists(pilot)


async def type_and_pause(pilot: Pilot[Any], *keys: str) -> None:
    """Keys typed quickly, then a pause long enough for the search to run."""
    await pilot.press(*keys)
    await pilot.pause(0.4)
    await settle_lists(pilot)


def table_of(app: CrmApp) -> PagedTable[Any]:
    return app.screen.query_one(PagedTable)


def column(app: CrmApp, key: str) -> list[str]:
    return [cell.plain for cell in table_of(app).get_column(key)]


def status_line(app: CrmApp) -> str:
    return shown(app.screen.query_one("#list-status", Label))


def heading(app: CrmApp) -> str:
    return shown(app.screen.query_one("#list-heading", Label))


def agenda_lines(app: CrmApp) -> list[str]:
    """What the events list shows, a line per option, trailing spaces cut."""
    options = app.screen.query_one(EventAgenda).options.options
    return [shown_prompt(option.prompt) for option in options]


def shown_prompt(prompt: object) -> str:
    plain = getattr(prompt, "plain", None)
    return " ".join((plain if isinstance(plain, str) else str(prompt)).split())


def cursor_line(app: CrmApp) -> str:
    options = app.screen.query_one(EventAgenda).options
    option = options.highlighted_option
    return shown_prompt(option.prompt) if option is not None else ""


# --- upcoming events ----------------------------------------------------------------


async def test_events_come_overdue_first_then_under_a_heading_per_day(
    world: World, db: store_db.Target, now: None
) -> None:
    later = event("Demostración", NOW + timedelta(days=3, hours=1), type="meeting")
    event("Llamada de hoy", NOW + timedelta(hours=4), contact="C-002")
    event("Primera de hoy", NOW + timedelta(hours=1))
    event("Mañana", NOW + timedelta(days=1))
    event("Vencida ayer", NOW - timedelta(days=1), type="visit")
    event("Vencida hoy", NOW - timedelta(hours=2), user="marta")  # luis created it
    event("Fuera del horizonte", NOW + timedelta(days=20))
    event("Ya hecha", NOW + timedelta(hours=2), status="done")
    log("Llamada registrada", NOW - timedelta(hours=1))  # logged, not scheduled
    create_interaction(  # neither created by luis nor his
        InteractionDraft(
            type="call",
            contact="C-001",
            created_by="marta",
            user="marta",
            kind="scheduled",
            status="pending",
            subject="De Marta",
            occurred_at=NOW + timedelta(hours=3),
            starts_at=NOW + timedelta(hours=3),
        )
    )
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_mode(pilot, "events")
        assert isinstance(app.screen, EventsScreen)
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        assert heading(app) == "Upcoming events · next 14 days"
        assert status_line(app) == "Events: 6 · overdue: 2"
        assert agenda_lines(app) == [
            "Overdue",
            "Nov 22 ⌂ Visit Pending Ferretería López Vencida ayer Luis Gómez",
            "08:00 ☎ Call Pending Ferretería López Vencida hoy Marta Vidal",
            "Today · Mon, Nov 23",
            "11:00 ☎ Call Pending Ferretería López Primera de hoy Luis Gómez",
            "14:00 ☎ Call Pending Panadería Sol Llamada de hoy Luis Gómez",
            "Tomorrow · Tue, Nov 24",
            "10:00 ☎ Call Pending Ferretería López Mañana Luis Gómez",
            "Thu, Nov 26",
            "11:00 ◆ Meeting Pending Ferretería López Demostración Luis Gómez",
        ]
        columns = shown(app.screen.query_one("#agenda-columns", Label))
        assert shown_prompt(columns) == "When Type Status Contact Subject / note Responsible"

        # The cursor starts on the first event and steps over the headings.
        assert cursor_line(app).endswith("Vencida ayer Luis Gómez")
        await pilot.press("j", "j")
        assert "Primera de hoy" in cursor_line(app)
        await pilot.press("k")
        assert "Vencida hoy" in cursor_line(app)
        await pilot.press("G")
        assert "Demostración" in cursor_line(app)
        await pilot.press("g")
        assert "Vencida ayer" in cursor_line(app)

        await pilot.press("G", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InteractionDetailScreen)
        assert app.screen.record.id == later.id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)


async def test_a_click_on_a_heading_opens_nothing(
    world: World, db: store_db.Target, now: None
) -> None:
    event("Vencida", NOW - timedelta(days=1))
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        assert agenda_lines(app)[0] == "Overdue"
        await pilot.click("AgendaOptions", offset=(3, 0))  # the heading
        await pilot.pause()
        assert isinstance(app.screen, EventsScreen)
        await pilot.click("AgendaOptions", offset=(3, 1))  # the event
        await pilot.pause()
        assert isinstance(app.screen, InteractionDetailScreen)


async def test_h_looks_further_ahead_and_says_so(
    world: World, db: store_db.Target, now: None
) -> None:
    event("En tres semanas", NOW + timedelta(days=21))
    event("En dos meses", NOW + timedelta(days=60))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        assert status_line(app) == "Nothing scheduled in the next 14 days"
        assert agenda_lines(app) == ["Nothing scheduled in the next 14 days"]

        await pilot.press("h")
        await settle(pilot, until=lambda: len(agenda_lines(app)) == 2)
        assert heading(app) == "Upcoming events · next 30 days"
        assert agenda_lines(app)[0] == "Mon, Dec 14"
        assert status_line(app) == "Events: 1"

        await pilot.press("h")
        await settle(pilot, until=lambda: len(agenda_lines(app)) == 4)
        assert heading(app) == "Upcoming events · next 90 days"
        assert agenda_lines(app)[2] == "Fri, Jan 22, 2027"

        await pilot.press("h")  # round again
        await settle(pilot, until=lambda: len(agenda_lines(app)) == 1)
        assert heading(app) == "Upcoming events · next 14 days"


async def test_refresh_shows_a_new_event_and_keeps_the_cursor(
    world: World, db: store_db.Target, now: None
) -> None:
    event("Primera", NOW + timedelta(hours=1))
    event("Segunda", NOW + timedelta(hours=3))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        await pilot.press("j")
        assert "Segunda" in cursor_line(app)
        event("Nueva antes", NOW + timedelta(minutes=30))  # another agent schedules one
        await pilot.press("r")
        await settle(pilot, until=lambda: len(agenda_lines(app)) == 4)
        assert "Segunda" in cursor_line(app)
        assert "Nueva antes" in agenda_lines(app)[1]


async def test_the_events_speak_spanish(world: World, db: store_db.Target, now: None) -> None:
    event("Vencida", NOW - timedelta(days=3))
    event("Hoy", NOW + timedelta(hours=1))
    event("Mañana", NOW + timedelta(days=1))
    event("Miércoles", NOW + timedelta(days=2))
    store_db.close()

    app = make_app(db, lang="es")
    async with app.run_test(size=(120, 24)) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        assert heading(app) == "Próximos eventos · próximos 14 días"
        assert status_line(app) == "Eventos: 4 · vencidos: 1"
        lines = agenda_lines(app)
        assert lines[0] == "Vencidos"
        assert lines[1].startswith("20 nov ☎ Llamada Pendiente")
        assert lines[2:] == [
            "Hoy · Lun, 23 nov",
            "11:00 ☎ Llamada Pendiente Ferretería López Hoy Luis Gómez",
            "Mañana · Mar, 24 nov",
            "10:00 ☎ Llamada Pendiente Ferretería López Mañana Luis Gómez",
            "Mié, 25 nov",
            "10:00 ☎ Llamada Pendiente Ferretería López Miércoles Luis Gómez",
        ]


async def test_events_that_cannot_be_read_say_so(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_db.close()

    def busy(*args: Any, **kwargs: Any) -> list[DayGroup]:
        raise DatabaseBusy()

    monkeypatch.setattr(events_screen, "upcoming_events", busy)
    app = make_app(db)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(app.screen.query(Toast)))
        assert status_line(app) == "The list could not be loaded"
        assert [shown(toast) for toast in app.screen.query(Toast)] == [
            "the database stayed busy (locked by another program); nothing was saved, try again"
        ]
        assert app.is_running


@pytest.mark.parametrize(
    "terminal",
    [{"TERM": "linux"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}],
    ids=["16-colours", "no-colour"],
)
async def test_the_events_read_without_colour(
    world: World,
    db: store_db.Target,
    now: None,
    monkeypatch: pytest.MonkeyPatch,
    terminal: dict[str, str],
) -> None:
    event("Vencida", NOW - timedelta(days=1))
    event("Hoy", NOW + timedelta(hours=1))
    store_db.close()
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in terminal.items():
        monkeypatch.setenv(name, value)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_mode(pilot, "events")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        # Overdue reads from the heading, not from a colour.
        assert [line.split(" ☎")[0] for line in agenda_lines(app)] == [
            "Overdue",
            "Nov 22",
            "Today · Mon, Nov 23",
            "11:00",
        ]


# --- contacts -------------------------------------------------------------------------


@pytest.fixture
def many_contacts(world: World) -> list[ContactRecord]:
    """120 contacts more, in pairs sharing a name (the keyset must neither
    skip nor repeat one of a pair), one with a phone number."""
    made = []
    for number in range(120):
        made.append(
            contacts.create_contact(
                f"K-{number:03d}",
                f"Cliente {number // 2:03d}",
                company="Pares S.A." if number % 2 else "",
                phone="+34 911 222 333" if number == 77 else "",
                actor_id=world.admin.id,
            )
        )
    return made


async def test_contacts_page_by_name_as_the_cursor_nears_the_end(
    world: World, db: store_db.Target, now: None, many_contacts: list[ContactRecord]
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_mode(pilot, "contacts")
        assert isinstance(app.screen, ContactsScreen)
        table = table_of(app)
        assert table.row_count == 50 and table.has_more
        assert status_line(app) == "50 shown · more below"
        assert heading(app) == "Contacts"

        await pilot.press("G")  # last loaded row: near the end, so the next page comes
        await settle_lists(pilot)
        assert table.row_count == 100 and table.cursor_row == 49
        for _ in range(40):
            await pilot.press("j")
        await settle_lists(pilot)
        assert table.row_count == 122 and not table.has_more
        assert status_line(app) == "122 shown"
        # By name, then by id: every contact once, in order.
        expected = sorted(
            [*many_contacts, world.contact, world.other_contact], key=lambda c: (c.name, c.id)
        )
        assert column(app, "code") == [c.code for c in expected]


async def test_contacts_search_narrows_with_one_query_per_pause(
    world: World,
    db: store_db.Target,
    now: None,
    many_contacts: list[ContactRecord],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_db.close()
    questions: list[str] = []
    search_contacts = contacts_screen.search_contacts

    def counted(text: str = "", **paging: Any) -> list[ContactRecord]:
        questions.append(text)
        return search_contacts(text, **paging)

    monkeypatch.setattr(contacts_screen, "search_contacts", counted)

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_mode(pilot, "contacts")
        questions.clear()
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#search", Input)
        await type_and_pause(pilot, *"ferre")  # quick typing, then a pause: one question
        assert questions == ["ferre"]
        assert column(app, "name") == ["Ferretería López"]
        assert column(app, "company") == ["López S.L."]
        assert status_line(app) == "1 shown"

        await type_and_pause(pilot, "x", "backspace")  # the same text again: no question
        assert questions == ["ferre"]

        # A phone number: digits typed in the box are not the mode keys.
        await type_and_pause(pilot, *("backspace",) * 5, *"911")
        assert isinstance(app.screen, ContactsScreen)
        assert column(app, "code") == ["K-077"]
        assert questions == ["ferre", "911"]

        await type_and_pause(pilot, *("backspace",) * 3, *"c-002")  # a code, in any case
        assert column(app, "code") == ["C-002"]
        assert column(app, "credit") == ["⚠ on hold"]

        await pilot.press(*("backspace",) * 5, *"pares", "enter")  # a company; Enter at once
        await settle_lists(pilot)
        assert table_of(app).row_count == 50 and status_line(app) == "50 shown · more below"
        assert app.focused is table_of(app)

        await pilot.press("slash", *"zzz", "enter")
        await settle_lists(pilot)
        assert table_of(app).row_count == 0
        assert status_line(app) == "Nothing matches “zzz”"  # focus selects the old text

        await pilot.press("escape")
        await settle_lists(pilot)
        assert app.screen.query_one("#search", Input).value == ""
        assert table_of(app).row_count == 50 and app.focused is table_of(app)


async def test_a_contact_shows_its_owner(world: World, db: store_db.Target, now: None) -> None:
    contacts.create_contact("C-003", "Talleres Norte", owner_id=world.supervisor.id)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "contacts")
        assert column(app, "owner") == ["", "", "marta"]


async def test_enter_on_a_contact_opens_it(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_db.close()
    opened: list[str] = []
    monkeypatch.setattr(contacts_screen, "open_contact", lambda app, code: opened.append(code))
    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "contacts")
        assert column(app, "code") == ["C-001", "C-002"]
        await pilot.press("j", "enter")
        await pilot.pause()
        assert opened == ["C-002"]


@pytest.mark.skipif(
    importlib.util.find_spec("crm_tui.screens.contact") is None,
    reason="the contact screen is not written yet",
)
async def test_enter_on_a_contact_shows_the_contact_screen(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "contacts")
        await pilot.press("j", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ContactScreen"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)


# --- opportunities ------------------------------------------------------------------


async def test_opportunities_come_newest_first_and_search_narrows(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts.create_opportunity(
        "OP-003", "Horno de leña", world.contact.id, stage="won", value="12500.5"
    )
    store_db.close()
    opened: list[str] = []
    monkeypatch.setattr(
        opportunities_screen, "open_opportunity", lambda app, code: opened.append(code)
    )

    app = make_app(db)
    async with app.run_test(size=(120, 24)) as pilot:
        await open_mode(pilot, "opportunities")
        assert isinstance(app.screen, OpportunitiesScreen)
        assert heading(app) == "Opportunities"
        assert column(app, "code") == ["OP-003", "OP-002", "OP-001"]
        assert [cell.plain for cell in table_of(app).get_row_at(0)] == [
            "OP-003",
            "Horno de leña",
            "Ferretería López",
            "Won",
            "12,500.50",
            "",
        ]
        assert column(app, "stage") == ["Won", "New", "Proposal"]

        await type_and_pause(pilot, "slash", *"horno")  # titles
        assert column(app, "code") == ["OP-003", "OP-002"]
        await type_and_pause(pilot, *("backspace",) * 5, *"panad")  # a contact's name
        assert column(app, "code") == ["OP-002"]

        await pilot.press("enter", "enter")  # search at once, then open
        await pilot.pause()
        assert opened == ["OP-002"]


@pytest.mark.skipif(
    importlib.util.find_spec("crm_tui.screens.timeline") is None,
    reason="the timeline screen is not written yet",
)
async def test_enter_on_an_opportunity_shows_its_timeline(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 24)) as pilot:
        await open_mode(pilot, "opportunities")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TimelineScreen"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, OpportunitiesScreen)


async def test_opportunities_page_by_id(world: World, db: store_db.Target, now: None) -> None:
    for number in range(60):
        contacts.create_opportunity(f"OQ-{number:03d}", f"Oferta {number}", world.contact.id)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_mode(pilot, "opportunities")
        assert status_line(app) == "50 shown · more below"
        await pilot.press("G")
        await settle_lists(pilot)
        codes = column(app, "code")
        assert codes == [f"OQ-{n:03d}" for n in reversed(range(60))] + ["OP-002", "OP-001"]
        assert status_line(app) == "62 shown"


# --- hostile names ----------------------------------------------------------------------


async def test_hostile_names_show_as_typed_in_every_list(
    world: World, db: store_db.Target, now: None
) -> None:
    hostile = contacts.create_contact(
        "[X]", HOSTILE, company=HOSTILE, phone=HOSTILE, actor_id=world.admin.id
    )
    contacts.create_opportunity("[@click=app.quit]", HOSTILE, hostile.id, stage=HOSTILE)
    event(HOSTILE, NOW + timedelta(hours=1))
    store_db.close()
    typed = clean_line(HOSTILE)
    assert "\x1b" not in typed and "]0;title" in typed

    app = make_app(db)
    async with app.run_test(size=(160, 24)) as pilot:
        await open_mode(pilot, "contacts")
        row = [cell.plain for cell in table_of(app).get_row_at(2)]  # "[" sorts after letters
        assert row[:4] == ["[X]", typed, typed, typed]

        await pilot.press("5")
        await settle_lists(pilot)
        row = [cell.plain for cell in table_of(app).get_row_at(0)]
        assert row[:4] == ["[@click=app.quit]", typed, typed, typed]
        for _ in range(2):  # clicking the text runs no action hidden in it
            await pilot.click("PagedTable", offset=(30, 1))
        assert app.is_running

        await pilot.press("2")
        await settle(pilot, until=lambda: bool(agenda_lines(app)))
        assert agenda_lines(app)[1] == f"11:00 ☎ Call Pending Ferretería López {typed} Luis Gómez"
        await pilot.click("AgendaOptions", offset=(60, 1))
        await pilot.pause()
        assert app.is_running


# --- pictures ---------------------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The snapshot floor (tests/test_app_snapshots.py), with a few events
    of luis's (overdue, today, tomorrow and next week) and a contact of
    marta's on credit hold with an opportunity in the proposal stage."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    store_db.connect(target)
    try:
        rows = [
            ("Visita de instalación", NOW - timedelta(days=2, hours=1), "visit", "C-002"),
            ("Demostración del horno", NOW + timedelta(days=1, hours=6), "meeting", "C-002"),
            ("Llamar por la oferta", NOW + timedelta(days=5), "call", "C-001"),
        ]
        for number, (subject, at, kind, contact) in enumerate(rows, start=90):
            event(
                subject,
                at,
                type=kind,
                contact=contact,
                uid=f"00000000-0000-4000-8000-{number:012d}",
            )
        marta = users.get_user("marta")
        workshop = contacts.create_contact(
            "C-003",
            "Talleres Norte",
            company="Norte S.A.",
            phone="+34 944 000 003",
            credit_hold=True,
            owner_id=marta.id,
        )
        contacts.create_opportunity(
            "OP-003",
            "Ampliación del taller",
            workshop.id,
            stage="proposal",
            value="18450.75",
            owner_id=marta.id,
        )
    finally:
        store_db.close()
    return target


def in_mode(mode: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_mode(pilot, mode)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("mode", ["events", "contacts", "opportunities"])
def test_screen_pictures(
    snap_compare: Any, floor: store_db.Target, mode: str, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(floor), terminal_size=size, run_before=in_mode(mode))


def test_events_picture_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    assert snap_compare(app, terminal_size=(80, 24), run_before=in_mode("events"))
