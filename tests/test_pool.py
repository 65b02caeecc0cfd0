"""The shared pool: `claim_next` and `crm-tui claim` take the oldest-due
unassigned pending item and make it the claimant's, once: 8 processes
running the real program against one pool of 200 items on SQLite and on
PostgreSQL each get different items, and every item is taken exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crm_tui.services import history, users
from crm_tui.services.errors import ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import get_interaction
from crm_tui.services.notifications import unread_count
from crm_tui.services.pool import claim_next, pool_query
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import HistoryEvent, Interaction

from .conftest import World
from .test_cli import PROGRAM, UID, Crm, crm, on  # noqa: F401 (crm: the fixture)

NOW = datetime(2026, 11, 23, 10, 0)  # test_cli's fixed clock
EMPTY = "crm-tui: the shared pool has no pending item\n"


def pooled(
    subject: str,
    due: datetime,
    *,
    type: str = "call",
    status: str = "pending",
    user: str | None = None,
    opportunity: str | None = None,
) -> InteractionRecord:
    """A task of C-001 due at `due`: pending and nobody's (in the pool)
    unless `status` or `user` say otherwise."""
    draft = InteractionDraft(
        type=type,
        contact="C-001",
        created_by="ana",
        opportunity=opportunity,
        user=user,
        pool=user is None,
        kind="task",
        status=status,
        subject=subject,
        occurred_at=NOW - timedelta(days=10),
        follow_up_at=due,
    )
    return create_interaction(draft)


def claimed_subjects(username: str, **options: str) -> list[str]:
    """Claim as `username` until the pool (of the type) is empty."""
    actor = users.get_user(username)
    taken = []
    while (record := claim_next(actor, **options)) is not None:
        taken.append(record.subject)
    return taken


# --- the service ----------------------------------------------------------------------


def test_the_oldest_due_pending_item_nobody_has_comes_first(world: World) -> None:
    pooled("Next week", NOW + timedelta(days=7))
    pooled("Overdue", NOW - timedelta(days=2))
    pooled("Today, first logged", NOW + timedelta(hours=1))
    pooled("Today, logged later", NOW + timedelta(hours=1))
    pooled("In progress", NOW - timedelta(days=9), status="in_progress")
    pooled("Done", NOW - timedelta(days=9), status="done")
    pooled("Marta's", NOW - timedelta(days=9), user="marta")
    assert claimed_subjects("luis") == [
        "Overdue",
        "Today, first logged",
        "Today, logged later",
        "Next week",
    ]
    assert claim_next(world.agent) is None


def test_a_claimed_item_is_the_claimants_with_a_new_version_and_its_history(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = pooled("Llamar", NOW, opportunity="OP-001")
    later = NOW + timedelta(minutes=5)
    monkeypatch.setenv("CRM_TUI_NOW", later.isoformat())
    taken = claim_next(world.agent)
    assert taken == get_interaction(item.id)
    assert taken is not None
    assert (taken.user, taken.user_name) == ("luis", "Luis Gómez")
    assert taken.version == item.version + 1
    assert taken.updated_at == later
    assert replace(taken, user=None, user_name=None, version=1, updated_at=item.updated_at) == (
        replace(item, user_name=None)
    )
    event = history.list_history(interaction_id=item.id)[0]
    assert (event.action, event.actor, event.at) == (history.ASSIGNMENT_ADDED, "luis", later)
    assert event.details == {"to": "luis", "claimed": True}
    assert (event.contact_id, event.opportunity_id) == (world.contact.id, world.opportunity.id)
    assert unread_count(world.agent.id) == 0  # taken by oneself: nobody to tell


def test_a_type_takes_only_items_of_that_type_by_code_or_label(world: World) -> None:
    pooled("Call 1", NOW - timedelta(hours=3))
    pooled("Mail 1", NOW - timedelta(hours=2), type="email")
    pooled("Call 2", NOW - timedelta(hours=1))
    pooled("Mail 2", NOW, type="email")
    assert claimed_subjects("luis", type_code="E-mail") == ["Mail 1", "Mail 2"]
    assert claimed_subjects("marta", type_code="Llamada") == ["Call 1", "Call 2"]


def test_an_unknown_type_or_an_inactive_user_takes_nothing(world: World) -> None:
    item = pooled("Llamar", NOW)
    with pytest.raises(ValidationError) as refused:
        claim_next(world.agent, type_code="fax")
    assert refused.value.errors[0].key == "error.unknown_type"
    with pytest.raises(ValidationError) as inactive:
        claim_next(replace(world.agent, active=False))
    assert inactive.value.errors[0].key == "error.inactive_user"
    assert get_interaction(item.id) == item


def test_the_next_item_is_read_from_the_queue_index(sqlite_target: store_db.Target) -> None:
    db = store_db.current()
    for type_id in (None, 1):
        sql, params = pool_query(type_id).sql()
        plan = db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        assert [row[3] for row in plan] == [
            "SEARCH t1 USING INDEX ix_interaction_queue (user_id=? AND status=?)"
        ]


# --- crm-tui claim --------------------------------------------------------------------


def test_claim_prints_the_id_and_exits_3_once_the_pool_is_empty(
    crm: Crm,  # noqa: F811 (the fixture)
    db: store_db.Target,
    world: World,
) -> None:
    first = pooled("First", NOW - timedelta(hours=1))
    second = pooled("Second", NOW, type="email")
    taken = crm("claim", *on(db), "--user", "luis")
    assert (taken.code, taken.out, taken.err) == (0, f"{first.uid}\n", "")
    assert UID.match(first.uid)
    # --user before the command, like every command.
    taken = crm("--user", "marta", "claim", *on(db), "--type", "email")
    assert (taken.code, taken.out, taken.err) == (0, f"{second.uid}\n", "")
    assert (get_interaction(first.id).user, get_interaction(second.id).user) == ("luis", "marta")
    empty = crm("claim", *on(db), "--user", "luis")
    assert (empty.code, empty.out, empty.err) == (3, "", EMPTY)


def test_claim_says_which_type_has_nothing_and_refuses_unknown_names(
    crm: Crm,  # noqa: F811 (the fixture)
    db: store_db.Target,
    world: World,
) -> None:
    item = pooled("A call", NOW)
    none_of_type = crm("claim", *on(db), "--user", "luis", "--type", "meeting")
    assert (none_of_type.code, none_of_type.out) == (3, "")
    assert none_of_type.err == "crm-tui: the shared pool has no pending item of type meeting\n"
    nobody = crm("claim", *on(db), "--user", "nobody")
    assert (nobody.code, nobody.out) == (1, "")
    assert nobody.err == ("crm-tui: unknown user 'nobody'; add it with: crm-tui users add nobody\n")
    fax = crm("claim", *on(db), "--user", "luis", "--type", "fax")
    assert (fax.code, fax.out) == (1, "")
    assert fax.err.startswith("crm-tui: unknown interaction type 'fax'; use one of: call,")
    assert get_interaction(item.id) == item


def test_claim_does_not_create_a_missing_database(crm: Crm, tmp_path: Path) -> None:  # noqa: F811
    missing = tmp_path / "missing.db"
    result = crm("claim", "--db", str(missing), "--user", "luis")
    assert (result.code, result.out) == (1, "")
    assert str(missing) in result.err
    assert not missing.exists()


# --- 8 agents at once -----------------------------------------------------------------

AGENTS = 8
# A process that claims as argv[3] until the pool is empty, printing each
# id: one connection, claims back to back, as much contention as it gets.
CLAIMER = """
import sys
from crm_tui.services.pool import claim_next
from crm_tui.services.users import get_user
from crm_tui.store import db

db.connect(db.Target(sys.argv[1], sys.argv[2]), create=False)
actor = get_user(sys.argv[3])
while (record := claim_next(actor)) is not None:
    print(record.uid, flush=True)
print("empty")
"""
# The loop a script around the real program is: claim until exit 3.
CLAIM_LOOP = """
while true; do
    id=$("$0" claim --db "$1" --user "$2"); code=$?
    [ "$code" -eq 0 ] || break
    echo "$id"
done
echo "exit $code"
"""


def claim_all_at_once(target: store_db.Target, pool_size: int, command: list[str]) -> None:
    """Fill the pool, run `command` + [agent] for 8 agents at once, each
    ending its output with the line saying the pool is empty; then every
    item was taken exactly once, by whoever printed it."""
    agents = [users.add_user(f"agent{n}", f"Agent {n}").username for n in range(AGENTS)]
    uids = {pooled(f"Item {n}", NOW + timedelta(minutes=n % 37)).uid for n in range(pool_size)}
    kept = pooled("In progress", NOW - timedelta(days=1), status="in_progress")
    processes = [
        subprocess.Popen(
            [*command, agent], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for agent in agents
    ]
    claimed_by: dict[str, list[str]] = {}
    for agent, process in zip(agents, processes, strict=True):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        *ids, last = out.splitlines()
        assert last in ("empty", "exit 3"), err
        assert err in ("", EMPTY)  # at most the empty pool; no "database is locked"
        claimed_by[agent] = ids
    every_claim = [uid for ids in claimed_by.values() for uid in ids]
    assert len(every_claim) == len(set(every_claim)) == pool_size  # none taken twice
    assert set(every_claim) == uids  # none lost
    rows = Interaction.select(Interaction.uid, Interaction.user, Interaction.version).tuples()
    owner = {uid: (user_id, version) for uid, user_id, version in rows}
    for agent, ids in claimed_by.items():
        agent_id = users.get_user(agent).id
        assert all(owner[uid] == (agent_id, 2) for uid in ids)
    assert get_interaction(kept.id).user is None
    # One "assignment added" in the history of each item, none elsewhere.
    events = HistoryEvent.select(HistoryEvent.interaction).where(
        HistoryEvent.action == history.ASSIGNMENT_ADDED
    )
    assert sorted(Counter(row[0] for row in events.tuples()).values()) == [1] * pool_size


def test_8_processes_claim_200_items_each_exactly_once(world: World, db: store_db.Target) -> None:
    claim_all_at_once(db, 200, [sys.executable, "-c", CLAIMER, db.engine, db.location])


def test_8_running_the_program_in_a_loop_claim_each_item_once(
    world: World, db: store_db.Target
) -> None:
    # Each claim starts the program: a smaller pool keeps the test quick.
    claim_all_at_once(db, 40, ["bash", "-c", CLAIM_LOOP, str(PROGRAM), db.location])
