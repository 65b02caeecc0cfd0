"""The opportunity timeline and the contact screen, driven as a person
drives them (Pilot) on real SQLite databases made through the services,
and their snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.activity import ActivityScreen
from crm_tui.screens.comment_dialog import CommentDialog
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interaction_form import InteractionFormScreen
from crm_tui.screens.navigation import open_contact, open_opportunity
from crm_tui.screens.new_interaction import NewInteractionScreen
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services import contacts
from crm_tui.services.activity import activity_feed
from crm_tui.services.errors import NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.services.text import clean_line
from crm_tui.store import db as store_db
from crm_tui.widgets.interaction_table import InteractionTable
from crm_tui.widgets.party_header import PartyHeader
from crm_tui.widgets.upcoming_panel import UpcomingPanel

from .app_helpers import NOW, NOW_ENV, build_floor, column_texts, log, make_app, settle, shown
from .app_helpers import table_of as table_in_front
from .conftest import World

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def header_text(app: CrmApp) -> str:
    return shown(app.screen.query_one(PartyHeader))


def panel_events(app: CrmApp) -> list[str]:
    """Each upcoming event as its lines joined by " | "."""
    option_list = app.screen.query_one(UpcomingPanel).option_list
    return [str(option.prompt).replace("\n", " | ") for option in option_list.options]


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


def event(
    subject: str, at: datetime, *, opportunity: str | None = "OP-001", **fields: Any
) -> InteractionRecord:
    """A scheduled item starting at `at` (open unless told otherwise)."""
    fields.setdefault("status", "pending")
    return log(subject, at, opportunity=opportunity, kind="scheduled", starts_at=at, **fields)


async def open_timeline(app: CrmApp, pilot: Pilot[None], code: str = "OP-001") -> None:
    await settle(pilot)
    open_opportunity(app, code)
    await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))


# --- the timeline -----------------------------------------------------------------------


async def test_the_header_shows_the_opportunity_and_its_contact(
    world: World, db: store_db.Target, now: None
) -> None:
    contacts.create_opportunity(
        "OP-003",
        "Ampliación a dos tiendas",
        world.contact.id,
        stage="negotiation",
        sub_stage="oferta enviada",
        owner_id=world.admin.id,
        value="12345.5",
        actor_id=world.admin.id,
    )
    store_db.close()
    app = make_app(db, opportunity="OP-003")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert header_text(app).splitlines() == [
            "Ampliación a dos tiendas · OP-003",
            "Stage Negotiation (oferta enviada) · Value 12,345.50 · Owner ana",
            "✓ No credit hold · Contact Ferretería López · C-001 · Phone +34 600 000 001",
        ]


async def test_a_contact_on_credit_hold_says_so_in_words(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-002", lang="es")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        lines = header_text(app).splitlines()
        assert lines[1] == "Etapa Nueva · Importe 0,00 · Propietario nadie"
        assert lines[2] == "⚠ RETENCIÓN DE CRÉDITO · Cliente Panadería Sol · C-002"


async def test_only_this_opportunitys_rows_newest_first_with_recent_notes(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Hace tres días", NOW - timedelta(days=3), opportunity="OP-001", note="Nota reciente")
    log("Hace doce días", NOW - timedelta(days=12), opportunity="OP-001", note="Nota vieja")
    log("Hoy", NOW - timedelta(hours=1), opportunity="OP-001")
    log("Sin oportunidad", NOW - timedelta(days=1), note="Otra")
    log("De la otra", NOW, contact="C-002", opportunity="OP-002")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_in_front(app)
        assert column_texts(table, "subject") == [
            "Hoy",
            "Hace tres días — Nota reciente",
            "Hace doce días",  # older than a week: no preview
        ]
        assert column_texts(table, "date") == ["09:00", "Nov 20", "Nov 11"]
        assert shown(app.screen.query_one("#list-status", Label)) == "3 shown"


async def test_search_narrows_the_timeline(world: World, db: store_db.Target, now: None) -> None:
    log("Llamada de seguimiento", NOW - timedelta(days=1), opportunity="OP-001")
    log("Visita al almacén", NOW - timedelta(days=2), opportunity="OP-001", type="visit")
    log("Llamada a la otra", NOW - timedelta(days=1), contact="C-002", opportunity="OP-002")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"llamada", "enter")
        await settle(pilot)
        assert column_texts(table_in_front(app), "subject") == ["Llamada de seguimiento"]
        # `r` typed into the search box is a letter, not a refresh (focus
        # selects what was there, so it replaces it).
        await pilot.press("slash", "r")
        assert app.screen.query_one("#search", Input).value == "r"


async def test_upcoming_events_overdue_first_and_enter_opens_one(
    world: World, db: store_db.Target, now: None
) -> None:
    event("Mañana", NOW + timedelta(days=1))
    event("Atrasada", NOW - timedelta(days=2))
    event("Esta tarde", NOW + timedelta(hours=4), type="meeting")
    event("Ya hecha", NOW + timedelta(hours=2), status="done")
    event("De la otra", NOW + timedelta(hours=1), contact="C-002", opportunity="OP-002")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(UpcomingPanel)
        assert panel.display
        assert shown(panel.query_one("#upcoming-heading", Label)) == "Upcoming events · 3"
        assert panel_events(app) == [
            "⚠ OVERDUE Nov 21 10:00 | ☎ Call Atrasada",
            "14:00 | ◆ Meeting Esta tarde",
            "Nov 24 10:00 | ☎ Call Mañana",
        ]
        panel.option_list.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, InteractionDetailScreen) and detail.record is not None
        assert detail.record.subject == "Esta tarde"


async def test_no_upcoming_events_says_so(world: World, db: store_db.Target, now: None) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(UpcomingPanel)
        assert shown(panel.query_one("#upcoming-note", Label)) == "Nothing scheduled."
        assert panel_events(app) == []


async def test_the_panel_waits_for_E_at_80_columns_and_the_choice_holds(
    world: World, db: store_db.Target, now: None
) -> None:
    event("Mañana", NOW + timedelta(days=1))
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one(UpcomingPanel)
        assert not panel.display
        await pilot.press("E")
        assert panel.display
        assert panel_events(app) == ["Nov 24 10:00 | ☎ Call Mañana"]
        await pilot.press("q")  # back, and the next timeline shows it too
        open_opportunity(app, "OP-002")
        await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))
        assert app.screen.query_one(UpcomingPanel).display
        await pilot.press("E")
        assert not app.screen.query_one(UpcomingPanel).display


async def test_n_offers_a_new_interaction_for_this_contact_and_opportunity(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, NewInteractionScreen)
        assert (chooser.contact, chooser.opportunity) == ("C-001", "OP-001")


async def test_e_edits_the_selected_row(world: World, db: store_db.Target, now: None) -> None:
    log("Primera", NOW - timedelta(days=2), opportunity="OP-001")
    second = log("Segunda", NOW - timedelta(days=1), opportunity="OP-001")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InteractionFormScreen)
        assert form.record is not None and form.record.id == second.id


async def test_delete_asks_then_the_list_and_the_panel_lose_the_row(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Se queda", NOW - timedelta(days=2), opportunity="OP-001")
    gone = event("Se borra", NOW + timedelta(days=1))
    store_db.close()
    app = make_app(db, user="marta", opportunity="OP-001")  # a supervisor may delete
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert column_texts(table_in_front(app), "subject") == ["Se borra", "Se queda"]
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot, until=lambda: len(table_in_front(app).rows) == 1)
        assert isinstance(app.screen, TimelineScreen)
        assert column_texts(table_in_front(app), "subject") == ["Se queda"]
        assert panel_events(app) == []
        with pytest.raises(NotFound):
            get_interaction(gone.id)


async def test_delete_cancelled_keeps_the_row(world: World, db: store_db.Target, now: None) -> None:
    kept = log("Se queda", NOW - timedelta(days=2), opportunity="OP-001")
    store_db.close()
    app = make_app(db, user="marta", opportunity="OP-001")  # a supervisor may delete
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert column_texts(table_in_front(app), "subject") == ["Se queda"]
        assert get_interaction(kept.id).subject == "Se queda"


async def test_nothing_selected_is_a_message(world: World, db: store_db.Target, now: None) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["Select an interaction first"]
        assert isinstance(app.screen, TimelineScreen)


async def test_a_write_under_a_dialog_shows_when_the_dialog_closes(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Antes", NOW - timedelta(days=2), opportunity="OP-001")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewInteractionScreen)
        # Someone saves while the dialog is open (what the form does).
        log("Nueva", NOW - timedelta(minutes=5), opportunity="OP-001")
        event("Llamar el lunes", NOW + timedelta(days=7))
        store_db.close()
        app.data_changed()
        await pilot.press("escape")
        await settle(pilot, until=lambda: len(table_in_front(app).rows) == 3)
        assert column_texts(table_in_front(app), "subject") == ["Llamar el lunes", "Nueva", "Antes"]
        assert panel_events(app) == ["Nov 30 10:00 | ☎ Call Llamar el lunes"]


async def test_r_refreshes_the_list_and_the_panel(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert table_in_front(app).row_count == 0
        event("Visita", NOW + timedelta(days=1), type="visit")  # written by another agent
        store_db.close()
        await pilot.press("r")
        await settle(pilot, until=lambda: table_in_front(app).row_count == 1)
        assert column_texts(table_in_front(app), "subject") == ["Visita"]
        assert panel_events(app) == ["Nov 24 10:00 | ⌂ Visit Visita"]


async def test_enter_opens_the_detail_and_q_comes_back(
    world: World, db: store_db.Target, now: None
) -> None:
    record = log("Llamada", NOW - timedelta(days=1), opportunity="OP-001")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, InteractionDetailScreen) and detail.record is not None
        assert detail.record.id == record.id
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)


async def test_C_opens_the_contact_and_its_opportunity_comes_back(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        depth = len(app.screen_stack)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen) and app.screen.code == "C-001"
        assert len(app.screen_stack) == depth + 1
        # Tab goes from the interactions to the opportunities; Enter on the
        # one this contact screen was opened from goes back to it.
        await pilot.press("tab")
        assert isinstance(app.screen.focused, OptionList)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen) and app.screen.code == "OP-001"
        assert len(app.screen_stack) == depth


async def test_an_unknown_opportunity_is_a_message_and_back(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        main_screen = app.screen
        open_opportunity(app, "OP-404")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["unknown opportunity 'OP-404'"]
        assert app.screen is main_screen
        open_contact(app, "C-404")
        await settle(pilot, until=lambda: len(toasts(app)) == 2)
        assert toasts(app)[-1] == "unknown contact 'C-404'"
        assert app.screen is main_screen and app.is_running


# --- comments and all history -----------------------------------------------------------


async def test_c_comments_on_the_opportunity(world: World, db: store_db.Target, now: None) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        assert dialog.heading == "Comment on opportunity OP-001 · Renovación de contrato"
        await pilot.press(*"Precio cerrado")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))
        assert "Comment posted" in toasts(app)
    store_db.connect(db)
    page = activity_feed(opportunity_id=world.opportunity.id, only_comments=True)
    assert [entry.comment.body for entry in page.entries if entry.comment] == ["Precio cerrado"]


async def test_H_opens_all_the_history_of_the_opportunity_and_of_the_contact(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityScreen) and screen.opportunity is not None
        assert screen.opportunity.code == "OP-001"
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        await pilot.press("H")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityScreen) and screen.contact is not None
        assert screen.contact.code == "C-001"


# --- the contact screen -------------------------------------------------------------------


async def test_the_contact_screen_shows_the_contact_its_opportunities_and_all_its_rows(
    world: World, db: store_db.Target, now: None
) -> None:
    contacts.create_opportunity(
        "OP-003", "Ampliación", world.contact.id, value="900", actor_id=world.admin.id
    )
    log("En OP-001", NOW - timedelta(days=1), opportunity="OP-001")
    log("En OP-003", NOW - timedelta(days=2), opportunity="OP-003")
    log("Sin oportunidad", NOW - timedelta(days=3))
    log("De otro cliente", NOW, contact="C-002", opportunity="OP-002")
    store_db.close()
    app = make_app(db, contact="C-001")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        assert header_text(app).splitlines() == [
            "Ferretería López · C-001 · López S.L.",
            "✓ No credit hold · Phone +34 600 000 001 · Owner nobody",
        ]
        heading = app.screen.query_one("#opportunities-heading", Label)
        assert shown(heading) == "Opportunities · 2"
        options = app.screen.query_one("#opportunities", OptionList).options
        assert [str(option.prompt) for option in options] == [
            "OP-003  Ampliación · New · 900.00",
            "OP-001  Renovación de contrato · Proposal · 0.00",
        ]
        table = table_in_front(app)
        assert column_texts(table, "subject") == ["En OP-001", "En OP-003", "Sin oportunidad"]
        assert column_texts(table, "opportunity") == ["Renovación de contrato", "Ampliación", ""]


async def test_the_contact_screen_opens_an_opportunity_and_creates_for_the_contact(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, contact="C-002")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "⚠ CREDIT HOLD" in header_text(app)
        await pilot.press("n")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, NewInteractionScreen)
        assert (chooser.contact, chooser.opportunity) == ("C-002", None)
        await pilot.press("escape")
        await settle(pilot)
        app.screen.query_one("#opportunities", OptionList).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen) and app.screen.code == "OP-002"
        await pilot.press("q")
        assert isinstance(app.screen, ContactScreen)


async def test_a_contact_without_opportunities_says_so(
    world: World, db: store_db.Target, now: None
) -> None:
    contacts.create_contact("C-009", "Sin nada", actor_id=world.admin.id)
    store_db.close()
    app = make_app(db, contact="C-009")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        heading = app.screen.query_one("#opportunities-heading", Label)
        assert shown(heading) == "Opportunities · none yet"
        assert shown(app.screen.query_one("#list-status", Label)) == "No interactions yet"


# --- screen pops ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "landing",
    [
        ("opportunity", "OP-001", TimelineScreen, "opportunities"),
        ("contact", "C-002", ContactScreen, "contacts"),
    ],
    ids=["opportunity", "contact"],
)
async def test_a_screen_pop_lands_here_and_q_goes_to_the_main_screen(
    world: World, db: store_db.Target, now: None, landing: tuple[str, str, type[Any], str]
) -> None:
    option, code, screen, main = landing
    log("De C-002", NOW - timedelta(days=1), contact="C-002", opportunity="OP-002")
    store_db.close()
    app = make_app(db, **{option: code})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, screen)
        assert app.screen.code == code
        assert app.current_mode == main
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(app.screen, screen) and app.is_running
        assert app.current_mode == main


@pytest.mark.parametrize(
    "landing",
    [("opportunity", "OP-002", TimelineScreen), ("contact", "C-002", ContactScreen)],
    ids=["opportunity", "contact"],
)
async def test_a_screen_pops_rows_are_there_when_its_screen_first_shows(
    world: World, db: store_db.Target, now: None, landing: tuple[str, str, type[Any]]
) -> None:
    """Read beside the database's opening: the list is never seen empty
    and loading (issue 8), and it is the same list as read in the screen."""
    option, code, screen = landing
    for hours in range(3):
        log(
            f"De C-002 {hours}", NOW - timedelta(hours=hours), contact="C-002", opportunity="OP-002"
        )
    log("De otra", NOW, contact="C-001", opportunity="OP-001")
    store_db.close()
    states: list[tuple[int, bool]] = []

    def watch(message: Message) -> None:
        if isinstance(message, InteractionTable.StateChanged) and isinstance(
            message.table.screen, screen
        ):
            states.append((message.loaded, message.loading))

    app = make_app(db, **{option: code})
    async with app.run_test(size=(100, 30), message_hook=watch) as pilot:
        await settle(pilot, lambda: app.startup_ms is not None)
        assert isinstance(app.screen, screen)
        assert column_texts(table_in_front(app), "subject") == [
            "De C-002 0",
            "De C-002 1",
            "De C-002 2",
        ]
        assert states and all(state == (3, False) for state in states)
        await pilot.press("r")  # a reload reads them, as any later load does
        await settle(pilot)
        assert (3, True) in states
        assert column_texts(table_in_front(app), "subject")[0] == "De C-002 0"


# --- hostile text --------------------------------------------------------------------------

HOSTILE_TITLE = "[bold]Oferta[/] [@click=app.quit]x[/] \x1b]0;title\x07 fin"
HOSTILE_NAME = "[b]Cliente[/b] [/] \x1b[31mrojo [@click=app.quit]y[/]"
HOSTILE_SUBJECT = "[red]Llamar[/] [@click=app.quit]z[/]"


async def test_hostile_names_show_as_typed_and_do_nothing(
    world: World, db: store_db.Target, now: None
) -> None:
    contact = contacts.create_contact(
        "[X]", HOSTILE_NAME, phone="[@click=app.quit]1[/]", actor_id=world.admin.id
    )
    contacts.create_opportunity("[OP]", HOSTILE_TITLE, contact.id, stage="[b]st[/b]")
    event(HOSTILE_SUBJECT, NOW + timedelta(days=1), contact="[X]", opportunity="[OP]")
    store_db.close()
    title, name = clean_line(HOSTILE_TITLE), clean_line(HOSTILE_NAME)
    app = make_app(db, opportunity="[OP]")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        lines = header_text(app).splitlines()
        assert lines[0] == f"{title} · [OP]"
        assert lines[1].startswith("Stage [b]st[/b] · ")
        assert lines[2] == f"✓ No credit hold · Contact {name} · [X] · Phone [@click=app.quit]1[/]"
        assert panel_events(app) == [f"Nov 24 10:00 | ☎ Call {clean_line(HOSTILE_SUBJECT)}"]
        assert column_texts(table_in_front(app), "subject") == [clean_line(HOSTILE_SUBJECT)]
        for _ in range(2):  # clicking the text runs nothing hidden in it
            await pilot.click(PartyHeader, offset=(10, 0))
            await pilot.click(PartyHeader, offset=(40, 2))
        await pilot.click(UpcomingPanel, offset=(20, 2))  # a click opens the event
        await settle(pilot)
        assert isinstance(app.screen, InteractionDetailScreen) and app.is_running
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        assert header_text(app).splitlines()[0] == f"{name} · [X]"
        options = app.screen.query_one("#opportunities", OptionList).options
        assert [str(option.prompt) for option in options] == [f"[OP]  {title} · [b]st[/b] · 0.00"]
        await pilot.click(PartyHeader, offset=(5, 0))
        await pilot.pause()
        assert app.is_running


# --- snapshots -----------------------------------------------------------------------------


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[store_db.Target]:
    """The snapshot sales floor, plus an opportunity with a value, a stage
    and upcoming events, whose contact is on credit hold."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    store_db.connect(target)
    try:
        contact = contacts.create_contact(
            "C-003",
            "Talleres Hermanos Ruiz",
            company="Hermanos Ruiz S.A.",
            phone="+34 955 123 456",
            email="compras@hruiz.example",
            credit_hold=True,
        )
        contacts.create_opportunity(
            "OP-003",
            "Flota de furgonetas",
            contact.id,
            stage="proposal",
            sub_stage="oferta enviada",
            value="48250",
        )
        contacts.create_opportunity("OP-004", "Mantenimiento anual", contact.id, stage="won")
        rows: list[tuple[str, datetime, dict[str, Any]]] = [
            ("Primera visita", NOW - timedelta(days=20), {"type": "visit", "note": "Vieja."}),
            ("Oferta por correo", NOW - timedelta(days=2), {"type": "email", "note": "PDF v2."}),
            ("Llamada de cierre", NOW - timedelta(hours=3), {"note": "Piden descuento."}),
            ("Llamar a compras", NOW - timedelta(days=1), {"kind": "scheduled"}),
            ("Demostración", NOW + timedelta(hours=5), {"type": "meeting", "kind": "scheduled"}),
            ("Enviar contrato", NOW + timedelta(days=2), {"type": "task", "kind": "scheduled"}),
        ]
        for number, (subject, at, fields) in enumerate(rows, start=101):
            scheduled = fields.get("kind") == "scheduled"
            log(
                subject,
                at,
                contact="C-003",
                opportunity="OP-003",
                uid=f"00000000-0000-4000-8000-{number:012d}",
                starts_at=at if scheduled else None,
                status="pending" if scheduled else None,
                **fields,
            )
        log("Revisión anual", NOW - timedelta(days=40), contact="C-003", opportunity="OP-004")
    finally:
        store_db.close()
    yield target


@pytest.mark.parametrize("size", SIZES)
def test_timeline_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor, opportunity="OP-003")
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_timeline_snapshot_with_the_panel_at_80_columns(
    snap_compare: Any, floor: store_db.Target
) -> None:
    async def show_panel(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)

    app = make_app(floor, opportunity="OP-003")
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_panel)


@pytest.mark.parametrize("size", SIZES)
def test_contact_snapshot(snap_compare: Any, floor: store_db.Target, size: tuple[int, int]) -> None:
    app = make_app(floor, contact="C-003")
    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_timeline_snapshot_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, opportunity="OP-003", lang="es")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)
