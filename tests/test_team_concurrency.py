"""Team mode under real concurrency: 8 agent processes log calls, edit and
change the status of the same items, comment and claim from the shared
pool, all at once, for a minute (CRM_TUI_CONCURRENCY_SECONDS) on SQLite and
then on PostgreSQL. Afterwards nothing a user would have seen went wrong
and every count adds up exactly:

- no agent met an error (a Conflict on a stale edit is an answer, not an
  error), and "database is locked" appears nowhere;
- every call logged is there, with the retry the shipped rule schedules
  for each unanswered one; every comment is there, every mention notified;
- every pool item was claimed at most once, by whoever was told so, and the
  pool shrank by exactly the claims;
- each shared item went through one version per successful change (none
  lost, none applied twice) and ends with the last edit's note and status;
- the history holds exactly one event for each of those changes, and every
  interaction its creation;
- `doctor` finds the database healthy.

The agents are tests/worker_scripts.py, seeded: the same choices each run.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_tui.exchange.importer import import_file
from crm_tui.services import contacts, history, users
from crm_tui.services.doctor import diagnose
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import count_interactions
from crm_tui.store import db as store_db
from crm_tui.store.models import Comment, HistoryEvent, Interaction, Notification, User

from .conftest import World
from .worker_scripts import AgentPlan, AgentReport

pytestmark = pytest.mark.slow

AGENTS = 8
SECONDS = float(os.environ.get("CRM_TUI_CONCURRENCY_SECONDS", "60"))
SHARED_ITEMS = 12
# Twice what 8 agents claim in a minute on a quiet 2-core machine: the
# pool is contended to the end.
POOL_ITEMS = 6000
CONTACTS = 20
# Agents start together, once all have had time to import the program.
START_DELAY = 3.0
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Floor:
    """What the agents find when they start."""

    agents: list[str]
    contact_codes: list[str]
    shared: list[int]  # the admin's open tasks everyone edits and comments on
    pool: list[int]  # pending, nobody's
    interactions: int


def seed_floor(world: World, folder: Path) -> Floor:
    agents = [users.add_user(f"agent{n}", f"Agent {n}").username for n in range(AGENTS)]
    codes = [f"F-{n:03d}" for n in range(CONTACTS)]
    for code in codes:
        contacts.create_contact(code, f"Cliente {code}", actor_id=world.admin.id)
    shared = [
        create_interaction(
            InteractionDraft(
                type="email",
                contact=codes[n % CONTACTS],
                created_by=world.admin.username,
                kind="task",
                status="pending",
                subject=f"Shared {n}",
            )
        ).id
        for n in range(SHARED_ITEMS)
    ]
    # The pool is filled from a file, as a team lead would.
    pool_file = folder / "pool.csv"
    first_due = datetime(2026, 11, 2, 9, 0)
    with pool_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["type", "status", "user", "contact_code", "subject", "follow_up_at"])
        for n in range(POOL_ITEMS):
            due = (first_due + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M")
            writer.writerow(["call", "pending", "", codes[n % CONTACTS], f"Pool {n}", due])
    assert import_file(pool_file, actor=world.admin).ok
    unassigned = Interaction.select(Interaction.id).where(Interaction.user.is_null())
    pool = [row[0] for row in unassigned.tuples()]
    assert len(pool) == POOL_ITEMS
    return Floor(agents, codes, shared, pool, count_interactions())


def run_agents(plans: list[AgentPlan]) -> list[AgentReport]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.worker_scripts", plan.to_json()],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for plan in plans
    ]
    reports = []
    for plan, process in zip(plans, processes, strict=True):
        out, err = process.communicate(timeout=START_DELAY + plan.seconds + 120)
        assert process.returncode == 0, f"{plan.username} failed:\n{err}"
        assert "locked" not in err.lower(), err
        reports.append(AgentReport.from_json(out.strip().splitlines()[-1]))
    return reports


@dataclass(frozen=True)
class Done:
    """What all the agents did, together."""

    logged: list[int]
    unanswered: int
    edits: list[tuple[int, int, str]]
    status_changes: list[tuple[int, int, str, str]]
    comments: list[int]
    mentions: int
    claims: dict[str, list[int]]  # by username

    @classmethod
    def of(cls, reports: list[AgentReport]) -> Done:
        return cls(
            logged=[item for report in reports for item in report.logged],
            unanswered=sum(report.unanswered for report in reports),
            edits=[edit for report in reports for edit in report.edits],
            status_changes=[change for report in reports for change in report.status_changes],
            comments=[comment for report in reports for comment in report.comments],
            mentions=sum(report.mentions for report in reports),
            claims={report.username: report.claims for report in reports},
        )

    @property
    def claimed(self) -> list[int]:
        return [item for items in self.claims.values() for item in items]


def check_calls_comments_and_mentions(floor: Floor, done: Done) -> None:
    retries = Interaction.select().where(Interaction.rule.is_null(False)).count()
    assert retries == done.unanswered
    assert count_interactions() == floor.interactions + len(done.logged) + done.unanswered
    assert Interaction.select().where(Interaction.id.in_(done.logged)).count() == len(done.logged)
    assert sorted(done.comments) == sorted(row[0] for row in Comment.select(Comment.id).tuples())
    mentioned = Notification.select().where(Notification.kind == "mention").count()
    assert mentioned == done.mentions


def check_pool(floor: Floor, done: Done) -> None:
    """Each item claimed once, by whoever was told it was theirs."""
    claimed = done.claimed
    assert len(claimed) == len(set(claimed))
    assert set(claimed) <= set(floor.pool)
    rows = Interaction.select(Interaction.id, Interaction.user, Interaction.version).where(
        Interaction.id.in_(floor.pool)
    )
    state = {item: (user_id, version) for item, user_id, version in rows.tuples()}
    still_in_pool = [item for item, (user_id, _) in state.items() if user_id is None]
    assert len(still_in_pool) == len(floor.pool) - len(claimed)
    user_id = dict(User.select(User.username, User.id).tuples())
    for username, items in done.claims.items():
        assert all(state[item] == (user_id[username], 2) for item in items)


def check_shared_items(floor: Floor, done: Done) -> None:
    """One version per successful change, none lost or applied twice; the
    note of the last edit and the status of the last change."""
    made_versions: dict[int, list[int]] = defaultdict(list)
    for item, version, *_ in done.edits + done.status_changes:
        made_versions[item].append(version)
    last_note = {item: note for item, _, note in sorted(done.edits, key=lambda e: e[1])}
    last_status = {item: to for item, _, _, to in sorted(done.status_changes, key=lambda c: c[1])}
    rows = Interaction.select(
        Interaction.id, Interaction.version, Interaction.note, Interaction.status
    ).where(Interaction.id.in_(floor.shared))
    for item, version, note, status in rows.tuples():
        assert sorted(made_versions[item]) == list(range(2, version + 1)), item
        assert (note, status) == (last_note.get(item, ""), last_status.get(item, "pending"))


def events(action: str) -> list[tuple[int, dict[str, Any]]]:
    """(interaction id, details) of every history event of `action`."""
    query = HistoryEvent.select(HistoryEvent.interaction, HistoryEvent.details).where(
        HistoryEvent.action == action
    )
    return [(item, json.loads(details)) for item, details in query.tuples()]


def on_each(action: str) -> Counter[int]:
    return Counter(item for item, _ in events(action))


def check_history(done: Done) -> None:
    """Exactly the events of what was done: nothing missing, nothing twice."""
    every_interaction = [row[0] for row in Interaction.select(Interaction.id).tuples()]
    created = on_each(history.INTERACTION_CREATED) + on_each(history.IMPORTED)
    assert created == Counter(every_interaction)
    assert on_each(history.INTERACTION_EDITED) == Counter(item for item, _, _ in done.edits)
    notes = {
        (item, details["changes"]["note"][1])
        for item, details in events(history.INTERACTION_EDITED)
    }
    assert notes == {(item, note) for item, _, note in done.edits}
    changed = Counter(item for item, *_ in done.status_changes)
    assert on_each(history.STATUS_CHANGED) == changed
    commented = Counter(row[0] for row in Comment.select(Comment.interaction).tuples())
    assert on_each(history.COMMENT_ADDED) == commented
    claims = [item for item, details in events(history.ASSIGNMENT_ADDED) if details.get("claimed")]
    assert sorted(claims) == sorted(done.claimed)


def test_8_agents_at_once_for_a_minute_lose_nothing_and_see_no_error(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    floor = seed_floor(world, tmp_path)
    start_at = time.time() + START_DELAY
    plans = [
        AgentPlan(
            database=db.location,
            username=name,
            colleagues=tuple(other for other in floor.agents if other != name),
            contacts=tuple(floor.contact_codes),
            shared_ids=tuple(floor.shared),
            seed=n,
            start_at=start_at,
            seconds=SECONDS,
        )
        for n, name in enumerate(floor.agents)
    ]
    reports = run_agents(plans)
    done = Done.of(reports)
    # Shown with -s, and with a failure: how much work the minute held.
    print(
        f"{db.engine}: {sum(r.actions for r in reports)} actions, {len(done.logged)} calls, "
        f"{len(done.edits)} edits, {len(done.status_changes)} status changes, "
        f"{sum(r.conflicts for r in reports)} conflicts, {len(done.comments)} comments, "
        f"{len(done.claimed)} claims, {sum(r.pool_empty for r in reports)} found the pool empty"
    )
    errors = [error for report in reports for error in report.errors]
    assert sum(report.error_count for report in reports) == 0, "\n".join(errors)
    # Every kind of action happened: an agent that silently did nothing
    # would pass the checks below.
    assert done.logged and done.edits and done.status_changes and done.comments and done.claimed

    store_db.connect(db, create=False)
    check_calls_comments_and_mentions(floor, done)
    check_pool(floor, done)
    check_shared_items(floor, done)
    check_history(done)
    report = diagnose(db)
    assert report.healthy, [problem.message() for problem in report.problems]
