"""Statements over many rows at once, for what writes thousands of rows in
one go (an import, a campaign): lookups by chunks of values and multi-row
inserts. (History events in bulk: `services.history.record_many`.)"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from crm_tui.store.db import current

# A few hundred values or rows per statement: far below every engine's
# parameter limit (SQLite: 32,766; 28 columns x 500 rows = 14,000).
BATCH = 500
T = TypeVar("T")


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
