"""Notifications as the services keep them, on SQLite and PostgreSQL: each
user sees their own, unread until marked read, with who caused it and
whether its target still exists; and `crm-tui notifications`, which lists
them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from crm_tui.cli import main
from crm_tui.services import notifications
from crm_tui.services.contacts import create_opportunity
from crm_tui.services.errors import ValidationError
from crm_tui.services.interactions import (
    InteractionDraft,
    create_interaction,
    delete_interaction,
)
from crm_tui.services.reminders import create_due_reminders
from crm_tui.store import db as store_db
from crm_tui.store.models import Opportunity
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


def test_a_notification_names_who_and_says_when_its_target_is_gone(
    db: store_db.Target, world: World
) -> None:
    call = create_interaction(InteractionDraft(type="call", contact="C-001", created_by="ana"))
    about_call = notifications.notify(
        world.agent.id, "mention", actor_id=world.admin.id, interaction_id=call.id
    )
    spare = create_opportunity("OP-009", "Spare", world.contact.id, actor_id=world.admin.id)
    about_spare = notifications.notify(world.agent.id, "assignment", opportunity_id=spare.id)
    about_nothing = notifications.notify(world.agent.id, "reminder", at=datetime(2026, 1, 2, 3, 4))
    assert (about_call.actor, about_call.actor_name) == ("ana", "Ana Ruiz")
    assert about_nothing.created_at == datetime(2026, 1, 2, 3, 4)
    assert not any(n.target_deleted for n in (about_call, about_spare, about_nothing))

    delete_interaction(call.id, actor=world.admin)
    Opportunity.delete().where(Opportunity.id == spare.id).execute()
    listed = {n.id: n for n in notifications.list_notifications(world.agent.id)}
    assert listed[about_call.id].target_deleted and listed[about_call.id].interaction_id is None
    assert listed[about_spare.id].target_deleted
    assert listed[about_spare.id].opportunity_code is None
    assert not listed[about_nothing.id].target_deleted


def test_the_command_lists_unread_ones_and_all_with_all(
    db: store_db.Target,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`crm-tui notifications --user U --format json`: each with kind, who,
    when, the target interaction's id (the global id, as `list` and `log`
    give it) and the text; unread ones unless `--all`."""
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-23T10:00")
    now = datetime(2026, 11, 23, 10, 0)
    # ana gives luis a meeting starting in ten minutes: an assignment, then
    # its reminder; then she mentions him in a comment on it.
    meeting = create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            opportunity="OP-001",
            created_by="ana",
            user="luis",
            subject="Firma",
            starts_at=now + timedelta(minutes=10),
        )
    )
    create_due_reminders(world.agent.id, now)
    mention = notifications.notify(
        world.agent.id, "mention", actor_id=world.admin.id, interaction_id=meeting.id, text="@luis"
    )
    notifications.mark_read(world.agent.id, [mention.id])

    def run(*args: str) -> list[dict[str, object]]:
        capsys.readouterr()
        assert main(["notifications", "--db", db.location, *args]) == 0
        rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
        return rows

    unread = run("--user", "luis", "--format", "json")
    assert unread == [
        {
            "kind": "reminder",
            "who": "",
            "when": "2026-11-23 10:00",
            "id": meeting.uid,
            "opportunity": "OP-001",
            "text": "Starts at 10:10: Firma",
            "read": False,
        },
        {
            "kind": "assignment",
            "who": "ana",
            "when": "2026-11-23 10:00",
            "id": meeting.uid,
            "opportunity": "OP-001",
            "text": "Firma",
            "read": False,
        },
    ]
    everything = run("--user", "luis", "--all", "--format", "json")
    assert [(row["kind"], row["read"]) for row in everything] == [
        ("mention", True),
        ("reminder", False),
        ("assignment", False),
    ]
    assert run("--user", "marta", "--all", "--format", "json") == []
