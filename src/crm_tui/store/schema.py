"""Parts of the schema that a bulk load takes down and builds again once
(list and facet indexes, full-text search), and the engine-specific
full-text SQL.

`LIST_INDEXES` and the search SQL are the definitions of schema version 1
(migration m0001); each later addition has its own name here and its own
migration, so m0001 keeps creating exactly schema 1."""

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

# SQLite: one FTS5 row per interaction holding its subject, note and the
# text of its comments, so a search walks a single index in rowid (= id)
# order and stops after a page, however common the word. Accents are
# folded (remove_diacritics 2) so "reunion" finds "reunión". Triggers keep
# it in step with interactions and comments.
SQLITE_SEARCH_TABLE = "search_fts"
_SQLITE_FTS_TABLES = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(subject, note, comments, "
    "tokenize='unicode61 remove_diacritics 2')",
)
_COMMENTS_OF = (
    "(SELECT coalesce(group_concat(body, ' '), '') FROM comment WHERE interaction_id = {ref})"
)
_SQLITE_FTS_TRIGGERS = (
    """CREATE TRIGGER search_fts_insert AFTER INSERT ON interaction BEGIN
         INSERT INTO search_fts (rowid, subject, note, comments)
         VALUES (new.id, new.subject, new.note, '');
       END""",
    """CREATE TRIGGER search_fts_delete AFTER DELETE ON interaction BEGIN
         DELETE FROM search_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER search_fts_update AFTER UPDATE OF subject, note ON interaction BEGIN
         UPDATE search_fts SET subject = new.subject, note = new.note WHERE rowid = new.id;
       END""",
    f"""CREATE TRIGGER search_fts_comment_insert AFTER INSERT ON comment
       WHEN new.interaction_id IS NOT NULL BEGIN
         UPDATE search_fts SET comments = {_COMMENTS_OF.format(ref="new.interaction_id")}
         WHERE rowid = new.interaction_id;
       END""",
    f"""CREATE TRIGGER search_fts_comment_delete AFTER DELETE ON comment
       WHEN old.interaction_id IS NOT NULL BEGIN
         UPDATE search_fts SET comments = {_COMMENTS_OF.format(ref="old.interaction_id")}
         WHERE rowid = old.interaction_id;
       END""",
    f"""CREATE TRIGGER search_fts_comment_update AFTER UPDATE OF body ON comment
       WHEN new.interaction_id IS NOT NULL BEGIN
         UPDATE search_fts SET comments = {_COMMENTS_OF.format(ref="new.interaction_id")}
         WHERE rowid = new.interaction_id;
       END""",
)
SQLITE_SEARCH_TRIGGERS = (
    "search_fts_insert",
    "search_fts_delete",
    "search_fts_update",
    "search_fts_comment_insert",
    "search_fts_comment_delete",
    "search_fts_comment_update",
)
# The search rows of the interactions whose ids lie between the two
# parameters, with their comments' text: all of them after a bulk load, or
# a range of them while one runs.
_SQLITE_FTS_FILL = """INSERT INTO search_fts (rowid, subject, note, comments)
   SELECT i.id, i.subject, i.note, coalesce(c.text, '')
   FROM interaction AS i LEFT JOIN (
     SELECT interaction_id, group_concat(body, ' ') AS text FROM comment
     WHERE interaction_id BETWEEN ? AND ? GROUP BY interaction_id
   ) AS c ON c.interaction_id = i.id
   WHERE i.id BETWEEN ? AND ?"""
_ALL_IDS = (-(2**63), 2**63 - 1)

# PostgreSQL: a stored tsvector per row over accent-folded text, GIN-indexed.
# translate() folds accents without needing the unaccent extension, which a
# team's database role may not be allowed to create.
_ACCENTED = "áàâäãéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
_PLAIN = "aaaaaeeeeiiiiooooouuuuncAAAAAEEEEIIIIOOOOOUUUUNC"
# The lower-case half, for text already in lower case.
_ACCENTED_LOWER = _ACCENTED[: len(_ACCENTED) // 2]
_PLAIN_LOWER = _PLAIN[: len(_PLAIN) // 2]
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


# Schema version 6 (m0006): the PostgreSQL vectors also hold each word's
# Spanish and English stems, so "llamada" finds "llamaron" and "calls"
# finds "called"; the folded words stay for prefix matching. Spanish
# snowball needs the accents ("facturación" stems to "factur",
# "facturacion" is left whole), so it stems the text as written; English
# has no accents to lose and stems the folded text.
#
# One PL/pgSQL function computes the vector so that the text is folded once
# rather than once per vector: translate() over 50 accented letters is the
# dearest part, and written out in the column expression it ran twice per
# row (5.4 s per 100,000 rows against 4.0 s; a SQL-language function, run
# per row without inlining, took 5.6 s). Its body names only built-ins,
# which PostgreSQL finds whatever the search_path (a pg_dump restore
# empties it), so it does not call `crm_fold`.
#
# Schema version 7 (m0007): the text is put in lower case before the
# accents are folded, so translate() looks each character up among the 24
# lower-case accented letters, not all 48: 1.0 s per 100,000 interactions
# against 1.8 s, the same folded text (compared on 100,000 demo rows).
# `services.listing` asks the same three things of each searched word.
POSTGRES_SEARCH_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("interaction", ("subject", "note")),
    ("comment", ("body",)),
)
POSTGRES_SEARCH_FUNCTION = f"""CREATE OR REPLACE FUNCTION crm_search_vector(written TEXT)
    RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      folded TEXT := translate(lower(written), '{_ACCENTED_LOWER}', '{_PLAIN_LOWER}');
    BEGIN
      RETURN to_tsvector('simple', folded) || to_tsvector('spanish', written)
        || to_tsvector('english', folded);
    END $$"""


def postgres_search_vector(columns: tuple[str, ...]) -> str:
    written = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
    return f"crm_search_vector({written})"


def create_postgres_search_indexes(db: Database) -> None:
    for name, target in _POSTGRES_SEARCH_INDEXES:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


# Schema version 2 (m0002): the counts of the filter sidebar group every
# matching row by (type, responsible, status, direction); over the whole
# table that is one scan of this index instead of the table (0.1 s rather
# than 2 s at a million rows). It is partial on a condition every row meets
# (versions start at 1) and that only the facet query states
# (`FACET_INDEX_CONDITION`), because a database uses a partial index only
# for queries that state its condition: the list queries never see it. Were
# it a plain index, a list filtered by type, user and status would look the
# rows up through it and sort every match (215 ms instead of 4 ms at 1M).
FACET_INDEX_CONDITION = "version > 0"
FACET_INDEXES: tuple[tuple[str, str], ...] = (
    (
        "ix_interaction_facets",
        f"interaction (type_id, user_id, status, direction) WHERE {FACET_INDEX_CONDITION}",
    ),
)
# Every index a bulk load takes down and builds again.
BULK_INDEXES = LIST_INDEXES + FACET_INDEXES


def create_list_indexes(db: Database, indexes: tuple[tuple[str, str], ...] = LIST_INDEXES) -> None:
    for name, target in indexes:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop_list_indexes(db: Database, indexes: tuple[tuple[str, str], ...] = LIST_INDEXES) -> None:
    for name, _ in indexes:
        db.execute_sql(f"DROP INDEX IF EXISTS {name}")


def create_search(db: Database, engine: str) -> None:
    if engine == "sqlite":
        for statement in (*_SQLITE_FTS_TABLES, *_SQLITE_FTS_TRIGGERS):
            db.execute_sql(statement)
    else:
        for statement in _POSTGRES_SEARCH:
            db.execute_sql(statement)
        create_postgres_search_indexes(db)


class BulkLoad:
    """A bulk load under way. Its caller may put interactions in the search
    as soon as they and their comments are all written (`add_to_search`)
    instead of leaving it all to the end: the demo does so while its
    generator produces the next rows, when this process would be waiting.
    A caller that adds any range adds every interaction it loads."""

    def __init__(self, db: Database, engine: str) -> None:
        self.db = db
        self.engine = engine
        self.searched_as_loaded = False

    def add_to_search(self, first_id: int, last_id: int) -> None:
        """Interactions `first_id`..`last_id` and their comments are loaded.
        (PostgreSQL's search vectors are generated columns: nothing to do.)"""
        if self.engine == "sqlite":
            self.db.execute_sql(_SQLITE_FTS_FILL, (first_id, last_id, first_id, last_id))
            self.searched_as_loaded = True


@contextmanager
def bulk_load(db: Database, engine: str) -> Iterator[BulkLoad]:
    """Take down list indexes and search upkeep for a large insert, then
    build each once: far cheaper than updating them row by row."""
    drop_list_indexes(db, BULK_INDEXES)
    if engine == "sqlite":
        for name in SQLITE_SEARCH_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, _ in _POSTGRES_SEARCH_INDEXES:
            db.execute_sql(f"DROP INDEX IF EXISTS {name}")
    load = BulkLoad(db, engine)
    # Only after a successful load: on failure the caller's transaction rolls
    # the drops back, and on PostgreSQL an aborted transaction would only
    # replace the real error with "current transaction is aborted".
    yield load
    if engine == "sqlite":
        if not load.searched_as_loaded:
            db.execute_sql("DELETE FROM search_fts")
            db.execute_sql(_SQLITE_FTS_FILL, _ALL_IDS * 2)
        for statement in _SQLITE_FTS_TRIGGERS:
            db.execute_sql(statement)
    else:
        create_postgres_search_indexes(db)
    create_list_indexes(db, BULK_INDEXES)
    db.execute_sql("ANALYZE")
