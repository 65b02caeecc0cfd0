"""Settings › Activities by stage in the history: an admin's change of the
stages that show an opportunity's activities is recorded with who, when,
and the stages before and after, and reads as a sentence in English and
Spanish; a refused change or one that changes nothing records no change.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from crm_tui import clock
from crm_tui.services import history
from crm_tui.services.activities_tab import activities_stages, set_activities_stages
from crm_tui.services.history_sentences import history_sentence
from crm_tui.services.permissions import PermissionRefused
from crm_tui.services.records import HistoryRecord
from crm_tui.store.models import HistoryEvent

from .conftest import World

NAMES = {"ana": "Ana Ruiz", "marta": "Marta Vidal"}


def stage_changes() -> list[HistoryEvent]:
    return list(
        HistoryEvent.select()
        .where(HistoryEvent.action == history.ACTIVITIES_STAGES_CHANGED)
        .order_by(HistoryEvent.id)
    )


def as_read(event: HistoryEvent, actor: str, lang: str) -> str:
    record = HistoryRecord(
        event.id, event.at, actor, event.action, None, None, None, json.loads(event.details)
    )
    return history_sentence(record, NAMES, lang, event.at)


def test_each_change_of_the_stages_is_in_the_history(world: World) -> None:
    before = clock.now()
    set_activities_stages(["won", "Negociación"], actor=world.admin)
    set_activities_stages([], actor=world.supervisor)

    first, second = stage_changes()
    assert (first.actor, second.actor) == (world.admin.id, world.supervisor.id)
    assert first.at >= before.replace(microsecond=0)
    # In the stages' own order, whatever order they were given in.
    assert json.loads(first.details) == {"from": [], "to": ["negotiation", "won"]}
    assert json.loads(second.details) == {"from": ["negotiation", "won"], "to": []}
    assert (first.interaction, first.contact, first.opportunity) == (None, None, None)

    assert as_read(first, "ana", "en") == (
        "Ana Ruiz changed the stages that show the activities from every stage "
        "to Negotiation and Won"
    )
    assert as_read(first, "ana", "es") == (
        "Ana Ruiz cambió las etapas que muestran las actividades de todas las etapas "
        "a Negociación y Ganada"
    )
    assert as_read(second, "marta", "en") == (
        "Marta Vidal changed the stages that show the activities from Negotiation "
        "and Won to every stage"
    )


def test_no_change_and_a_refused_change_record_no_change(world: World) -> None:
    set_activities_stages(["won"], actor=world.admin)
    set_activities_stages(["Won"], actor=world.admin)  # the same, by its label
    with pytest.raises(PermissionRefused):
        set_activities_stages(["lost"], actor=world.agent)

    assert activities_stages() == {"won"}
    assert len(stage_changes()) == 1
    refusals = HistoryEvent.select().where(HistoryEvent.action == history.PERMISSION_REFUSED)
    assert refusals.count() == 1
