"""The demo generator: a realistic, deterministic database built fast,
checked through the services a user's screens and commands go through."""

from __future__ import annotations

import multiprocessing
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

from crm_tui import demo
from crm_tui.services import contacts, doctor, history, users
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import (
    count_interactions,
    get_interaction,
    list_interactions,
    select_records,
)
from crm_tui.services.records import InteractionFilter
from crm_tui.services.vocab import fold
from crm_tui.store import db as store_db
from crm_tui.store import schema
from crm_tui.store.models import Interaction

from .conftest import drop_postgres, fresh_postgres

NOW = "2026-03-10T10:00:00"


class DemoSize(TypedDict):
    contacts: int
    interactions: int


SMALL = DemoSize(contacts=30, interactions=400)
MENTION = re.compile(r"@([\w.+-]*\w)")
SHIPPED_TYPES = {"call", "email", "meeting", "visit", "message", "task", "note"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[store_db.Target]:
    """Where a demo goes: a path with no file yet, or an empty PostgreSQL
    database (made from the test template, so the defaults are installed)."""
    if request.param == "sqlite":
        yield store_db.Target("sqlite", str(tmp_path / "demo.db"))
        store_db.close()
        return
    name, url = fresh_postgres(request.getfixturevalue("pg_template"))
    yield store_db.Target("postgres", url)
    store_db.close()
    drop_postgres(name)


def build_and_open(target: store_db.Target, **options: Any) -> demo.DemoSummary:
    summary = demo.build_demo(target, login="tester", **{"seed": 7, **SMALL, **options})
    store_db.connect(target)
    return summary


def scalar(sql: str) -> Any:
    return store_db.current().execute_sql(sql).fetchone()[0]


def column(sql: str) -> list[Any]:
    return [row[0] for row in store_db.current().execute_sql(sql).fetchall()]


def test_demo_fills_an_empty_database_with_what_it_reports(
    empty_target: store_db.Target,
) -> None:
    reported: list[tuple[str, int, int]] = []

    summary = build_and_open(empty_target, progress=lambda *step: reported.append(step))

    assert list(dict.fromkeys(stage for stage, _, _ in reported)) == list(demo.STAGES)
    assert reported[-1] == ("indexes", 1, 1)
    assert ("interactions", 400, 400) in reported

    assert (summary.contacts, summary.opportunities, summary.interactions) == (30, 120, 400)
    assert count_interactions() == 400
    counted = {
        "contacts": "contact",
        "opportunities": "opportunity",
        "comments": "comment",
        "history_events": "history_event",
        "notifications": "notification",
    }
    for field, table in counted.items():
        assert scalar(f"SELECT COUNT(*) FROM {table}") == getattr(summary, field), table
    assert summary.comments > 0 and summary.notifications > 0
    assert summary.seconds > 0


def test_every_type_status_and_kind_is_present(empty_target: store_db.Target) -> None:
    build_and_open(empty_target)

    types = column(
        "SELECT DISTINCT t.code FROM interaction i JOIN interaction_type t ON t.id = i.type_id"
    )
    assert set(types) == SHIPPED_TYPES
    assert set(column("SELECT DISTINCT status FROM interaction")) == {
        "pending",
        "in_progress",
        "done",
        "cancelled",
    }
    assert set(column("SELECT DISTINCT kind FROM interaction")) == {
        "logged",
        "scheduled",
        "task",
        "automatic",
    }
    # Calls that were made say how they went; nothing else has an outcome.
    assert scalar("SELECT COUNT(*) FROM interaction WHERE outcome IS NOT NULL") > 0
    assert (
        scalar(
            "SELECT COUNT(*) FROM interaction i JOIN interaction_type t ON t.id = i.type_id "
            "WHERE i.outcome IS NOT NULL AND (t.code <> 'call' OR i.status <> 'done')"
        )
        == 0
    )


def test_the_login_user_is_an_admin_with_work_in_the_queue(
    empty_target: store_db.Target,
) -> None:
    build_and_open(empty_target)

    assert users.get_user("tester").role == "admin"
    roles = [user.role for user in users.list_users()]
    assert len(roles) >= 12
    assert roles.count("supervisor") == 2
    assert all(user.email for user in users.list_users())
    mine = list_interactions(InteractionFilter(users=("tester",), statuses=("pending",)))
    assert mine.items, "the login user has pending work to open onto"


def test_times_are_consistent_with_the_clock_and_each_other(
    empty_target: store_db.Target,
) -> None:
    build_and_open(empty_target)
    now = "2026-03-10 10:00:00"

    def count(where: str) -> int:
        return int(scalar(f"SELECT COUNT(*) FROM interaction WHERE {where}"))

    assert count(
        f"occurred_at > '{now}' AND (status <> 'pending' OR kind <> 'scheduled')"
    ) <= count(f"occurred_at > '{now}' AND status = 'cancelled'") + count(
        f"occurred_at > '{now}' AND kind = 'automatic'"
    )
    assert count(f"occurred_at > '{now}' AND status = 'done'") == 0
    assert count(f"created_at > '{now}'") == 0
    assert count("kind IN ('scheduled', 'automatic') AND starts_at IS NULL") == 0
    assert count("kind = 'task' AND follow_up_at IS NULL") == 0
    assert count("due_at <> COALESCE(starts_at, follow_up_at, occurred_at)") == 0
    overdue = f"status = 'pending' AND due_at < '{now}'"
    assert count(overdue) > 0, "some pending work is overdue"
    assert count("occurred_at < '2024-03-01 00:00:00' OR occurred_at > '2026-04-10'") == 0
    # Ids follow time, so the list's (occurred_at, id) order is the id order.
    assert (
        scalar(
            "SELECT COUNT(*) FROM interaction a JOIN interaction b ON b.id = a.id + 1 "
            "WHERE b.occurred_at < a.occurred_at"
        )
        == 0
    )


def test_history_tells_what_happened(empty_target: store_db.Target) -> None:
    build_and_open(empty_target)

    assert (
        scalar("SELECT COUNT(*) FROM history_event WHERE action = 'interaction_created'")
        == count_interactions()
    )
    changed = scalar("SELECT MAX(id) FROM interaction WHERE version = 2")
    record = get_interaction(changed)
    events = history.list_history(interaction_id=changed)
    actions = [event.action for event in events]
    assert actions[-1] == "interaction_created"
    assert "status_changed" in actions
    status_change = next(event for event in events if event.action == "status_changed")
    assert status_change.details == {"from": "pending", "to": record.status}
    assert scalar("SELECT COUNT(*) FROM history_event WHERE action = 'comment_added'") == scalar(
        "SELECT COUNT(*) FROM comment"
    )


def test_search_finds_a_word_of_a_note(empty_target: store_db.Target) -> None:
    build_and_open(empty_target)
    note = next(n for n in column("SELECT note FROM interaction ORDER BY id DESC") if n)
    word = max(note.replace(".", " ").replace(",", " ").split(), key=len)

    page = list_interactions(InteractionFilter(search=word))

    assert page.items
    key = fold(word)
    for item in page.items:
        comments = column(f"SELECT body FROM comment WHERE interaction_id = {item.id}")
        assert key in fold(" ".join([item.subject, item.note, *comments]))
    assert count_interactions(InteractionFilter(search=word)) < count_interactions()


def test_mentions_name_real_users_who_are_notified(empty_target: store_db.Target) -> None:
    build_and_open(empty_target)
    usernames = {user.username for user in users.list_users()}

    mentions = [MENTION.findall(body) for body in column("SELECT body FROM comment")]
    bodies = [found for found in mentions if found]
    assert bodies
    assert {name for found in bodies for name in found} <= usernames
    notified = column(
        'SELECT u.username FROM notification n JOIN "user" u ON u.id = n.user_id '
        "WHERE n.kind = 'mention'"
    )
    assert set(notified) <= usernames and len(notified) == len(bodies)


def test_the_database_is_sound_and_accepts_new_work(empty_target: store_db.Target) -> None:
    build_and_open(empty_target)
    if empty_target.engine == "sqlite":
        assert column("PRAGMA integrity_check") == ["ok"]
        assert store_db.current().execute_sql("PRAGMA foreign_key_check").fetchall() == []
        assert scalar("PRAGMA journal_mode") == "wal"
        assert scalar("PRAGMA foreign_keys") == 1
    store_db.close()
    report = doctor.diagnose(empty_target)
    assert report.healthy, [problem.message() for problem in report.problems]

    # New rows get fresh ids after the demo's (PostgreSQL's sequences moved on).
    store_db.connect(empty_target)
    tester = users.get_user("tester")
    contact = contacts.create_contact("NEW-1", "Cliente nuevo", actor_id=tester.id)
    created = create_interaction(
        InteractionDraft(type="call", contact="NEW-1", created_by="tester", note="zarzaparrilla")
    )
    assert contact.id == 31 and created.id == 401
    assert [
        item.id for item in list_interactions(InteractionFilter(search="zarzaparrilla")).items
    ] == [401]


def test_a_database_with_data_is_refused_and_left_alone(
    empty_target: store_db.Target,
) -> None:
    build_and_open(empty_target)
    store_db.close()

    with pytest.raises(demo.DemoError) as refused:
        demo.build_demo(empty_target, **SMALL)

    assert "already holds contacts or interactions" in refused.value.message("en")
    store_db.connect(empty_target)
    assert count_interactions() == 400


def test_a_failed_build_leaves_nothing_half_written(empty_target: store_db.Target) -> None:
    def stop_midway(stage: str, done: int, total: int) -> None:
        if stage == "interactions":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(empty_target, **SMALL, progress=stop_midway)

    if empty_target.engine == "sqlite":
        assert not list(Path(empty_target.location).parent.glob("*demo.db*"))
    else:
        store_db.connect(empty_target)
        assert scalar("SELECT COUNT(*) FROM contact") == 0
        assert scalar('SELECT COUNT(*) FROM "user"') == 0


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"contacts": 0}, "number of contacts"),
        ({"interactions": -1}, "number of interactions"),
        ({"interactions": demo.MAX_INTERACTIONS + 1}, "number of interactions"),
        ({"login": "two words"}, "unknown user name 'two words'"),
    ],
)
def test_impossible_requests_are_refused_before_anything_is_created(
    tmp_path: Path, options: dict[str, Any], words: str
) -> None:
    path = tmp_path / "demo.db"
    with pytest.raises(CrmError) as refused:
        demo.build_demo(store_db.Target("sqlite", str(path)), **options)
    assert words in refused.value.message("en")
    assert not path.exists()


# What a user sees of a demo, table by table, in order; times, flags
# and amounts as text and whole numbers, which both engines give alike.
DUMP_QUERIES = {
    "user": 'SELECT id, uid, username, display_name, email, role FROM "user" ORDER BY id',
    "contact": (
        "SELECT id, uid, code, name, company, phone, email, CAST(credit_hold AS INTEGER), "
        "owner_id, CAST(created_at AS TEXT) FROM contact ORDER BY id"
    ),
    "opportunity": (
        "SELECT id, uid, code, title, contact_id, stage, sub_stage, CAST(value AS INTEGER) "
        "FROM opportunity ORDER BY id"
    ),
    "interaction": (
        "SELECT id, uid, type_id, kind, status, priority, direction, CAST(internal AS INTEGER), "
        "subject, note, outcome, contact_id, opportunity_id, user_id, created_by_id, "
        "CAST(occurred_at AS TEXT), CAST(starts_at AS TEXT), CAST(due_at AS TEXT), location, "
        "version, CAST(updated_at AS TEXT) FROM interaction ORDER BY id"
    ),
    "interaction_tag": (
        "SELECT interaction_id, tag_id FROM interaction_tag ORDER BY interaction_id, tag_id"
    ),
    "comment": (
        "SELECT id, uid, interaction_id, author_id, kind, body, CAST(created_at AS TEXT) "
        "FROM comment ORDER BY id"
    ),
    "history_event": (
        "SELECT id, uid, CAST(at AS TEXT), actor_id, action, contact_id, opportunity_id, "
        "interaction_id, details FROM history_event ORDER BY id"
    ),
    "notification": (
        "SELECT id, uid, user_id, actor_id, interaction_id, text, CAST(read_at AS TEXT) "
        "FROM notification ORDER BY id"
    ),
}


def dump_current() -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in store_db.current().execute_sql(sql)]
        for table, sql in DUMP_QUERIES.items()
    }


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    store_db.connect(store_db.Target("sqlite", str(path)))
    try:
        return dump_current()
    finally:
        store_db.close()


def build_file(path: Path, seed: int) -> dict[str, list[tuple[Any, ...]]]:
    demo.build_demo(store_db.Target("sqlite", str(path)), seed=seed, login="tester", **SMALL)
    return dump(path)


def test_the_same_seed_gives_the_same_database(tmp_path: Path) -> None:
    first = build_file(tmp_path / "a.db", seed=3)
    again = build_file(tmp_path / "b.db", seed=3)
    other = build_file(tmp_path / "c.db", seed=4)

    assert first == again
    assert [row[2] for row in first["contact"][:3]] == ["CLI-000001", "CLI-000002", "CLI-000003"]
    assert [row[3] for row in first["contact"]] != [row[3] for row in other["contact"]]
    assert [row[6] for row in first["interaction"]] != [row[6] for row in other["interaction"]]


def test_a_child_process_generates_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = build_file(tmp_path / "inline.db", seed=5)
    assert threading.active_count() == 1, "the child process is used only without threads"
    children = []
    real = demo._generate_in_child

    def counted(*args: Any, **kwargs: Any) -> dict[str, int]:
        children.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "PARALLEL_FROM", 1)
    monkeypatch.setattr(demo, "_generate_in_child", counted)

    in_child = build_file(tmp_path / "child.db", seed=5)

    assert len(children) == 1
    assert in_child == inline


def test_a_failure_on_either_side_of_the_pipe_stops_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child sends from a thread of its own, ahead of what the parent
    has written: a failure in the child still reaches the parent, one in
    the parent still stops the child, and neither leaves a file."""
    monkeypatch.setattr(demo, "PARALLEL_FROM", 1)
    monkeypatch.setattr(demo, "BATCH", 64)
    target = store_db.Target("sqlite", str(tmp_path / "demo.db"))

    def stop_in_parent(stage: str, done: int, total: int) -> None:
        if stage == "interactions" and done >= 128:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(target, login="tester", progress=stop_in_parent, **SMALL)

    def fail_in_child(floor: Any, start: int, seconds: list[int]) -> None:
        raise ValueError("no more ideas")

    monkeypatch.setattr(demo._Floor, "write_batch", fail_in_child)
    with pytest.raises(RuntimeError, match="no more ideas"):
        demo.build_demo(target, login="tester", **SMALL)

    assert not list(tmp_path.iterdir())
    assert multiprocessing.active_children() == []


def test_search_rows_written_during_the_load_match_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch's interactions go into the search as the child sends the
    next: every interaction once, with the text of all its comments."""
    monkeypatch.setattr(demo, "PARALLEL_FROM", 1)
    monkeypatch.setattr(demo, "BATCH", 64)
    ranges: list[tuple[int, int]] = []
    add_to_search = schema.BulkLoad.add_to_search

    def recorded(load: schema.BulkLoad, first_id: int, last_id: int) -> None:
        ranges.append((first_id, last_id))
        add_to_search(load, first_id, last_id)

    monkeypatch.setattr(schema.BulkLoad, "add_to_search", recorded)
    build_and_open(store_db.Target("sqlite", str(tmp_path / "demo.db")))

    searched = store_db.current().execute_sql(
        "SELECT rowid, subject, note, comments FROM search_fts ORDER BY rowid"
    )
    expected = store_db.current().execute_sql(
        """SELECT i.id, i.subject, i.note,
                  coalesce((SELECT group_concat(body, ' ') FROM comment
                            WHERE interaction_id = i.id), '')
           FROM interaction AS i ORDER BY i.id"""
    )
    rows = list(searched)
    assert rows == list(expected)
    assert len(rows) == SMALL["interactions"]
    assert sum(1 for row in rows if row[3]) > 10
    assert len(ranges) == -(-SMALL["interactions"] // 64)


def test_an_existing_empty_database_keeps_its_users(tmp_path: Path) -> None:
    """`crm-tui` run once before the demo leaves a database with its login
    user (and maybe its defaults): the demo fills it and keeps that user."""
    target = store_db.Target("sqlite", str(tmp_path / "demo.db"))
    store_db.connect(target)
    users.add_user("tester", "Tess Ter", role="agent")
    store_db.close()

    summary = build_and_open(target)

    assert users.get_user("tester").display_name == "Tess Ter"
    assert users.get_user("tester").role == "agent"
    assert summary.users == 12
    assert scalar("PRAGMA journal_mode") == "wal"
    assert column("PRAGMA integrity_check") == ["ok"]


def test_the_list_reads_the_newest_page_from_its_index(tmp_path: Path) -> None:
    """The demo leaves exact statistics (a full ANALYZE), which lead SQLite
    to walk the list index for the first page: sampled ones once made it
    sort every interaction instead, 3 s at a million rows."""
    target = store_db.Target("sqlite", str(tmp_path / "demo.db"))
    demo.build_demo(target, login="tester")
    store_db.connect(target)
    stats = store_db.current().execute_sql(
        "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'interaction'"
    )
    query = (
        select_records().order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(51)
    )
    sql, params = query.sql()

    plan = [row[3] for row in store_db.current().execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)]

    assert {index: int(stat.split()[0]) for index, stat in stats} == dict.fromkeys(
        column("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interaction'"),
        demo.DEFAULT_INTERACTIONS,
    )
    assert any("ix_interaction_occurred" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_same_seed_gives_the_same_data_on_both_engines(
    tmp_path: Path, pg_template: str
) -> None:
    on_sqlite = build_file(tmp_path / "demo.db", seed=9)
    name, url = fresh_postgres(pg_template)
    try:
        demo.build_demo(store_db.Target("postgres", url), seed=9, login="tester", **SMALL)
        store_db.connect(store_db.Target("postgres", url))
        on_postgres = dump_current()
    finally:
        store_db.close()
        drop_postgres(name)

    assert {table: len(rows) for table, rows in on_postgres.items()} == {
        table: len(rows) for table, rows in on_sqlite.items()
    }
    for table, rows in on_sqlite.items():
        assert on_postgres[table] == rows, table


def test_default_proportions_follow_the_interactions(empty_target: store_db.Target) -> None:
    """Without a contact count: one contact per 20 interactions (so 50,000
    at a million), four opportunities per contact, and comments, tags,
    mentions and history in the same proportion to the interactions at any
    size."""
    interactions = 12_000

    summary = demo.build_demo(empty_target, login="tester", seed=2, interactions=interactions)
    store_db.connect(empty_target)

    assert summary.contacts == interactions // demo.INTERACTIONS_PER_CONTACT == 600
    assert summary.opportunities == demo.OPPORTUNITIES_PER_CONTACT * summary.contacts
    assert (
        scalar(
            "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM opportunity GROUP BY contact_id) AS c"
        )
        >= 1
    )
    assert summary.interactions == scalar("SELECT COUNT(*) FROM interaction") == interactions
    per_interaction = {
        "comments": summary.comments / interactions,
        "history": summary.history_events / interactions,
        "notifications": summary.notifications / interactions,
        "tags": scalar("SELECT COUNT(*) FROM interaction_tag") / interactions,
    }
    assert 0.12 < per_interaction["comments"] < 0.16, per_interaction
    assert 2.1 < per_interaction["history"] < 2.4, per_interaction
    assert 0.03 < per_interaction["notifications"] < 0.05, per_interaction
    assert 0.32 < per_interaction["tags"] < 0.38, per_interaction
    # Most interactions belong to one of the contact's opportunities.
    share = scalar("SELECT COUNT(*) FROM interaction WHERE opportunity_id IS NOT NULL")
    assert 0.82 < share / interactions < 0.88
