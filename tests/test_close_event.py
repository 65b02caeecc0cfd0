"""Closing an event with a report: the service on SQLite and PostgreSQL
(done and report together, or neither), and the dialog driven as a person
drives it from Upcoming events and from a timeline's events panel (Pilot),
with its picture at 80x24."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, TextArea
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.close_event_dialog import CloseEventDialog
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.events import EventsScreen
from crm_tui.screens.navigation import open_opportunity
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services import history
from crm_tui.services.activity import activity_feed
from crm_tui.services.comments import list_comments
from crm_tui.services.errors import Conflict, ValidationError
from crm_tui.services.events import close_event, upcoming_events
from crm_tui.services.interactions import edit_interaction
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.services.text import COMMENT_LIMIT
from crm_tui.store import db as store_db
from crm_tui.widgets.event_agenda import EventAgenda
from crm_tui.widgets.upcoming_panel import UpcomingPanel

from .app_helpers import NOW, NOW_ENV, log, make_app, make_floor, settle, shown
from .conftest import World

REPORT = "Confirmado el pedido.\nEnvío el lunes."


def event(subject: str, at: datetime, **fields: Any) -> InteractionRecord:
    """An open scheduled event of luis starting at `at`."""
    return log(subject, at, kind="scheduled", status="pending", starts_at=at, **fields)


def history_actions(record: InteractionRecord) -> list[str]:
    return [entry.action for entry in history.list_history(interaction_id=record.id)]


# --- the service ------------------------------------------------------------------------


def test_closing_marks_done_and_keeps_the_report_in_the_history(world: World) -> None:
    item = event("Llamar a López", datetime.now() + timedelta(hours=2), opportunity="OP-001")

    closed = close_event(item.id, REPORT, actor=world.agent, expected_version=item.version)

    assert closed.status == "done"
    assert get_interaction(item.id).status == "done"
    [report] = list_comments(item.id)
    assert (report.kind, report.author, report.body) == ("report", "luis", REPORT)
    [change] = [
        entry
        for entry in history.list_history(interaction_id=item.id)
        if entry.action == history.STATUS_CHANGED
    ]
    assert (change.actor, change.details) == ("luis", {"from": "pending", "to": "done"})
    feed = activity_feed(interaction_id=item.id).entries
    assert any(entry.comment == report for entry in feed)
    assert any(entry.event == change for entry in feed)
    assert not [group for group in upcoming_events("luis") if group.items]


@pytest.mark.parametrize("report", ["", "  \n\t\n "])
def test_an_empty_report_is_refused(world: World, report: str) -> None:
    item = event("Visita", datetime.now() + timedelta(days=1))
    before = history_actions(item)

    with pytest.raises(ValidationError) as refused:
        close_event(item.id, report, actor=world.agent)

    assert refused.value.message() == "report is required"
    assert get_interaction(item.id).status == "pending"
    assert history_actions(item) == before


def test_a_stale_version_is_refused(world: World) -> None:
    item = event("Demostración", datetime.now() + timedelta(days=1))
    edit_interaction(item.id, {"subject": "Demostración (sala 2)"}, actor=world.supervisor)

    with pytest.raises(Conflict):
        close_event(item.id, REPORT, actor=world.agent, expected_version=item.version)

    assert get_interaction(item.id).status == "pending"
    assert list_comments(item.id) == []


def test_an_event_closed_already_is_refused(world: World) -> None:
    item = event("Reunión", datetime.now() + timedelta(days=1))
    close_event(item.id, "Hecho.", actor=world.agent)

    with pytest.raises(Conflict):
        close_event(item.id, "Otra vez.", actor=world.supervisor)

    assert [comment.body for comment in list_comments(item.id)] == ["Hecho."]


def test_a_report_over_the_limit_writes_nothing(world: World) -> None:
    item = event("Llamada larga", datetime.now() + timedelta(days=1))
    before = history_actions(item)

    with pytest.raises(ValidationError) as refused:
        close_event(item.id, "x" * (COMMENT_LIMIT + 1), actor=world.agent)

    assert [error.key for error in refused.value.errors] == ["error.too_long"]
    after = get_interaction(item.id)
    assert (after.status, after.version) == ("pending", item.version)
    assert list_comments(item.id) == []
    assert history_actions(item) == before


# --- the dialog -------------------------------------------------------------------------


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def agenda_subjects(app: CrmApp) -> list[str]:
    agenda = app.screen.query_one(EventAgenda)
    return [
        " ".join(str(getattr(option.prompt, "plain", option.prompt)).split())
        for option in agenda.options.options
    ]


def dialog_of(app: CrmApp) -> CloseEventDialog:
    assert isinstance(app.screen, CloseEventDialog), f"in front: {app.screen!r}"
    return app.screen


def dialog_message(app: CrmApp) -> str:
    return shown(app.screen.query_one("#close-event-message", Label))


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def open_events(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot, until=lambda: isinstance(pilot.app.screen, EventsScreen))


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Typed key by key, a newline with Enter."""
    await pilot.press(*["enter" if ch == "\n" else ch for ch in text])


async def test_d_on_an_event_closes_it_with_what_was_typed(
    world: World, db: store_db.Target, now: None
) -> None:
    item = event("Llamar a López", NOW + timedelta(hours=2))
    event("Visita a Sol", NOW + timedelta(hours=5), contact="C-002")
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_events(pilot)
        agenda = app.screen.query_one(EventAgenda)
        assert agenda.record_at_cursor() == item
        await pilot.press("D")
        await settle(pilot)
        dialog = dialog_of(app)
        assert dialog.query_one(TextArea).has_focus
        assert dialog.query_one("#close-event-dialog").border_title is not None
        await type_text(pilot, "Confirmado.\nEnvío el lunes.")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: isinstance(app.screen, EventsScreen))
        await settle(pilot)

        assert "Event closed with a report" in toasts(app)
        assert not any("Llamar a López" in line for line in agenda_subjects(app))
        assert any("Visita a Sol" in line for line in agenda_subjects(app))

    store_db.connect(db)
    assert get_interaction(item.id).status == "done"
    [report] = list_comments(item.id)
    assert (report.kind, report.author, report.body) == (
        "report",
        "luis",
        "Confirmado.\nEnvío el lunes.",
    )


async def test_a_refusal_is_said_in_the_dialog_and_keeps_the_text(
    world: World, db: store_db.Target, now: None
) -> None:
    item = event("Demostración", NOW + timedelta(hours=3))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_events(pilot)
        await pilot.press("f2")  # nothing written yet: nothing to save
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert dialog_message(app) == "Write what happened before closing the event."

        # Marta edits the event meanwhile: closing what luis read is refused.
        store_db.connect(db)
        edit_interaction(item.id, {"subject": "Demo en sala 2"}, actor=world.supervisor)
        store_db.close()
        await type_text(pilot, "Fue bien")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: "changed" in dialog_message(app))

        dialog = dialog_of(app)
        assert dialog_message(app) == "marta changed this interaction while you edited it"
        assert dialog.query_one(TextArea).text == "Fue bien"

        await pilot.press("escape")  # something written: asks first
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert dialog_of(app).query_one(TextArea).text == "Fue bien"

    store_db.connect(db)
    assert get_interaction(item.id).status == "pending"
    assert list_comments(item.id) == []


async def test_escape_on_an_empty_dialog_leaves_at_once(
    world: World, db: store_db.Target, now: None
) -> None:
    event("Demostración", NOW + timedelta(hours=3))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_events(pilot)
        await pilot.press("D")
        await settle(pilot)
        dialog_of(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)


async def test_d_in_the_timeline_panel_closes_the_event(
    world: World, db: store_db.Target, now: None
) -> None:
    item = event("Llamar a López", NOW + timedelta(hours=2), opportunity="OP-001")
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        open_opportunity(app, "OP-001")
        await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("D")  # the list has focus: not the panel's key
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        panel = app.screen.query_one(UpcomingPanel)
        panel.option_list.focus()
        await pilot.pause()
        await pilot.press("D")
        await settle(pilot)
        await type_text(pilot, "Hecho")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: isinstance(app.screen, TimelineScreen))
        await settle(pilot, until=lambda: not panel.option_list.options)

    store_db.connect(db)
    assert get_interaction(item.id).status == "done"
    assert [comment.body for comment in list_comments(item.id)] == ["Hecho"]


# --- the picture ------------------------------------------------------------------------


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


async def report_typed(pilot: Pilot[Any]) -> None:
    await open_events(pilot)
    await pilot.press("D")
    await settle(pilot)
    await type_text(pilot, "Confirma el pedido de dos hornos.\nEntrega el viernes por la mañana.")
    await pilot.pause()


def test_close_event_dialog_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor)
    assert snap_compare(app, terminal_size=(80, 24), run_before=report_typed)
