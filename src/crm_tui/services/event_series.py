"""Future events, one or repeating: a repeating event is written as one
interaction per occurrence, all sharing one series uid, each lasting as
long as the first, in ONE transaction (all of them or none). Ending a
series early deletes an occurrence and the open ones after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from crm_tui import clock
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.interactions import (
    InteractionDraft,
    Resolver,
    create_interaction,
    delete_interaction,
    validate,
)
from crm_tui.services.permissions import DELETE_INTERACTION, requires
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.recurrence import MAX_OCCURRENCES, occurrences
from crm_tui.services.vocab import OPEN_STATUSES
from crm_tui.store.db import writes
from crm_tui.store.ids import new_uid
from crm_tui.store.models import Interaction

# An event's default length, and what the form offers to pick.
DEFAULT_SLOT = timedelta(minutes=30)
SLOTS = (
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(minutes=45),
    timedelta(hours=1),
    timedelta(hours=1, minutes=30),
    timedelta(hours=2),
    timedelta(hours=3),
)


def next_half_hour(now: datetime) -> datetime:
    """The first :00 or :30 strictly after `now`: a new event's start."""
    base = now.replace(minute=0, second=0, microsecond=0)
    step = timedelta(minutes=30)
    return base + step * (now.minute // 30 + 1)


@writes
def create_event(draft: InteractionDraft) -> list[InteractionRecord]:
    """The event `draft` describes, or, when it has a `recurrence`, every
    occurrence of it, soonest first. Any wrong field or occurrence
    refuses the whole series."""
    if not draft.recurrence.strip():
        return [create_interaction(draft)]
    resolver = Resolver()
    values = validate(draft, resolver, clock.now())
    start: datetime = values["starts_at"]
    rule: str = values["recurrence"]
    starts = occurrences(start, rule, limit=MAX_OCCURRENCES)
    if not starts:
        raise ValidationError.single("recurrence", "error.recurrence_empty")
    length = values["ends_at"] - start if values["ends_at"] is not None else None
    follow_up: datetime | None = values["follow_up_at"]
    series = new_uid()
    return [
        create_interaction(
            replace(
                draft,
                kind=values["kind"],
                status=values["status"],
                occurred_at=None,
                starts_at=each,
                ends_at=each + length if length is not None else None,
                follow_up_at=follow_up + (each - start) if follow_up is not None else None,
                recurrence=rule,
                series_uid=series,
                uid=None,
            ),
            resolver=resolver,
            # The responsible hears of the series once, by its first event,
            # not once per occurrence (52 notices for a weekly meeting).
            announce=index == 0,
        )
        for index, each in enumerate(starts)
    ]


def series_uid_of(interaction_id: int) -> str:
    """The series the interaction belongs to; "" when it does not repeat."""
    row = (
        Interaction.select(Interaction.series_uid)
        .where(Interaction.id == interaction_id)
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound("error.unknown_interaction", value=str(interaction_id))
    return str(row[0] or "")


def _rest_query(record: InteractionRecord, series: str) -> Any:
    start = record.starts_at or record.due_at
    return (
        Interaction.select(Interaction.id)
        .where(
            Interaction.series_uid == series,
            Interaction.status.in_(OPEN_STATUSES) | (Interaction.id == record.id),
            (Interaction.starts_at >= start) | (Interaction.id == record.id),
        )
        .order_by(Interaction.starts_at, Interaction.id)
    )


def rest_of_series(record: InteractionRecord) -> int:
    """How many events "delete this and the following" would delete:
    `record` and the open occurrences of its series from its start on;
    0 when it is not part of a series."""
    series = series_uid_of(record.id)
    if not series:
        return 0
    return int(_rest_query(record, series).count())


# Checked before the transaction: a refusal inside it would roll its own
# record back with it.
@requires(DELETE_INTERACTION)
@writes
def cancel_rest_of_series(
    record: InteractionRecord, *, actor: UserRecord
) -> list[InteractionRecord]:
    """End a series early: delete `record` and the open occurrences after
    it (done and cancelled ones stay, they are history), each with its
    snapshot in the history; all or none. A record that does not repeat
    is deleted alone."""
    series = series_uid_of(record.id)
    if not series:
        return [delete_interaction(record.id, actor=actor)]
    ids = [row[0] for row in _rest_query(record, series).tuples()]
    return [delete_interaction(each, actor=actor) for each in ids]
