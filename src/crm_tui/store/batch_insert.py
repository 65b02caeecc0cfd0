"""Thousands of new rows of one table in the current transaction, the
fastest way each engine offers: COPY on PostgreSQL, multi-row INSERTs of
`store.bulk.insert_rows` on SQLite.

Why COPY: a 500-row INSERT carries 8,000 parameters that psycopg2 quotes
into the statement's text and the server then parses and plans; for a
campaign of 10,000 calls that was a third of the time on PostgreSQL. COPY
streams the rows as tab-separated text, which the server reads without
planning anything. It runs on the transaction's own connection, so it
commits or rolls back with everything else written in it. SQLite has no
COPY and no network: its multi-row INSERTs are already cheap.

The rows may come from a generator, and COPY takes them as they are
encoded, a chunk at a time (`_CopyStream`): the server stores one chunk
(search vectors, indexes, foreign keys: most of an import's time) while
Python encodes the next, on the other core, instead of each waiting for
the other. Whatever the generator raises (a cancel) aborts the COPY, and
is raised again as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from peewee import BooleanField, CharField, IntegerField, TextField
from peewee import __exception_wrapper__ as peewee_errors

from crm_tui.store.bulk import batched, insert_rows
from crm_tui.store.db import current, engine_of

# Rows encoded per piece of a COPY stream: a few hundred KB of text.
COPY_CHUNK_ROWS = 1_000

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


class _CopyStream:
    """The text of a COPY ... FROM STDIN, encoded from `rows` a chunk at a
    time as the driver reads it (psycopg2 calls `read` until it returns
    nothing). What the rows' generator raised is kept in `failure`: the
    driver only reports that `read` failed."""

    def __init__(self, fields: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
        self._fields = fields
        self._chunks: Iterator[list[Sequence[Any]]] = batched(rows, COPY_CHUNK_ROWS)
        self.failure: BaseException | None = None

    def read(self, _size: int = -1) -> str:
        try:
            chunk = next(self._chunks, None)
        except BaseException as failure:
            self.failure = failure
            raise
        return "" if chunk is None else copy_text(self._fields, chunk)


def insert_all(model: Any, fields: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (values in the order of `fields`) into `model`'s table,
    within the current transaction. `rows` may be a generator: it is read
    once, as the rows are written."""
    if isinstance(rows, Sequence) and not rows:
        return
    db = current()
    if engine_of(db) != "postgres":
        for batch in batched(rows):
            insert_rows(model, fields, batch)
        return
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    sql = f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN'
    stream = _CopyStream(fields, rows)
    try:
        # Peewee's wrapper turns the driver's errors into Peewee's, as for
        # every other statement (a duplicate code is an IntegrityError).
        with peewee_errors, db.cursor() as cursor:
            cursor.copy_expert(sql, stream)
    except Exception:
        if stream.failure is not None:
            raise stream.failure from None
        raise
