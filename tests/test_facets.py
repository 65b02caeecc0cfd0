"""Counts of the filter sidebar, on SQLite and PostgreSQL, checked against
the list itself; and the query plans that keep them cheap at a million rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui.services import contacts, defaults, users
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.facets import Facets, facet_counts, facet_query, tag_counts
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import conditions as list_conditions
from crm_tui.services.listing import count_interactions, iter_interactions, select_records
from crm_tui.services.records import InteractionFilter, InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Interaction

from .conftest import World

# (type, responsible ("" = pool), status, direction, opportunity?, day, subject, tags)
ROWS = [
    ("call", "luis", "done", "outbound", True, 20, "llamada cliente", ("vip",)),
    ("call", "luis", "done", "inbound", True, 21, "cliente llama", ("vip", "norte")),
    ("call", "marta", "pending", "outbound", False, 22, "volver a llamar", ("norte",)),
    ("call", "", "pending", "outbound", False, 22, "campaña", ()),
    ("email", "luis", "done", "outbound", True, 19, "oferta enviada", ("oferta",)),
    ("email", "ana", "done", "inbound", False, 18, "respuesta cliente", ("oferta", "vip")),
    ("meeting", "marta", "cancelled", "outbound", True, 17, "reunión", ()),
    ("note", "luis", "in_progress", "outbound", False, 23, "nota interna", ("norte",)),
    ("visit", "", "pending", "inbound", True, 16, "visita", ("vip",)),
]


@pytest.fixture
def varied(world: World) -> World:
    for type_code, user, status, direction, on_deal, day, subject, tags in ROWS:
        create_interaction(
            InteractionDraft(
                type=type_code,
                contact=world.contact.code,
                opportunity=world.opportunity.code if on_deal else None,
                created_by="ana",
                user=user or None,
                pool=not user,
                kind="task" if status != "done" else "logged",
                status=status,
                direction=direction,
                subject=subject,
                tags=tags,
                occurred_at=datetime(2026, 11, day, 10, 0),
            )
        )
    return world


def expected_facets(f: InteractionFilter) -> Facets:
    """The definition, through the list: each facet counts what the list
    shows with the filter minus that facet's own field."""

    def listed(g: InteractionFilter) -> list[InteractionRecord]:
        return list(iter_interactions(g))

    return Facets(
        total=count_interactions(f),
        types=dict(Counter(r.type.code for r in listed(replace(f, types=())))),
        users=dict(Counter(r.user for r in listed(replace(f, users=(), unassigned=False)))),
        statuses=dict(Counter(r.status for r in listed(replace(f, statuses=())))),
        directions=dict(Counter(r.direction for r in listed(replace(f, directions=())))),
    )


def test_each_facet_leaves_out_only_its_own_field(varied: World) -> None:
    facets = facet_counts(InteractionFilter(types=("call",), statuses=("done",)))
    assert facets.total == 2
    # Picking "call" still says how many e-mails are done.
    assert facets.types == {"call": 2, "email": 2}
    assert facets.statuses == {"done": 2, "pending": 2}
    assert facets.users == {"luis": 2}
    assert facets.directions == {"outbound": 1, "inbound": 1}


def test_the_shared_pool_is_the_user_none(varied: World) -> None:
    facets = facet_counts(InteractionFilter())
    assert facets.total == len(ROWS)
    assert facets.users == {"luis": 4, "marta": 2, "ana": 1, None: 2}
    assert facets.types == {"call": 4, "email": 2, "meeting": 1, "note": 1, "visit": 1}
    pool = facet_counts(InteractionFilter(unassigned=True))
    assert pool.total == 2
    assert pool.users == facets.users  # its own field left out
    assert pool.types == {"call": 1, "visit": 1}
    # Picked with users, the pool is one more choice among them.
    assert facet_counts(InteractionFilter(users=("luis",), unassigned=True)).total == 4 + 2


FILTERS = [
    InteractionFilter(),
    InteractionFilter(types=("call",)),
    InteractionFilter(types=("Llamada", "email"), statuses=("Completo",)),
    InteractionFilter(users=("luis", "marta"), directions=("inbound",)),
    InteractionFilter(users=("luis",), unassigned=True),
    InteractionFilter(unassigned=True, types=("call",)),
    InteractionFilter(opportunities=("OP-001",)),
    InteractionFilter(opportunities=("OP-001",), statuses=("done", "pending")),
    InteractionFilter(tags=("vip",), types=("call",)),
    InteractionFilter(search="cliente"),
    InteractionFilter(search="cliente", directions=("outbound",)),
    InteractionFilter(since=datetime(2026, 11, 19), until=datetime(2026, 11, 22, 23, 59)),
    InteractionFilter(
        since=datetime(2026, 11, 19), users=("luis",), statuses=("done",), types=("email",)
    ),
    InteractionFilter(kinds=("task",), directions=("outbound", "inbound")),
    InteractionFilter(search="nadaparecido"),
]


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_facets_agree_with_the_list(varied: World, f: InteractionFilter) -> None:
    assert facet_counts(f) == expected_facets(f)


def test_unknown_values_are_refused_as_the_list_refuses_them(varied: World) -> None:
    with pytest.raises(NotFound) as raised:
        facet_counts(InteractionFilter(users=("nadie",)))
    assert raised.value.message() == "unknown user 'nadie'"
    with pytest.raises(ValidationError):
        facet_counts(InteractionFilter(types=("fax",)))
    with pytest.raises(ValidationError):
        facet_counts(InteractionFilter(statuses=("perdido",)))


def test_an_empty_database_counts_nothing(world: World) -> None:
    assert facet_counts(InteractionFilter(types=("call",))) == Facets(0, {}, {}, {}, {})
    assert tag_counts(InteractionFilter()) == []


def test_tags_most_used_first_ties_by_name(varied: World) -> None:
    assert tag_counts(InteractionFilter()) == [("vip", 4), ("norte", 3), ("oferta", 2)]
    assert tag_counts(InteractionFilter(), limit=2) == [("vip", 4), ("norte", 3)]
    assert tag_counts(InteractionFilter(types=("email",))) == [("oferta", 2), ("vip", 1)]
    # Its own field is left out, like every facet's.
    assert tag_counts(InteractionFilter(tags=("oferta",))) == tag_counts(InteractionFilter())
    assert tag_counts(InteractionFilter(search="cliente")) == [
        ("vip", 3),
        ("norte", 1),
        ("oferta", 1),
    ]


def test_tags_of_a_broad_filter_are_counted_over_the_newest_matches(varied: World) -> None:
    calls = InteractionFilter(types=("call",))
    assert tag_counts(calls, scan_limit=None) == [("norte", 2), ("vip", 2)]
    # The two newest calls (22 and 22 Nov) have one tag between them.
    assert tag_counts(calls, scan_limit=2) == [("norte", 1)]
    # A search lists most recently recorded first: its newest are by Id.
    found = InteractionFilter(search="cliente")
    assert tag_counts(found, scan_limit=1) == [("oferta", 1), ("vip", 1)]


# --- plans (SQLite: the engine of a million rows on one agent's disk) --------

# What ANALYZE leaves in sqlite_stat1 on the 1,000,000-interaction demo
# database, so the planner chooses here as it does there.
MILLION_ROW_STATISTICS = {
    "interaction": {
        "ix_interaction_creator": "1000000 83334 20834 1 1",
        "ix_interaction_queue": "1000000 90910 24391 1 1",
        "ix_interaction_status": "1000000 250000 1 1",
        "ix_interaction_type": "1000000 142858 1 1",
        "ix_interaction_user": "1000000 90910 1 1",
        "ix_interaction_contact": "1000000 40 1 1",
        "ix_interaction_opportunity": "1000000 11 1 1",
        "ix_interaction_occurred": "1000000 1 1",
        "sqlite_autoindex_interaction_1": "1000000 1",
        "ix_interaction_facets": "1000000 142858 12988 3247 1624",
    },
    "user": {"sqlite_autoindex_user_1": "13 1", "sqlite_autoindex_user_2": "13 1"},
    "contact": {
        "ix_contact_name": "25000 1",
        "sqlite_autoindex_contact_1": "25000 1",
        "sqlite_autoindex_contact_2": "25000 1",
    },
    "opportunity": {
        "ix_opportunity_contact": "100000 4",
        "sqlite_autoindex_opportunity_1": "100000 1",
        "sqlite_autoindex_opportunity_2": "100000 1",
    },
}


def plan_of(query: object) -> str:
    sql, params = query.sql()  # type: ignore[attr-defined]
    rows = store_db.current().execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    return " | ".join(row[-1] for row in rows)


@pytest.fixture
def million_row_plans(tmp_path: Path) -> Iterator[None]:
    store_db.connect(store_db.Target("sqlite", str(tmp_path / "plan.db")))
    defaults.install_defaults()
    users.add_user("u", "U")
    contact = contacts.create_contact("C", "Cliente")
    contacts.create_opportunity("OP", "Oportunidad", contact.id)
    db = store_db.current()
    db.execute_sql("ANALYZE")
    for table, indexes in MILLION_ROW_STATISTICS.items():
        db.execute_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
        for index, stat in indexes.items():
            db.execute_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, index, stat)
            )
    db.execute_sql("ANALYZE sqlite_schema")  # makes the planner read them again
    yield
    store_db.close()


@pytest.mark.usefixtures("million_row_plans")
def test_the_whole_table_is_counted_off_the_facet_index() -> None:
    for f in (InteractionFilter(), InteractionFilter(types=("call",), statuses=("done",))):
        plan = plan_of(facet_query(f))
        assert "ix_interaction_facets" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.usefixtures("million_row_plans")
def test_a_filter_finds_its_rows_through_its_own_index() -> None:
    plan = plan_of(facet_query(InteractionFilter(opportunities=("OP",), types=("call",))))
    assert "ix_interaction_opportunity" in plan, plan
    plan = plan_of(facet_query(InteractionFilter(since=datetime(2026, 11, 1))))
    assert "ix_interaction_occurred" in plan, plan


@pytest.mark.usefixtures("million_row_plans")
def test_list_queries_never_use_the_facet_index() -> None:
    """It is partial on a condition only the facet query states: as a plain
    index, a list filtered by type, user and status would fetch its matches
    through it and sort them all (215 ms instead of 4 ms at 1M)."""
    for f in (
        InteractionFilter(types=("call",), statuses=("done",), users=("u",)),
        InteractionFilter(
            types=("call",), statuses=("done",), users=("u",), directions=("inbound",)
        ),
    ):
        query = select_records().where(*list_conditions(f))
        query = query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(51)
        plan = plan_of(query)
        assert "ix_interaction_facets" not in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
