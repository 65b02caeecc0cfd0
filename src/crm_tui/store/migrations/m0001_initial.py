"""Schema version 1: every table of the domain, the list indexes, full-text
search and the append-only history, for SQLite and PostgreSQL.

Written as explicit DDL (not generated from the models) so that this
migration keeps creating exactly schema 1 when the models move on."""

from __future__ import annotations

from peewee import Database

from crm_tui.store import schema

TYPES = {
    "sqlite": {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "fk": "INTEGER",
        "ts": "DATETIME",
        "bool": "INTEGER",
        "dec": "DECIMAL(14, 2)",
    },
    "postgres": {
        "pk": "BIGSERIAL PRIMARY KEY",
        "fk": "BIGINT",
        "ts": "TIMESTAMP",
        "bool": "BOOLEAN",
        "dec": "NUMERIC(14, 2)",
    },
}

STATUSES = "'pending', 'in_progress', 'done', 'cancelled'"
PRIORITIES = "'low', 'normal', 'high', 'urgent'"
DIRECTIONS = "'outbound', 'inbound'"
KINDS = "'logged', 'scheduled', 'task', 'automatic'"
OUTCOMES = "'connected', 'no_answer', 'busy', 'voicemail', 'wrong_number', 'callback'"
ROLES = "'agent', 'supervisor', 'admin'"

TABLES = [
    """CREATE TABLE "user" (
        id {pk}, uid TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, email TEXT,
        role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ({roles})),
        active {bool} NOT NULL DEFAULT {true}, created_at {ts} NOT NULL)""",
    """CREATE TABLE contact (
        id {pk}, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        company TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '', credit_hold {bool} NOT NULL DEFAULT {false},
        owner_id {fk} REFERENCES "user" (id) ON DELETE SET NULL,
        created_at {ts} NOT NULL)""",
    """CREATE TABLE opportunity (
        id {pk}, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
        contact_id {fk} NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        stage TEXT NOT NULL DEFAULT 'new', sub_stage TEXT NOT NULL DEFAULT '',
        owner_id {fk} REFERENCES "user" (id) ON DELETE SET NULL,
        value {dec} NOT NULL DEFAULT 0, created_at {ts} NOT NULL)""",
    """CREATE TABLE interaction_type (
        id {pk}, uid TEXT NOT NULL UNIQUE, code TEXT NOT NULL UNIQUE,
        label_es TEXT NOT NULL, label_en TEXT NOT NULL, channel TEXT NOT NULL,
        colour TEXT NOT NULL, glyph TEXT NOT NULL DEFAULT '',
        active {bool} NOT NULL DEFAULT {true}, position INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE task_template (
        id {pk}, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,
        type_id {fk} NOT NULL REFERENCES interaction_type (id) ON DELETE RESTRICT,
        default_priority TEXT NOT NULL DEFAULT 'normal' CHECK (default_priority IN ({priorities})),
        due_offset TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        active {bool} NOT NULL DEFAULT {true})""",
    """CREATE TABLE campaign (
        id {pk}, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        created_by_id {fk} NOT NULL REFERENCES "user" (id) ON DELETE RESTRICT,
        created_at {ts} NOT NULL, total INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE rule (
        id {pk}, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,
        "trigger" TEXT NOT NULL, action TEXT NOT NULL,
        active {bool} NOT NULL DEFAULT {true}, builtin {bool} NOT NULL DEFAULT {false},
        created_at {ts} NOT NULL)""",
    """CREATE TABLE interaction (
        id {pk}, uid TEXT NOT NULL UNIQUE,
        type_id {fk} NOT NULL REFERENCES interaction_type (id) ON DELETE RESTRICT,
        kind TEXT NOT NULL DEFAULT 'logged' CHECK (kind IN ({kinds})),
        status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ({statuses})),
        priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ({priorities})),
        direction TEXT NOT NULL DEFAULT 'outbound' CHECK (direction IN ({directions})),
        internal {bool} NOT NULL DEFAULT {false},
        subject TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
        outcome TEXT CHECK (outcome IS NULL OR outcome IN ({outcomes})),
        contact_id {fk} NOT NULL REFERENCES contact (id) ON DELETE RESTRICT,
        opportunity_id {fk} REFERENCES opportunity (id) ON DELETE SET NULL,
        user_id {fk} REFERENCES "user" (id) ON DELETE RESTRICT,
        created_by_id {fk} NOT NULL REFERENCES "user" (id) ON DELETE RESTRICT,
        entry_name TEXT NOT NULL DEFAULT '',
        occurred_at {ts} NOT NULL, starts_at {ts}, ends_at {ts}, follow_up_at {ts},
        due_at {ts} NOT NULL,
        location TEXT NOT NULL DEFAULT '', recurrence TEXT NOT NULL DEFAULT '',
        series_uid TEXT NOT NULL DEFAULT '',
        campaign_id {fk} REFERENCES campaign (id) ON DELETE SET NULL,
        rule_id {fk} REFERENCES rule (id) ON DELETE SET NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created_at {ts} NOT NULL, updated_at {ts} NOT NULL,
        CHECK (ends_at IS NULL OR (starts_at IS NOT NULL AND ends_at >= starts_at)))""",
    """CREATE TABLE tag (id {pk}, uid TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE)""",
    """CREATE TABLE interaction_tag (
        interaction_id {fk} NOT NULL REFERENCES interaction (id) ON DELETE CASCADE,
        tag_id {fk} NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
        PRIMARY KEY (interaction_id, tag_id))""",
    """CREATE TABLE comment (
        id {pk}, uid TEXT NOT NULL UNIQUE,
        interaction_id {fk} REFERENCES interaction (id) ON DELETE CASCADE,
        opportunity_id {fk} REFERENCES opportunity (id) ON DELETE CASCADE,
        author_id {fk} NOT NULL REFERENCES "user" (id) ON DELETE RESTRICT,
        kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'report')),
        body TEXT NOT NULL, created_at {ts} NOT NULL,
        CHECK (interaction_id IS NOT NULL OR opportunity_id IS NOT NULL))""",
    """CREATE TABLE attachment (
        id {pk}, uid TEXT NOT NULL UNIQUE,
        comment_id {fk} NOT NULL REFERENCES comment (id) ON DELETE CASCADE,
        file_name TEXT NOT NULL, size {fk} NOT NULL, sha256 TEXT NOT NULL,
        media_type TEXT NOT NULL DEFAULT 'application/octet-stream',
        created_at {ts} NOT NULL)""",
    """CREATE TABLE history_event (
        id {pk}, uid TEXT NOT NULL UNIQUE, at {ts} NOT NULL, actor_id {fk},
        action TEXT NOT NULL, contact_id {fk}, opportunity_id {fk}, interaction_id {fk},
        details TEXT NOT NULL DEFAULT '{{}}')""",
    """CREATE TABLE notification (
        id {pk}, uid TEXT NOT NULL UNIQUE,
        user_id {fk} NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
        kind TEXT NOT NULL, actor_id {fk} REFERENCES "user" (id) ON DELETE SET NULL,
        interaction_id {fk}, opportunity_id {fk}, text TEXT NOT NULL DEFAULT '',
        created_at {ts} NOT NULL, read_at {ts})""",
    """CREATE TABLE outbox_message (
        id {pk}, uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, recipient TEXT NOT NULL,
        subject TEXT NOT NULL, body TEXT NOT NULL, interaction_id {fk},
        status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
        created_at {ts} NOT NULL, last_attempt_at {ts}, sent_at {ts})""",
    """CREATE TABLE setting (
        scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (scope, key))""",
]

# Indexes that must exist for correctness or are cheap; the bulk list
# indexes live in `schema.LIST_INDEXES` so a bulk load can build them once.
BASE_INDEXES = [
    "CREATE INDEX ix_opportunity_contact ON opportunity (contact_id)",
    "CREATE INDEX ix_contact_name ON contact (name)",
    "CREATE INDEX ix_task_template_type ON task_template (type_id)",
    "CREATE INDEX ix_attachment_comment ON attachment (comment_id)",
    "CREATE INDEX ix_attachment_sha ON attachment (sha256)",
    "CREATE INDEX ix_notification_user ON notification (user_id, read_at, created_at)",
    "CREATE INDEX ix_outbox_status ON outbox_message (status, created_at)",
]

SQLITE_HISTORY_GUARD = [
    """CREATE TRIGGER history_event_no_update BEFORE UPDATE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
    """CREATE TRIGGER history_event_no_delete BEFORE DELETE ON history_event
       BEGIN SELECT RAISE(ABORT, 'history is append-only'); END""",
]

POSTGRES_HISTORY_GUARD = [
    """CREATE FUNCTION crm_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'history is append-only'; END $$""",
    """CREATE TRIGGER history_event_append_only BEFORE UPDATE OR DELETE ON history_event
       FOR EACH ROW EXECUTE FUNCTION crm_history_append_only()""",
    """CREATE TRIGGER history_event_no_truncate BEFORE TRUNCATE ON history_event
       FOR EACH STATEMENT EXECUTE FUNCTION crm_history_append_only()""",
]


def apply(db: Database, engine: str) -> None:
    types = dict(TYPES[engine])
    true, false = ("1", "0") if engine == "sqlite" else ("TRUE", "FALSE")
    values = {
        **types,
        "true": true,
        "false": false,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "directions": DIRECTIONS,
        "kinds": KINDS,
        "outcomes": OUTCOMES,
        "roles": ROLES,
    }
    for statement in TABLES:
        db.execute_sql(statement.format(**values))
    for statement in BASE_INDEXES:
        db.execute_sql(statement)
    guard = SQLITE_HISTORY_GUARD if engine == "sqlite" else POSTGRES_HISTORY_GUARD
    for statement in guard:
        db.execute_sql(statement)
    schema.create_search(db, engine)
    schema.create_list_indexes(db)
