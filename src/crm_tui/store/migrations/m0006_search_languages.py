"""Schema version 6: PostgreSQL search vectors with Spanish and English
stems besides the accent-folded words (see `schema.POSTGRES_SEARCH_FUNCTION`).

PostgreSQL 15 cannot change a generated column's expression, so each
vector column is dropped and added again in one ALTER TABLE: one rewrite of
the table, after which its GIN index is built once. Fresh databases pass
through here too, so they end with the same schema as upgraded ones.

SQLite has no Spanish stemmer (FTS5 ships only the English porter one), so
its search stays as it is: prefixes, accents and case folded, as on
PostgreSQL.
"""

from __future__ import annotations

from peewee import Database

from crm_tui.store import schema


def apply(db: Database, engine: str) -> None:
    if engine != "postgres":
        return
    db.execute_sql(schema.POSTGRES_SEARCH_FUNCTION)
    for table, columns in schema.POSTGRES_SEARCH_COLUMNS:
        db.execute_sql(
            f"ALTER TABLE {table} DROP COLUMN search_vector,"
            f" ADD COLUMN search_vector tsvector GENERATED ALWAYS AS"
            f" ({schema.postgres_search_vector(columns)}) STORED"
        )
    schema.create_postgres_search_indexes(db)
