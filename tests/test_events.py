"""Upcoming events of a user and of an opportunity, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from crm_tui.services.errors import NotFound
from crm_tui.services.events import opportunity_upcoming, upcoming_events
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord

from .conftest import World

NOW = "2026-11-23T10:00:00"


def event(world: World, subject: str, starts_at: str, **overrides: object) -> InteractionRecord:
    values: dict[str, object] = {
        "type": "meeting",
        "contact": world.contact.code,
        "opportunity": world.opportunity.code,
        "created_by": "luis",
        "kind": "scheduled",
        "status": "pending",
        "subject": subject,
        "starts_at": starts_at,
    }
    values.update(overrides)
    return create_interaction(InteractionDraft(**values))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)


def test_events_are_grouped_overdue_first_then_by_day(world: World) -> None:
    event(world, "tue 9", "2026-11-24 09:00")
    event(world, "this morning", "2026-11-23 08:00")
    event(world, "last week", "2026-11-16 12:00", status="in_progress")
    event(world, "this afternoon", "2026-11-23 16:00")
    event(world, "given to marta", "2026-11-24 08:00", user="marta")
    event(world, "created by marta for me", "2026-11-25 11:00", created_by="marta", user="luis")
    event(world, "marta's own", "2026-11-24 12:00", created_by="marta", user="marta")
    event(world, "done", "2026-11-24 13:00", status="done")
    event(world, "cancelled", "2026-11-24 13:00", status="cancelled")
    event(world, "too far", "2026-12-20 10:00")
    create_interaction(  # a task with no start is not an event
        InteractionDraft(
            type="task", contact="C-001", created_by="luis", kind="task", follow_up_at="+1d"
        )
    )

    groups = upcoming_events("luis", days=14)

    assert [(g.day, g.overdue, [i.subject for i in g.items]) for g in groups] == [
        (None, True, ["last week", "this morning"]),
        (date(2026, 11, 23), False, ["this afternoon"]),
        (date(2026, 11, 24), False, ["given to marta", "tue 9"]),
        (date(2026, 11, 25), False, ["created by marta for me"]),
    ]
    marta = upcoming_events("marta")
    assert [i.subject for g in marta for i in g.items] == [
        "given to marta",
        "marta's own",
        "created by marta for me",
    ]


def test_an_item_both_created_and_held_by_the_user_shows_once(world: World) -> None:
    event(world, "mine", "2026-11-24 09:00")
    groups = upcoming_events("luis")
    assert [[i.subject for i in g.items] for g in groups] == [["mine"]]


def test_the_limit_keeps_the_soonest(world: World) -> None:
    for hour in (15, 9, 12, 11):
        event(world, f"{hour}h", f"2026-11-24 {hour}:00")
    groups = upcoming_events("luis", limit=2)
    assert [i.subject for g in groups for i in g.items] == ["9h", "11h"]


def test_a_backlog_of_overdue_events_does_not_hide_today(world: World) -> None:
    for day in range(1, 6):
        event(world, f"late {day}", f"2026-11-{day:02d} 10:00")
    event(world, "today", "2026-11-23 17:00")
    groups = upcoming_events("luis", limit=3, overdue_limit=2)
    assert [(g.overdue, [i.subject for i in g.items]) for g in groups] == [
        (True, ["late 1", "late 2"]),  # the oldest first
        (False, ["today"]),
    ]


def test_unknown_user_has_no_events(world: World) -> None:
    with pytest.raises(NotFound):
        upcoming_events("nobody")


def test_opportunity_upcoming_lists_only_its_open_events(world: World) -> None:
    event(world, "next week", "2026-11-30 10:00")
    event(world, "tomorrow", "2026-11-24 10:00", user="marta")
    event(world, "overdue", "2026-11-20 10:00")
    event(world, "done", "2026-11-25 10:00", status="done")
    event(world, "other deal", "2026-11-24 09:00", contact="C-002", opportunity="OP-002")

    found = opportunity_upcoming("OP-001")

    assert [i.subject for i in found] == ["overdue", "tomorrow", "next week"]
    assert [i.subject for i in opportunity_upcoming("OP-002")] == ["other deal"]
    with pytest.raises(NotFound):
        opportunity_upcoming("OP-404")
