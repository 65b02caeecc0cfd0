"""Parts of the schema that a bulk load takes down and builds again once
(list indexes, full-text search), and the engine-specific full-text SQL.

These are the definitions of schema version 1; a later change to any of
them belongs in a new migration (and this module then names the newest)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import Database

# The list queries page by keyset over (date, id) within these prefixes.
LIST_INDEXES: tuple[tuple[str, str], ...] = (
    ("ix_interaction_occurred", "interaction (occurred_at, id)"),
    ("ix_interaction_opportunity", "interaction (opportunity_id, occurred_at, id)"),
    ("ix_interaction_contact", "interaction (contact_id, occurred_at, id)"),
    ("ix_interaction_user", "interaction (user_id, occurred_at, id)"),
    ("ix_interaction_type", "interaction (type_id, occurred_at, id)"),
    ("ix_interaction_status", "interaction (status, occurred_at, id)"),
    ("ix_interaction_queue", "interaction (user_id, status, due_at, id)"),
    ("ix_interaction_creator", "interaction (created_by_id, status, due_at, id)"),
    ("ix_interaction_tag_tag", "interaction_tag (tag_id, interaction_id)"),
    ("ix_comment_interaction", "comment (interaction_id, created_at, id)"),
    ("ix_comment_opportunity", "comment (opportunity_id, created_at, id)"),
    ("ix_history_interaction", "history_event (interaction_id, id)"),
    ("ix_history_contact", "history_event (contact_id, id)"),
    ("ix_history_opportunity", "history_event (opportunity_id, id)"),
)

# SQLite: FTS5 tables over the text columns, kept in step by triggers.
# Accents are folded (remove_diacritics 2) so "reunion" finds "reunión".
_SQLITE_FTS_TABLES = (
    "CREATE VIRTUAL TABLE interaction_fts USING fts5(subject, note, content='interaction', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE comment_fts USING fts5(body, content='comment', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
)
_SQLITE_FTS_TRIGGERS = (
    """CREATE TRIGGER interaction_fts_insert AFTER INSERT ON interaction BEGIN
         INSERT INTO interaction_fts (rowid, subject, note) VALUES (new.id, new.subject, new.note);
       END""",
    """CREATE TRIGGER interaction_fts_delete AFTER DELETE ON interaction BEGIN
         INSERT INTO interaction_fts (interaction_fts, rowid, subject, note)
         VALUES ('delete', old.id, old.subject, old.note);
       END""",
    """CREATE TRIGGER interaction_fts_update AFTER UPDATE OF subject, note ON interaction BEGIN
         INSERT INTO interaction_fts (interaction_fts, rowid, subject, note)
         VALUES ('delete', old.id, old.subject, old.note);
         INSERT INTO interaction_fts (rowid, subject, note) VALUES (new.id, new.subject, new.note);
       END""",
    """CREATE TRIGGER comment_fts_insert AFTER INSERT ON comment BEGIN
         INSERT INTO comment_fts (rowid, body) VALUES (new.id, new.body);
       END""",
    """CREATE TRIGGER comment_fts_delete AFTER DELETE ON comment BEGIN
         INSERT INTO comment_fts (comment_fts, rowid, body) VALUES ('delete', old.id, old.body);
       END""",
    """CREATE TRIGGER comment_fts_update AFTER UPDATE OF body ON comment BEGIN
         INSERT INTO comment_fts (comment_fts, rowid, body) VALUES ('delete', old.id, old.body);
         INSERT INTO comment_fts (rowid, body) VALUES (new.id, new.body);
       END""",
)
_SQLITE_TRIGGER_NAMES = (
    "interaction_fts_insert",
    "interaction_fts_delete",
    "interaction_fts_update",
    "comment_fts_insert",
    "comment_fts_delete",
    "comment_fts_update",
)

# PostgreSQL: a stored tsvector per row over accent-folded text, GIN-indexed.
# translate() folds accents without needing the unaccent extension, which a
# team's database role may not be allowed to create.
_ACCENTED = "áàâäãéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
_PLAIN = "aaaaaeeeeiiiiooooouuuuncAAAAAEEEEIIIIOOOOOUUUUNC"
_POSTGRES_SEARCH = (
    f"""CREATE FUNCTION crm_fold(value TEXT) RETURNS TEXT
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT lower(translate(coalesce(value, ''), '{_ACCENTED}', '{_PLAIN}')) $$""",
    """ALTER TABLE interaction ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
         (to_tsvector('simple', crm_fold(subject) || ' ' || crm_fold(note))) STORED""",
    """ALTER TABLE comment ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
         (to_tsvector('simple', crm_fold(body))) STORED""",
)
_POSTGRES_SEARCH_INDEXES = (
    ("ix_interaction_search", "interaction USING GIN (search_vector)"),
    ("ix_comment_search", "comment USING GIN (search_vector)"),
)


def create_list_indexes(db: Database) -> None:
    for name, target in LIST_INDEXES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop_list_indexes(db: Database) -> None:
    for name, _ in LIST_INDEXES:
        db.execute_sql(f"DROP INDEX IF EXISTS {name}")


def create_search(db: Database, engine: str) -> None:
    if engine == "sqlite":
        for statement in (*_SQLITE_FTS_TABLES, *_SQLITE_FTS_TRIGGERS):
            db.execute_sql(statement)
    else:
        for statement in _POSTGRES_SEARCH:
            db.execute_sql(statement)
        for name, target in _POSTGRES_SEARCH_INDEXES:
            db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


@contextmanager
def bulk_load(db: Database, engine: str) -> Iterator[None]:
    """Take down list indexes and search upkeep for a large insert, then
    build each once: far cheaper than updating them row by row."""
    drop_list_indexes(db)
    if engine == "sqlite":
        for name in _SQLITE_TRIGGER_NAMES:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, _ in _POSTGRES_SEARCH_INDEXES:
            db.execute_sql(f"DROP INDEX IF EXISTS {name}")
    try:
        yield
    finally:
        if engine == "sqlite":
            db.execute_sql("INSERT INTO interaction_fts (interaction_fts) VALUES ('rebuild')")
            db.execute_sql("INSERT INTO comment_fts (comment_fts) VALUES ('rebuild')")
            for statement in _SQLITE_FTS_TRIGGERS:
                db.execute_sql(statement)
        else:
            for name, target in _POSTGRES_SEARCH_INDEXES:
                db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
        create_list_indexes(db)
        if engine == "sqlite":
            db.execute_sql("ANALYZE")
        else:
            db.execute_sql("ANALYZE")
