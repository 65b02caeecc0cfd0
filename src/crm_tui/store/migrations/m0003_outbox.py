"""Schema version 3: what the e-mail outbox needs to send each message
once, hold it while an address is missing, and retry it with backoff.

- `status` also takes `held` (an address is missing; nothing is lost) and
  `sending` (claimed by one sender until `lease_until`, under its
  `claim_token`, so two senders never send one message twice, and a sender
  that dies mid-way only delays its messages until the lease runs out);
- `user_id` / `contact_id`: whose address the message waits for, so a held
  message goes once the address is added;
- `sender`: the From address when it is a person's (a notice to a contact
  goes from the user who recorded it), else '' for the configured one;
- `next_attempt_at`: the backoff after a temporary failure.

SQLite cannot change a CHECK constraint in place: the table is rebuilt,
its rows copied (nothing references it). PostgreSQL alters it."""

from __future__ import annotations

from peewee import Database

from crm_tui.store.migrations.m0001_initial import TYPES

STATUSES = "'queued', 'held', 'sending', 'sent', 'failed'"
OLD_COLUMNS = (
    "id, uid, kind, recipient, subject, body, interaction_id, status, attempts, "
    "last_error, created_at, last_attempt_at, sent_at"
)
NEW_TABLE = """CREATE TABLE outbox_message_v3 (
    id {pk}, uid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, recipient TEXT NOT NULL,
    subject TEXT NOT NULL, body TEXT NOT NULL, interaction_id {fk},
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ({statuses})),
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    created_at {ts} NOT NULL, last_attempt_at {ts}, sent_at {ts},
    user_id {fk} REFERENCES "user" (id) ON DELETE SET NULL,
    contact_id {fk} REFERENCES contact (id) ON DELETE SET NULL,
    sender TEXT NOT NULL DEFAULT '', next_attempt_at {ts}, lease_until {ts},
    claim_token TEXT NOT NULL DEFAULT '')"""
POSTGRES_CHANGES = (
    "ALTER TABLE outbox_message DROP CONSTRAINT outbox_message_status_check",
    f"ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_status_check "
    f"CHECK (status IN ({STATUSES}))",
    'ALTER TABLE outbox_message ADD COLUMN user_id BIGINT REFERENCES "user" (id) '
    "ON DELETE SET NULL",
    "ALTER TABLE outbox_message ADD COLUMN contact_id BIGINT REFERENCES contact (id) "
    "ON DELETE SET NULL",
    "ALTER TABLE outbox_message ADD COLUMN sender TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE outbox_message ADD COLUMN next_attempt_at TIMESTAMP",
    "ALTER TABLE outbox_message ADD COLUMN lease_until TIMESTAMP",
    "ALTER TABLE outbox_message ADD COLUMN claim_token TEXT NOT NULL DEFAULT ''",
)
# The held messages waiting for a person's or a contact's address.
HELD_INDEXES = (
    "CREATE INDEX ix_outbox_user ON outbox_message (user_id)",
    "CREATE INDEX ix_outbox_contact ON outbox_message (contact_id)",
)


def apply(db: Database, engine: str) -> None:
    if engine == "postgres":
        for statement in POSTGRES_CHANGES:
            db.execute_sql(statement)
    else:
        _rebuild_sqlite_table(db)
    for statement in HELD_INDEXES:
        db.execute_sql(statement)


def _rebuild_sqlite_table(db: Database) -> None:
    db.execute_sql(NEW_TABLE.format(**TYPES["sqlite"], statuses=STATUSES))
    db.execute_sql(
        f"INSERT INTO outbox_message_v3 ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM outbox_message"
    )
    db.execute_sql("DROP TABLE outbox_message")
    db.execute_sql("ALTER TABLE outbox_message_v3 RENAME TO outbox_message")
    db.execute_sql("CREATE INDEX ix_outbox_status ON outbox_message (status, created_at)")
