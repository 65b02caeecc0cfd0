"""Whether anything changed, cheaply enough to ask every two seconds, and
a watcher that says when to ask.

Every change to the customer record writes a history event in the same
transaction, and history ids only grow, so the newest history id moves
whenever anyone (another agent, a script running `crm-tui log`) changes
something. A user's notifications can change without a history event (a
reminder appears, a notification is read from the command line), so the
marker also holds their unread count and newest unread id. Each part is one
short range of an index on SQLite and PostgreSQL alike: the end of the
history's primary key, and the unread range of the index (user_id, read_at,
created_at).

On PostgreSQL two transactions can commit in the opposite order to their
ids, so an event may appear below a newest id already seen; the marker
counts the last `RECENT_EVENTS` ids too, so such a late one still counts
as a change.

`watch_changes` tells the app when to ask: at once when another connection
commits (PostgreSQL's notifications, SQLite's data version; see
`store.change_watch`), instead of every two seconds whether or not anything
happened. The marker still decides what the change was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from peewee import fn

from crm_tui.services.reminders import create_due_reminders, due_reminders
from crm_tui.store import db as store_db
from crm_tui.store.change_watch import ChangeWatcher, Failed, Wake, start_watcher
from crm_tui.store.migrations.m0005_change_notify import NOTIFICATION
from crm_tui.store.models import HistoryEvent, Notification

RECENT_EVENTS = 100


@dataclass(frozen=True)
class ChangeMarker:
    """Compare two: different means something changed in between."""

    newest_event: int  # 0: no history yet
    recent_events: int  # how many of the ids up to RECENT_EVENTS below it exist
    unread: int  # the user's unread notifications
    newest_unread: int  # 0: none unread


@dataclass(frozen=True)
class Changes:
    marker: ChangeMarker
    by_others: bool
    """Since the marker compared with, someone other than the user (another
    agent, the program itself) wrote history."""


def change_marker(user_id: int) -> ChangeMarker:
    newest_event = HistoryEvent.select(fn.MAX(HistoryEvent.id)).scalar() or 0
    recent_events = (
        HistoryEvent.select(fn.COUNT(HistoryEvent.id))
        .where(HistoryEvent.id > newest_event - RECENT_EVENTS)
        .scalar()
    )
    unread, newest_unread = (
        Notification.select(fn.COUNT(Notification.id), fn.MAX(Notification.id))
        .where((Notification.user == user_id) & Notification.read_at.is_null())
        .tuples()
        .get()
    )
    return ChangeMarker(newest_event, recent_events or 0, unread or 0, newest_unread or 0)


def _others_wrote(user_id: int, after_id: int, up_to_id: int) -> bool:
    """Whether an event in (after_id, up_to_id] is not the user's: only the
    events since the last look, a range of the primary key."""
    return bool(
        HistoryEvent.select(HistoryEvent.id)
        .where(
            (HistoryEvent.id > after_id)
            & (HistoryEvent.id <= up_to_id)
            & (HistoryEvent.actor.is_null() | (HistoryEvent.actor != user_id))
        )
        .exists()
    )


def check_for_changes(
    user_id: int, since: ChangeMarker | None = None, *, remind_at: datetime | None = None
) -> Changes:
    """The marker for `user_id`, and whether others wrote since `since`;
    the user's due reminders are written first when `remind_at` is given.
    (What the app's poller asks on each look.) The write lock is only
    taken when a reminder is due, not once a minute per agent."""
    if remind_at is not None and due_reminders(user_id, remind_at):
        create_due_reminders(user_id, remind_at)
    marker = change_marker(user_id)
    if since is None:
        return Changes(marker, by_others=False)
    if marker.newest_event > since.newest_event:
        by_others = _others_wrote(user_id, since.newest_event, marker.newest_event)
    else:
        # Nothing newer: a different count is an event committed late
        # below the newest, whose author the tail does not tell.
        by_others = marker.recent_events != since.recent_events
    return Changes(marker, by_others)


def _concerns(user_id: int, payload: str) -> bool:
    """Whether a change announced by PostgreSQL can move `user_id`'s
    marker: every history event can; a notification only when it is
    theirs."""
    table, _, whose = payload.partition(":")
    return table != NOTIFICATION or whose == str(user_id)


def watch_changes(user_id: int, wake: Wake, failed: Failed) -> ChangeWatcher:
    """Start watching the open database for commits that may concern
    `user_id` (the app's own too: the marker tells whose they were).
    `wake`, called on the watcher's thread, means "check for changes now".
    `failed` gets the reason when the watcher cannot connect; it has then
    ended, and checking on a timer is all that is left."""
    return start_watcher(store_db.current(), wake, failed, partial(_concerns, user_id))
