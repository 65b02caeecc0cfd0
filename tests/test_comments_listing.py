"""Reading the comments and reports of an interaction, on SQLite and
PostgreSQL (comments are written with the model until the collaboration
issue adds a service for it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_tui.services.comments import CommentRecord, list_comments
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.store.models import Comment

from .conftest import World

BASE = datetime(2026, 11, 20, 9, 0)


def call(world: World) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(type="call", contact=world.contact.code, created_by="luis")
    )


def comment(
    item: InteractionRecord, author: int, body: str, minutes: int, kind: str = "comment"
) -> int:
    created = Comment.create(
        interaction=item.id,
        author=author,
        kind=kind,
        body=body,
        created_at=BASE + timedelta(minutes=minutes),
    )
    return int(created.id)


def test_comments_read_oldest_first_with_their_authors(world: World) -> None:
    item = call(world)
    other = call(world)
    # Written out of order: the listing orders by when they were made.
    second = comment(item, world.agent.id, "Llamé otra vez", 30)
    first = comment(item, world.admin.id, "[bold]Ojo[/] con el precio", 10)
    comment(other, world.admin.id, "otra interacción", 20)
    found = list_comments(item.id)
    assert [c.id for c in found] == [first, second]
    assert found[0] == CommentRecord(
        id=first,
        uid=found[0].uid,
        interaction_id=item.id,
        opportunity_id=None,
        author="ana",
        author_name="Ana Ruiz",
        kind="comment",
        body="[bold]Ojo[/] con el precio",
        created_at=BASE + timedelta(minutes=10),
    )
    assert found[1].author == "luis" and found[1].author_name == "Luis Gómez"


def test_equal_times_keep_the_order_they_were_written_in(world: World) -> None:
    item = call(world)
    written = [comment(item, world.agent.id, f"n{n}", 5) for n in range(4)]
    assert [c.id for c in list_comments(item.id)] == written


def test_reports_are_listed_unless_only_comments_are_asked_for(world: World) -> None:
    item = call(world)
    comment(item, world.agent.id, "comentario", 1)
    comment(item, world.supervisor.id, "reporte de la visita", 2, kind="report")
    assert [c.kind for c in list_comments(item.id)] == ["comment", "report"]
    assert [c.body for c in list_comments(item.id, only_comments=True)] == ["comentario"]


def test_a_limit_keeps_the_newest_still_oldest_first(world: World) -> None:
    item = call(world)
    for n in range(6):
        comment(item, world.agent.id, f"n{n}", n)
    assert [c.body for c in list_comments(item.id, limit=3)] == ["n3", "n4", "n5"]


def test_an_interaction_without_comments_has_none(world: World) -> None:
    assert list_comments(call(world).id) == []
    assert list_comments(987_654) == []
