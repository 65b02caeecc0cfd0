"""My queue and snoozing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crm_tui.services import history
from crm_tui.services.errors import Conflict, NotFound
from crm_tui.services.interactions import InteractionDraft, create_interaction, set_status
from crm_tui.services.queue import QueueCursor, due_range, is_overdue, list_queue, snooze
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Interaction

from .conftest import World

NOW = "2026-11-23T10:00:00"


def task(world: World, subject: str, follow_up: str, **overrides: object) -> InteractionRecord:
    values: dict[str, object] = {
        "type": "call",
        "contact": world.contact.code,
        "opportunity": world.opportunity.code,
        "created_by": world.agent.username,
        "kind": "task",
        "subject": subject,
        "occurred_at": "2026-11-20 09:00",
        "follow_up_at": follow_up,
    }
    values.update(overrides)
    return create_interaction(InteractionDraft(**values))  # type: ignore[arg-type]


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)


def subjects(items: tuple[InteractionRecord, ...]) -> list[str]:
    return [item.subject for item in items]


@pytest.mark.usefixtures("fixed_clock")
def test_queue_lists_my_open_items_overdue_first_then_by_due(world: World) -> None:
    task(world, "tomorrow", "2026-11-24 09:00")
    task(world, "overdue", "2026-11-22 16:00", status="in_progress")
    task(world, "later today", "2026-11-23 15:00")
    task(world, "done", "2026-11-21 10:00", status="done")
    task(world, "cancelled", "2026-11-21 10:00", status="cancelled")
    task(world, "marta's", "2026-11-21 10:00", user="marta")
    task(world, "pool", "2026-11-21 10:00", pool=True)

    page = list_queue("luis")

    assert subjects(page.items) == ["overdue", "later today", "tomorrow"]
    assert page.next_cursor is None
    now = datetime(2026, 11, 23, 10, 0)
    assert [is_overdue(item, now) for item in page.items] == [True, False, False]
    assert subjects(list_queue("marta").items) == ["marta's"]


@pytest.mark.usefixtures("fixed_clock")
def test_paging_walks_every_row_once_in_order(world: World) -> None:
    # Same due times across both open statuses, so ties are broken by id.
    for n in range(7):
        task(world, f"t{n}", f"2026-11-2{n % 3 + 1} 09:00")
        task(world, f"p{n}", f"2026-11-2{n % 3 + 1} 09:00", status="in_progress")
    seen: list[InteractionRecord] = []
    cursor: QueueCursor | None = None
    pages = 0
    while True:
        page = list_queue("luis", after=cursor, limit=3)
        seen.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 14 and len({item.id for item in seen}) == 14
    assert [(r.due_at, r.id) for r in seen] == sorted((r.due_at, r.id) for r in seen)
    assert pages == 5


def test_unknown_user_has_no_queue(world: World) -> None:
    with pytest.raises(NotFound) as raised:
        list_queue("nobody")
    assert raised.value.message() == "unknown user 'nobody'"


def edited_changes(record: InteractionRecord) -> dict[str, object]:
    events = history.list_history(interaction_id=record.id)
    edits = [e for e in events if e.action == history.INTERACTION_EDITED]
    assert edits, "snoozing records interaction_edited"
    changes = edits[0].details["changes"]
    assert isinstance(changes, dict)
    return changes


@pytest.mark.usefixtures("fixed_clock")
def test_snooze_by_an_hour_moves_the_follow_up(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    moved = snooze(item.id, actor=world.agent, by=timedelta(hours=1))
    assert moved.follow_up_at == moved.due_at == datetime(2026, 11, 23, 13, 0)
    assert moved.version == item.version + 1
    assert "follow_up_at" in edited_changes(moved)


@pytest.mark.usefixtures("fixed_clock")
def test_snoozing_an_overdue_item_by_a_day_counts_from_now(world: World) -> None:
    item = task(world, "late", "2026-11-20 12:00")
    moved = snooze(item.id, actor=world.agent, by=timedelta(days=1))
    assert moved.due_at == datetime(2026, 11, 24, 10, 0)
    assert not is_overdue(moved, datetime(2026, 11, 23, 10, 0))


@pytest.mark.usefixtures("fixed_clock")
def test_snooze_to_typed_dates(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    moved = snooze(item.id, actor=world.agent, text="mañana 10:00")
    assert moved.due_at == datetime(2026, 11, 24, 10, 0)
    moved = snooze(item.id, actor=world.agent, text="+2d")
    assert moved.due_at == datetime(2026, 11, 25, 10, 0)
    # A day without a time keeps the item's time of day.
    moved = snooze(item.id, actor=world.agent, text="lunes")
    assert moved.due_at == datetime(2026, 11, 30, 10, 0)
    assert list_queue("luis").items[0].due_at == moved.due_at


@pytest.mark.usefixtures("fixed_clock")
def test_snoozing_a_meeting_moves_its_end_with_its_start(world: World) -> None:
    meeting = create_interaction(
        InteractionDraft(
            type="meeting",
            contact=world.contact.code,
            created_by="luis",
            starts_at="2026-11-23 16:00",
            ends_at="2026-11-23 17:30",
        )
    )
    moved = snooze(meeting.id, actor=world.agent, until=datetime(2026, 11, 24, 9, 0))
    assert (moved.starts_at, moved.ends_at) == (
        datetime(2026, 11, 24, 9, 0),
        datetime(2026, 11, 24, 10, 30),
    )
    assert moved.due_at == moved.starts_at == moved.occurred_at
    assert moved.follow_up_at is None
    assert {"starts_at", "ends_at"} <= set(edited_changes(moved))


@pytest.mark.usefixtures("fixed_clock")
def test_snooze_on_a_stale_version_is_refused(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    set_status(item.id, "in_progress", actor=world.supervisor)
    with pytest.raises(Conflict):
        snooze(item.id, actor=world.agent, by=timedelta(hours=1), expected_version=item.version)
    assert list_queue("luis").items[0].due_at == item.due_at


def test_queue_query_reads_the_queue_index_in_order(tmp_path: Path) -> None:
    store_db.connect(store_db.Target("sqlite", str(tmp_path / "plan.db")))
    try:
        cursor = QueueCursor(datetime(2026, 11, 23, 10, 0), 42)
        for after in (None, cursor):
            sql, params = due_range(Interaction.user, 1, "pending", after=after, limit=51).sql()
            plan = " | ".join(
                row[-1]
                for row in store_db.current().execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            assert "USING INDEX ix_interaction_queue" in plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan
    finally:
        store_db.close()
