"""The calendar: one person's events (those they are responsible for or
created) day by day over a range of days, in every status, each marked
overdue when it is still open and already over.

Like upcoming events it reads the two indexes (user_id, status, due_at, id)
and (created_by_id, status, due_at, id): one keyset range per owner column
and status, bounded by the range's start and end, merged here. An event's
due time is its start. A view holds at most `limit` events; past that the
page says how many more there are, counted only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from peewee import Expression, fn

from crm_tui import clock
from crm_tui.services.events import is_event
from crm_tui.services.permissions import SEE_OTHERS_CALENDAR, require
from crm_tui.services.queue import due_range, merge_by_due
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.users import get_user
from crm_tui.services.vocab import STATUS
from crm_tui.store.models import Interaction

# More than a busy week of anyone's; what one view shows at most.
CALENDAR_LIMIT = 500
MAX_DAYS = 42


@dataclass(frozen=True)
class CalendarEvent:
    record: InteractionRecord
    overdue: bool  # still open and its end (or start) already past


@dataclass(frozen=True)
class CalendarDay:
    day: date
    events: tuple[CalendarEvent, ...]  # by start time


@dataclass(frozen=True)
class CalendarPage:
    """Whose calendar, and every day of the range (empty ones too).
    `more`: events of the range past the limit, not shown."""

    user: UserRecord
    first_day: date
    days: tuple[CalendarDay, ...]
    more: int

    @property
    def count(self) -> int:
        return sum(len(day.events) for day in self.days)


def event_end(record: InteractionRecord) -> datetime:
    """When an event is over: its end, or its start when it has no end."""
    return record.ends_at or record.starts_at or record.due_at


def is_overdue_event(record: InteractionRecord, now: datetime) -> bool:
    return record.is_open and event_end(record) < now


def calendar_events(
    username: str,
    first_day: date,
    days: int,
    *,
    viewer: UserRecord | None = None,
    now: datetime | None = None,
    limit: int = CALENDAR_LIMIT,
) -> CalendarPage:
    """The events of `username` (responsible or creator) starting on one of
    the `days` days from `first_day`, soonest first, at most `limit`. With
    `viewer`, someone else's calendar is refused (PermissionRefused, on
    record) unless their role has see-others-calendar."""
    if viewer is not None and viewer.username != username.strip():
        require(viewer, SEE_OTHERS_CALENDAR, attempted=f"see the calendar of {username.strip()}")
    now = now or clock.now()
    days = max(1, min(days, MAX_DAYS))
    limit = max(1, min(limit, CALENDAR_LIMIT))
    user = get_user(username)
    start = datetime.combine(first_day, time.min)
    end = datetime.combine(first_day + timedelta(days=days), time.min)
    in_range = (is_event(), Interaction.due_at >= start, Interaction.due_at < end)
    records = merge_by_due(
        (
            due_range(owner, user.id, status, extra=in_range, limit=limit + 1)
            for owner in (Interaction.user, Interaction.created_by)
            for status in STATUS.codes
        ),
        limit + 1,
    )
    more = _count(user.id, in_range) - limit if len(records) > limit else 0
    by_day: dict[date, list[CalendarEvent]] = {
        first_day + timedelta(days=n): [] for n in range(days)
    }
    for record in records[:limit]:
        by_day[record.due_at.date()].append(CalendarEvent(record, is_overdue_event(record, now)))
    return CalendarPage(
        user,
        first_day,
        tuple(CalendarDay(day, tuple(events)) for day, events in by_day.items()),
        more,
    )


def _count(user_id: int, in_range: tuple[Expression, ...]) -> int:
    """All the person's events in the range: only asked once a view is full."""
    mine = (Interaction.user == user_id) | (Interaction.created_by == user_id)
    query = Interaction.select(fn.COUNT(Interaction.id)).where(mine, *in_range)
    return int(query.scalar() or 0)
