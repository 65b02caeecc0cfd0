"""Statements over many rows at once, for what writes thousands of rows in
one go (an import, a campaign): lookups by chunks of values and multi-row
inserts. (History events in bulk: `services.history.record_many`.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from peewee import BooleanField, CharField, IntegerField, TextField

from crm_tui.store.db import current, engine_of

# A few hundred values or rows per statement: far below every engine's
# parameter limit (SQLite: 32,766; 28 columns x 500 rows = 14,000).
BATCH = 500
T = TypeVar("T")


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter), read lazily, so
    also rows that a generator makes as they are written."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def in_chunks(column: Any, values: Iterable[str]) -> Iterator[Any]:
    """`column IN (...)` conditions that together cover `values`."""
    for chunk in batched(sorted(set(values))):
        yield column.in_(chunk)


def lookup(key: Any, value: Any, wanted: Iterable[Any]) -> dict[Any, Any]:
    """`{key: value}` for the rows whose `key` column is one of `wanted`
    (`Contact.code` -> `Contact.id`), by chunks of `key IN (...)`. Written
    out for the same reason as `insert_rows`: Peewee takes longer to build
    a 500-value IN than the database takes to answer it."""
    db = current()
    table = key.model._meta.table_name
    found: dict[Any, Any] = {}
    for chunk in batched(sorted(set(wanted))):
        marks = ", ".join([db.param] * len(chunk))
        sql = (
            f'SELECT "{key.column_name}", "{value.column_name}" FROM "{table}" '
            f'WHERE "{key.column_name}" IN ({marks})'
        )
        found.update(db.execute_sql(sql, chunk).fetchall())
    return found


# Fields whose Python values both drivers take as they are: no conversion
# per value (a 10,000-row insert would otherwise make 280,000 calls).
_AS_IS = (CharField, TextField, IntegerField, BooleanField)


def _converter(field: Any) -> Callable[[Any], Any] | None:
    if isinstance(field, _AS_IS):
        return None
    converter: Callable[[Any], Any] = field.db_value
    return converter


def insert_rows(model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
    """One multi-row INSERT. Written out here because Peewee's query builder
    spends more time on a 500-row insert than the database does; values
    pass through each field's `db_value`, as Peewee would pass them, but
    for plain text, numbers and flags, which go as they are."""
    if not rows:
        return
    db = current()
    converters = [_converter(field) for field in fields]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    one_row = "(" + ", ".join([db.param] * len(fields)) + ")"
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ' + ", ".join(
        [one_row] * len(rows)
    )
    params = [
        value if convert is None else convert(value)
        for row in rows
        for convert, value in zip(converters, row, strict=True)
    ]
    db.execute_sql(sql, params)


def reserve_ids(model: Any, count: int) -> list[int]:
    """`count` new ids of `model`'s table, ascending, for rows written with
    their id within the current write transaction: so that what refers to
    them (tags, history) is written without reading the ids back.

    PostgreSQL takes them from the table's sequence, which other sessions
    draw from at the same time (so they may not follow each other).
    SQLite has one writer at a time, so they follow the largest id ever
    given (AUTOINCREMENT's `sqlite_sequence`) or in the table."""
    db = current()
    table = model._meta.table_name
    if count <= 0:
        return []
    if engine_of(db) == "postgres":
        sql = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
        return sorted(value for (value,) in db.execute_sql(sql, (f'"{table}"', count)))
    (last,) = db.execute_sql(
        f"""SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),
                       coalesce((SELECT max(id) FROM "{table}"), 0))""",
        (table,),
    ).fetchone()
    return list(range(last + 1, last + 1 + count))
