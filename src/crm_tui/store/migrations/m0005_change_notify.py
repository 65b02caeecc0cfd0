"""Schema version 5: on PostgreSQL every committed change is announced on
the `crm_changes` channel, so an open crm-tui learns of another agent's
change at once instead of asking the database every few seconds (see
`store.change_watch`).

Every change to the customer record writes a history event, and a user's
notifications change on their own (a reminder, a mention, one marked read),
so triggers on those two tables are enough. They fire once per statement,
not per row: an import of 100,000 calls sends one notification per actor,
not 100,000. The payload says which table and whose change it was
("history_event:<actor id>", "notification:<user id>"), so an agent's
program can ignore the notifications of everyone else. PostgreSQL delivers
a NOTIFY when its transaction commits and drops it on a rollback: nobody
hears of uncommitted work.

On SQLite there is nothing to add: a watcher there reads
`PRAGMA data_version`, which moves whenever another connection commits.

Written to be applied again harmlessly (CREATE OR REPLACE, DROP IF EXISTS).
"""

from __future__ import annotations

from peewee import Database

CHANNEL = "crm_changes"
# The payload is "<table>:<user id>" (empty for the program's own events).
HISTORY = "history_event"
NOTIFICATION = "notification"

# A transition table may serve one event only, so the notification table
# has a trigger per event; each names its rows `changed`.
_FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION crm_notify_history() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('{CHANNEL}', '{HISTORY}:' || coalesce(actor_id::text, ''))
          FROM (SELECT DISTINCT actor_id FROM changed) AS actors;
          RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION crm_notify_notification() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('{CHANNEL}', '{NOTIFICATION}:' || user_id::text)
          FROM (SELECT DISTINCT user_id FROM changed) AS users;
          RETURN NULL;
        END $$""",
)

# (trigger, event, transition table, table, function)
_TRIGGERS = (
    ("history_event_notify", "INSERT", "NEW", HISTORY, "crm_notify_history"),
    ("notification_notify_insert", "INSERT", "NEW", NOTIFICATION, "crm_notify_notification"),
    ("notification_notify_update", "UPDATE", "NEW", NOTIFICATION, "crm_notify_notification"),
    ("notification_notify_delete", "DELETE", "OLD", NOTIFICATION, "crm_notify_notification"),
)


def apply(db: Database, engine: str) -> None:
    if engine != "postgres":
        return
    for statement in _FUNCTIONS:
        db.execute_sql(statement)
    for name, event, transition, table, function in _TRIGGERS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        db.execute_sql(
            f"CREATE TRIGGER {name} AFTER {event} ON {table}"
            f" REFERENCING {transition} TABLE AS changed"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
