"""Notifications as the services keep them, on SQLite and PostgreSQL: each
user sees their own, unread until marked read."""

from __future__ import annotations

import pytest

from crm_tui.services import notifications
from crm_tui.services.errors import ValidationError
from crm_tui.store import db as store_db
from tests.conftest import World


def test_a_notification_is_unread_until_marked(db: store_db.Target, world: World) -> None:
    first = notifications.notify(world.agent.id, "Mención", actor_id=world.admin.id, text="hola")
    second = notifications.notify(world.agent.id, "reminder", opportunity_id=world.opportunity.id)
    notifications.notify(world.supervisor.id, "assignment", text="for marta")

    assert first.kind == "mention" and first.actor == "ana" and not first.read
    assert second.opportunity_code == "OP-001" and second.interaction_uid is None
    unread = notifications.list_notifications(world.agent.id)
    assert [n.id for n in unread] == [second.id, first.id]  # newest first

    assert notifications.mark_read(world.agent.id, [first.id]) == 1
    assert [n.id for n in notifications.list_notifications(world.agent.id)] == [second.id]
    everything = notifications.list_notifications(world.agent.id, unread_only=False)
    assert [(n.id, n.read) for n in everything] == [(second.id, False), (first.id, True)]

    assert notifications.mark_read(world.agent.id) == 1
    assert notifications.unread_count(world.agent.id) == 0
    assert notifications.unread_count(world.supervisor.id) == 1


def test_marking_never_touches_another_users_notifications(
    db: store_db.Target, world: World
) -> None:
    theirs = notifications.notify(world.supervisor.id, "mention", text="for marta")
    assert notifications.mark_read(world.agent.id, [theirs.id]) == 0
    assert notifications.mark_read(world.agent.id, []) == 0
    assert notifications.unread_count(world.supervisor.id) == 1


def test_text_is_data_and_kinds_are_checked(db: store_db.Target, world: World) -> None:
    shown = notifications.notify(world.agent.id, "mention", text="\x1b]52;c;ZXZpbA==\x07[b]hi[/b]")
    assert shown.text == "]52;c;ZXZpbA==[b]hi[/b]"
    with pytest.raises(ValidationError, match="unknown kind 'gossip'"):
        notifications.notify(world.agent.id, "gossip")
    with pytest.raises(ValidationError, match="the limit is 5,000"):
        notifications.notify(world.agent.id, "mention", text="x" * 5001)
    assert notifications.unread_count(world.agent.id) == 1


def test_iterating_walks_every_page(sqlite_target: store_db.Target) -> None:
    from crm_tui.services import users

    user = users.add_user("ana", "Ana")
    for number in range(notifications.PAGE + 5):
        notifications.notify(user.id, "reminder", text=str(number))
    texts = [n.text for n in notifications.iter_notifications(user.id)]
    assert texts == [str(number) for number in reversed(range(notifications.PAGE + 5))]
