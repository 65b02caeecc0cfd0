"""Thousands of new rows of one table in the current transaction, the
fastest way each engine offers: COPY on PostgreSQL, multi-row INSERTs of
`store.bulk.insert_rows` on SQLite.

Why COPY: a 500-row INSERT carries 8,000 parameters that psycopg2 quotes
into the statement's text and the server then parses and plans; for a
campaign of 10,000 calls that was a third of the time on PostgreSQL. COPY
streams the rows as tab-separated text, which the server reads without
planning anything. It runs on the transaction's own connection, so it
commits or rolls back with everything else written in it. SQLite has no
COPY and no network: its multi-row INSERTs are already cheap."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from peewee import BooleanField, CharField, IntegerField, TextField
from peewee import __exception_wrapper__ as peewee_errors

from crm_tui.store.bulk import chunks, insert_rows
from crm_tui.store.db import current, engine_of

# COPY's text format: a tab between values, a newline after each row, \N
# for NULL; a backslash, tab, newline or carriage return inside a value is
# written as its backslash escape.
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Encoder = Callable[[Any], str]


def _text(value: Any) -> str:
    return _NULL if value is None else str(value).translate(_ESCAPES)


def _flag(value: Any) -> str:
    return _NULL if value is None else ("t" if value else "f")


def _number(value: Any) -> str:
    return _NULL if value is None else str(value)


def _encoder(field: Any) -> Encoder:
    """How a value of `field` is written in COPY text: as Peewee would
    pass it (through `db_value`), but for text, numbers and flags, which
    go as they are (as in `insert_rows`)."""
    if isinstance(field, (CharField, TextField)):
        return _text
    if isinstance(field, BooleanField):
        return _flag
    if isinstance(field, IntegerField):  # also every id and foreign key
        return _number
    convert = field.db_value
    return lambda value: _text(convert(value))


def copy_text(fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """`rows` as the body of a COPY ... FROM STDIN in text format. The
    values must be hashable (text, numbers, times: column values).

    Column by column, each distinct value encoded once: most columns of a
    batch repeat a few values (a campaign's type, status, author, time of
    creation), so Python encodes thousands of values, not every cell."""
    encoded = []
    for field, values in zip(fields, zip(*rows, strict=True), strict=True):
        encode = _encoder(field)
        text_of = {value: encode(value) for value in set(values)}
        encoded.append(map(text_of.__getitem__, values))
    lines = list(map("\t".join, zip(*encoded, strict=True)))
    lines.append("")  # the newline after the last row
    return "\n".join(lines)


def insert_all(model: Any, fields: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `fields`) into `model`'s table,
    within the current transaction."""
    if not rows:
        return
    db = current()
    if engine_of(db) != "postgres":
        for batch in chunks(rows):
            insert_rows(model, fields, batch)
        return
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    sql = f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN'
    # Peewee's wrapper turns the driver's errors into Peewee's, as for
    # every other statement (a duplicate code is an IntegrityError).
    with peewee_errors, db.cursor() as cursor:
        cursor.copy_expert(sql, io.StringIO(copy_text(fields, rows)))
