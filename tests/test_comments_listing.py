"""Reading the comments and reports of an interaction, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import pytest

from crm_tui.services.comments import CommentRecord, CommentTarget, add_comment, list_comments
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord, UserRecord

from .conftest import World

BASE = datetime(2026, 11, 20, 9, 0)


def call(world: World) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(type="call", contact=world.contact.code, created_by="luis")
    )


class Post(Protocol):
    def __call__(
        self,
        item: InteractionRecord,
        author: UserRecord,
        body: str,
        minutes: int,
        kind: str = "comment",
    ) -> int: ...


@pytest.fixture
def comment(monkeypatch: pytest.MonkeyPatch) -> Post:
    """Posts a comment `minutes` after BASE; returns its id."""

    def post(
        item: InteractionRecord,
        author: UserRecord,
        body: str,
        minutes: int,
        kind: str = "comment",
    ) -> int:
        monkeypatch.setenv("CRM_TUI_NOW", (BASE + timedelta(minutes=minutes)).isoformat())
        target = CommentTarget(interaction_id=item.id)
        return add_comment(target, body, actor=author, kind=kind).id

    return post


def test_comments_read_oldest_first_with_their_authors(world: World, comment: Post) -> None:
    item = call(world)
    other = call(world)
    # Written out of order: the listing orders by when they were made.
    second = comment(item, world.agent, "Llamé otra vez", 30)
    first = comment(item, world.admin, "[bold]Ojo[/] con el precio", 10)
    comment(other, world.admin, "otra interacción", 20)
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


def test_equal_times_keep_the_order_they_were_written_in(world: World, comment: Post) -> None:
    item = call(world)
    written = [comment(item, world.agent, f"n{n}", 5) for n in range(4)]
    assert [c.id for c in list_comments(item.id)] == written


def test_reports_are_listed_unless_only_comments_are_asked_for(world: World, comment: Post) -> None:
    item = call(world)
    comment(item, world.agent, "comentario", 1)
    comment(item, world.supervisor, "reporte de la visita", 2, kind="report")
    assert [c.kind for c in list_comments(item.id)] == ["comment", "report"]
    assert [c.body for c in list_comments(item.id, only_comments=True)] == ["comentario"]


def test_a_limit_keeps_the_newest_still_oldest_first(world: World, comment: Post) -> None:
    item = call(world)
    for n in range(6):
        comment(item, world.agent, f"n{n}", n)
    assert [c.body for c in list_comments(item.id, limit=3)] == ["n3", "n4", "n5"]


def test_an_interaction_without_comments_has_none(world: World) -> None:
    assert list_comments(call(world).id) == []
    assert list_comments(987_654) == []
