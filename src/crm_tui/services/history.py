"""The append-only record of what happened. Services call `record` inside
the transaction of the change it describes, so a change and its history
are written together or not at all; the database refuses edits to it."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime

from peewee import JOIN

from crm_tui import clock
from crm_tui.services.records import HistoryRecord
from crm_tui.store.batch_insert import insert_all
from crm_tui.store.ids import new_uid
from crm_tui.store.models import HistoryEvent, User

# Action codes, stable: they are stored and exported.
CONTACT_CREATED = "contact_created"
OPPORTUNITY_CREATED = "opportunity_created"
INTERACTION_CREATED = "interaction_created"
INTERACTION_EDITED = "interaction_edited"
INTERACTION_DELETED = "interaction_deleted"
STATUS_CHANGED = "status_changed"
ASSIGNMENT_ADDED = "assignment_added"
ASSIGNMENT_CHANGED = "assignment_changed"
ASSIGNMENT_REMOVED = "assignment_removed"
LINKED_OPPORTUNITY = "linked_opportunity"
TAGS_CHANGED = "tags_changed"
CALL_INBOUND = "call_inbound"
CALL_OUTBOUND = "call_outbound"
CALL_MISSED = "call_missed"
CAMPAIGN_SCHEDULED = "campaign_scheduled"
EMAIL_CAMPAIGN_SENT = "email_campaign_sent"
COMMENT_ADDED = "comment_added"
COMMENT_DELETED = "comment_deleted"
USER_ADDED = "user_added"
USER_EDITED = "user_edited"  # details: username, changes {field: [old, new]}
USER_DEACTIVATED = "user_deactivated"  # details: username
USER_REACTIVATED = "user_reactivated"  # details: username
IMPORTED = "imported"
RULE_CREATED = "rule_created"  # details: rule, rule_id, about (what fired it)
RULE_NOTIFIED = "rule_notified"  # details: rule, rule_id, about, user
STAGE_CHANGED = "stage_changed"  # details: from, to, sub_from, sub_to
PERMISSION_REFUSED = "permission_refused"  # details: permission, role, attempted
PERMISSIONS_CHANGED = "permissions_changed"  # details: role, granted, revoked
ACTIVITIES_STAGES_CHANGED = "activities_stages_changed"  # details: from, to (stage codes)


def encode_details(details: dict[str, object] | None) -> str:
    """Details as stored: JSON, keys sorted, dates and decimals as text."""
    return json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True)


def record(
    action: str,
    *,
    actor_id: int | None,
    interaction_id: int | None = None,
    contact_id: int | None = None,
    opportunity_id: int | None = None,
    details: dict[str, object] | None = None,
) -> None:
    record_at(
        clock.now(),
        action,
        actor_id=actor_id,
        interaction_id=interaction_id,
        contact_id=contact_id,
        opportunity_id=opportunity_id,
        details=details,
    )


def record_at(
    at: datetime,
    action: str,
    *,
    actor_id: int | None,
    interaction_id: int | None = None,
    contact_id: int | None = None,
    opportunity_id: int | None = None,
    details: dict[str, object] | None = None,
) -> None:
    """`record`, dated `at`: for a caller that works to a given time (the
    time-based rules, whose entries mark what they already did)."""
    HistoryEvent.insert(
        at=at,
        actor=actor_id,
        action=action,
        interaction=interaction_id,
        contact=contact_id,
        opportunity=opportunity_id,
        details=encode_details(details),
    ).execute()


# (interaction_id, contact_id, opportunity_id, details) of one history event.
HistoryItem = tuple[int | None, int | None, int | None, dict[str, object]]

_BULK_FIELDS = [
    HistoryEvent.uid,
    HistoryEvent.at,
    HistoryEvent.actor,
    HistoryEvent.action,
    HistoryEvent.interaction,
    HistoryEvent.contact,
    HistoryEvent.opportunity,
    HistoryEvent.details,
]


def record_many(action: str, *, actor_id: int, at: datetime, items: Iterable[HistoryItem]) -> None:
    """What `record` writes, for many events of one action (an import, a
    campaign), in one COPY on PostgreSQL, multi-row inserts on SQLite;
    `items` may be a generator (read once, as they are written)."""
    insert_all(
        HistoryEvent,
        _BULK_FIELDS,
        (
            (
                new_uid(),
                at,
                actor_id,
                action,
                interaction_id,
                contact_id,
                opportunity_id,
                encode_details(details),
            )
            for interaction_id, contact_id, opportunity_id, details in items
        ),
    )


def list_history(
    *,
    interaction_id: int | None = None,
    contact_id: int | None = None,
    opportunity_id: int | None = None,
    before_id: int | None = None,
    limit: int = 200,
    exclude_actions: Collection[str] = (),
) -> list[HistoryRecord]:
    """Newest first, paged by id; exactly one target must be given.
    `exclude_actions`: events told some other way (a feed shows the
    comment itself rather than its "comment added")."""
    query = HistoryEvent.select(
        HistoryEvent.id,
        HistoryEvent.at,
        User.username,
        HistoryEvent.action,
        HistoryEvent.contact,
        HistoryEvent.opportunity,
        HistoryEvent.interaction,
        HistoryEvent.details,
    ).join(User, on=(HistoryEvent.actor == User.id), join_type=JOIN.LEFT_OUTER)
    if interaction_id is not None:
        query = query.where(HistoryEvent.interaction == interaction_id)
    elif contact_id is not None:
        query = query.where(HistoryEvent.contact == contact_id)
    elif opportunity_id is not None:
        query = query.where(HistoryEvent.opportunity == opportunity_id)
    else:
        raise ValueError("list_history needs a target")
    if before_id is not None:
        query = query.where(HistoryEvent.id < before_id)
    if exclude_actions:
        query = query.where(HistoryEvent.action.not_in(list(exclude_actions)))
    rows: Iterable[tuple] = query.order_by(HistoryEvent.id.desc()).limit(limit).tuples()
    return [
        HistoryRecord(
            id=row[0],
            at=row[1],
            actor=row[2],
            action=row[3],
            contact_id=row[4],
            opportunity_id=row[5],
            interaction_id=row[6],
            details=json.loads(row[7] or "{}"),
        )
        for row in rows
    ]
