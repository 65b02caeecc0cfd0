"""Creating, editing, deleting interactions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm_tui.services import history
from crm_tui.services.errors import Conflict, NotFound, ValidationError
from crm_tui.services.interactions import (
    InteractionDraft,
    assign,
    create_interaction,
    delete_interaction,
    edit_interaction,
    set_status,
    set_tags,
)
from crm_tui.services.listing import get_interaction
from crm_tui.services.notifications import list_notifications
from crm_tui.store.models import HistoryEvent, Interaction

from .conftest import World

NOW = "2026-11-23T10:00:00"


def draft(world: World, **overrides: object) -> InteractionDraft:
    values: dict[str, object] = {
        "type": "call",
        "contact": world.contact.code,
        "opportunity": world.opportunity.code,
        "created_by": world.agent.username,
        "subject": "Llamada de presentación",
        "note": "Interesado en la renovación",
    }
    values.update(overrides)
    return InteractionDraft(**values)  # type: ignore[arg-type]


def actions(interaction_id: int) -> list[str]:
    return [e.action for e in reversed(history.list_history(interaction_id=interaction_id))]


def test_logging_a_call_now_records_it_done_with_history(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)
    record = create_interaction(
        draft(world, outcome="Sin respuesta", tags=("VIP", "vip ", "Renovación"))
    )
    assert record.kind == "logged"
    assert record.status == "done"
    assert record.occurred_at == datetime(2026, 11, 23, 10, 0)
    assert record.user == "luis" and record.created_by == "luis"
    assert record.entry_name == "Luis Gómez"
    assert record.outcome == "no_answer"
    assert record.tags == ("renovación", "vip")
    assert len(record.uid) == 36 and record.id > 0
    assert actions(record.id) == ["interaction_created", "call_outbound"]


def test_a_future_start_makes_a_pending_scheduled_event(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)
    record = create_interaction(
        draft(world, type="Reunión", starts_at="mañana 10:00", ends_at="mañana 11:30", user="marta")
    )
    assert (record.kind, record.status) == ("scheduled", "pending")
    assert record.starts_at == datetime(2026, 11, 24, 10, 0)
    assert record.due_at == record.starts_at == record.occurred_at
    assert record.user == "marta"
    assert actions(record.id) == ["interaction_created", "assignment_added"]


def test_a_future_date_without_a_start_is_planned_not_done(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)
    record = create_interaction(draft(world, occurred_at="mañana 10:00"))
    assert (record.kind, record.status) == ("scheduled", "pending")
    assert record.due_at == datetime(2026, 11, 24, 10, 0)
    past = create_interaction(draft(world, occurred_at="ayer 10:00"))
    assert (past.kind, past.status) == ("logged", "done")


def test_every_wrong_field_is_named_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        create_interaction(
            draft(
                world,
                type="fax",
                status="finished",
                contact="C-404",
                user="nobody",
                starts_at="2026-11-24 10:00",
                ends_at="2026-11-24 09:00",
                occurred_at="2026-02-30",
                note="x" * 20_001,
            )
        )
    fields = {error.field for error in raised.value.errors}
    assert fields == {"type", "status", "contact", "user", "ends_at", "occurred_at", "note"}
    message = raised.value.message()
    assert "end (2026-11-24 09:00) is before the start (2026-11-24 10:00)" in message
    assert "unknown contact 'C-404'" in message
    assert Interaction.select().count() == 0


def test_opportunity_must_belong_to_the_contact(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        create_interaction(draft(world, opportunity=world.other_opportunity.code))
    assert raised.value.errors[0].field == "opportunity"


def test_vocabularies_accept_codes_and_both_languages_in_any_case(world: World) -> None:
    record = create_interaction(
        draft(world, type="LLAMADA", status="en curso", priority="Urgente", direction="inbound")
    )
    assert (record.type.code, record.status, record.priority, record.direction) == (
        "call",
        "in_progress",
        "urgent",
        "inbound",
    )
    again = create_interaction(
        draft(world, type="Meeting", status="Cancelled", priority="alta", direction="Entrante")
    )
    assert (again.type.code, again.status, again.priority, again.direction) == (
        "meeting",
        "cancelled",
        "high",
        "inbound",
    )


def test_control_characters_are_removed_and_markup_kept_as_text(world: World) -> None:
    record = create_interaction(
        draft(world, subject="[bold]hola\x1b]0;pwned\x07", note="línea 1\r\nlínea 2\x9b31m\t[/]")
    )
    assert record.subject == "[bold]hola]0;pwned"
    assert record.note == "línea 1\nlínea 231m\t[/]"


def test_status_change_assignment_and_tags_are_in_history(world: World) -> None:
    record = create_interaction(draft(world, status="pending", kind="task"))
    record = set_status(record.id, "done", actor=world.agent)
    assert record.status == "done" and record.version == 2
    record = assign(record.id, "marta", actor=world.supervisor)
    assert record.user == "marta"
    record = assign(record.id, None, actor=world.supervisor)
    assert record.user is None
    record = set_tags(record.id, "norte, Urgente", actor=world.agent)
    assert record.tags == ("norte", "urgente")
    assert actions(record.id) == [
        "interaction_created",
        "status_changed",
        "assignment_changed",
        "assignment_removed",
        "tags_changed",
    ]
    by_action = {e.action: e.details for e in history.list_history(interaction_id=record.id)}
    assert by_action["status_changed"] == {"from": "pending", "to": "done"}
    assert by_action["assignment_changed"] == {"from": "luis", "to": "marta"}
    assert by_action["assignment_removed"] == {"from": "marta", "to": None}


def test_edit_records_old_and_new_values(world: World) -> None:
    record = create_interaction(draft(world))
    edited = edit_interaction(
        record.id, {"note": "Nueva nota", "priority": "high"}, actor=world.admin
    )
    assert edited.note == "Nueva nota" and edited.priority == "high"
    event = history.list_history(interaction_id=record.id, limit=1)[0]
    assert event.action == "interaction_edited"
    assert event.actor == "ana"
    assert event.details == {
        "changes": {
            "note": ["Interesado en la renovación", "Nueva nota"],
            "priority": ["normal", "high"],
        }
    }


def test_a_stale_edit_is_refused_and_nothing_is_lost(world: World) -> None:
    record = create_interaction(draft(world))
    edit_interaction(record.id, {"note": "first agent"}, actor=world.admin, expected_version=1)
    with pytest.raises(Conflict) as raised:
        edit_interaction(record.id, {"note": "second agent"}, actor=world.agent, expected_version=1)
    assert "ana changed this interaction" in str(raised.value)
    assert get_interaction(record.id).note == "first agent"


def test_edit_validates_the_combined_result(world: World) -> None:
    record = create_interaction(
        draft(world, starts_at="2026-12-01 10:00", ends_at="2026-12-01 11:00")
    )
    with pytest.raises(ValidationError) as raised:
        edit_interaction(record.id, {"ends_at": "2026-12-01 09:00"}, actor=world.agent)
    assert raised.value.errors[0].field == "ends_at"
    assert get_interaction(record.id).ends_at == datetime(2026, 12, 1, 11, 0)


def test_delete_keeps_a_snapshot_in_history(world: World) -> None:
    record = create_interaction(draft(world, tags=("vip",)))
    delete_interaction(record.uid, actor=world.admin)
    with pytest.raises(NotFound):
        get_interaction(record.id)
    event = history.list_history(interaction_id=record.id, limit=1)[0]
    assert event.action == "interaction_deleted"
    snapshot = event.details["snapshot"]
    assert isinstance(snapshot, dict)
    assert snapshot["note"] == "Interesado en la renovación" and snapshot["tags"] == ["vip"]
    assert HistoryEvent.select().where(HistoryEvent.interaction == record.id).count() == 3


def test_inbound_call_without_answer_is_a_missed_call(world: World) -> None:
    record = create_interaction(draft(world, direction="inbound", outcome="no_answer"))
    assert actions(record.id) == ["interaction_created", "call_missed"]


def test_pool_items_have_no_responsible(world: World) -> None:
    record = create_interaction(draft(world, pool=True, kind="task", status="pending"))
    assert record.user is None and record.user_name is None


def assignments(user_id: int) -> list[tuple[str | None, int | None, str | None, str]]:
    return [
        (told.actor, told.interaction_id, told.opportunity_code, told.text)
        for told in list_notifications(user_id)
        if told.kind == "assignment"
    ]


def test_an_item_created_for_someone_else_notifies_them(world: World) -> None:
    mine = create_interaction(draft(world))
    theirs = create_interaction(draft(world, user="marta"))
    untitled = create_interaction(draft(world, user="marta", subject="", opportunity=None))
    pooled = create_interaction(draft(world, pool=True))
    assert list_notifications(world.agent.id) == []
    assert assignments(world.supervisor.id) == [
        ("luis", untitled.id, None, "Call"),
        ("luis", theirs.id, "OP-001", "Llamada de presentación"),
    ]
    assert mine.user == "luis" and pooled.user is None


def test_an_item_given_to_someone_else_notifies_them_once(world: World) -> None:
    item = create_interaction(draft(world))
    set_status(item.id, "pending", actor=world.agent)
    assign(item.id, "luis", actor=world.supervisor)  # unchanged: nothing to tell
    assign(item.id, "marta", actor=world.agent)
    edit_interaction(item.id, {"subject": "Otra cosa"}, actor=world.agent)  # still Marta's
    assign(item.id, None, actor=world.agent)  # the pool is nobody
    assign(item.id, "marta", actor=world.supervisor)  # took it herself
    assign(item.id, "luis", actor=world.admin)
    assert assignments(world.supervisor.id) == [
        ("luis", item.id, "OP-001", "Llamada de presentación")
    ]
    assert assignments(world.agent.id) == [("ana", item.id, "OP-001", "Otra cosa")]
    assert list_notifications(world.admin.id) == []


def test_a_refused_assignment_notifies_nobody(world: World) -> None:
    item = create_interaction(draft(world))
    edit_interaction(item.id, {"subject": "cambio"}, actor=world.agent)
    with pytest.raises(Conflict):
        assign(item.id, "marta", actor=world.agent, expected_version=item.version)
    with pytest.raises(ValidationError):
        edit_interaction(item.id, {"user": "marta", "ends_at": "ayer"}, actor=world.agent)
    assert list_notifications(world.supervisor.id) == []
