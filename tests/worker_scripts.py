"""An agent of the team-mode concurrency test, run as its own process:

    python -m tests.worker_scripts '<AgentPlan as JSON>'

It opens the database the plan names and, until the plan's time is up,
does what an agent on a busy floor does, chosen at random (seeded): logs
calls, edits and changes the status of the shared items (with the version
it read, as a form does), comments (sometimes @mentioning a colleague) and
claims from the shared pool. It prints one line: an AgentReport as JSON,
saying what it did and every exception that was not an expected outcome.
A Conflict (someone else changed the item since it was read) is expected;
anything else is an error that would have reached a user.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.errors import Conflict
from crm_tui.services.interactions import (
    InteractionDraft,
    create_interaction,
    edit_interaction,
    set_status,
)
from crm_tui.services.listing import get_interaction
from crm_tui.services.pool import claim_next
from crm_tui.services.records import UserRecord
from crm_tui.services.users import get_user
from crm_tui.store import db

STATUSES = ("pending", "in_progress", "done", "cancelled")
# Of every 100 actions, how many of each.
ACTION_WEIGHTS = {"log": 30, "edit": 20, "comment": 20, "claim": 15, "status": 15}
# The longest an agent looks at an item before saving a change to it: the
# window in which a colleague's change makes theirs a Conflict.
THINK_SECONDS = 0.01
# Unanswered calls: the shipped rule schedules a retry for each, in the
# same transaction as the call.
UNANSWERED_SHARE = 0.25
MENTION_SHARE = 0.25
ERRORS_KEPT = 20


@dataclass(frozen=True)
class AgentPlan:
    database: str  # a SQLite file or a postgresql:// URL, as --db takes it
    username: str
    colleagues: tuple[str, ...]  # whom a comment may @mention
    contacts: tuple[str, ...]  # contact codes calls are logged for
    shared_ids: tuple[int, ...]  # the items everyone edits, changes and comments on
    seed: int
    start_at: float  # time.time() at which every agent starts
    seconds: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> AgentPlan:
        data = json.loads(text)
        for name in ("colleagues", "contacts", "shared_ids"):
            data[name] = tuple(data[name])
        return cls(**data)


@dataclass
class AgentReport:
    username: str
    actions: int = 0
    logged: list[int] = field(default_factory=list)
    unanswered: int = 0  # logged calls with outcome no_answer
    # (interaction id, version it made, note written)
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    # (interaction id, version it made, status from, status to)
    status_changes: list[tuple[int, int, str, str]] = field(default_factory=list)
    conflicts: int = 0
    comments: list[int] = field(default_factory=list)
    mentions: int = 0  # comments that @mention a colleague
    claims: list[int] = field(default_factory=list)
    pool_empty: int = 0
    error_count: int = 0
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, text: str) -> AgentReport:
        data = json.loads(text)
        data["edits"] = [tuple(item) for item in data["edits"]]
        data["status_changes"] = [tuple(item) for item in data["status_changes"]]
        return cls(**data)


class Agent:
    def __init__(self, plan: AgentPlan, actor: UserRecord) -> None:
        self.plan = plan
        self.actor = actor
        self.rng = random.Random(plan.seed)
        self.report = AgentReport(plan.username)
        self.actions: dict[str, Callable[[], None]] = {
            "log": self.log,
            "edit": self.edit,
            "comment": self.comment,
            "claim": self.claim,
            "status": self.change_status,
        }

    def run(self) -> AgentReport:
        time.sleep(max(0.0, self.plan.start_at - time.time()))
        deadline = self.plan.start_at + self.plan.seconds
        names, weights = list(ACTION_WEIGHTS), list(ACTION_WEIGHTS.values())
        while time.time() < deadline:
            action = self.rng.choices(names, weights)[0]
            self.report.actions += 1
            try:
                self.actions[action]()
            except Exception:
                self.report.error_count += 1
                if len(self.report.errors) < ERRORS_KEPT:
                    self.report.errors.append(f"{action}: {traceback.format_exc()}")
        return self.report

    def log(self) -> None:
        unanswered = self.rng.random() < UNANSWERED_SHARE
        number = len(self.report.logged)
        # A tag shared by every agent and new every two seconds: agents
        # create the same new tag at the same moment.
        tags = ("floor", f"slot-{int(time.time()) // 2}")
        record = create_interaction(
            InteractionDraft(
                type="call",
                contact=self.rng.choice(self.plan.contacts),
                created_by=self.plan.username,
                outcome="no_answer" if unanswered else "connected",
                subject=f"{self.plan.username} call {number}",
                tags=tags,
            )
        )
        self.report.logged.append(record.id)
        self.report.unanswered += unanswered

    def _read_shared(self) -> tuple[int, int, str]:
        """A shared item as a form shows it: id, version read, status;
        then the agent thinks a moment before saving."""
        record = get_interaction(self.rng.choice(self.plan.shared_ids))
        time.sleep(self.rng.uniform(0, THINK_SECONDS))
        return record.id, record.version, record.status

    def edit(self) -> None:
        item_id, version, _ = self._read_shared()
        note = f"{self.plan.username} edit {len(self.report.edits)}"
        try:
            after = edit_interaction(
                item_id, {"note": note}, actor=self.actor, expected_version=version
            )
        except Conflict:
            self.report.conflicts += 1
            return
        self.report.edits.append((item_id, after.version, note))

    def change_status(self) -> None:
        item_id, version, status = self._read_shared()
        new_status = self.rng.choice([s for s in STATUSES if s != status])
        try:
            after = set_status(item_id, new_status, actor=self.actor, expected_version=version)
        except Conflict:
            self.report.conflicts += 1
            return
        self.report.status_changes.append((item_id, after.version, status, new_status))

    def comment(self) -> None:
        on = self.rng.choice(self.plan.shared_ids + tuple(self.report.logged[-20:]))
        body = f"{self.plan.username} comment {len(self.report.comments)}"
        mention = self.rng.random() < MENTION_SHARE
        if mention:
            body += f" @{self.rng.choice(self.plan.colleagues)}"
        record = add_comment(CommentTarget(interaction_id=on), body, actor=self.actor)
        self.report.comments.append(record.id)
        self.report.mentions += mention

    def claim(self) -> None:
        record = claim_next(self.actor)
        if record is None:
            self.report.pool_empty += 1
        else:
            self.report.claims.append(record.id)


def main(argv: list[str]) -> int:
    plan = AgentPlan.from_json(argv[0])
    db.connect(db.resolve_target(plan.database), create=False)
    report = Agent(plan, get_user(plan.username)).run()
    db.close()
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
