"""Reminders: a "reminder" notification for each of a user's scheduled
events that is about to start or has started and is still open.

An event is due for a reminder from `REMINDER_LEAD` before its start (time
to get ready) until `REMINDER_LOOKBACK` after it while it stays pending or
in progress: an agent who was away, or whose program was closed, still
hears about what they missed; older ones are left to the overdue group of
Upcoming events. The responsible user is reminded, never the creator or
anyone else.

Each event gets one reminder per start time: a reminder created since the
event's reminder window opened (its start minus the lead) counts, so
running this every minute, from two terminals, or again after a restart
reminds once; an event moved to a later start is reminded again. Nothing
is added to the schema for this: the reminders already written say it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.services.notifications import NotificationRecord, notify
from crm_tui.services.vocab import OPEN_STATUSES
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import Interaction, Notification, User

register(
    {
        "reminder.starts_today": ("Starts at {time}: {subject}", "Empieza a las {time}: {subject}"),
        "reminder.starts_on": (
            "Starts on {date} at {time}: {subject}",
            "Empieza el {date} a las {time}: {subject}",
        ),
        # A reminder made after the start (the app was closed at the time).
        "reminder.started_today": (
            "Started at {time}: {subject}",
            "Empezó a las {time}: {subject}",
        ),
        "reminder.started_on": (
            "Started on {date} at {time}: {subject}",
            "Empezó el {date} a las {time}: {subject}",
        ),
        "reminder.no_subject": ("interaction {id}", "interacción {id}"),
    }
)

REMINDER_LEAD = timedelta(minutes=15)
REMINDER_LOOKBACK = timedelta(days=7)
REMINDER_KIND = "reminder"


def reminder_text(interaction_id: int, subject: str, start: datetime, now: datetime) -> str:
    """What a reminder says: "Starts at 14:00: Call the bakery", with the
    date when the start is not today, and "Started" when it is made after
    the start; in the language of the program that writes it."""
    lang = language()
    time = f"{start:%H:%M}"
    subject = subject.strip() or t("reminder.no_subject", lang, id=interaction_id)
    tense = "started" if start <= now else "starts"
    if start.date() == now.date():
        return t(f"reminder.{tense}_today", lang, time=time, subject=subject)
    date = list_date(start, lang, now)
    return t(f"reminder.{tense}_on", lang, date=date, time=time, subject=subject)


@dataclass(frozen=True)
class DueEvent:
    interaction_id: int
    subject: str
    start: datetime


def due_reminders(user_id: int, now: datetime) -> list[DueEvent]:
    """The user's events that are due a reminder at `now` and have none:
    scheduled, pending or in progress, theirs, starting between
    `REMINDER_LOOKBACK` ago and `REMINDER_LEAD` from `now`; soonest first.
    Reads only, so a caller can ask without taking the write lock."""
    # A scheduled item's due time is its start: one range of the index
    # (user_id, status, due_at, id).
    rows = list(
        Interaction.select(Interaction.id, Interaction.subject, Interaction.due_at)
        .where(
            (Interaction.user == user_id)
            & Interaction.status.in_(OPEN_STATUSES)
            & (Interaction.due_at >= now - REMINDER_LOOKBACK)
            & (Interaction.due_at <= now + REMINDER_LEAD)
            & (Interaction.kind == "scheduled")
        )
        .order_by(Interaction.due_at, Interaction.id)
        .tuples()
    )
    if not rows:
        return []
    reminded = _reminded_since(
        user_id, (row[0] for row in rows), now - REMINDER_LOOKBACK - REMINDER_LEAD
    )
    return [
        DueEvent(interaction_id, subject, start)
        for interaction_id, subject, start in rows
        if not any(at >= start - REMINDER_LEAD for at in reminded.get(interaction_id, ()))
    ]


@writes
def create_due_reminders(user_id: int, now: datetime) -> list[NotificationRecord]:
    """Write a reminder for each of `due_reminders(user_id, now)`; the
    reminders made, soonest event first."""
    if engine_of(current()) == "postgres":
        # SQLite's IMMEDIATE transaction already lets one writer in at a
        # time; PostgreSQL's READ COMMITTED would let two runs for the same
        # user (two terminals) both see "no reminder yet" and both write one.
        list(User.select(User.id).where(User.id == user_id).for_update().tuples())
    # Imported here: the mailer loads when a reminder is due, not with the app.
    from crm_tui.services.outbox import queue_reminder

    made = []
    for event in due_reminders(user_id, now):
        text = reminder_text(event.interaction_id, event.subject, event.start, now)
        made.append(
            notify(user_id, REMINDER_KIND, interaction_id=event.interaction_id, text=text, at=now)
        )
        queue_reminder(user_id, event.interaction_id, text)
    return made


def _reminded_since(
    user_id: int, interaction_ids: Iterable[int], since: datetime
) -> dict[int, list[datetime]]:
    """When each of these interactions was reminded to the user, as far back
    as a reminder can still count (the user's range of the index on
    (user_id, read_at, created_at), read or not)."""
    rows = (
        Notification.select(Notification.interaction, Notification.created_at)
        .where(
            (Notification.user == user_id)
            & (Notification.kind == REMINDER_KIND)
            & Notification.interaction.in_(list(interaction_ids))
            & (Notification.created_at >= since)
        )
        .tuples()
    )
    reminded: dict[int, list[datetime]] = {}
    for interaction_id, at in rows:
        reminded.setdefault(interaction_id, []).append(at)
    return reminded
