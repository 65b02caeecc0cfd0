"""Reminders of scheduled events, on SQLite and PostgreSQL: one per event
and start, from 15 minutes before the start until a week after it, for the
responsible user only, and only while the event is still open."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from crm_tui import i18n
from crm_tui.services.interactions import InteractionDraft, create_interaction, edit_interaction
from crm_tui.services.notifications import NotificationRecord, list_notifications, mark_read
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.reminders import create_due_reminders
from crm_tui.store import db as store_db
from tests.conftest import World

NOW = datetime(2026, 11, 23, 10, 0)


def event(
    subject: str,
    start: datetime,
    *,
    user: str | None = "luis",
    status: str = "pending",
    kind: str = "scheduled",
) -> InteractionRecord:
    """An event luis schedules (for himself unless `user` says otherwise)."""
    return create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="luis",
            user=user,
            pool=user is None,
            kind=kind,
            status=status,
            subject=subject,
            starts_at=start,
        )
    )


def reminders_of(user: UserRecord) -> list[NotificationRecord]:
    return [
        n for n in list_notifications(user.id, unread_only=False, limit=500) if n.kind == "reminder"
    ]


def remind(user: UserRecord, at: datetime) -> list[str]:
    return [n.text for n in create_due_reminders(user.id, at)]


def test_an_event_about_to_start_is_reminded_once(db: store_db.Target, world: World) -> None:
    visit = event("Visita a la obra", NOW + timedelta(minutes=10))

    [reminder] = create_due_reminders(world.agent.id, NOW)
    assert reminder.text == "Starts at 10:10: Visita a la obra"
    assert (reminder.kind, reminder.actor, reminder.read) == ("reminder", None, False)
    assert (reminder.interaction_id, reminder.created_at) == (visit.id, NOW)

    # Every minute after, read or not, it is not reminded again.
    assert remind(world.agent, NOW) == []
    mark_read(world.agent.id)
    assert remind(world.agent, NOW + timedelta(minutes=1)) == []
    assert remind(world.agent, NOW + timedelta(hours=3)) == []
    assert len(reminders_of(world.agent)) == 1


def test_from_15_minutes_before_the_start_to_a_week_after(
    db: store_db.Target, world: World
) -> None:
    event("Later today", NOW + timedelta(minutes=16))
    event("This morning", NOW - timedelta(hours=2))
    event("Three days ago", NOW - timedelta(days=3))
    event("Eight days ago", NOW - timedelta(days=8))

    # Soonest first; one not today says its day; one already begun says so.
    assert remind(world.agent, NOW) == [
        "Started on Nov 20 at 10:00: Three days ago",
        "Started at 08:00: This morning",
    ]
    assert remind(world.agent, NOW + timedelta(minutes=1)) == ["Starts at 10:16: Later today"]
    assert remind(world.agent, NOW + timedelta(minutes=2)) == []


def test_only_open_scheduled_events_are_reminded(db: store_db.Target, world: World) -> None:
    soon = NOW + timedelta(minutes=5)
    event("Done", soon, status="done")
    event("Cancelled", soon, status="cancelled")
    event("In progress", soon, status="in_progress")
    event("A task, not an event", soon, kind="task")

    assert remind(world.agent, NOW) == ["Starts at 10:05: In progress"]


def test_only_the_responsible_user_is_reminded(db: store_db.Target, world: World) -> None:
    soon = NOW + timedelta(minutes=5)
    event("Marta's visit", soon, user="marta")  # luis scheduled it for marta
    event("In the pool", soon, user=None)

    assert remind(world.agent, NOW) == []
    assert remind(world.admin, NOW) == []
    assert remind(world.supervisor, NOW) == ["Starts at 10:05: Marta's visit"]
    assert [n.text for n in reminders_of(world.agent)] == []


def test_a_moved_event_is_reminded_of_its_new_start(db: store_db.Target, world: World) -> None:
    visit = event("Visita", NOW + timedelta(minutes=10))
    assert remind(world.agent, NOW) == ["Starts at 10:10: Visita"]

    edit_interaction(visit.id, {"starts_at": NOW + timedelta(hours=2)}, actor=world.agent)
    assert remind(world.agent, NOW + timedelta(minutes=30)) == []
    assert remind(world.agent, NOW + timedelta(hours=1, minutes=50)) == ["Starts at 12:00: Visita"]
    assert remind(world.agent, NOW + timedelta(hours=2, minutes=30)) == []


def test_reminders_in_spanish(db: store_db.Target, world: World) -> None:
    event("Visita", NOW + timedelta(minutes=10))
    event("Llamada", NOW - timedelta(days=2))
    event("", NOW - timedelta(hours=1))
    i18n.set_language("es")
    texts = remind(world.agent, NOW)
    assert texts[0] == "Empezó el 21 nov a las 10:00: Llamada"
    assert texts[1].startswith("Empezó a las 09:00: interacción ")
    assert texts[2] == "Empieza a las 10:10: Visita"


def test_two_terminals_at_once_remind_once(db: store_db.Target, world: World) -> None:
    event("Visita", NOW + timedelta(minutes=10))
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with store_db.current().connection_context():
                start.wait()
                create_due_reminders(world.agent.id, NOW)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [n.text for n in reminders_of(world.agent)] == ["Starts at 10:10: Visita"]
