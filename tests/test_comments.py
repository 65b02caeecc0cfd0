"""Writing, deleting and reading comments, reports, their attachments and
the notifications of their @mentions, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from peewee import DatabaseError

from crm_tui.services import history
from crm_tui.services.comments import (
    CommentTarget,
    add_comment,
    can_delete,
    delete_comment,
    get_comment,
    list_comments,
)
from crm_tui.services.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.notifications import list_notifications
from crm_tui.services.records import InteractionRecord, StoredFile
from crm_tui.services.users import add_user
from crm_tui.store import db as store_db
from crm_tui.store.models import Attachment, Comment, HistoryEvent, Notification, User

from .conftest import World

NOW = "2026-11-23T10:00:00"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)


def call(world: World, *, opportunity: bool = True) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(
            type="call",
            contact=world.contact.code,
            opportunity=world.opportunity.code if opportunity else None,
            created_by="luis",
            subject="Llamar por la renovación",
        )
    )


def on(item: InteractionRecord) -> CommentTarget:
    return CommentTarget(interaction_id=item.id)


def counts() -> tuple[int, int, int, int]:
    return (
        Comment.select().count(),
        Attachment.select().count(),
        HistoryEvent.select().where(HistoryEvent.action.startswith("comment_")).count(),
        Notification.select().count(),
    )


def stored(name: str, size: int = 10, sha: str = "a") -> StoredFile:
    return StoredFile(sha256=sha * 64, size=size, file_name=name, media_type="application/pdf")


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL run inside the block (the real database runs it)."""
    database = store_db.current()
    run = database.execute_sql
    seen: list[str] = []

    def counted(sql: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return run(sql, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(database, "execute_sql", counted)
        yield seen


def user_queries(sql: list[str]) -> list[str]:
    return [s for s in sql if re.search(r'FROM "user"', s) and s.lstrip().startswith("SELECT")]


# --- writing ------------------------------------------------------------------


def test_a_comment_on_an_interaction_is_in_every_history_it_belongs_to(world: World) -> None:
    item = call(world)
    posted = add_comment(on(item), "\n\n  Ojo con el precio\n\n", actor=world.agent)
    assert posted == get_comment(posted.id)
    assert (posted.interaction_id, posted.opportunity_id, posted.kind) == (item.id, None, "comment")
    assert (posted.author, posted.author_name, posted.body) == (
        "luis",
        "Luis Gómez",
        "  Ojo con el precio",
    )
    assert str(posted.created_at) == "2026-11-23 10:00:00"
    for target in (
        {"interaction_id": item.id},
        {"opportunity_id": world.opportunity.id},
        {"contact_id": world.contact.id},
    ):
        [event] = [e for e in history.list_history(**target) if e.action == "comment_added"]
        assert (event.actor, event.details) == ("luis", {"comment": posted.id, "kind": "comment"})
        assert (event.interaction_id, event.opportunity_id, event.contact_id) == (
            item.id,
            world.opportunity.id,
            world.contact.id,
        )


def test_a_comment_on_an_opportunity_names_its_contact(world: World) -> None:
    posted = add_comment(
        CommentTarget(opportunity_id=world.opportunity.id), "Precio cerrado", actor=world.admin
    )
    assert (posted.interaction_id, posted.opportunity_id) == (None, world.opportunity.id)
    [event] = history.list_history(contact_id=world.contact.id, limit=1)
    assert (event.action, event.interaction_id, event.opportunity_id) == (
        "comment_added",
        None,
        world.opportunity.id,
    )


def test_a_report_is_a_comment_of_kind_report(world: World) -> None:
    item = call(world)
    report = add_comment(on(item), "Visita hecha", actor=world.agent, kind="Reporte")
    assert report.kind == "report"
    assert history.list_history(interaction_id=item.id, limit=1)[0].details["kind"] == "report"
    with pytest.raises(ValidationError) as raised:
        add_comment(on(item), "x", actor=world.agent, kind="chisme")
    assert [e.field for e in raised.value.errors] == ["kind"]


def test_5000_characters_are_accepted_and_5001_refused_writing_nothing(world: World) -> None:
    item = call(world)
    before = counts()
    with pytest.raises(ValidationError) as raised:
        add_comment(on(item), "@marta " + "x" * 4994, actor=world.agent)
    assert raised.value.message() == "comment is 5,001 characters long; the limit is 5,000"
    assert raised.value.for_field("body")
    assert counts() == before
    long = "a" * 5000
    assert add_comment(on(item), long, actor=world.agent).body == long


def test_control_characters_are_removed_and_markup_is_kept_as_typed(world: World) -> None:
    item = call(world)
    typed = "\x1b]0;owned\x07Hola\x1b[31m [bold]rojo[/]\r\nfin\x00\u200f عربى 🎉\x9b"
    posted = add_comment(on(item), typed, actor=world.agent)
    assert posted.body == "]0;ownedHola[31m [bold]rojo[/]\nfin\u200f عربى 🎉"
    assert list_comments(item.id)[0].body == posted.body


def test_an_empty_comment_needs_a_file(world: World) -> None:
    item = call(world)
    with pytest.raises(ValidationError) as raised:
        add_comment(on(item), " \n\x1b\n ", actor=world.agent)
    assert raised.value.message() == "comment is required"
    posted = add_comment(on(item), "", actor=world.agent, files=[stored("acta.pdf")])
    assert posted.body == "" and [a.file_name for a in posted.attachments] == ["acta.pdf"]


def test_a_missing_target_is_refused_writing_nothing(world: World) -> None:
    before = counts()
    with pytest.raises(NotFound) as raised:
        add_comment(CommentTarget(interaction_id=987_654), "hola", actor=world.agent)
    assert raised.value.message() == "no interaction with id '987654'"
    with pytest.raises(NotFound) as raised:
        add_comment(CommentTarget(opportunity_id=987_654), "hola", actor=world.agent)
    assert raised.value.key == "error.unknown_opportunity"
    assert counts() == before
    with pytest.raises(TypeError):
        CommentTarget()
    with pytest.raises(TypeError):
        CommentTarget(interaction_id=1, opportunity_id=1)


def test_attachments_are_rows_named_as_data(world: World) -> None:
    item = call(world)
    files = [
        stored("../../etc/passwd", sha="b"),
        stored("/tmp/\x1b[2Jinforme\n.pdf", size=20, sha="c"),
        stored("n" * 300 + ".pdf", sha="d"),
    ]
    posted = add_comment(on(item), "Adjunto", actor=world.agent, files=files)
    assert [(a.file_name, a.size, a.sha256[0]) for a in posted.attachments] == [
        ("../../etc/passwd", 10, "b"),
        ("/tmp/[2Jinforme .pdf", 20, "c"),
        ("n" * 255, 10, "d"),
    ]
    assert all(a.comment_id == posted.id for a in posted.attachments)
    assert list_comments(item.id)[0].attachments == posted.attachments
    details = history.list_history(interaction_id=item.id, limit=1)[0].details
    assert details["attachments"] == [a.file_name for a in posted.attachments]


# --- mentions -------------------------------------------------------------------


def test_mentions_notify_each_active_user_once_but_not_the_author(world: World) -> None:
    item = call(world)
    add_user("pepa", "Pepa Gil")
    User.update(active=False).where(User.username == "pepa").execute()
    body = "@marta @MARTA mira esto, @luis, @pepa, @nadie y ana@example.com\nsegunda línea"
    posted = add_comment(on(item), body, actor=world.agent)
    assert posted.mentions == ("marta", "luis", "pepa")
    [told] = list_notifications(world.supervisor.id)
    assert (told.kind, told.actor, told.interaction_id, told.opportunity_code) == (
        "mention",
        "luis",
        item.id,
        "OP-001",
    )
    assert told.text == "@marta @MARTA mira esto, @luis, @pepa, @nadie y ana@example.com"
    assert list_notifications(world.agent.id) == []
    assert list_notifications(world.admin.id) == []
    assert Notification.select().count() == 1


def test_a_mention_quotes_the_first_line_cut_to_200_characters(world: World) -> None:
    first_line = "@luis " + "palabra " * 40
    add_comment(
        CommentTarget(opportunity_id=world.opportunity.id),
        first_line + "\nresto",
        actor=world.admin,
    )
    [told] = list_notifications(world.agent.id)
    assert told.text == first_line[:199] + "…" and len(told.text) == 200
    assert (told.interaction_id, told.opportunity_code) == (None, "OP-001")


def test_mentions_of_a_page_are_read_with_one_users_query(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = call(world)
    for n in range(5):
        add_comment(on(item), f"@marta nota {n} para @ANA", actor=world.agent)
    add_comment(on(item), "sin menciones", actor=world.agent, files=[stored("a.pdf")])
    with statements(monkeypatch) as sql:
        found = list_comments(item.id)
    assert [c.mentions for c in found] == [("marta", "ana")] * 5 + [()]
    assert len(user_queries(sql)) == 1
    assert len([s for s in sql if 'FROM "attachment"' in s]) == 1
    quiet = call(world)
    add_comment(on(quiet), "nadie mencionado", actor=world.agent)
    with statements(monkeypatch) as sql:
        list_comments(quiet.id)
    assert user_queries(sql) == []


# --- deleting -------------------------------------------------------------------


def test_only_the_author_or_an_admin_deletes(world: World) -> None:
    item = call(world)
    posted = add_comment(on(item), "de Ana", actor=world.admin)
    assert not can_delete(posted, world.agent) and not can_delete(posted, world.supervisor)
    assert can_delete(posted, world.admin)
    with pytest.raises(PermissionDenied) as raised:
        delete_comment(posted.id, actor=world.agent)
    assert raised.value.message() == "Only Ana Ruiz or an administrator can delete this comment"
    assert get_comment(posted.id) == posted
    own = add_comment(on(item), "de Luis", actor=world.agent)
    assert can_delete(own, world.agent) and can_delete(own, world.admin)
    delete_comment(own.id, actor=world.admin)
    assert [c.body for c in list_comments(item.id)] == ["de Ana"]


def test_a_deletion_is_recorded_in_a_history_nobody_can_delete(world: World) -> None:
    item = call(world)
    posted = add_comment(on(item), "Borrar esto", actor=world.agent, files=[stored("x.pdf")])
    assert delete_comment(posted.id, actor=world.agent) == posted
    assert Attachment.select().count() == 0
    [event] = history.list_history(opportunity_id=world.opportunity.id, limit=1)
    assert (event.action, event.actor, event.interaction_id, event.contact_id) == (
        "comment_deleted",
        "luis",
        item.id,
        world.contact.id,
    )
    assert event.details == {
        "comment": posted.id,
        "snapshot": {
            "author": "luis",
            "kind": "comment",
            "body": "Borrar esto",
            "created_at": "2026-11-23 10:00:00",
            "attachments": ["x.pdf"],
        },
    }
    with pytest.raises(NotFound) as raised:
        delete_comment(posted.id, actor=world.agent)
    assert raised.value.key == "error.unknown_comment"
    with pytest.raises(DatabaseError), store_db.current().atomic():
        HistoryEvent.delete().where(HistoryEvent.id == event.id).execute()
    assert history.list_history(opportunity_id=world.opportunity.id, limit=1) == [event]
