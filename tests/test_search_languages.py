"""Full-text search on both engines: prefixes, accents and case everywhere,
Spanish and English inflections on PostgreSQL (its text search
configurations), stop words as prefixes, and hostile text as plain data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm_tui.services import listing
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import count_interactions, list_interactions
from crm_tui.services.records import InteractionFilter
from crm_tui.store.db import current, engine_of
from crm_tui.store.models import Comment

from .conftest import World

BASE = datetime(2026, 11, 1, 9, 0)

# The same data on both engines; each text is one interaction's note.
NOTES = (
    "Llamada con el cliente: pide presupuesto",
    "Llamaron de compras para una reunión",
    "Varias llamadas sin respuesta",
    "Reuniones trimestrales con la dirección",
    "The customer called about the invoice",
    "Calling back tomorrow; calls pending",
    "Envío de la facturación de noviembre",
    "Información del teléfono de contacto",
    "Zubizarreta confirma el pedido",
    "Nada que ver aquí",
)


def make_all(world: World) -> list[int]:
    return [
        create_interaction(
            InteractionDraft(
                type="call",
                contact=world.contact.code,
                opportunity=world.opportunity.code,
                created_by=world.agent.username,
                occurred_at=BASE + timedelta(minutes=index),
                subject="Seguimiento",
                note=note,
            )
        ).id
        for index, note in enumerate(NOTES)
    ]


def found(search: str) -> set[int]:
    return {record.id for record in list_interactions(InteractionFilter(search=search)).items}


def notes_of(created: list[int], *indexes: int) -> set[int]:
    return {created[index] for index in indexes}


def is_postgres() -> bool:
    return engine_of(current()) == "postgres"


# Searches whose results are the same on both engines: prefixes of folded
# words, where no Spanish or English stem adds a match.
PLAIN = {
    "presupu": (0,),
    "sin respuesta": (2,),
    "COMPRAS": (1,),
    "reunion": (1, 3),
    "REUNIÓN compras": (1,),
    "facturacion": (6,),
    "informacion telefono": (7,),
    "zubi": (8,),
    "customer invoice": (4,),
    "nada aqui": (9,),
    "inexistente": (),
}


@pytest.mark.parametrize("search", sorted(PLAIN))
def test_plain_searches_find_the_same_rows_on_both_engines(world: World, search: str) -> None:
    created = make_all(world)
    assert found(search) == notes_of(created, *PLAIN[search])
    assert count_interactions(InteractionFilter(search=search)) == len(PLAIN[search])


def test_inflections_match_by_stem_on_postgresql(world: World) -> None:
    created = make_all(world)
    spanish = found("llamada")
    english = found("calls")
    if is_postgres():
        # llamada, llamaron and llamadas all stem to "llam".
        assert spanish == notes_of(created, 0, 1, 2)
        # calls, called and calling all stem to "call".
        assert english == notes_of(created, 4, 5)
        assert found("reuniones") == notes_of(created, 1, 3)
        assert found("facturaciones") == notes_of(created, 6)
    else:
        # SQLite matches prefixes only: "llamada" is a prefix of "llamadas".
        assert spanish == notes_of(created, 0, 2)
        assert english == notes_of(created, 5)


def test_stop_words_still_match_as_prefixes(world: World) -> None:
    created = make_all(world)
    assert found("de") == notes_of(created, 1, 6, 7)  # de, del
    assert found("the") == notes_of(created, 4)
    assert found("la facturacion") == notes_of(created, 6)


@pytest.mark.parametrize(
    "search",
    [
        '"',
        "'llamada'",
        "llamada & !cliente",
        "a | b",
        "!",
        "cliente:*",
        "(llamada",
        "llamada)",
        "\\",
        "back\\slash",
        "'' & | ! :* ( ) \\",
        "<-> <2> *",
        "_",
    ],
)
def test_hostile_text_never_raises(world: World, search: str) -> None:
    make_all(world)
    list_interactions(InteractionFilter(search=search))
    count_interactions(InteractionFilter(search=search))


def test_comments_are_searched_and_stems_reach_them(world: World) -> None:
    created = make_all(world)
    Comment.create(
        interaction=created[9], author=world.agent.id, body="Hablé con Goikoetxea", created_at=BASE
    )
    assert found("goikoetx") == {created[9]}
    assert found("hable goikoetxea") == {created[9]}


@pytest.mark.parametrize("probe_span", [2, 4096])
@pytest.mark.parametrize("search", ["zzxqj", "goikoetxea", "llamad", "seguimiento", "de"])
def test_search_pages_walk_every_match_once_newest_first(
    world: World, monkeypatch: pytest.MonkeyPatch, search: str, probe_span: int
) -> None:
    """A tiny probe sends PostgreSQL's search down both of its ways (a walk
    by id, the index below the probe) on a small table."""
    monkeypatch.setattr(listing, "_PROBE_SPAN", probe_span)
    created = []
    for _ in range(3):
        created += make_all(world)
    Comment.create(
        interaction=created[4], author=world.agent.id, body="Goikoetxea llama", created_at=BASE
    )
    f = InteractionFilter(search=search)
    seen: list[int] = []
    cursor = None
    while True:
        page = list_interactions(f, after=cursor, limit=4)
        seen.extend(record.id for record in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(set(seen), reverse=True)
    assert len(seen) == count_interactions(f)


# Every accented letter the search folds, lower and upper case.
ACCENTED = "áàâäãéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
PLAIN_LETTERS = "aaaaaeeeeiiiiooooouuuuncaaaaaeeeeiiiiooooouuuunc"


def test_every_accented_letter_is_found_by_its_plain_letter(world: World) -> None:
    """In either case, in the note as written; on PostgreSQL the stored
    vector's folded words are also those of schema 6's fold (both cases
    translated, then lower case), which schema 7 made cheaper."""
    note = " ".join(f"q{letter}q" for letter in ACCENTED)
    created = create_interaction(
        InteractionDraft(
            type="call",
            contact=world.contact.code,
            created_by=world.agent.username,
            occurred_at=BASE,
            subject="Letras",
            note=note,
        )
    ).id
    for plain in sorted(set(PLAIN_LETTERS)):
        assert found(f"q{plain}q") == {created}, plain
    if is_postgres():
        # The vector as schema 6 computed it, against the function now.
        schema_6 = (
            "SELECT crm_search_vector(%(text)s) = to_tsvector('simple', lower(translate("
            "%(text)s, %(accented)s, %(plain)s))) || to_tsvector('spanish', %(text)s)"
            " || to_tsvector('english', lower(translate(%(text)s, %(accented)s, %(plain)s)))"
        )
        plain = PLAIN_LETTERS[:24] + PLAIN_LETTERS[24:].upper()
        values = {"text": f"Árbol {note}", "accented": ACCENTED, "plain": plain}
        assert current().execute_sql(schema_6, values).fetchone() == (True,)
