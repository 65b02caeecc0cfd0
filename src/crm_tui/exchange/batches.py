"""Statements over many rows at once, for an import of thousands of rows:
lookups by chunks of values, multi-row inserts, history events in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from crm_tui.services import history
from crm_tui.store.db import current
from crm_tui.store.ids import new_uid
from crm_tui.store.models import HistoryEvent

# A few hundred values or rows per statement: far below every engine's
# parameter limit (SQLite: 32,766; 28 columns x 500 rows = 14,000).
BATCH = 500
T = TypeVar("T")

# (interaction_id, contact_id, opportunity_id, details) of one history event.
HistoryItem = tuple[int | None, int | None, int | None, dict[str, object]]


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_chunks(column: Any, values: Iterable[str]) -> Iterator[Any]:
    """`column IN (...)` conditions that together cover `values`."""
    for chunk in chunks(sorted(set(values))):
        yield column.in_(list(chunk))


def insert_rows(model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
    """One multi-row INSERT. Written out here because Peewee's query builder
    spends more time on a 500-row insert than the database does; values
    still pass through each field's `db_value`, as Peewee would pass them."""
    if not rows:
        return
    db = current()
    converters = [field.db_value for field in fields]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    one_row = "(" + ", ".join([db.param] * len(fields)) + ")"
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ' + ", ".join(
        [one_row] * len(rows)
    )
    params = [
        convert(value) for row in rows for convert, value in zip(converters, row, strict=True)
    ]
    db.execute_sql(sql, params)


_HISTORY_FIELDS = [
    HistoryEvent.uid,
    HistoryEvent.at,
    HistoryEvent.actor,
    HistoryEvent.action,
    HistoryEvent.interaction,
    HistoryEvent.contact,
    HistoryEvent.opportunity,
    HistoryEvent.details,
]


def record_history(
    action: str, *, actor_id: int, at: datetime, items: Sequence[HistoryItem]
) -> None:
    """What `history.record` writes, for many events of one action."""
    for chunk in chunks(items):
        insert_rows(
            HistoryEvent,
            _HISTORY_FIELDS,
            [
                (
                    new_uid(),
                    at,
                    actor_id,
                    action,
                    interaction_id,
                    contact_id,
                    opportunity_id,
                    history.encode_details(details),
                )
                for interaction_id, contact_id, opportunity_id, details in chunk
            ],
        )
