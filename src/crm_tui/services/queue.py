"""My queue: a user's open work, soonest due first, and snoozing it.

The queue is read over the index (user_id, status, due_at, id). A query for
`status IN (pending, in_progress)` cannot take rows from that index already
in due order (they come out status by status), so the database would sort
every open item of the user to serve one page. Instead each open status is
read as its own keyset range, already in order, and the two short lists are
merged here: a page costs two index range scans of `limit + 1` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from peewee import Expression, Tuple

from crm_tui import clock
from crm_tui.services.dates import parse_when
from crm_tui.services.errors import NotFound
from crm_tui.services.interactions import edit_interaction
from crm_tui.services.listing import (
    DEFAULT_PAGE,
    MAX_PAGE,
    get_interaction,
    select_records,
    to_records,
)
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.vocab import OPEN_STATUSES
from crm_tui.store.models import Interaction, User


@dataclass(frozen=True)
class QueueCursor:
    """Where the next page starts: after this row in (due_at, id) order."""

    due_at: datetime
    id: int


@dataclass(frozen=True)
class QueuePage:
    items: tuple[InteractionRecord, ...]
    next_cursor: QueueCursor | None


def user_id_of(username: str) -> int:
    row = User.select(User.id).where(User.username == username.strip()).tuples().first()
    if row is None:
        raise NotFound("error.unknown_user", value=username)
    return int(row[0])


def due_range(
    owner: Any,
    owner_id: int,
    status: str,
    *,
    after: QueueCursor | None = None,
    extra: Iterable[Expression] = (),
    limit: int,
) -> Any:
    """One status of one person's items in (due_at, id) order: a single
    range of an index led by (owner, status, due_at, id), so nothing is
    sorted. `owner` is Interaction.user or Interaction.created_by."""
    where = [owner == owner_id, Interaction.status == status, *extra]
    if after is not None:
        where.append(Tuple(Interaction.due_at, Interaction.id) > Tuple(after.due_at, after.id))
    return (
        select_records()
        .where(*where)
        .order_by(Interaction.due_at, Interaction.id)
        .limit(limit)
        .tuples()
    )


def merge_by_due(queries: Iterable[Any], limit: int) -> list[InteractionRecord]:
    """The first `limit` records of queries each already in (due_at, id)
    order, once each even when two queries found the same one."""
    rows = {row[0]: row for query in queries for row in query}  # row[0] is the id
    records = sorted(to_records(rows.values()), key=lambda r: (r.due_at, r.id))
    return records[:limit]


def is_overdue(record: InteractionRecord, now: datetime | None = None) -> bool:
    return record.is_open and record.due_at < (now or clock.now())


def list_queue(
    username: str,
    *,
    after: QueueCursor | None = None,
    limit: int = DEFAULT_PAGE,
) -> QueuePage:
    """One page of the user's open items (not the shared pool), soonest due
    first; overdue ones come first because they are due earliest."""
    limit = max(1, min(limit, MAX_PAGE))
    user_id = user_id_of(username)
    records = merge_by_due(
        (
            due_range(Interaction.user, user_id, status, after=after, limit=limit + 1)
            for status in OPEN_STATUSES
        ),
        limit + 1,
    )
    next_cursor = None
    if len(records) > limit:
        records = records[:limit]
        last = records[-1]
        next_cursor = QueueCursor(last.due_at, last.id)
    return QueuePage(tuple(records), next_cursor)


def snooze(
    ref: str | int,
    *,
    actor: UserRecord,
    until: datetime | None = None,
    by: timedelta | None = None,
    text: str | None = None,
    expected_version: int | None = None,
) -> InteractionRecord:
    """Move the item's due time to `until`, `by` later, or to what `text`
    says ("mañana 10:00", "+2d", "lunes"); exactly one of them.

    `by` counts from the current due time, or from now when that is already
    past: snoozing an overdue call by an hour means "in an hour". A day
    typed without a time keeps the item's time of day. A scheduled item
    moves its start, and its end (and its occurred time, when that was its
    start) by the same amount, so its duration is kept; any other item gets
    a follow-up date."""
    if sum(arg is not None for arg in (until, by, text)) != 1:
        raise TypeError("snooze takes exactly one of until, by or text")
    record = get_interaction(ref)
    target = _snooze_target(record, until=until, by=by, text=text)
    changes: dict[str, Any]
    if record.starts_at is not None:
        delta = target - record.starts_at
        changes = {"starts_at": target}
        if record.ends_at is not None:
            changes["ends_at"] = record.ends_at + delta
        if record.occurred_at == record.starts_at:
            changes["occurred_at"] = target
    else:
        changes = {"follow_up_at": target}
    return edit_interaction(record.id, changes, actor=actor, expected_version=expected_version)


def _snooze_target(
    record: InteractionRecord,
    *,
    until: datetime | None,
    by: timedelta | None,
    text: str | None,
) -> datetime:
    now = clock.now()
    if until is not None:
        return until.replace(second=0, microsecond=0, tzinfo=None)
    if by is not None:
        return max(record.due_at, now) + by
    assert text is not None
    parsed = parse_when(text, now=now, field_id="snooze")
    if parsed.has_time:
        return parsed.value
    return datetime.combine(parsed.value.date(), record.due_at.time())
