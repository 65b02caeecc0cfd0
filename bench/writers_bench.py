"""Throughput of concurrent writers (issue 7): 1 and 8 agents, each its own
process connected as a different agent, write at once for a fixed time
through the services the CLI and the TUI use, on SQLite and PostgreSQL.

    .venv/bin/python bench/writers_bench.py [--no-pg] [--seconds 10] [--processes 1,8]
                                            [--report FILE]

Each measure gets a new scratch database (`sqlite-writers.db` in
bench/cache, `crm_bench_writers` on the server of CRM_TUI_BENCH_PG, made
as bench/run.py makes its scratch databases), seeded with the agents,
contacts and a few shared open tasks. Every agent process connects,
says it is ready and waits; once all are ready they are told to go
together, and each repeats, as fast as it can, a mix of what agents do:

- log: a call logged for a contact (`create_interaction`, as `crm-tui log`);
- edit: a shared task read, then its note saved with the version read
  (`edit_interaction(expected_version=...)`, as the form does);
- comment: a comment on a shared task or on one of its own calls;
- status: a shared task's status changed with the version read (`set_status`).

Two agents saving the same task from the same version is a Conflict for
the second: an answer the form shows, counted apart, not an error. Any
other exception ("database is locked" above all) is an error, and a
measure with an error fails loudly. So does one whose counts do not add
up afterwards: every call logged is there, each shared task went through
one version per successful change (no update lost) and ends with the last
one, and the history holds exactly one event per change.

Latency is that of the service call that writes (the read before an edit
is not in it), for the successful operations; throughput counts them
from the moment all agents start to the moment the last one stops.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCRATCH = "writers"  # the scratch database's name: sqlite-writers.db, crm_bench_writers
PROCESSES = (1, 8)
SECONDS = 10.0
# Of every 100 operations, how many of each kind.
WEIGHTS = {"log": 40, "edit": 20, "comment": 20, "status": 20}
KINDS = tuple(WEIGHTS)
CONTACTS = 50
SHARED_TASKS = 24  # what everyone edits: enough that not every edit conflicts
OWN_CALLS_COMMENTED = 20  # an agent comments on its shared tasks or its last calls
STATUSES = ("pending", "in_progress", "done", "cancelled")
PERCENTILES = (50, 95, 99)
ERRORS_SHOWN = 5
# Time for every agent to import the program and connect, and to finish
# after its time is up (a write may wait out a busy database).
START_SECONDS = 120.0
FINISH_SECONDS = 120.0


# --- one agent (its own process) ---------------------------------------------------


@dataclass(frozen=True)
class AgentTask:
    location: str
    username: str
    contacts: tuple[str, ...]  # codes of the contacts calls are logged for
    shared: tuple[int, ...]  # ids of the tasks every agent edits
    seed: int
    seconds: float


@dataclass
class AgentReport:
    username: str
    started: float = 0.0  # time.time() at "go"
    ended: float = 0.0
    cpu_seconds: float = 0.0  # this process's own, while it wrote
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    conflicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    logged: list[int] = field(default_factory=list)
    # (task id, version made, note written)
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    # (task id, version made, status set)
    status_changes: list[tuple[int, int, str]] = field(default_factory=list)
    # (comment id, interaction id)
    comments: list[tuple[int, int]] = field(default_factory=list)
    error_count: int = 0
    errors: list[str] = field(default_factory=list)


class Agent:
    """Writes the mix until its time is up; what it did goes in `report`."""

    def __init__(self, task: AgentTask) -> None:
        from crm_tui.services.users import get_user

        self.task = task
        self.actor = get_user(task.username)
        self.rng = random.Random(task.seed)
        self.report = AgentReport(task.username)
        self.operations: dict[str, Callable[[], None]] = {
            "log": self.log,
            "edit": self.edit,
            "comment": self.comment,
            "status": self.change_status,
        }

    def run(self) -> AgentReport:
        from crm_tui.services.errors import Conflict

        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        self.report.started = time.time()
        cpu_at_start = time.process_time()
        deadline = time.perf_counter() + self.task.seconds
        while time.perf_counter() < deadline:
            kind = self.rng.choices(kinds, weights)[0]
            try:
                self.operations[kind]()
            except Conflict:
                self.report.conflicts[kind] += 1
            except Exception:
                self.report.error_count += 1
                if len(self.report.errors) < ERRORS_SHOWN:
                    self.report.errors.append(f"{kind}: {traceback.format_exc()}")
        self.report.ended = time.time()
        self.report.cpu_seconds = time.process_time() - cpu_at_start
        return self.report

    def timed(self, kind: str, write: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = write()
        self.report.latencies[kind].append((time.perf_counter() - started) * 1000)
        return result

    def log(self) -> None:
        from crm_tui.services.interactions import InteractionDraft, create_interaction

        draft = InteractionDraft(
            type="call",
            contact=self.rng.choice(self.task.contacts),
            created_by=self.task.username,
            outcome="connected",
            subject=f"{self.task.username} call {len(self.report.logged)}",
        )
        record = self.timed("log", lambda: create_interaction(draft))
        self.report.logged.append(record.id)

    def read_shared(self) -> tuple[int, int, str]:
        """A shared task as a form shows it: id, version, status."""
        from crm_tui.services.listing import get_interaction

        record = get_interaction(self.rng.choice(self.task.shared))
        return record.id, record.version, record.status

    def edit(self) -> None:
        from crm_tui.services.interactions import edit_interaction

        task_id, version, _ = self.read_shared()
        note = f"{self.task.username} edit {len(self.report.edits)}"
        after = self.timed(
            "edit",
            lambda: edit_interaction(
                task_id, {"note": note}, actor=self.actor, expected_version=version
            ),
        )
        self.report.edits.append((task_id, after.version, note))

    def change_status(self) -> None:
        from crm_tui.services.interactions import set_status

        task_id, version, status = self.read_shared()
        new_status = self.rng.choice([other for other in STATUSES if other != status])
        after = self.timed(
            "status",
            lambda: set_status(task_id, new_status, actor=self.actor, expected_version=version),
        )
        self.report.status_changes.append((task_id, after.version, new_status))

    def comment(self) -> None:
        from crm_tui.services.comments import CommentTarget, add_comment

        on = self.rng.choice(self.task.shared + tuple(self.report.logged[-OWN_CALLS_COMMENTED:]))
        body = f"{self.task.username} comment {len(self.report.comments)}"
        record = self.timed(
            "comment",
            lambda: add_comment(CommentTarget(interaction_id=on), body, actor=self.actor),
        )
        self.report.comments.append((record.id, on))


def write_as_agent(**task: Any) -> dict[str, Any]:
    """The worker: connect, say "ready", wait for "go", write the mix."""
    from crm_tui.store import db

    agent_task = AgentTask(
        **{**task, "contacts": tuple(task["contacts"]), "shared": tuple(task["shared"])}
    )
    db.connect(db.resolve_target(agent_task.location), create=False, migrate=False)
    agent = Agent(agent_task)
    print("ready", flush=True)
    sys.stdin.readline()
    report = agent.run()
    db.close()
    return asdict(report)


# --- the measure -----------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    """What the agents find when they start."""

    agents: tuple[str, ...]
    contacts: tuple[str, ...]
    shared: tuple[int, ...]
    interactions: int


def seed_floor(processes: int) -> Floor:
    from crm_tui.services import contacts, defaults, users
    from crm_tui.services.interactions import InteractionDraft, create_interaction
    from crm_tui.services.listing import count_interactions

    defaults.install_defaults()
    lead = users.add_user("lead", "Team Lead", role="supervisor")
    agents = tuple(users.add_user(f"writer{n}", f"Writer {n}").username for n in range(processes))
    codes = tuple(f"W-{n:03d}" for n in range(CONTACTS))
    for code in codes:
        contacts.create_contact(code, f"Cliente {code}", actor_id=lead.id)
    shared = tuple(
        create_interaction(
            InteractionDraft(
                type="email",
                contact=codes[n % CONTACTS],
                created_by=lead.username,
                kind="task",
                status="pending",
                subject=f"Shared {n}",
            )
        ).id
        for n in range(SHARED_TASKS)
    )
    return Floor(agents, codes, shared, count_interactions())


def run_agents(floor: Floor, location: str, seconds: float) -> list[AgentReport]:
    """Start one process per agent, let them go together once all are
    ready, and collect their reports."""
    agents = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(asdict(task))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for task in (
            AgentTask(location, username, floor.contacts, floor.shared, seed, seconds)
            for seed, username in enumerate(floor.agents)
        )
    ]
    try:
        for agent in agents:
            assert agent.stdout is not None
            if agent.stdout.readline().strip() != "ready":
                raise RuntimeError("an agent did not start: " + agent.communicate()[1][-500:])
        for agent in agents:  # all at once: each waits on its stdin
            assert agent.stdin is not None
            agent.stdin.write("go\n")
            agent.stdin.flush()
        reports = []
        for agent in agents:
            out, err = agent.communicate(timeout=seconds + FINISH_SECONDS)
            if agent.returncode != 0 or "locked" in err.lower():
                raise RuntimeError(f"an agent failed: {err.strip()[-500:]}")
            reports.append(AgentReport(**json.loads(out.strip().splitlines()[-1])))
    finally:
        for agent in agents:
            if agent.poll() is None:
                agent.kill()
                agent.wait()
    return reports


def check_no_errors(reports: list[AgentReport]) -> None:
    errors = sum(report.error_count for report in reports)
    if errors:
        shown = [error for report in reports for error in report.errors][:ERRORS_SHOWN]
        raise RuntimeError(f"{errors} writes failed; the first:\n" + "\n".join(shown))


def check_counts(floor: Floor, reports: list[AgentReport]) -> None:
    """Everything the agents were told they wrote is there, once, with its
    history; no update to a shared task was lost. RuntimeError if not."""
    from crm_tui.services import history
    from crm_tui.store.models import Comment, HistoryEvent, Interaction

    logged = [item for report in reports for item in report.logged]
    edits = [edit for report in reports for edit in report.edits]
    changes = [change for report in reports for change in report.status_changes]
    comments = [comment for report in reports for comment in report.comments]
    problems = []
    interactions = [row[0] for row in Interaction.select(Interaction.id).tuples()]
    if len(interactions) != floor.interactions + len(logged) or not set(logged) <= set(
        interactions
    ):
        problems.append(
            f"{len(interactions):,} interactions, not {floor.interactions:,} seeded "
            f"+ {len(logged):,} logged"
        )
    made = Counter(row[0] for row in Comment.select(Comment.id, Comment.interaction).tuples())
    if made != Counter(comment_id for comment_id, _ in comments):
        problems.append(f"{made.total():,} comments stored, {len(comments):,} made")

    def on_each(action: str) -> Counter[int]:
        query = HistoryEvent.select(HistoryEvent.interaction).where(HistoryEvent.action == action)
        return Counter(row[0] for row in query.tuples())

    expected = {
        history.INTERACTION_CREATED: Counter(interactions),
        history.INTERACTION_EDITED: Counter(item for item, _, _ in edits),
        history.STATUS_CHANGED: Counter(item for item, _, _ in changes),
        history.COMMENT_ADDED: Counter(item for _, item in comments),
    }
    for action, wanted in expected.items():
        if on_each(action) != wanted:
            problems.append(f"the history's {action} events are not one per {action}")
    versions: dict[int, list[int]] = defaultdict(list)
    for item, version, _ in edits + changes:
        versions[item].append(version)
    last_note = {item: note for item, _, note in sorted(edits, key=lambda edit: edit[1])}
    last_status = {item: to for item, _, to in sorted(changes, key=lambda change: change[1])}
    tasks = Interaction.select(
        Interaction.id, Interaction.version, Interaction.note, Interaction.status
    ).where(Interaction.id.in_(floor.shared))
    for item, version, note, status in tasks.tuples():
        if sorted(versions[item]) != list(range(2, version + 1)):
            problems.append(
                f"task {item} is at version {version} after {len(versions[item])} changes"
            )
        elif (note, status) != (last_note.get(item, ""), last_status.get(item, "pending")):
            problems.append(f"task {item} does not show its last change")
    if problems:
        raise RuntimeError("the counts do not add up: " + "; ".join(problems))


def percentile(values: list[float], percent: int) -> float:
    """Nearest rank: the smallest value at or above `percent` % of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    result = {"count": float(len(latencies)), "per_s": len(latencies) / seconds}
    for percent in PERCENTILES:
        result[f"p{percent}"] = percentile(latencies, percent) if latencies else math.nan
    return result


def measure_writers(location: str, engine: str, processes: int, seconds: float) -> dict[str, Any]:
    """Seed `location` (an empty scratch database on `engine`, "sqlite" or
    "postgres"), let `processes` agents write at once for `seconds`, check
    that nothing failed and the counts add up, and return the throughput:
    per kind of operation and for all ("all"), its count, operations a
    second, latency percentiles in ms ("p50", "p95", "p99"), and the
    conflicts met (`conflicts`), and the CPU time the agents' own
    processes used (`agent_cpu_seconds`; the database server's is not in it)."""
    from crm_tui.store import db

    target = db.resolve_target(location)
    if target.engine != engine:
        raise ValueError(f"{location} is a {target.engine} database, not {engine}")
    db.connect(target, create=True)
    try:
        floor = seed_floor(processes)
        reports = run_agents(floor, location, seconds)
        check_no_errors(reports)
        check_counts(floor, reports)
    finally:
        db.close()
    elapsed = max(report.ended for report in reports) - min(r.started for r in reports)
    by_kind = {kind: [ms for report in reports for ms in report.latencies[kind]] for kind in KINDS}
    return {
        "engine": engine,
        "processes": processes,
        "seconds": elapsed,
        "kinds": {
            **{kind: summary(values, elapsed) for kind, values in by_kind.items()},
            "all": summary([ms for values in by_kind.values() for ms in values], elapsed),
        },
        "conflicts": {kind: sum(r.conflicts[kind] for r in reports) for kind in KINDS},
        "agent_cpu_seconds": sum(report.cpu_seconds for report in reports),
        "errors": 0,
    }


# --- the report ----------------------------------------------------------------------


def writers_table(results: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Headings and rows: per engine, number of processes and kind of
    operation (and all together), operations a second, latency
    percentiles and conflicts."""
    headings = [
        "engine",
        "writers",
        "operation",
        "ops/s",
        *(f"p{percent} ms" for percent in PERCENTILES),
        "conflicts",
    ]
    table = []
    for result in results:
        for kind in ("all", *KINDS):
            measured = result["kinds"][kind]
            conflicts = result["conflicts"].get(kind, sum(result["conflicts"].values()))
            table.append(
                [
                    result["engine"],
                    str(result["processes"]),
                    kind,
                    f"{measured['per_s']:,.0f}",
                    *(f"{measured[f'p{percent}']:.1f}" for percent in PERCENTILES),
                    f"{conflicts:,}",
                ]
            )
    return headings, table


def writers_notes(results: list[dict[str, Any]], seconds: float) -> list[str]:
    weights = ", ".join(f"{kind} {weight} %" for kind, weight in WEIGHTS.items())
    return [
        f"Concurrent writers: each its own process and agent, writing for {seconds:g} s as fast "
        f"as it can ({weights}); edits and status changes save {SHARED_TASKS} shared tasks with "
        "the version read (a conflict is the answer to a stale save, not an error). Latency of "
        "the writing service call, successful ones; no errors, counts and history checked.",
        *(what_it_did(result) for result in results),
    ]


def what_it_did(result: dict[str, Any]) -> str:
    writers = f"{result['processes']} writer{'s' if result['processes'] > 1 else ''}"
    return (
        f"{result['engine']}, {writers}: {result['kinds']['all']['count']:,.0f} operations "
        f"in {result['seconds']:.1f} s, the agents' processes busy "
        f"{result['agent_cpu_seconds']:.1f} CPU s of it."
    )


def markdown(results: list[dict[str, Any]], seconds: float) -> str:
    from run import markdown_table

    headings, table = writers_table(results)
    lines = ["# Concurrent writers", "", *markdown_table(headings, table, left=3), ""]
    lines += [f"- {note}" for note in writers_notes(results, seconds)]
    load = os.getloadavg()[1]
    lines.append(f"- Load average {load:.1f} over the last 5 minutes, {os.cpu_count()} CPUs.")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="how long agents write")
    parser.add_argument(
        "--processes",
        default=",".join(map(str, PROCESSES)),
        help="numbers of writers, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--report", type=Path, help="also write the table here (markdown)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one agent
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(write_as_agent(**json.loads(args.worker))))
        return 0
    from run import CACHE, DEFAULT_PG, Engine, PostgresEngine, SqliteEngine, say

    CACHE.mkdir(exist_ok=True)
    engines: list[Engine] = [SqliteEngine()]
    if not args.no_pg:
        server = os.environ.get("CRM_TUI_BENCH_PG", DEFAULT_PG)
        problem = PostgresEngine.unreachable(server)
        if problem:
            say(f"PostgreSQL skipped: {server} is not reachable ({problem}).")
        else:
            engines.append(PostgresEngine(server))
    results = []
    for engine in engines:
        for processes in (int(part) for part in args.processes.split(",")):
            say(f"measuring {processes} writers on {engine.name} for {args.seconds:g} s")
            results.append(
                measure_writers(engine.scratch(SCRATCH), engine.name, processes, args.seconds)
            )
    text = markdown(results, args.seconds)
    say(text)
    if args.report:
        args.report.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
