"""My queue and snoozing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crm_tui.services import history
from crm_tui.services.comments import delete_comment, list_comments
from crm_tui.services.errors import Conflict, NotFound, ValidationError
from crm_tui.services.interactions import (
    InteractionDraft,
    assign,
    create_interaction,
    edit_interaction,
    set_status,
)
from crm_tui.services.listing import get_interaction
from crm_tui.services.queue import (
    QueueCursor,
    TriageUndo,
    due_range,
    is_overdue,
    list_queue,
    log_outcome,
    snooze,
    undo_triage,
)
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


def walk_queue(username: str, limit: int) -> list[InteractionRecord]:
    seen: list[InteractionRecord] = []
    cursor: QueueCursor | None = None
    while True:
        page = list_queue(username, after=cursor, limit=limit)
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.usefixtures("fixed_clock")
def test_items_due_at_the_same_time_come_most_urgent_first(world: World) -> None:
    # Created so that ids run against priority, across both open statuses.
    for n, priority in enumerate(["low", "normal", "high", "urgent"] * 2):
        status = "pending" if n % 3 else "in_progress"
        task(world, f"{priority}{n}", "2026-11-23 09:00", priority=priority, status=status)
    task(world, "earlier low", "2026-11-22 09:00", priority="low")
    task(world, "later urgent", "2026-11-24 09:00", priority="urgent")
    expected = [
        "earlier low",
        "urgent3",
        "urgent7",
        "high2",
        "high6",
        "normal1",
        "normal5",
        "low0",
        "low4",
        "later urgent",
    ]
    assert subjects(list_queue("luis").items) == expected
    # Every page size walks them once each, in the same order.
    for limit in (1, 2, 3, 4):
        assert [item.subject for item in walk_queue("luis", limit)] == expected


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
        cursor = QueueCursor(datetime(2026, 11, 23, 10, 0), 2, 42)
        for after in (None, cursor):
            for by_priority in (False, True):
                query = due_range(
                    Interaction.user, 1, "pending", after=after, limit=51, by_priority=by_priority
                )
                sql, params = query.sql()
                plan = " | ".join(
                    row[-1]
                    for row in store_db.current().execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                )
                assert "USING INDEX ix_interaction_queue" in plan
                assert "USE TEMP B-TREE FOR ORDER BY" not in plan
                # Priority sorts only runs of equal due times, read in order.
                assert ("RIGHT PART OF ORDER BY" in plan) == by_priority
                if after is not None:
                    assert "due_at>" in plan  # a range of the index, not all of it
    finally:
        store_db.close()


# --- log an outcome, undo a triage action ------------------------------------


def actions_of(record: InteractionRecord) -> list[str]:
    return [event.action for event in reversed(history.list_history(interaction_id=record.id))]


@pytest.mark.usefixtures("fixed_clock")
def test_logging_an_outcome_closes_the_item_and_keeps_the_note_as_a_report(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00", note="Pide precio.")
    logged = log_outcome(
        item.id, outcome="Sin respuesta", note="  Sin respuesta, buzón lleno.\n", actor=world.agent
    )
    after = logged.record
    assert (after.outcome, after.status, after.note) == ("no_answer", "done", "Pide precio.")
    assert after.version == item.version + 1
    assert actions_of(after)[1:] == [
        history.INTERACTION_EDITED,
        history.STATUS_CHANGED,
        history.COMMENT_ADDED,
    ]
    edited = history.list_history(interaction_id=item.id)[2].details["changes"]
    assert isinstance(edited, dict) and set(edited) == {"outcome"}
    [report] = list_comments(item.id)
    assert (report.id, report.kind, report.author, report.body) == (
        logged.report_id,
        "report",
        "luis",
        "  Sin respuesta, buzón lleno.",
    )
    # What is left in the queue is the shipped rule's retry, two hours later.
    [retry] = list_queue("luis").items
    assert (retry.kind, retry.status, retry.type.code, retry.rule_id is not None) == (
        "automatic",
        "pending",
        "call",
        True,
    )
    assert retry.due_at == datetime(2026, 11, 23, 12, 0)


@pytest.mark.usefixtures("fixed_clock")
def test_an_outcome_without_a_note_or_closing_keeps_the_rest(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00", note="Pide precio.\n")
    logged = log_outcome(item.id, outcome="busy", note="  \n\x1b ", actor=world.agent, close=False)
    assert logged.report_id is None
    after = logged.record
    assert (after.outcome, after.status, after.note) == ("busy", "pending", "Pide precio.\n")
    assert list_comments(item.id) == []
    closed = log_outcome(item.id, outcome="connected", note="Hecho", actor=world.agent)
    assert closed.record.status == "done"
    assert [c.body for c in list_comments(item.id)] == ["Hecho"]


@pytest.mark.usefixtures("fixed_clock")
def test_a_report_too_long_refuses_the_whole_outcome(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    with pytest.raises(ValidationError) as raised:
        log_outcome(item.id, outcome="busy", note="x" * 5001, actor=world.agent)
    assert "5,000" in raised.value.message()
    after = get_interaction(item.id)
    assert (after.outcome, after.status, after.version) == (None, "pending", item.version)
    assert list_comments(item.id) == []


@pytest.mark.usefixtures("fixed_clock")
def test_an_outcome_is_refused_on_a_bad_value_or_a_stale_version(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    with pytest.raises(ValidationError) as raised:
        log_outcome(item.id, outcome="fatal", note="", actor=world.agent)
    assert [error.field for error in raised.value.errors] == ["outcome"]
    set_status(item.id, "in_progress", actor=world.supervisor)
    with pytest.raises(Conflict):
        log_outcome(
            item.id, outcome="busy", note="x", actor=world.agent, expected_version=item.version
        )
    assert get_interaction(item.id).outcome is None


def triaged(before: InteractionRecord, after: InteractionRecord) -> TriageUndo:
    return TriageUndo(before=before, after_version=after.version)


TRIAGE_VIEW = ("status", "user", "starts_at", "ends_at", "occurred_at", "follow_up_at")


def view(record: InteractionRecord) -> tuple[object, ...]:
    return (*(getattr(record, name) for name in TRIAGE_VIEW), record.outcome, record.note)


@pytest.mark.usefixtures("fixed_clock")
def test_undo_puts_back_each_triage_action(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00", note="Pide precio.")
    actions = [
        lambda r: set_status(r.id, "cancelled", actor=world.agent),
        lambda r: snooze(r.id, actor=world.agent, by=timedelta(days=1)),
        lambda r: assign(r.id, "marta", actor=world.agent),
        lambda r: assign(r.id, None, actor=world.agent),
        lambda r: (
            log_outcome(r.id, outcome="voicemail", note="Dejé mensaje", actor=world.agent).record
        ),
    ]
    for act in actions:
        before = get_interaction(item.id)
        after = act(before)
        assert view(after) != view(before)
        restored = undo_triage(triaged(before, after), actor=world.agent)
        assert view(restored) == view(before)
        assert restored.version == after.version + 1
    assert [item.subject for item in list_queue("luis").items] == ["call back"]


@pytest.mark.usefixtures("fixed_clock")
def test_undoing_a_snoozed_meeting_restores_its_times(world: World) -> None:
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
    restored = undo_triage(triaged(meeting, moved), actor=world.agent)
    assert (restored.starts_at, restored.ends_at, restored.occurred_at, restored.due_at) == (
        meeting.starts_at,
        meeting.ends_at,
        meeting.occurred_at,
        meeting.due_at,
    )


@pytest.mark.usefixtures("fixed_clock")
def test_undo_is_refused_when_someone_changed_the_item_since(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    done = set_status(item.id, "done", actor=world.agent)
    edit_interaction(item.id, {"subject": "llamar a Marta"}, actor=world.supervisor)
    with pytest.raises(Conflict) as raised:
        undo_triage(triaged(item, done), actor=world.agent)
    assert raised.value.key == "error.stale"
    assert get_interaction(item.id).status == "done"


@pytest.mark.usefixtures("fixed_clock")
def test_an_undo_is_history_too(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    done = set_status(item.id, "done", actor=world.agent)
    undo_triage(triaged(item, done), actor=world.agent)
    changes = [
        event.details
        for event in reversed(history.list_history(interaction_id=item.id))
        if event.action == history.STATUS_CHANGED
    ]
    assert changes == [{"from": "pending", "to": "done"}, {"from": "done", "to": "pending"}]


@pytest.mark.usefixtures("fixed_clock")
def test_undoing_an_outcome_deletes_its_report_and_history_says_so(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    logged = log_outcome(item.id, outcome="busy", note="Comunica", actor=world.agent)
    undo = TriageUndo(item, logged.record.version, report_id=logged.report_id)
    restored = undo_triage(undo, actor=world.agent)
    assert (restored.status, restored.outcome) == ("pending", None)
    assert list_comments(item.id) == []
    [deleted] = [
        e for e in history.list_history(interaction_id=item.id) if e.action == "comment_deleted"
    ]
    assert deleted.actor == "luis"
    assert deleted.details["snapshot"] == {
        "author": "luis",
        "kind": "report",
        "body": "Comunica",
        "created_at": "2026-11-23 10:00:00",
        "attachments": [],
    }


@pytest.mark.usefixtures("fixed_clock")
def test_a_refused_undo_keeps_the_report_and_a_deleted_one_stays_deleted(world: World) -> None:
    item = task(world, "call back", "2026-11-23 12:00")
    logged = log_outcome(item.id, outcome="busy", note="Comunica", actor=world.agent)
    undo = TriageUndo(item, logged.record.version, report_id=logged.report_id)
    edit_interaction(item.id, {"subject": "otra cosa"}, actor=world.supervisor)
    with pytest.raises(Conflict):
        undo_triage(undo, actor=world.agent)
    assert [c.id for c in list_comments(item.id)] == [logged.report_id]

    other = task(world, "second call", "2026-11-23 12:00")
    logged = log_outcome(other.id, outcome="busy", note="Comunica", actor=world.agent)
    assert logged.report_id is not None
    delete_comment(logged.report_id, actor=world.admin)
    undo = TriageUndo(other, logged.record.version, report_id=logged.report_id)
    assert undo_triage(undo, actor=world.agent).status == "pending"
