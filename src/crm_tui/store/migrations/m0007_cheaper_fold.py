"""Schema version 7: the PostgreSQL search vectors fold accents after
lower case (see `schema.POSTGRES_SEARCH_FUNCTION`), which makes every
insert and update of an interaction or comment cheaper (an import, the
demo build). The vectors stored already stay: the folded text is the
same, so the function is replaced and nothing is rewritten."""

from __future__ import annotations

from peewee import Database

from crm_tui.store import schema


def apply(db: Database, engine: str) -> None:
    if engine == "postgres":
        db.execute_sql(schema.POSTGRES_SEARCH_FUNCTION)
