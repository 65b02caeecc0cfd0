"""Automatic rules on SQLite and PostgreSQL: the shipped ones, each trigger
and action, the loop guard, time-based runs that repeat nothing, and a
failing rule undoing the change that fired it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_tui.services import history, rules
from crm_tui.services.contacts import change_stage, get_opportunity
from crm_tui.services.errors import PermissionDenied, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction, edit_interaction
from crm_tui.services.listing import get_interaction
from crm_tui.services.notifications import list_notifications
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact, Interaction, Rule

from .conftest import World

MONDAY = datetime(2026, 11, 23, 10, 0)  # a Monday


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", MONDAY.isoformat())


def call(world: World, **fields: Any) -> InteractionRecord:
    values: dict[str, Any] = {
        "type": "call",
        "contact": world.contact.code,
        "opportunity": world.opportunity.code,
        "created_by": "luis",
        "subject": "Llamar a López",
        "occurred_at": MONDAY,
    }
    values.update(fields)
    return create_interaction(InteractionDraft(**values))


def automatic(world: World) -> list[Interaction]:
    return list(
        Interaction.select().where(Interaction.kind == "automatic").order_by(Interaction.id)
    )


def only_rule(name: str) -> None:
    """Deactivate every rule but `name`."""
    Rule.update(active=False).where(Rule.name != name).execute()


def add_rule(world: World, name: str, trigger: dict[str, Any], action: dict[str, Any]) -> int:
    return rules.save_rule(name, trigger, action, actor=world.supervisor).id


RETRY = "Reintentar llamada sin respuesta"
OVERDUE = "Recordatorio de evento vencido"


# --- the shipped rules ---------------------------------------------------------------------


def test_the_shipped_rules_read_as_typed_rules(world: World) -> None:
    listed = {stored.name: stored.rule for stored in rules.list_rules()}
    retry, overdue = listed[RETRY], listed[OVERDUE]
    assert retry is not None and overdue is not None
    assert retry.trigger == rules.CallOutcome(("no_answer", "busy"))
    assert retry.action == rules.CreateInteraction("call", due_offset="+2h", working_hours=True)
    assert overdue.trigger == rules.Overdue()
    assert rules.describe_rule(retry, "es", {}) == (
        "Cuando una llamada termina sin respuesta u ocupado → llamar de nuevo 2 h después"
        " en horario laboral, mismo usuario"
    )
    assert rules.describe_rule(overdue, "en", {}).startswith("When a scheduled event is past")


def test_a_call_without_answer_is_retried_two_hours_later_for_the_same_user(world: World) -> None:
    logged = call(world, outcome="no_answer", user="marta")

    [retry] = automatic(world)
    created = get_interaction(retry.id)
    assert created.status == "pending"
    assert created.user == "marta"
    assert created.created_by == "luis"
    assert created.starts_at == MONDAY + timedelta(hours=2)
    assert (created.contact_id, created.opportunity_id) == (
        logged.contact_id,
        logged.opportunity_id,
    )
    assert created.subject == RETRY
    assert created.rule_id is not None
    [entry] = [
        e
        for e in history.list_history(interaction_id=created.id)
        if e.action == history.RULE_CREATED
    ]
    assert entry.details["rule"] == RETRY


def test_the_retry_moves_into_working_hours(world: World) -> None:
    call(world, outcome="busy", occurred_at=MONDAY, subject="x")
    assert len(automatic(world)) == 1
    friday_evening = datetime(2026, 11, 27, 17, 30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_TUI_NOW", friday_evening.isoformat())
        call(world, outcome="busy", occurred_at=friday_evening)
    assert get_interaction(automatic(world)[-1].id).starts_at == datetime(2026, 11, 30, 9, 0)


def test_a_connected_call_or_a_later_edit_does_not_retry(world: World) -> None:
    connected = call(world, outcome="connected")
    assert automatic(world) == []
    edit_interaction(connected.id, {"outcome": "no_answer"}, actor=world.agent)
    assert len(automatic(world)) == 1
    again = get_interaction(connected.id)
    edit_interaction(again.id, {"note": "otra nota"}, actor=world.agent)
    assert len(automatic(world)) == 1


def test_closing_a_scheduled_call_as_no_answer_retries(world: World) -> None:
    planned = call(world, kind="scheduled", status="pending", starts_at=MONDAY + timedelta(hours=1))
    assert automatic(world) == []
    edit_interaction(planned.id, {"status": "done", "outcome": "no_answer"}, actor=world.agent)
    assert len(automatic(world)) == 1


# --- user rules: each trigger and action ------------------------------------------------


def test_status_change_creates_a_task_for_a_named_user(world: World) -> None:
    only_rule("none")
    add_rule(
        world,
        "Tras una visita",
        {"on": "status_change", "to": "Done", "from": "pending", "type": "Visita"},
        {
            "do": "create_interaction",
            "type": "task",
            "assignee": "user",
            "user": "ana",
            "due_offset": "+1d",
            "priority": "high",
            "subject": "Enviar presupuesto",
        },
    )
    visit = call(
        world,
        type="visit",
        kind="scheduled",
        status="pending",
        starts_at=MONDAY + timedelta(hours=1),
    )
    assert automatic(world) == []
    edit_interaction(visit.id, {"status": "done"}, actor=world.agent)
    [task] = automatic(world)
    created = get_interaction(task.id)
    assert (created.type.code, created.user, created.priority) == ("task", "ana", "high")
    assert created.subject == "Enviar presupuesto"
    assert created.starts_at == MONDAY + timedelta(days=1)


def test_stage_change_notifies_the_owner_and_records_old_and_new(world: World) -> None:
    only_rule("none")
    Contact.update(owner=world.supervisor.id).where(Contact.id == world.contact.id).execute()
    add_rule(world, "Ganada", {"on": "stage_change", "to": "won"}, {"do": "notify", "to": "owner"})

    moved = change_stage(world.opportunity.code, "Ganada", "Firmado", actor=world.agent)

    assert (moved.stage, moved.sub_stage) == ("won", "Firmado")
    [note] = list_notifications(world.supervisor.id)
    assert note.kind == "reminder" and "OP-001" in note.text
    events = history.list_history(opportunity_id=world.opportunity.id)
    stage = next(e for e in events if e.action == history.STAGE_CHANGED)
    assert (stage.details["from"], stage.details["to"], stage.details["sub_to"]) == (
        "proposal",
        "won",
        "Firmado",
    )
    assert any(e.action == history.RULE_NOTIFIED for e in events)


def test_an_unknown_stage_is_refused_and_nothing_changes(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        change_stage(world.opportunity.code, "ganadísima", actor=world.agent)
    assert caught.value.errors[0].field == "stage"
    assert get_opportunity(world.opportunity.code).stage == "proposal"


def test_bad_rules_name_every_wrong_field(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        rules.save_rule(
            "",
            {"on": "no_contact", "days": "0"},
            {"do": "create_interaction", "type": "fax", "assignee": "user", "due_offset": "ayer?"},
            actor=world.supervisor,
        )
    fields = {error.field for error in caught.value.errors}
    assert fields == {"name", "days", "type", "user", "due_offset"}
    with pytest.raises(ValidationError) as caught:
        rules.save_rule(RETRY, {"on": "overdue"}, {"do": "notify"}, actor=world.supervisor)
    assert caught.value.errors[0].key == "error.duplicate"


def test_only_supervisors_change_rules_and_builtin_ones_stay(world: World) -> None:
    with pytest.raises(PermissionDenied):
        rules.save_rule("x", {"on": "overdue"}, {"do": "notify"}, actor=world.agent)
    builtin = next(s for s in rules.list_rules() if s.name == RETRY)
    with pytest.raises(PermissionDenied):
        rules.delete_rule(builtin.id, actor=world.supervisor)
    rules.set_active(builtin.id, False, actor=world.supervisor)
    call(world, outcome="no_answer")
    assert automatic(world) == []
    mine = add_rule(world, "Mía", {"on": "overdue"}, {"do": "notify"})
    rules.delete_rule(mine, actor=world.supervisor)
    assert all(s.name != "Mía" for s in rules.list_rules())


def test_loop_guard_a_rule_created_item_fires_no_rule(world: World) -> None:
    only_rule("none")
    # Every new pending interaction makes another: without the guard, forever.
    add_rule(
        world,
        "Eco",
        {"on": "status_change", "to": "pending"},
        {"do": "create_interaction", "type": "task", "due_offset": "+1d"},
    )
    call(world, kind="scheduled", status="pending", starts_at=MONDAY + timedelta(hours=1))
    assert len(automatic(world)) == 1


def test_a_failing_rule_action_rolls_back_the_change(world: World) -> None:
    only_rule("none")
    add_rule(
        world,
        "Para Ana",
        {"on": "call_outcome", "outcomes": "busy"},
        {"do": "create_interaction", "type": "call", "assignee": "user", "user": "ana"},
    )
    Interaction._meta.database.execute_sql(  # ana leaves: the rule can no longer assign her
        "UPDATE \"user\" SET active = %s WHERE username = 'ana'"
        if store_db.engine_of(store_db.current()) == "postgres"
        else "UPDATE user SET active = ? WHERE username = 'ana'",
        (False,),
    )
    before = Interaction.select().count()
    with pytest.raises(ValidationError):
        call(world, outcome="busy")
    assert Interaction.select().count() == before


# --- time-based rules -------------------------------------------------------------------


def test_an_overdue_event_is_reminded_once(world: World) -> None:
    only_rule(OVERDUE)
    event = call(
        world,
        kind="scheduled",
        status="pending",
        starts_at=MONDAY - timedelta(hours=3),
        ends_at=MONDAY - timedelta(hours=2),
        subject="Visita a López",
    )
    call(
        world,
        kind="scheduled",
        status="pending",
        starts_at=MONDAY - timedelta(hours=1),
        ends_at=MONDAY + timedelta(hours=1),
        subject="Aún en curso",
    )

    first = rules.run_time_rules(MONDAY)
    second = rules.run_time_rules(MONDAY + timedelta(minutes=1))

    assert first.counts == {OVERDUE: 1} and second.total == 0
    [note] = list_notifications(world.agent.id)
    assert note.kind == "reminder" and note.interaction_id == event.id
    assert "Visita a López" in note.text


def test_a_silent_contact_gets_one_follow_up_until_contacted_again(world: World) -> None:
    only_rule("none")
    add_rule(
        world,
        "Sin contacto 30 días",
        {"on": "no_contact", "days": 30},
        {"do": "create_interaction", "type": "call", "assignee": "owner", "due_offset": "+1d"},
    )
    Contact.update(owner=world.agent.id, created_at=MONDAY - timedelta(days=90)).execute()
    call(world, occurred_at=MONDAY - timedelta(days=33), outcome="connected")
    # Silent for long before the rule existed: not acted on all of a sudden.
    call(
        world,
        contact=world.other_contact.code,
        opportunity=None,
        occurred_at=MONDAY - timedelta(days=200),
    )

    first = rules.run_time_rules(MONDAY)
    assert len(first.created_ids) == 1
    assert get_interaction(first.created_ids[0]).contact_id == world.contact.id
    assert rules.run_time_rules(MONDAY + timedelta(days=3)).total == 0
    # Contacted again, then silent for another 30 days: one more.
    call(world, occurred_at=MONDAY + timedelta(days=4), kind="logged", status="done")
    assert rules.run_time_rules(MONDAY + timedelta(days=20)).total == 0
    later = rules.run_time_rules(MONDAY + timedelta(days=35))
    assert len(later.created_ids) == 1


def test_two_runs_at_once_remind_once(world: World, db: store_db.Target) -> None:
    only_rule(OVERDUE)
    call(world, kind="scheduled", status="pending", starts_at=MONDAY - timedelta(hours=3))
    totals: list[int] = []

    def run() -> None:
        with store_db.current().connection_context():
            totals.append(rules.run_time_rules(MONDAY).total)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(totals) == [0, 1]
    assert len(list_notifications(world.agent.id)) == 1
