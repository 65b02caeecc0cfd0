"""My queue: a user's open work, soonest due first (so overdue first), the
more urgent first among items due at the same time; and the one-key triage
actions on it (snooze, log an outcome, undo).

The queue is read over the index (user_id, status, due_at, id). A query for
`status IN (pending, in_progress)` cannot take rows from that index already
in due order (they come out status by status), so the database would sort
every open item of the user to serve one page. Instead each open status is
read as its own keyset range, already in order, and the two short lists are
merged here: a page costs two index range scans of `limit + 1` rows.

Priority breaks ties of due time without an index of its own: the index
yields rows by due time, and the database sorts only each run of rows due
at the same moment by priority (SQLite's "right part of ORDER BY",
PostgreSQL's incremental sort), stopping once the page is full. The keyset
is (due_at, priority rank, id).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from peewee import Case, Expression, Tuple

from crm_tui import clock
from crm_tui.services.comments import CommentTarget, add_comment, clean_body, delete_comment
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
from crm_tui.services.vocab import OPEN_STATUSES, PRIORITY_RANK
from crm_tui.store.db import writes
from crm_tui.store.models import Interaction, User


@dataclass(frozen=True)
class QueueCursor:
    """Where the next page starts: after this row in (due_at, priority
    rank, id) order; ranges read without priority use (due_at, id)."""

    due_at: datetime
    priority_rank: int
    id: int

    @classmethod
    def after(cls, record: InteractionRecord) -> QueueCursor:
        return cls(record.due_at, PRIORITY_RANK[record.priority], record.id)


@dataclass(frozen=True)
class QueuePage:
    items: tuple[InteractionRecord, ...]
    next_cursor: QueueCursor | None


def user_id_of(username: str) -> int:
    row = User.select(User.id).where(User.username == username.strip()).tuples().first()
    if row is None:
        raise NotFound("error.unknown_user", value=username)
    return int(row[0])


def _priority_rank() -> Expression:
    """PRIORITY_RANK in SQL: urgent 0 ... low 3."""
    return Case(Interaction.priority, list(PRIORITY_RANK.items()))


def due_range(
    owner: Any,
    owner_id: int,
    status: str,
    *,
    after: QueueCursor | None = None,
    extra: Iterable[Expression] = (),
    limit: int,
    by_priority: bool = False,
) -> Any:
    """One status of one person's items in (due_at, id) order, or with
    `by_priority` in (due_at, priority rank, id) order: a single range of
    an index led by (owner, status, due_at, id), so nothing is sorted but
    runs of equal due times. `owner` is Interaction.user or
    Interaction.created_by."""
    where = [owner == owner_id, Interaction.status == status, *extra]
    order = [Interaction.due_at, Interaction.id]
    if by_priority:
        order.insert(1, _priority_rank())
    if after is not None:
        cursor = [after.due_at, after.id]
        if by_priority:
            cursor.insert(1, after.priority_rank)
        # The plain bound is what the index range starts from; the row
        # comparison (with an expression in it) only filters within it.
        where.append(Interaction.due_at >= after.due_at)
        where.append(Tuple(*order) > Tuple(*cursor))
    return select_records().where(*where).order_by(*order).limit(limit).tuples()


def _queue_key(record: InteractionRecord) -> tuple[datetime, int, int]:
    return (record.due_at, PRIORITY_RANK[record.priority], record.id)


def merge_by_due(
    queries: Iterable[Any], limit: int, *, by_priority: bool = False
) -> list[InteractionRecord]:
    """The first `limit` records of queries each already in (due_at, id)
    order (with `by_priority`, (due_at, priority rank, id)), once each even
    when two queries found the same one."""
    rows = {row[0]: row for query in queries for row in query}  # row[0] is the id
    records = to_records(rows.values())
    if by_priority:
        records.sort(key=_queue_key)
    else:
        records.sort(key=lambda r: (r.due_at, r.id))
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
    first, then the more urgent; overdue ones come first because they are
    due earliest."""
    limit = max(1, min(limit, MAX_PAGE))
    user_id = user_id_of(username)
    records = merge_by_due(
        (
            due_range(
                Interaction.user, user_id, status, after=after, limit=limit + 1, by_priority=True
            )
            for status in OPEN_STATUSES
        ),
        limit + 1,
        by_priority=True,
    )
    next_cursor = None
    if len(records) > limit:
        records = records[:limit]
        next_cursor = QueueCursor.after(records[-1])
    return QueuePage(tuple(records), next_cursor)


@writes
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
    return typed_snooze_target(record, text, now)


def typed_snooze_target(record: InteractionRecord, text: str, now: datetime) -> datetime:
    """What typed text snoozes `record` to: a day typed without a time
    keeps the item's time of day. (A form previews this as it is typed.)"""
    parsed = parse_when(text, now=now, field_id="snooze")
    if parsed.has_time:
        return parsed.value
    return datetime.combine(parsed.value.date(), record.due_at.time())


@dataclass(frozen=True)
class OutcomeLogged:
    """An outcome logged: the item as it is now, and the report its note
    became (None: there was no note)."""

    record: InteractionRecord
    report_id: int | None


@writes
def log_outcome(
    ref: str | int,
    *,
    outcome: str,
    note: str,
    actor: UserRecord,
    expected_version: int | None = None,
    close: bool = True,
) -> OutcomeLogged:
    """Record how the call went (vocabulary OUTCOME) on the item, mark it
    done when `close`, and keep what was said as a report by `actor` on it
    (a comment of kind "report", none when the note is empty): one
    transaction, so a refused report (too long) leaves the item as it was."""
    changes: dict[str, Any] = {"outcome": outcome}
    if close:
        changes["status"] = "done"
    after = edit_interaction(ref, changes, actor=actor, expected_version=expected_version)
    report_id = None
    if clean_body(note):
        target = CommentTarget(interaction_id=after.id)
        report_id = add_comment(target, note, actor=actor, kind="report").id
    return OutcomeLogged(after, report_id)


@dataclass(frozen=True)
class TriageUndo:
    """How to take back one triage action: the item as it was before, and
    the version the action left, so the undo is refused when someone else
    changed the item since."""

    before: InteractionRecord
    after_version: int
    report_id: int | None = None  # the report an outcome wrote, deleted by the undo


# What a triage action (status, snooze, reassign, outcome) may change.
TRIAGE_FIELDS = (
    "status",
    "user",
    "starts_at",
    "ends_at",
    "occurred_at",
    "follow_up_at",
    "outcome",
)


@writes
def undo_triage(undo: TriageUndo, *, actor: UserRecord) -> InteractionRecord:
    """Put back what the triage action changed, as an ordinary edit, and
    delete the report it wrote (history is append-only: the action, the
    report's deletion and the undo all stay in it). Conflict
    (`error.stale`) when the item changed since the action, and then
    nothing is undone. A report someone already deleted stays deleted."""
    changes = {name: getattr(undo.before, name) for name in TRIAGE_FIELDS}
    restored = edit_interaction(
        undo.before.id, changes, actor=actor, expected_version=undo.after_version
    )
    if undo.report_id is not None:
        with suppress(NotFound):
            delete_comment(undo.report_id, actor=actor)
    return restored
