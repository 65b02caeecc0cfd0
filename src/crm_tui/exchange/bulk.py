"""Writing a validated import in bulk, in one transaction: the users,
contacts and opportunities it names that are new, then the interactions,
their tags and one `imported` history event each.

Creating records one by one through the services costs a dozen statements
per interaction and several per contact; a 100,000-row file must import in
seconds. Every table is written by `store.batch_insert.insert_all` (COPY
on PostgreSQL, with no statement of 14,000 parameters to quote, parse and
plan per 500 rows). Everything written here was validated beforehand by
the same rules (`interactions.validate()`, `users.validate_new_user()`, the
contact and opportunity checks in `references`), and the history events
are those the services record: `contact_created`, `opportunity_created`
with the same details, and `imported` in place of `interaction_created`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_tui import clock
from crm_tui.exchange.references import ReferencePlan
from crm_tui.services import history, users
from crm_tui.services.records import UserRecord
from crm_tui.store import schema
from crm_tui.store.batch_insert import insert_all
from crm_tui.store.bulk import BATCH, lookup, reserve_ids
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.ids import new_uid
from crm_tui.store.models import Contact, Interaction, InteractionTag, Opportunity, Tag

# The interaction columns `validate()` returns values for (besides `tags`
# and `uid`), in the order a PendingRow holds them.
VALUE_COLUMNS: tuple[str, ...] = (
    "type",
    "kind",
    "status",
    "priority",
    "direction",
    "internal",
    "subject",
    "note",
    "outcome",
    "contact",
    "opportunity",
    "user",
    "created_by",
    "entry_name",
    "occurred_at",
    "starts_at",
    "ends_at",
    "follow_up_at",
    "due_at",
    "location",
    "recurrence",
    "series_uid",
    "campaign",
    "rule",
)
_CONTACT = VALUE_COLUMNS.index("contact")
_OPPORTUNITY = VALUE_COLUMNS.index("opportunity")
# Columns that may hold the placeholder of a record created by the import.
_REFERENCES = (
    _CONTACT,
    _OPPORTUNITY,
    VALUE_COLUMNS.index("user"),
    VALUE_COLUMNS.index("created_by"),
)
_INTERACTION_FIELDS = [
    Interaction.uid,
    *(getattr(Interaction, name) for name in VALUE_COLUMNS),
    Interaction.version,
    Interaction.created_at,
    Interaction.updated_at,
]
# On SQLite, an import at least a third the size of the table is written
# faster without the list indexes and full-text upkeep, rebuilt once after
# (measured: 100,000 rows into an empty table, 10.7 s -> 4 s). PostgreSQL
# keeps them: dropping an index there locks the table against every reader.
_REBUILD_MIN_ROWS = 5_000
_REBUILD_RATIO = 3


@dataclass(frozen=True, slots=True)
class PendingRow:
    """A validated row waiting to be written."""

    line: int
    uid: str
    values: tuple[Any, ...]  # in VALUE_COLUMNS order
    tags: tuple[str, ...]

    @classmethod
    def of(cls, line: int, values: dict[str, Any]) -> PendingRow:
        """From what `validate()` returned for the row."""
        return cls(
            line=line,
            uid=values.get("uid") or new_uid(),
            values=tuple(values[name] for name in VALUE_COLUMNS),
            tags=tuple(values["tags"]),
        )


def _create_contacts(plan: ReferencePlan, actor: UserRecord, now: datetime) -> dict[int, int]:
    new = list(plan.new_contacts.values())
    insert_all(
        Contact,
        [Contact.uid, Contact.code, Contact.name, Contact.created_at],
        [(new_uid(), contact.code, contact.name, now) for contact in new],
    )
    ids = lookup(Contact.code, Contact.id, plan.new_contacts)
    history.record_many(
        history.CONTACT_CREATED,
        actor_id=actor.id,
        at=now,
        items=[(None, ids[c.code], None, {"code": c.code, "name": c.name}) for c in new],
    )
    return {contact.placeholder: ids[contact.code] for contact in new}


def _create_opportunities(
    plan: ReferencePlan, real_ids: dict[int, int], actor: UserRecord, now: datetime
) -> dict[int, int]:
    new = [
        (opportunity, real_ids.get(opportunity.contact, opportunity.contact))
        for opportunity in plan.new_opportunities.values()
    ]
    insert_all(
        Opportunity,
        [
            Opportunity.uid,
            Opportunity.code,
            Opportunity.title,
            Opportunity.contact,
            Opportunity.created_at,
        ],
        [(new_uid(), o.code, o.title, contact_id, now) for o, contact_id in new],
    )
    ids = lookup(Opportunity.code, Opportunity.id, plan.new_opportunities)
    history.record_many(
        history.OPPORTUNITY_CREATED,
        actor_id=actor.id,
        at=now,
        items=[
            (None, contact_id, ids[o.code], {"code": o.code, "title": o.title})
            for o, contact_id in new
        ],
    )
    return {opportunity.placeholder: ids[opportunity.code] for opportunity, _ in new}


def _create_planned(plan: ReferencePlan, actor: UserRecord, now: datetime) -> dict[int, int]:
    """Create the plan's users (through the service: there are few),
    contacts and opportunities; return placeholder -> real id."""
    real_ids = {
        placeholder: users.add_user(name, name, role="agent", actor_id=actor.id).id
        for name, placeholder in plan.new_users.items()
    }
    real_ids.update(_create_contacts(plan, actor, now))
    real_ids.update(_create_opportunities(plan, real_ids, actor, now))
    return real_ids


def _tag_ids(names: Iterable[str]) -> dict[str, int]:
    wanted = set(names)
    found = lookup(Tag.name, Tag.id, wanted)
    missing = sorted(wanted - set(found))
    insert_all(Tag, [Tag.uid, Tag.name], [(new_uid(), name) for name in missing])
    found.update(lookup(Tag.name, Tag.id, missing))
    return found


def _with_real_ids(values: tuple[Any, ...], real_ids: dict[int, int]) -> list[Any]:
    row = list(values)
    for index in _REFERENCES:
        if row[index] is not None and row[index] < 0:
            row[index] = real_ids[row[index]]
    return row


def _told_every_batch(
    rows: Iterable[tuple[Any, ...]], after_batch: Callable[[int], None] | None
) -> Iterator[tuple[Any, ...]]:
    """`rows`, calling `after_batch(rows so far)` after each BATCH of them
    (not after the last: the import says that once all is written)."""
    for written, values in enumerate(rows, start=1):
        yield values
        if after_batch is not None and written % BATCH == 0:
            after_batch(written)


def _write_rows(
    rows: Iterable[PendingRow],
    expected_rows: int,
    real_ids: dict[int, int],
    *,
    actor: UserRecord,
    file_name: str,
    now: datetime,
    after_batch: Callable[[int], None] | None,
) -> int:
    """The interactions, each with its id (reserved, so that tags and
    history need not read them back), then their tags, then an `imported`
    event each; every table in one COPY on PostgreSQL, whose server stores
    each part while the next is encoded (`store.batch_insert`). Returns
    how many rows were written."""
    ids = reserve_ids(Interaction, expected_rows)
    # Each row written, with its real contact and opportunity ids.
    written: list[tuple[PendingRow, int, int | None]] = []

    def interactions() -> Iterator[tuple[Any, ...]]:
        for index, pending in enumerate(rows):
            values = _with_real_ids(pending.values, real_ids)
            written.append((pending, values[_CONTACT], values[_OPPORTUNITY]))
            yield (ids[index], pending.uid, *values, 1, now, now)

    insert_all(
        Interaction,
        [Interaction.id, *_INTERACTION_FIELDS],
        _told_every_batch(interactions(), after_batch),
    )
    ids = ids[: len(written)]
    tag_ids = _tag_ids(tag for pending, _, _ in written for tag in pending.tags)
    insert_all(
        InteractionTag,
        [InteractionTag.interaction, InteractionTag.tag],
        (
            (interaction_id, tag_ids[tag])
            for interaction_id, (pending, _, _) in zip(ids, written, strict=True)
            for tag in pending.tags
        ),
    )
    history.record_many(
        history.IMPORTED,
        actor_id=actor.id,
        at=now,
        items=(
            (interaction_id, contact, opportunity, {"file": file_name, "line": pending.line})
            for interaction_id, (pending, contact, opportunity) in zip(ids, written, strict=True)
        ),
    )
    return len(written)


def _rebuild_pays(rows: int) -> bool:
    if rows < _REBUILD_MIN_ROWS or engine_of(current()) != "sqlite":
        return False
    return rows * _REBUILD_RATIO >= Interaction.select().count()


@writes
def write_import(
    plan: ReferencePlan,
    rows: Iterable[PendingRow],
    *,
    actor: UserRecord,
    file_name: str,
    expected_rows: int,
    after_batch: Callable[[int], None] | None = None,
) -> None:
    """Create what the plan names, then every row, in one transaction.
    `rows` (at most `expected_rows`) may be a generator that checks each
    row as it is written: what it raises rolls everything back.
    `after_batch(rows_written_so_far)` is called after each batch of rows,
    and with all of them once everything is written; what it raises rolls
    the whole import back too (that is how it is cancelled).

    The rows come from the file's last to its first: an export lists the
    newest first, so the oldest gets the smallest Id, and rows of the same
    moment keep their order when the database is exported again."""
    now = clock.now()
    real_ids = _create_planned(plan, actor, now)

    def write_all() -> None:
        written = _write_rows(
            rows,
            expected_rows,
            real_ids,
            actor=actor,
            file_name=file_name,
            now=now,
            after_batch=after_batch,
        )
        if after_batch is not None:
            after_batch(written)

    if _rebuild_pays(expected_rows):
        with schema.bulk_load(current(), "sqlite"):
            write_all()
    else:
        write_all()
