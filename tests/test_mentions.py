"""Finding @mentions in text (properties over any text) and resolving
them to users on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from crm_tui.services.mentions import (
    mention_spans,
    mentionable_users,
    mentioned_names,
    mentioned_users,
)
from crm_tui.services.users import USERNAME, add_user
from crm_tui.store.models import User

from .conftest import World


def names(body: str) -> list[str]:
    return [name for _start, _end, name in mention_spans(body)]


def test_a_mention_follows_a_space_the_start_or_punctuation() -> None:
    body = "@ana, mira esto (@luis.gomez) y tú,@marta; ¿@josé?"
    assert mention_spans(body)[:2] == [(0, 4, "ana"), (17, 28, "luis.gomez")]
    assert names(body) == ["ana", "luis.gomez", "marta", "josé"]


def test_an_address_is_not_a_mention() -> None:
    for body in ("ana@example.com", "a.b+c@example.com", "x_y-z@ejemplo.es", "o'neil@x.ie"):
        assert mention_spans(body) == [], body
    assert names("escribe a ana@example.com o a @ana") == ["ana"]


def test_a_full_stop_ends_the_sentence_not_the_name() -> None:
    assert names("Gracias @marta. Y @luis...") == ["marta", "luis"]
    assert names("@ solo, @. y @..") == []


def test_mentioned_names_keep_the_first_spelling_once() -> None:
    assert mentioned_names("@Marta y @marta, otra vez @Marta; @luis") == ["Marta", "marta", "luis"]


def test_the_name_characters_are_those_of_a_user_name() -> None:
    for character in "aZ9_ñé.@+-":
        assert USERNAME.match(character), character
        assert names(f"@x{character}y") == [f"x{character}y"]
    for character in " ,;:!?()[]{}'\"/\\#*":
        assert not USERNAME.match(character), character
        assert names(f"@x{character}y") == ["x"]


@given(st.text())
def test_spans_never_raise_never_overlap_and_start_with_an_at(body: str) -> None:
    spans = mention_spans(body)
    end = -1
    for start, stop, name in spans:
        assert start >= end
        assert body[start] == "@"
        assert body[start:stop] == "@" + name
        assert name and not name.endswith(".")
        assert all(USERNAME.match(character) for character in name)
        end = stop


LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789._+-!#$%&'*/=?^`{|}~", min_size=1)
LABEL = st.from_regex(re.compile(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"), fullmatch=True)


@given(LOCAL, st.lists(LABEL, min_size=2, max_size=4), st.sampled_from(["", " ", "(", "hola "]))
def test_an_email_address_never_yields_a_span(local: str, labels: list[str], before: str) -> None:
    address = f"{local}@{'.'.join(labels)}"
    assert mention_spans(before + address) == []
    assert mention_spans(f"{before}{address} y {address}.") == []


def test_mentioned_users_are_existing_active_users_in_any_case(world: World) -> None:
    add_user("josé", "José Pardo")
    add_user("pepa", "Pepa Gil")
    User.update(active=False).where(User.username == "pepa").execute()
    body = "@MARTA y @José, @JOSÉ, @pepa, @nadie, ana@example.com, @luis"
    assert [user.username for user in mentioned_users(body)] == ["marta", "josé", "luis"]
    assert mentioned_users("sin menciones, ana@example.com") == []


def test_two_names_differing_only_in_case_are_both_told(world: World) -> None:
    add_user("Marta", "Marta Grande")
    assert [user.username for user in mentioned_users("@marta")] == ["marta"]
    assert [user.username for user in mentioned_users("@MARTA")] == ["Marta", "marta"]


def test_mentionable_users_are_the_active_ones_by_display_name(world: World) -> None:
    add_user("alvaro", "Álvaro Núñez")
    add_user("zoe", "zoe Martín")
    add_user("bea", "Bea Ortiz")
    User.update(active=False).where(User.username == "bea").execute()
    assert [user.display_name for user in mentionable_users()] == [
        "Álvaro Núñez",
        "Ana Ruiz",
        "Luis Gómez",
        "Marta Vidal",
        "zoe Martín",
    ]
