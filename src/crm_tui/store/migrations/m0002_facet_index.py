"""Schema version 2: the index the filter sidebar counts over (see
`schema.FACET_INDEXES`), on SQLite and PostgreSQL. Only the facet query
can use it (it is partial), so no other query plan depends on fresh
statistics for it: no ANALYZE, which would hold up the first start on a
large database."""

from __future__ import annotations

from peewee import Database

from crm_tui.store import schema


def apply(db: Database, engine: str) -> None:
    schema.create_list_indexes(db, schema.FACET_INDEXES)
