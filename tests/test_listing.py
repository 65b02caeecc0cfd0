"""Filtered, keyset-paged lists and full-text search on both engines."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction, edit_interaction
from crm_tui.services.listing import (
    count_interactions,
    get_interaction,
    iter_interactions,
    list_interactions,
)
from crm_tui.services.records import InteractionFilter
from crm_tui.store.models import Comment

from .conftest import World

BASE = datetime(2026, 11, 1, 9, 0)


def make(world: World, at: datetime, **overrides: object) -> int:
    values: dict[str, object] = {
        "type": "call",
        "contact": world.contact.code,
        "opportunity": world.opportunity.code,
        "created_by": world.agent.username,
        "occurred_at": at,
        "subject": "Seguimiento",
    }
    values.update(overrides)
    return create_interaction(InteractionDraft(**values)).id  # type: ignore[arg-type]


def ids(f: InteractionFilter = InteractionFilter(), limit: int = 50) -> list[int]:
    return [record.id for record in list_interactions(f, limit=limit).items]


def test_pages_walk_every_row_once_newest_first(world: World) -> None:
    created = [make(world, BASE + timedelta(hours=i % 7, minutes=i)) for i in range(23)]
    # Equal timestamps too: keyset order falls back on the id.
    created += [make(world, BASE) for _ in range(3)]
    seen: list[int] = []
    cursor = None
    while True:
        page = list_interactions(after=cursor, limit=5)
        seen.extend(record.id for record in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))
    keys = [(get_interaction(i).occurred_at, i) for i in seen]
    assert keys == sorted(keys, reverse=True)
    assert [r.id for r in iter_interactions(batch=4)] == seen


def test_filters_combine(world: World) -> None:
    a = make(world, BASE, type="call", status="pending", kind="task", tags=("vip",))
    b = make(world, BASE, type="email", status="pending", kind="task", user="marta")
    c = make(world, BASE, type="call", status="done", direction="inbound")
    d = make(
        world,
        BASE,
        contact=world.other_contact.code,
        opportunity=world.other_opportunity.code,
        tags=("vip", "norte"),
    )
    assert set(ids(InteractionFilter(types=("call",)))) == {a, c, d}
    assert set(ids(InteractionFilter(types=("call",), statuses=("pending",)))) == {a}
    assert set(ids(InteractionFilter(statuses=("Pendiente", "Done")))) == {a, b, c, d}
    assert set(ids(InteractionFilter(users=("marta",)))) == {b}
    assert set(ids(InteractionFilter(directions=("Entrante",)))) == {c}
    assert set(ids(InteractionFilter(tags=("VIP",)))) == {a, d}
    assert set(ids(InteractionFilter(tags=("vip",), contacts=("C-002",)))) == {d}
    assert set(ids(InteractionFilter(opportunities=("OP-001",), types=("Correo",)))) == {b}
    record = get_interaction(a)
    assert set(ids(InteractionFilter(ids=(record.uid, str(b))))) == {a, b}
    assert count_interactions(InteractionFilter(types=("call",))) == 3
    assert count_interactions() == 4


def test_date_range_includes_both_ends(world: World) -> None:
    inside_start = make(world, datetime(2026, 11, 2, 0, 0))
    inside_end = make(world, datetime(2026, 11, 3, 23, 59))
    make(world, datetime(2026, 11, 4, 0, 0))
    make(world, datetime(2026, 11, 1, 23, 59))
    f = InteractionFilter(
        since=datetime(2026, 11, 2, 0, 0), until=datetime(2026, 11, 3, 23, 59, 59)
    )
    assert set(ids(f)) == {inside_start, inside_end}


def test_unknown_filter_values_are_named(world: World) -> None:
    with pytest.raises(NotFound) as raised:
        ids(InteractionFilter(users=("nadie",)))
    assert "unknown user 'nadie'" in str(raised.value)
    with pytest.raises(ValidationError):
        ids(InteractionFilter(statuses=("perhaps",)))
    with pytest.raises(ValidationError):
        ids(InteractionFilter(types=("fax",)))


def test_full_text_search_folds_case_and_accents_and_matches_prefixes(world: World) -> None:
    hit = make(world, BASE, note="El cliente pidió una reunión para el presupuesto")
    subject_hit = make(world, BASE, subject="Renovación de la póliza")
    make(world, BASE, note="Nada que ver")
    assert set(ids(InteractionFilter(search="REUNION presupu"))) == {hit}
    assert set(ids(InteractionFilter(search="poliza"))) == {subject_hit}
    assert ids(InteractionFilter(search="reunión inexistente")) == []
    # Punctuation and query syntax are data, not operators.
    assert ids(InteractionFilter(search='"OR" NEAR( *')) == []
    assert len(ids(InteractionFilter(search="   "))) == 3


def test_search_finds_comment_text_and_follows_edits(world: World) -> None:
    target = make(world, BASE, note="sin palabras clave")
    Comment.create(
        interaction=target, author=world.agent.id, body="Hablé con Zubizarreta", created_at=BASE
    )
    assert ids(InteractionFilter(search="zubizarreta")) == [target]
    edit_interaction(target, {"note": "ahora dice calefacción"}, actor=world.agent)
    assert ids(InteractionFilter(search="calefaccion")) == [target]
    assert ids(InteractionFilter(search="palabras")) == []


def test_search_pages_by_id_and_combines_with_filters(world: World) -> None:
    matches = [make(world, BASE + timedelta(days=i), note=f"caldera {i}") for i in range(7)]
    make(world, BASE, note="caldera", type="email")
    seen: list[int] = []
    cursor = None
    f = InteractionFilter(search="caldera", types=("call",))
    while True:
        page = list_interactions(f, after=cursor, limit=3)
        seen.extend(r.id for r in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(matches, reverse=True)
    assert count_interactions(f) == 7
