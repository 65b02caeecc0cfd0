"""Scheduling a future event in the TUI (Pilot, real app, SQLite): from
a timeline (its opportunity preselected) and from a contact with two
opportunities (a picker), the slot setting the end, an end before the
start refused with what was typed kept, a repetition previewed then
written as one event per occurrence, and the form's picture at 80x24."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Select, Static

from crm_tui.app import CrmApp
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interaction_form import InteractionFormScreen
from crm_tui.screens.new_interaction import NewInteractionScreen
from crm_tui.screens.series_delete_dialog import SeriesDeleteScreen
from crm_tui.services import contacts
from crm_tui.services.event_series import create_event, series_uid_of
from crm_tui.services.events import upcoming_events
from crm_tui.services.interactions import InteractionDraft
from crm_tui.services.listing import list_interactions
from crm_tui.services.records import InteractionFilter, InteractionRecord
from crm_tui.store import db as store_db

from .app_helpers import NOW, NOW_ENV, make_app, make_floor, settle, shown
from .conftest import World


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def form_of(app: CrmApp) -> InteractionFormScreen:
    assert isinstance(app.screen, InteractionFormScreen), f"in front: {app.screen!r}"
    return app.screen


async def open_event_form(pilot: Pilot[Any]) -> InteractionFormScreen:
    """From the screen in front: n, then the chooser's second option."""
    app = pilot.app
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot, until=lambda: isinstance(app.screen, NewInteractionScreen))
    choices = app.screen.query_one(OptionList)
    prompt = choices.get_option_at_index(1).prompt
    assert getattr(prompt, "plain", prompt) == "Schedule an event"
    await pilot.press("j", "enter")
    await settle(
        pilot,
        until=lambda: (
            isinstance(app.screen, InteractionFormScreen) and bool(app.screen.query("#form-fields"))
        ),
    )
    return form_of(app)  # type: ignore[arg-type]


async def type_into(pilot: Pilot[Any], field_id: str, text: str) -> None:
    control = pilot.app.screen.query_one(f"#{field_id}")
    control.focus()
    if isinstance(control, Input):
        control.value = ""
    await pilot.press(*text)
    await pilot.pause()


def value_of(form: InteractionFormScreen, field_id: str) -> str:
    return form.query_one(f"#{field_id}", Input).value


def error_under(form: InteractionFormScreen, field_id: str) -> str:
    return shown(form.query_one(f"#{field_id}-field .form-error", Label))


def label_of(form: InteractionFormScreen, field_id: str) -> str:
    return shown(form.query_one(f"#{field_id}-field .form-label", Label))


def saved_events() -> list[InteractionRecord]:
    filtered = InteractionFilter(kinds=("scheduled",))
    return sorted(list_interactions(filtered, limit=500).items, key=lambda r: r.starts_at or NOW)


async def test_an_event_from_a_timeline_is_scheduled_for_its_opportunity(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        form = await open_event_form(pilot)
        frame = form.query_one("#form-frame")
        assert frame.border_title == "New event"
        assert label_of(form, "subject") == "Name"
        assert label_of(form, "note") == "Details"
        assert form.query_one("#opportunity", Select).value == "OP-001"
        # The next half hour, and the default slot.
        assert value_of(form, "starts_at") == "2026-11-23 10:30"
        assert value_of(form, "ends_at") == "2026-11-23 11:00"
        assert form.query_one("#duration", Select).value == "30"
        assert not form.query("#occurred_at") and not form.query("#outcome")

        await type_into(pilot, "subject", "Demostración en tienda")
        form.query_one("#type", Select).value = "visit"
        form.query_one("#user", Select).value = "marta"
        await type_into(pilot, "starts_at", "mañana 16:00")
        form.query_one("#duration", Select).value = "60"  # 1 h
        await pilot.pause()
        assert value_of(form, "ends_at") == "2026-11-24 17:00"
        await type_into(pilot, "location", "Calle Mayor 3")
        await pilot.press("f2")
        await settle(pilot, until=lambda: not isinstance(app.screen, InteractionFormScreen))

    store_db.connect(db)
    [saved] = saved_events()
    assert saved.subject == "Demostración en tienda"
    assert (saved.kind, saved.status, saved.type.code) == ("scheduled", "pending", "visit")
    assert (saved.created_by, saved.user, saved.opportunity_code) == ("luis", "marta", "OP-001")
    assert saved.starts_at == NOW.replace(hour=16) + timedelta(days=1)
    assert saved.ends_at == saved.starts_at + timedelta(hours=1)
    assert saved.location == "Calle Mayor 3"
    for who in ("luis", "marta"):
        assert [item.id for g in upcoming_events(who, now=NOW) for item in g.items] == [saved.id]


async def test_from_a_contact_with_two_opportunities_one_is_picked(
    world: World, db: store_db.Target, now: None
) -> None:
    contacts.create_opportunity(
        "OP-003", "Segunda tienda", world.contact.id, actor_id=world.admin.id
    )
    store_db.close()
    app = make_app(db, contact="C-001")
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_event_form(pilot)
        picker = form.query_one("#opportunity", Select)
        assert picker.value == ""  # none chosen yet: several to choose from
        prompts = [str(getattr(p, "plain", p)) for p, _ in picker._options]
        assert prompts[0] == "none"
        assert sorted(prompts[1:]) == ["OP-001 · Renovación de contrato", "OP-003 · Segunda tienda"]
        form.query_one("#type", Select).value = "call"
        await type_into(pilot, "subject", "Llamar por la segunda tienda")
        picker.focus()
        steps = prompts.index("OP-003 · Segunda tienda")
        await pilot.press("enter", *["down"] * steps, "enter")
        assert picker.value == "OP-003"
        await type_into(pilot, "ends_at", "+1h")
        assert shown(form.query_one("#ends_at-hint", Label)) == "→ Mon 23 Nov 11:30"
        assert form.query_one("#duration", Select).is_blank()  # the end typed rules
        await pilot.press("f2")
        await settle(pilot, until=lambda: not isinstance(app.screen, InteractionFormScreen))

    store_db.connect(db)
    [saved] = saved_events()
    assert saved.opportunity_code == "OP-003"
    assert saved.ends_at == NOW + timedelta(hours=1, minutes=30)


async def test_an_end_before_the_start_is_refused_and_kept(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_event_form(pilot)
        form.query_one("#type", Select).value = "meeting"
        await type_into(pilot, "subject", "Reunión")
        await type_into(pilot, "ends_at", "2026-11-23 09:00")
        await pilot.press("f2")
        await settle(pilot, until=lambda: bool(error_under(form, "ends_at")))
        assert error_under(form, "ends_at") == (
            "the end (2026-11-23 09:00) is before the start (2026-11-23 10:30)"
        )
        assert value_of(form, "ends_at") == "2026-11-23 09:00"
        assert value_of(form, "subject") == "Reunión"
        assert form.focused is form.query_one("#ends_at")
        assert app.screen is form

    store_db.connect(db)
    assert saved_events() == []


async def test_a_repeating_event_is_previewed_then_written_per_occurrence(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        form = await open_event_form(pilot)
        form.query_one("#type", Select).value = "meeting"
        await type_into(pilot, "subject", "Revisión semanal")
        await type_into(pilot, "starts_at", "2026-11-30 10:00")
        repeat = form.query_one("#repeat", Select)
        repeat.value = "weekly"
        await pilot.pause()
        assert value_of(form, "recurrence") == "Every Monday"
        preview = shown(form.query_one("#recurrence-preview", Label))
        assert preview == (
            "Every Monday, until 2027-11-30 10:00 · 53 events, next: "
            "Mon 30 Nov 10:00, Mon 7 Dec 10:00, Mon 14 Dec 10:00, …"
        )
        await type_into(pilot, "recurrence", "cada primer lunes, 4 veces")
        assert repeat.is_blank()  # typed: no longer the choice
        assert shown(form.query_one("#recurrence-preview", Label)).startswith(
            "Every first Monday of the month, 4 times · 4 events, next: Mon 7 Dec 10:00"
        )
        await type_into(pilot, "recurrence", "de vez en cuando")
        assert shown(form.query_one("#recurrence-preview", Label)).startswith(
            "'de vez en cuando' is not a repetition"
        )
        await pilot.press("f2")
        await settle(pilot, until=lambda: bool(error_under(form, "recurrence")))
        assert value_of(form, "recurrence") == "de vez en cuando"
        await type_into(pilot, "recurrence", "every monday, 3 times")
        await pilot.press("f2")
        await settle(pilot, until=lambda: not isinstance(app.screen, InteractionFormScreen))

    store_db.connect(db)
    series = saved_events()
    assert [item.starts_at for item in series] == [
        NOW + timedelta(days=days) for days in (7, 14, 21)
    ]
    assert len({series_uid_of(item.id) for item in series}) == 1
    assert {item.ends_at - item.starts_at for item in series if item.ends_at} == {
        timedelta(minutes=30)
    }


async def test_deleting_an_occurrence_can_end_the_series_there(
    world: World, db: store_db.Target, now: None
) -> None:
    series = create_event(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            opportunity="OP-001",
            created_by="luis",
            subject="Revisión semanal",
            starts_at=NOW + timedelta(days=7),
            recurrence="every monday, 4 times",
        )
    )
    store_db.close()
    app = make_app(db, user="marta", interaction=str(series[1].id))  # a supervisor may delete
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await settle(pilot, until=lambda: isinstance(app.screen, InteractionDetailScreen))
        await pilot.press("delete")
        await settle(pilot, until=lambda: isinstance(app.screen, SeriesDeleteScreen))
        question = shown(app.screen.query_one("#confirm-question", Static))
        assert "It repeats: 3 open occurrences from this one on." in question
        await pilot.press("a")
        await settle(pilot, until=lambda: not isinstance(app.screen, InteractionDetailScreen))
        assert [n.message for n in app._notifications] == ["3 interactions deleted"]
    store_db.connect(db)
    assert [item.id for item in saved_events()] == [series[0].id]


# --- the picture ------------------------------------------------------------------------


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


async def event_typed(pilot: Pilot[Any]) -> None:
    form = await open_event_form(pilot)
    for control in form.query(".form-control"):
        if isinstance(control, Input):
            control.cursor_blink = False  # the same picture on every run
    form.query_one("#type", Select).value = "meeting"
    await type_into(pilot, "subject", "Revisión del contrato")
    form.query_one("#repeat", Select).value = "weekdays"
    await pilot.pause()
    form.query_one("#subject").focus()
    await pilot.pause()


def test_event_form_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, opportunity="OP-001")
    assert snap_compare(app, terminal_size=(80, 24), run_before=event_typed)
