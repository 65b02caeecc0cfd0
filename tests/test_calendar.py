"""The calendar service on SQLite and PostgreSQL: whose events a calendar
holds (responsible or creator), the range's bounds, every status, the
overdue mark, the per-view limit, and who may see whose calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from crm_tui.services.calendar import calendar_events
from crm_tui.services.errors import NotFound, PermissionDenied
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord

from .conftest import World

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 12, 0)  # Wednesday noon


def event(
    subject: str,
    start: datetime,
    *,
    user: str | None = "luis",
    created_by: str = "luis",
    **fields: Any,
) -> InteractionRecord:
    draft = InteractionDraft(
        type=fields.pop("type", "meeting"),
        contact="C-001",
        created_by=created_by,
        user=user,
        pool=user is None,
        subject=subject,
        occurred_at=start,
        starts_at=start,
        kind="scheduled",
        status=fields.pop("status", "pending"),
        **fields,
    )
    return create_interaction(draft)


def subjects_by_day(username: str, first: date = MONDAY, days: int = 7) -> dict[date, list[str]]:
    page = calendar_events(username, first, days, now=NOW)
    return {day.day: [e.record.subject for e in day.events] for day in page.days}


def test_a_week_holds_what_the_person_is_responsible_for_or_created(world: World) -> None:
    event("Mine", datetime(2026, 11, 23, 9, 0))
    event("Given to marta", datetime(2026, 11, 24, 10, 0), user="marta")
    event("From marta", datetime(2026, 11, 24, 9, 0), created_by="marta")
    event("In the pool", datetime(2026, 11, 26, 16, 0), user=None)
    event("Marta's own", datetime(2026, 11, 24, 11, 0), user="marta", created_by="marta")

    week = subjects_by_day("luis")

    assert list(week) == [MONDAY + timedelta(days=n) for n in range(7)]
    assert week[MONDAY] == ["Mine"]
    assert week[date(2026, 11, 24)] == ["From marta", "Given to marta"]
    assert week[date(2026, 11, 26)] == ["In the pool"]
    assert week[date(2026, 11, 29)] == []
    marta = subjects_by_day("marta")
    assert marta[date(2026, 11, 24)] == ["From marta", "Given to marta", "Marta's own"]
    page = calendar_events("luis", MONDAY, 7, now=NOW)
    assert (page.user.display_name, page.first_day, page.count, page.more) == (
        "Luis Gómez",
        MONDAY,
        4,
        0,
    )


def test_the_range_takes_its_first_day_whole_and_stops_before_the_next(world: World) -> None:
    event("Sunday late", datetime(2026, 11, 22, 23, 59))
    event("Monday midnight", datetime(2026, 11, 23, 0, 0))
    event("Sunday last minute", datetime(2026, 11, 29, 23, 59))
    event("Next Monday midnight", datetime(2026, 11, 30, 0, 0))

    week = subjects_by_day("luis")

    assert [subject for day in week.values() for subject in day] == [
        "Monday midnight",
        "Sunday last minute",
    ]
    assert subjects_by_day("luis", date(2026, 11, 30), 1) == {
        date(2026, 11, 30): ["Next Monday midnight"]
    }


def test_every_status_shows_and_only_open_past_events_are_overdue(world: World) -> None:
    event("Open, over", datetime(2026, 11, 24, 9, 0))
    event("Open, over at its end", datetime(2026, 11, 25, 9, 0), ends_at=NOW - timedelta(hours=1))
    event("Open, still going", datetime(2026, 11, 25, 11, 0), ends_at=NOW + timedelta(hours=1))
    event("Done", datetime(2026, 11, 24, 10, 0), status="done")
    event("Cancelled", datetime(2026, 11, 24, 11, 0), status="cancelled")
    event("In progress, over", datetime(2026, 11, 24, 12, 0), status="in_progress")
    event("Tomorrow", datetime(2026, 11, 26, 9, 0))

    page = calendar_events("luis", MONDAY, 7, now=NOW)
    marks = {e.record.subject: (e.record.status, e.overdue) for d in page.days for e in d.events}

    assert marks == {
        "Open, over": ("pending", True),
        "Open, over at its end": ("pending", True),
        "Open, still going": ("pending", False),
        "Done": ("done", False),
        "Cancelled": ("cancelled", False),
        "In progress, over": ("in_progress", True),
        "Tomorrow": ("pending", False),
    }


def test_items_that_are_not_events_stay_out(world: World) -> None:
    create_interaction(
        InteractionDraft(
            type="call",
            contact="C-001",
            created_by="luis",
            user="luis",
            subject="A call logged",
            kind="logged",
            status="done",
            occurred_at=datetime(2026, 11, 24, 9, 0),
        )
    )
    event("A visit planned", datetime(2026, 11, 24, 10, 0), type="visit")

    assert subjects_by_day("luis")[date(2026, 11, 24)] == ["A visit planned"]


def test_a_full_view_says_how_many_more_there_are(world: World) -> None:
    for hour in range(8, 13):
        event(f"Responsible {hour}", datetime(2026, 11, 24, hour, 0))
        event(f"Created {hour}", datetime(2026, 11, 24, hour, 30), user="marta")

    page = calendar_events("luis", MONDAY, 7, now=NOW, limit=4)

    assert [e.record.subject for d in page.days for e in d.events] == [
        "Responsible 8",
        "Created 8",
        "Responsible 9",
        "Created 9",
    ]
    assert (page.count, page.more) == (4, 6)


def test_only_roles_with_see_others_calendar_see_another_persons_calendar(world: World) -> None:
    event("Luis's meeting", datetime(2026, 11, 24, 9, 0))

    for viewer in (world.agent, world.supervisor, world.admin):
        page = calendar_events("luis", MONDAY, 7, viewer=viewer, now=NOW)
        assert page.count == 1
    with pytest.raises(PermissionDenied) as refused:
        calendar_events("marta", MONDAY, 7, viewer=world.agent, now=NOW)
    assert refused.value.message() == (
        "Only roles with 'see-others-calendar' can see another person's calendar; you are an agent"
    )
    with pytest.raises(NotFound):
        calendar_events("nobody", MONDAY, 7, viewer=world.admin, now=NOW)
