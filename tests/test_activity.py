"""The activity feed (comments and reports merged with history, newest
first, paged) of an interaction, an opportunity and a contact, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_tui.services import history
from crm_tui.services.activity import FeedEntry, FeedPage, activity_feed
from crm_tui.services.comments import CommentTarget, add_comment, delete_comment
from crm_tui.services.interactions import (
    InteractionDraft,
    assign,
    create_interaction,
    set_status,
)
from crm_tui.services.records import InteractionRecord

from .conftest import World
from .test_comments import statements, user_queries


def call(
    world: World, contact: str = "C-001", opportunity: str | None = "OP-001"
) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(
            type="call",
            contact=contact,
            opportunity=opportunity,
            created_by="luis",
            kind="task",
            follow_up_at="2026-11-30 10:00",
        )
    )


def key(entry: FeedEntry) -> tuple[str, int]:
    if entry.comment is not None:
        return ("comment", entry.comment.id)
    assert entry.event is not None
    return ("event", entry.event.id)


def describe(entry: FeedEntry) -> str:
    if entry.comment is not None:
        return entry.comment.body
    assert entry.event is not None
    return entry.event.action


def every_page(read: Callable[..., FeedPage], limit: int) -> list[list[FeedEntry]]:
    pages = []
    page = read(limit=limit)
    pages.append(list(page.entries))
    while page.older is not None:
        page = read(limit=limit, after=page.older)
        pages.append(list(page.entries))
    return pages


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", when)


def busy_interaction(world: World, monkeypatch: pytest.MonkeyPatch) -> InteractionRecord:
    """An item with comments and events, many of them in the same second."""
    at(monkeypatch, "2026-11-20T09:00:00")
    item = call(world)
    for n in range(4):
        add_comment(CommentTarget(interaction_id=item.id), f"a{n}", actor=world.agent)
    at(monkeypatch, "2026-11-21T09:00:00")
    for n in range(3):
        set_status(item.id, "in_progress" if n % 2 == 0 else "pending", actor=world.agent)
        add_comment(CommentTarget(interaction_id=item.id), f"b{n}", actor=world.supervisor)
    at(monkeypatch, "2026-11-22T09:00:00")
    add_comment(CommentTarget(interaction_id=item.id), "c", actor=world.agent, kind="report")
    assign(item.id, "marta", actor=world.agent)
    return item


def test_pages_neither_skip_nor_repeat_entries_of_the_same_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = busy_interaction(world, monkeypatch)

    def read(**kwargs: object) -> FeedPage:
        return activity_feed(interaction_id=item.id, **kwargs)  # type: ignore[arg-type]

    whole = read(limit=500)
    assert whole.older is None
    assert len(whole.entries) == 8 + 1 + 3 + 1  # comments, created, statuses, assignment
    times = [entry.at for entry in whole.entries]
    assert times == sorted(times, reverse=True)
    for limit in (1, 2, 3, 5):
        pages = every_page(read, limit)
        assert len(pages) >= 3
        assert all(len(page) == limit for page in pages[:-1])
        seen = [key(entry) for page in pages for entry in page]
        assert seen == [key(entry) for entry in whole.entries], limit


def test_newest_first_a_comment_above_an_event_of_the_same_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = busy_interaction(world, monkeypatch)
    page = activity_feed(interaction_id=item.id, limit=6)
    assert [describe(entry) for entry in page.entries] == [
        "c",
        history.ASSIGNMENT_CHANGED,
        "b2",
        "b1",
        "b0",
        history.STATUS_CHANGED,
    ]
    every = activity_feed(interaction_id=item.id, limit=500).entries
    assert all(e.event.action != history.COMMENT_ADDED for e in every if e.event)


def test_only_comments_hides_the_history_but_keeps_reports(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = busy_interaction(world, monkeypatch)

    def read(**kwargs: object) -> FeedPage:
        return activity_feed(interaction_id=item.id, only_comments=True, **kwargs)  # type: ignore[arg-type]

    pages = every_page(read, 3)
    bodies = [entry.comment.body for page in pages for entry in page if entry.comment]
    assert bodies == ["c", "b2", "b1", "b0", "a3", "a2", "a1", "a0"]
    assert all(entry.event is None for page in pages for entry in page)
    assert [entry.comment.kind for entry in pages[0]][:1] == ["report"]  # type: ignore[union-attr]


def test_an_opportunity_and_a_contact_include_their_interactions_comments(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-11-20T09:00:00")
    linked = call(world)
    unlinked = call(world, opportunity=None)
    elsewhere = call(world, contact="C-002", opportunity="OP-002")
    add_comment(CommentTarget(interaction_id=linked.id), "en la llamada", actor=world.agent)
    add_comment(CommentTarget(interaction_id=unlinked.id), "sin oportunidad", actor=world.agent)
    add_comment(CommentTarget(opportunity_id=world.opportunity.id), "en OP-001", actor=world.admin)
    add_comment(CommentTarget(interaction_id=elsewhere.id), "de otro cliente", actor=world.agent)
    add_comment(
        CommentTarget(opportunity_id=world.other_opportunity.id), "en OP-002", actor=world.admin
    )

    def bodies(page: FeedPage) -> list[str]:
        return [entry.comment.body for entry in page.entries if entry.comment]

    opportunity = activity_feed(opportunity_id=world.opportunity.id)
    assert bodies(opportunity) == ["en OP-001", "en la llamada"]
    assert {entry.event.action for entry in opportunity.entries if entry.event} == {
        history.OPPORTUNITY_CREATED,
        history.INTERACTION_CREATED,
    }
    contact = activity_feed(contact_id=world.contact.id)
    assert bodies(contact) == ["en OP-001", "sin oportunidad", "en la llamada"]
    paged = every_page(lambda **kw: activity_feed(contact_id=world.contact.id, **kw), 2)
    assert [key(e) for page in paged for e in page] == [key(e) for e in contact.entries]
    assert bodies(activity_feed(contact_id=world.other_contact.id)) == [
        "en OP-002",
        "de otro cliente",
    ]


def test_a_deleted_comment_leaves_its_deletion_in_the_feed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-11-20T09:00:00")
    item = call(world)
    posted = add_comment(CommentTarget(interaction_id=item.id), "me equivoqué", actor=world.admin)
    at(monkeypatch, "2026-11-20T09:05:00")
    delete_comment(posted.id, actor=world.admin)
    page = activity_feed(interaction_id=item.id)
    assert [entry.event.action for entry in page.entries if entry.event] == [
        history.COMMENT_DELETED,
        history.INTERACTION_CREATED,
    ]
    assert all(entry.comment is None for entry in page.entries)
    assert page.names == {"ana": "Ana Ruiz", "luis": "Luis Gómez"}
    hidden = activity_feed(interaction_id=item.id, only_comments=True)
    assert (hidden.entries, hidden.older, hidden.names) == ((), None, {})


def test_names_cover_everyone_the_page_names_with_one_users_query(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-11-20T09:00:00")
    item = call(world)
    assign(item.id, "marta", actor=world.agent)
    at(monkeypatch, "2026-11-20T09:05:00")
    assign(item.id, "ana", actor=world.supervisor)
    add_comment(CommentTarget(interaction_id=item.id), "@LUIS mira", actor=world.supervisor)
    with statements(monkeypatch) as sql:
        page = activity_feed(interaction_id=item.id)
    assert len(user_queries(sql)) == 1
    assert page.names == {"ana": "Ana Ruiz", "luis": "Luis Gómez", "marta": "Marta Vidal"}
    assert page.entries[0].comment is not None and page.entries[0].comment.mentions == ("luis",)


def test_a_feed_has_exactly_one_target(world: World) -> None:
    with pytest.raises(TypeError):
        activity_feed()
    with pytest.raises(TypeError):
        activity_feed(interaction_id=1, contact_id=world.contact.id)
    assert activity_feed(interaction_id=987_654) == FeedPage((), None, {})
