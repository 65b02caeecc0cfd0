"""Future events, one or repeating, on SQLite and PostgreSQL: where they
show (the creator's and the responsible's upcoming events, the
opportunity's), a series written whole or not at all, the end checked
against the start, and a series ended early."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_tui.services import event_series
from crm_tui.services.errors import ValidationError
from crm_tui.services.event_series import (
    cancel_rest_of_series,
    create_event,
    next_half_hour,
    rest_of_series,
    series_uid_of,
)
from crm_tui.services.events import opportunity_upcoming, upcoming_events
from crm_tui.services.interactions import InteractionDraft, edit_interaction
from crm_tui.services.listing import list_interactions
from crm_tui.services.notifications import list_notifications
from crm_tui.services.records import InteractionFilter, InteractionRecord

from .conftest import World

START = datetime(2030, 3, 4, 10, 0)  # a Monday, ahead of any real clock


def draft(**fields: Any) -> InteractionDraft:
    """An event luis schedules for marta on the López opportunity."""
    base = InteractionDraft(
        type="meeting",
        contact="C-001",
        opportunity="OP-001",
        created_by="luis",
        user="marta",
        kind="scheduled",
        status="pending",
        subject="Revisión, trimestral; «café»",
        note="Llevar el contrato.\nY la tarifa.",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        location="Oficina central",
    )
    return replace(base, **fields)


def stored() -> list[InteractionRecord]:
    return list(list_interactions(InteractionFilter(contacts=("C-001",)), limit=500).items)


def upcoming_subjects(username: str) -> list[str]:
    groups = upcoming_events(username, days=3650, now=START - timedelta(days=1))
    return [item.subject for group in groups for item in group.items]


def test_an_event_shows_for_the_creator_the_responsible_and_the_opportunity(
    world: World,
) -> None:
    [saved] = create_event(draft())

    assert (saved.kind, saved.status) == ("scheduled", "pending")
    assert (saved.created_by, saved.user) == ("luis", "marta")
    assert (saved.starts_at, saved.ends_at) == (START, START + timedelta(hours=1))
    assert saved.recurrence == ""
    assert upcoming_subjects("luis") == [saved.subject]
    assert upcoming_subjects("marta") == [saved.subject]
    assert upcoming_subjects("ana") == []
    assert [item.id for item in opportunity_upcoming("OP-001")] == [saved.id]
    assert opportunity_upcoming("OP-002") == []


def test_an_end_before_the_start_is_refused_and_nothing_is_written(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        create_event(draft(ends_at=START - timedelta(minutes=30), recurrence="cada lunes"))

    assert [error.field for error in refused.value.errors] == ["ends_at"]
    assert refused.value.message() == (
        "the end (2030-03-04 09:30) is before the start (2030-03-04 10:00)"
    )
    assert stored() == []


def test_an_end_typed_as_an_offset_counts_from_the_start(world: World) -> None:
    [saved] = create_event(draft(starts_at="2030-03-04 16:00", ends_at="+90m"))
    assert saved.ends_at == datetime(2030, 3, 4, 17, 30)
    [other] = create_event(draft(starts_at="2030-03-05 09:00", ends_at="+45m"))
    assert other.ends_at == datetime(2030, 3, 5, 9, 45)


def test_a_repeating_event_is_one_interaction_per_occurrence(world: World) -> None:
    series = create_event(draft(recurrence="every first monday, 6 times"))

    assert [item.starts_at for item in series] == [
        datetime(2030, 3, 4, 10, 0),
        datetime(2030, 4, 1, 10, 0),
        datetime(2030, 5, 6, 10, 0),
        datetime(2030, 6, 3, 10, 0),
        datetime(2030, 7, 1, 10, 0),
        datetime(2030, 8, 5, 10, 0),
    ]
    assert all(item.ends_at == item.starts_at + timedelta(hours=1) for item in series)
    assert {item.recurrence for item in series} == {"FREQ=MONTHLY;COUNT=6;BYDAY=+1MO"}
    assert len({item.uid for item in series}) == 6
    shared = {series_uid_of(item.id) for item in series}
    assert len(shared) == 1 and "" not in shared
    assert {(item.user, item.created_by, item.status) for item in series} == {
        ("marta", "luis", "pending")
    }
    assert len(upcoming_subjects("marta")) == 6
    assert len(opportunity_upcoming("OP-001")) == 6
    # marta hears of the series once, by its first event, not six times.
    notices = list_notifications(world.supervisor.id)
    assert [(n.kind, n.interaction_id) for n in notices] == [("assignment", series[0].id)]


def test_a_bad_occurrence_writes_none_of_the_series(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = event_series.create_interaction
    made: list[int] = []

    def failing_third(occurrence: InteractionDraft, **kwargs: Any) -> InteractionRecord:
        if len(made) == 2:
            raise ValidationError.single("starts_at", "error.required", field="start")
        record = real(occurrence, **kwargs)
        made.append(record.id)
        return record

    monkeypatch.setattr(event_series, "create_interaction", failing_third)
    with pytest.raises(ValidationError):
        create_event(draft(recurrence="cada lunes, 5 veces"))

    assert len(made) == 2  # written, then rolled back with the rest
    assert stored() == []


@pytest.mark.parametrize(
    ("fields", "field", "key"),
    [
        ({"recurrence": "de vez en cuando"}, "recurrence", "error.bad_recurrence"),
        ({"recurrence": "every day, 500 times"}, "recurrence", "error.recurrence_too_many"),
        (
            {"recurrence": "cada lunes", "starts_at": None, "ends_at": None},
            "recurrence",
            "error.recurrence_without_start",
        ),
        ({"recurrence": "every monday until 2030-03-01"}, "recurrence", "error.recurrence_empty"),
    ],
)
def test_a_wrong_repetition_is_named_and_nothing_written(
    world: World, fields: dict[str, Any], field: str, key: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        create_event(draft(**fields))
    assert [(error.field, error.key) for error in refused.value.errors] == [(field, key)]
    assert stored() == []


def test_editing_an_occurrence_keeps_its_rule(world: World) -> None:
    first, second, _third = create_event(draft(recurrence="every monday, 3 times"))
    edited = edit_interaction(second.id, {"subject": "Cambiada"}, actor=world.agent)
    assert (edited.recurrence, edited.subject) == (second.recurrence, "Cambiada")
    assert series_uid_of(edited.id) == series_uid_of(first.id)


def test_ending_a_series_early_deletes_this_and_the_open_ones_after(world: World) -> None:
    series = create_event(draft(recurrence="every monday, 5 times"))
    done = edit_interaction(series[3].id, {"status": "done"}, actor=world.agent)

    assert rest_of_series(series[1]) == 3  # itself, the third and the fifth
    gone = cancel_rest_of_series(series[1], actor=world.supervisor)

    assert [item.id for item in gone] == [series[1].id, series[2].id, series[4].id]
    assert sorted(item.id for item in stored()) == sorted([series[0].id, done.id])


def test_a_single_event_is_its_own_rest(world: World) -> None:
    [alone] = create_event(draft())
    assert rest_of_series(alone) == 0
    assert [item.id for item in cancel_rest_of_series(alone, actor=world.supervisor)] == [alone.id]
    assert stored() == []


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 23, 10, 30)),
        (datetime(2026, 11, 23, 10, 29, 59), datetime(2026, 11, 23, 10, 30)),
        (datetime(2026, 11, 23, 10, 30), datetime(2026, 11, 23, 11, 0)),
        (datetime(2026, 11, 23, 23, 45), datetime(2026, 11, 24, 0, 0)),
    ],
)
def test_a_new_event_starts_at_the_next_half_hour(now: datetime, start: datetime) -> None:
    assert next_half_hour(now) == start
