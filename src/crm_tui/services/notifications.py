"""Notifications of a user: a mention, an assignment or a reminder, unread
until the user marks it read. Each points at an interaction and maybe an
opportunity by plain id (no foreign key): a notification outlives a deleted
interaction, and then says that its target is gone.

Creating one records no history event: a notification is a consequence of
a change that is already in the history (the comment that mentions, the
assignment), and reading one changes nothing of the customer's record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import JOIN, fn

from crm_tui import clock
from crm_tui.services.errors import FieldError, ValidationError
from crm_tui.services.text import COMMENT_LIMIT, check_length, clean_text
from crm_tui.services.vocab import Term, Vocabulary
from crm_tui.store.db import writes
from crm_tui.store.models import Interaction, Notification, Opportunity, User

NOTIFICATION_KIND = Vocabulary(
    "kind",
    [
        Term("mention", "Mención", "Mention"),
        Term("assignment", "Asignación", "Assignment"),
        Term("reminder", "Recordatorio", "Reminder"),
    ],
)
PAGE = 200


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    uid: str
    kind: str
    actor: str | None  # username of who caused it; None: the program or a deleted user
    created_at: datetime
    interaction_id: int | None  # the target's human Id; None: no target or deleted
    interaction_uid: str | None
    opportunity_code: str | None  # its own opportunity, else the interaction's
    text: str
    read: bool
    actor_name: str | None = None  # the display name of `actor`
    target_deleted: bool = False  # it pointed at something that no longer exists


Actor = User.alias("actor")
OwnOpportunity = Opportunity.alias("own_opportunity")
TargetOpportunity = Opportunity.alias("target_opportunity")


def _select() -> Any:
    return (
        Notification.select(
            Notification.id,
            Notification.uid,
            Notification.kind,
            Actor.username,
            Notification.created_at,
            Interaction.id,
            Interaction.uid,
            fn.COALESCE(OwnOpportunity.code, TargetOpportunity.code),
            Notification.text,
            Notification.read_at,
            Actor.display_name,
            Notification.interaction,
            Notification.opportunity,
        )
        .join(Actor, JOIN.LEFT_OUTER, on=(Notification.actor == Actor.id))
        .switch(Notification)
        .join(Interaction, JOIN.LEFT_OUTER, on=(Notification.interaction == Interaction.id))
        .join(
            TargetOpportunity,
            JOIN.LEFT_OUTER,
            on=(Interaction.opportunity == TargetOpportunity.id),
        )
        .switch(Notification)
        .join(OwnOpportunity, JOIN.LEFT_OUTER, on=(Notification.opportunity == OwnOpportunity.id))
    )


def _record(row: tuple[Any, ...]) -> NotificationRecord:
    stored_interaction, stored_opportunity = row[11], row[12]
    if stored_interaction is not None:
        deleted = row[5] is None
    else:
        deleted = stored_opportunity is not None and row[7] is None
    return NotificationRecord(
        id=row[0],
        uid=row[1],
        kind=row[2],
        actor=row[3],
        created_at=row[4],
        interaction_id=row[5],
        interaction_uid=row[6],
        opportunity_code=row[7],
        text=row[8],
        read=row[9] is not None,
        actor_name=row[10],
        target_deleted=deleted,
    )


@writes
def notify(
    user_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    interaction_id: int | None = None,
    opportunity_id: int | None = None,
    text: str = "",
    at: datetime | None = None,
) -> NotificationRecord:
    """Tell `user_id` about something; `kind` is a code or either label.
    `at`: when (default now), for a caller that works to a given time."""
    errors: list[FieldError] = []
    try:
        kind = NOTIFICATION_KIND.parse(kind)
    except ValidationError as exc:
        errors.extend(exc.errors)
    text = clean_text(text).strip()
    check_length("body", text, COMMENT_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    new_id = Notification.insert(
        user=user_id,
        kind=kind,
        actor=actor_id,
        interaction=interaction_id,
        opportunity=opportunity_id,
        text=text,
        created_at=at or clock.now(),
    ).execute()
    return _record(_select().where(Notification.id == new_id).tuples().get())


def list_notifications(
    user_id: int, *, unread_only: bool = True, before_id: int | None = None, limit: int = 50
) -> list[NotificationRecord]:
    """Newest first, paged by id (pass the last id seen as `before_id`)."""
    query = _select().where(Notification.user == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    rows = query.order_by(Notification.id.desc()).limit(max(1, limit)).tuples()
    return [_record(row) for row in rows]


def iter_notifications(user_id: int, *, unread_only: bool = True) -> Iterator[NotificationRecord]:
    """Every notification of the user, newest first, a page at a time."""
    before_id = None
    while True:
        page = list_notifications(user_id, unread_only=unread_only, before_id=before_id, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        before_id = page[-1].id


def unread_count(user_id: int) -> int:
    query = Notification.select(fn.COUNT(Notification.id)).where(
        (Notification.user == user_id) & Notification.read_at.is_null()
    )
    return int(query.scalar() or 0)


@writes
def mark_read(user_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread notifications read (only `ids` when given);
    return how many changed. Another user's notifications are untouched."""
    query = Notification.update(read_at=clock.now()).where(
        (Notification.user == user_id) & Notification.read_at.is_null()
    )
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(list(ids)))
    return int(query.execute())
