"""The shared pool: pending items nobody is responsible for (a campaign
with `--pool`, an item reassigned to nobody), taken one at a time by
whoever is free, the oldest due first.

Two agents must never get the same item. On SQLite the write transaction
is IMMEDIATE (`store.db.writes`): it holds the write lock from its first
statement, so reading the next item and assigning it cannot interleave with
another claim. On PostgreSQL the row is read with `FOR UPDATE SKIP LOCKED`:
an item another claim is taking is passed over instead of waited for, and
one taken since this statement's snapshot is re-checked and skipped, so
concurrent claims each get a different item without queueing.

The next item is the first row of the queue index (user_id, status,
due_at, id) range `user_id IS NULL AND status = 'pending'`: no sort, and a
type filter only skips rows within that range.
"""

from __future__ import annotations

from typing import Any

from crm_tui import clock
from crm_tui.services import history
from crm_tui.services.errors import ValidationError
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.types import TypeIndex
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import Interaction

POOL_STATUS = "pending"


def pool_query(type_id: int | None = None) -> Any:
    """The id, contact and opportunity of the next item of the pool (of
    one type), as a query of at most one row."""
    where = [Interaction.user.is_null(), Interaction.status == POOL_STATUS]
    if type_id is not None:
        where.append(Interaction.type == type_id)
    return (
        Interaction.select(Interaction.id, Interaction.contact, Interaction.opportunity)
        .where(*where)
        .order_by(Interaction.due_at, Interaction.id)
        .limit(1)
    )


@writes
def claim_next(actor: UserRecord, *, type_code: str | None = None) -> InteractionRecord | None:
    """Make `actor` responsible for the oldest-due pending item of the pool
    (of the type `type_code` names: code or label) and return it; None when
    the pool has none. An inactive actor, or an unknown type, is refused."""
    if not actor.active:
        raise ValidationError.single("user", "error.inactive_user", value=actor.username)
    type_id = TypeIndex.load().resolve(type_code).id if type_code is not None else None
    query = pool_query(type_id)
    if engine_of(current()) == "postgres":
        query = query.for_update(skip_locked=True)
    row = query.tuples().first()
    if row is None:
        return None
    item_id, contact_id, opportunity_id = row
    Interaction.update(
        user=actor.id, version=Interaction.version + 1, updated_at=clock.now()
    ).where(Interaction.id == item_id).execute()
    history.record(
        history.ASSIGNMENT_ADDED,
        actor_id=actor.id,
        interaction_id=item_id,
        contact_id=contact_id,
        opportunity_id=opportunity_id,
        details={"to": actor.username, "claimed": True},
    )
    return get_interaction(item_id)
