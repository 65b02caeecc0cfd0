"""Upcoming events: a user's open scheduled items, overdue first, then day
by day; and the upcoming events of one opportunity.

A user's events are those they are responsible for or created, so they are
read from two indexes, (user_id, status, due_at, id) and (created_by_id,
status, due_at, id), one keyset range per status on each, and merged. For a
scheduled item the due time is its start.

Closing an event writes what happened as a report on it and marks it done,
in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby

from peewee import Expression

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services.comments import CommentTarget, add_comment, clean_body
from crm_tui.services.errors import Conflict, FieldName, NotFound, ValidationError
from crm_tui.services.interactions import edit_interaction
from crm_tui.services.listing import get_interaction, select_records, to_records
from crm_tui.services.queue import due_range, merge_by_due, user_id_of
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.vocab import OPEN_STATUSES
from crm_tui.store.db import writes
from crm_tui.store.models import Interaction, Opportunity

register(
    {
        "field.report": ("report", "reporte"),
        "error.event_not_open": (
            "This event is closed already: someone got there first",
            "Este evento ya está cerrado: alguien se adelantó",
        ),
    }
)

MAX_EVENTS = 1000


@dataclass(frozen=True)
class DayGroup:
    """The overdue events (day None, overdue True), or one day's events."""

    day: date | None
    overdue: bool
    items: tuple[InteractionRecord, ...]


def is_event() -> Expression:
    """Scheduled items: those with a start, or of kind "scheduled" (also
    read by the calendar)."""
    return Interaction.starts_at.is_null(False) | (Interaction.kind == "scheduled")


def upcoming_events(
    username: str,
    *,
    days: int = 14,
    now: datetime | None = None,
    limit: int = 200,
    overdue_limit: int = 50,
) -> list[DayGroup]:
    """The user's open events (responsible or creator): the overdue ones in
    one group first (the oldest `overdue_limit` of them), then a group per
    day from today through the day `days` days from now, each soonest
    first (at most `limit`). The two are read apart, so a backlog of
    overdue events never hides what is coming today."""
    now = now or clock.now()
    limit = max(1, min(limit, MAX_EVENTS))
    overdue_limit = max(0, min(overdue_limit, MAX_EVENTS))
    user_id = user_id_of(username)
    horizon = datetime.combine(now.date() + timedelta(days=max(days, 0) + 1), time.min)

    def events(extra: tuple[Expression, ...], most: int) -> list[InteractionRecord]:
        return merge_by_due(
            (
                due_range(owner, user_id, status, extra=(is_event(), *extra), limit=most)
                for owner in (Interaction.user, Interaction.created_by)
                for status in OPEN_STATUSES
            ),
            most,
        )

    overdue = events((Interaction.due_at < now,), overdue_limit) if overdue_limit else []
    groups = [DayGroup(None, True, tuple(overdue))] if overdue else []
    coming = events((Interaction.due_at >= now, Interaction.due_at < horizon), limit)
    for day, items in groupby(coming, key=lambda r: r.due_at.date()):
        groups.append(DayGroup(day, False, tuple(items)))
    return groups


def opportunity_upcoming(opportunity_code: str, *, limit: int = 20) -> list[InteractionRecord]:
    """The opportunity's open events soonest first, so overdue ones (still
    open, start already past) come before the future ones."""
    code = opportunity_code.strip()
    row = Opportunity.select(Opportunity.id).where(Opportunity.code == code).tuples().first()
    if row is None:
        raise NotFound("error.unknown_opportunity", value=code)
    # One opportunity has few open items: sorting them is cheap.
    query = (
        select_records()
        .where(
            Interaction.opportunity == row[0],
            Interaction.status.in_(OPEN_STATUSES),
            is_event(),
        )
        .order_by(Interaction.due_at, Interaction.id)
        .limit(max(1, limit))
    )
    return to_records(query.tuples())


@writes
def close_event(
    ref: str | int,
    report: str,
    *,
    actor: UserRecord,
    expected_version: int | None = None,
) -> InteractionRecord:
    """Mark the open event done and keep `report` (what happened) as a
    report comment by `actor` on it, both or neither. With
    `expected_version`, an edit made since it was read refuses (Conflict).
    An empty report refuses: closing this way is about saying what
    happened; a report over the comment limit is refused by `add_comment`."""
    if not clean_body(report):
        raise ValidationError.single("report", "error.required", field=FieldName("field.report"))
    before = get_interaction(ref)
    if before.status not in OPEN_STATUSES:
        raise Conflict("error.event_not_open")
    closed = edit_interaction(
        before.id, {"status": "done"}, actor=actor, expected_version=expected_version
    )
    add_comment(CommentTarget(interaction_id=closed.id), report, actor=actor, kind="report")
    return closed
