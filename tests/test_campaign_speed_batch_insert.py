"""`store.batch_insert.insert_all`, which writes a campaign's calls (COPY
on PostgreSQL, multi-row INSERTs on SQLite): every value arrives as it was
given, whatever characters the text holds, and the rows belong to the
transaction they are written in. On both engines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from crm_tui.store import db as store_db
from crm_tui.store.batch_insert import insert_all
from crm_tui.store.db import current
from crm_tui.store.ids import new_uid
from crm_tui.store.models import Contact

from .conftest import World

# What COPY's text format gives a meaning to: separators, escapes, its NULL.
AWKWARD_NAMES = (
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\t not a tab",
    "",
    "ñandú «comillas» 'quote' \"double\"",
)
FIELDS = [
    Contact.uid,
    Contact.code,
    Contact.name,
    Contact.company,
    Contact.credit_hold,
    Contact.owner,
    Contact.created_at,
]


def test_every_value_arrives_as_given(world: World, db: store_db.Target) -> None:
    created = datetime(2026, 11, 23, 9, 30, 15, 123456)
    rows = [
        (new_uid(), f"AW-{n}", name, name, n % 2 == 0, world.agent.id if n % 3 else None, created)
        for n, name in enumerate(AWKWARD_NAMES)
    ]
    with current().atomic():
        insert_all(Contact, FIELDS, rows)
    stored = Contact.select(*FIELDS).where(Contact.code.startswith("AW-")).order_by(Contact.code)
    assert sorted(stored.tuples()) == sorted(rows)


def test_rows_go_with_their_transaction(world: World, db: store_db.Target) -> None:
    before = Contact.select().count()
    rows = [(new_uid(), f"RB-{n:04}", f"Contact {n}", datetime(2026, 1, 1)) for n in range(1200)]
    fields = [Contact.uid, Contact.code, Contact.name, Contact.created_at]
    with pytest.raises(RuntimeError, match="abandoned"), current().atomic():
        insert_all(Contact, fields, rows)
        assert Contact.select().count() == before + len(rows)
        raise RuntimeError("abandoned")
    assert Contact.select().count() == before


class Cancelled(Exception):
    """What a generator of rows raises to stop a write (an import's cancel)."""


def test_rows_from_a_generator_arrive_in_chunks_and_its_error_stops_the_write(
    world: World, db: store_db.Target
) -> None:
    """On PostgreSQL the rows are encoded chunk by chunk while COPY takes
    them: all 2,500 arrive (more than two chunks), and an error the
    generator raises half-way aborts the COPY and comes out as itself,
    not as the driver's "error in .read() call"."""
    fields = [Contact.uid, Contact.code, Contact.name, Contact.created_at]

    def contacts(prefix: str, count: int, fail_after: int | None = None) -> Any:
        for n in range(count):
            if n == fail_after:
                raise Cancelled("stopped by the person")
            yield (new_uid(), f"{prefix}-{n:04}", f"Contact {n}", datetime(2026, 1, 1))

    before = Contact.select().count()
    with current().atomic():
        insert_all(Contact, fields, contacts("GEN", 2_500))
    assert Contact.select(Contact.code).where(Contact.code.startswith("GEN-")).count() == 2_500
    with pytest.raises(Cancelled, match="stopped by the person"), current().atomic():
        insert_all(Contact, fields, contacts("STOP", 2_500, fail_after=1_500))
    assert Contact.select().count() == before + 2_500
