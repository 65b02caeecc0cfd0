"""All history of an opportunity and of a contact (`ActivityScreen`),
driven as a person drives it (Pilot) on a real SQLite database written
through the services, and its snapshots.

The data set is the snapshot sales floor recorded 25 minutes before the
fixed now, plus activity on OP-001 (Ferretería López, C-001): Marta's report on
interaction 3, Ana raising the priority of interaction 7, Luis's comment
on interaction 7 mentioning Ana, and Ana's comment on the opportunity
itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from crm_tui.app import CrmApp
from crm_tui.screens.activity import ActivityScreen
from crm_tui.screens.comment_dialog import CommentDialog
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services.interactions import delete_interaction, edit_interaction
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.activity_feed import PAGE

from .app_helpers import NOW, NOW_ENV, build_floor, make_app, settle, shown
from .test_screen_detail import (
    FLOOR_BUILT,
    clock_at,
    feed_of,
    feed_texts,
    first_lines,
    footer_keys,
    highlighted_text,
    post,
)

OP_001 = 1  # "Renovación de contrato", of C-001
C_001 = 1  # Ferretería López
FOLLOW_UP = 3  # "Llamada de seguimiento", C-001 / OP-001
INBOUND = 7  # "Llamada entrante", C-001 / OP-001
NOT_OURS = 4  # "Reunión de cierre", C-002 / OP-002


def build_history_floor(target: store_db.Target) -> None:
    """`build_floor` 25 minutes ago, then the activity on OP-001 (and one
    comment elsewhere, which its history must not show)."""
    with clock_at(FLOOR_BUILT):
        build_floor(target)
    store_db.connect(target)
    try:
        post(
            "marta",
            "Sin respuesta en dos intentos; lo intento el jueves.",
            NOW - timedelta(minutes=20),
            interaction=FOLLOW_UP,
            kind="report",
        )
        with clock_at(NOW - timedelta(minutes=15)):
            edit_interaction(INBOUND, {"priority": "high"}, actor=get_user("ana"))
        post(
            "luis",
            "Pide la tarifa nueva; @ana, ¿me la pasas?",
            NOW - timedelta(minutes=10),
            interaction=INBOUND,
        )
        post("ana", "Renovación aprobada por dirección.", NOW - timedelta(minutes=5), opportunity=1)
        post("ana", "Esto es de otro cliente.", NOW, interaction=NOT_OURS)
    finally:
        store_db.close()


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_history_floor(target)
    return target


def activity_of(app: CrmApp) -> ActivityScreen:
    screen = app.screen
    assert isinstance(screen, ActivityScreen), f"in front: {screen!r}"
    return screen


def title_of(app: CrmApp) -> str:
    return shown(app.screen.query_one("#activity-title", Static))


async def open_history(pilot: Pilot[Any]) -> ActivityScreen:
    """`H` on the opportunity's timeline (or the contact's screen)."""
    app = pilot.app
    assert isinstance(app, CrmApp)
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    return activity_of(app)


def read(target: store_db.Target, find: Any) -> Any:
    store_db.connect(target)
    try:
        return find()
    finally:
        store_db.close()


# --- what it shows ----------------------------------------------------------------------


async def test_all_history_of_an_opportunity(floor: store_db.Target) -> None:
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_history(pilot)
        assert screen.feed.has_focus
        assert title_of(app) == "All history · OP-001 · Renovación de contrato"
        assert first_lines(app) == [
            "Comment · Ana Ruiz · Mon 23 Nov 09:55",
            "Comment · Luis Gómez · Mon 23 Nov 09:50 · on interaction 7",
            "#7 · Ana Ruiz changed the priority from Normal to High · Mon 23 Nov 09:45",
            " Report  · Marta Vidal · Mon 23 Nov 09:40 · on interaction 3",
            "#7 · Luis Gómez logged an inbound call (Connected) · Mon 23 Nov 09:35",
            "#7 · Luis Gómez created the interaction · Mon 23 Nov 09:35",
            "#3 · Luis Gómez logged an outbound call (No answer) · Mon 23 Nov 09:35",
            "#3 · Luis Gómez created the interaction · Mon 23 Nov 09:35",
            "Ana Ruiz created the opportunity OP-001 · Renovación de contrato · Mon 23 Nov 09:35",
        ]
        assert feed_texts(app)[0].splitlines()[1] == "Renovación aprobada por dirección."
        assert "Comment" in footer_keys(app)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)


async def test_all_history_of_a_contact_has_no_comment_key(floor: store_db.Target) -> None:
    app = make_app(floor, contact="C-001")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        assert title_of(app) == "All history · C-001 · Ferretería López"
        lines = first_lines(app)
        # Its opportunity's comments and its interactions', never another contact's.
        assert lines[:2] == [
            "Comment · Ana Ruiz · Mon 23 Nov 09:55 · on opportunity OP-001",
            "Comment · Luis Gómez · Mon 23 Nov 09:50 · on interaction 7",
        ]
        assert not any("otro cliente" in text for text in feed_texts(app))
        assert (
            lines[-1] == "Ana Ruiz created the contact C-001 · Ferretería López · Mon 23 Nov 09:35"
        )
        # A contact has no comments of its own: `c` is neither offered nor done.
        assert "Comment" not in footer_keys(app)
        await pilot.press("c")
        await settle(pilot)
        activity_of(app)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ContactScreen"


async def test_in_spanish(floor: store_db.Target) -> None:
    app = make_app(floor, opportunity="OP-001", lang="es")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        assert title_of(app) == "Todo el historial · OP-001 · Renovación de contrato"
        assert first_lines(app)[1] == (
            "Comentario · Luis Gómez · lun 23 nov 09:50 · en la interacción 7"
        )


async def test_v_shows_only_comments(floor: store_db.Target) -> None:
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await pilot.press("v")
        await settle(pilot, until=lambda: len(feed_texts(app)) == 3)
        assert title_of(app) == "All history · OP-001 · Renovación de contrato · only comments"
        assert all(not line.startswith(("#", "Ana Ruiz created")) for line in first_lines(app))
        await pilot.press("v")
        await settle(pilot, until=lambda: len(feed_texts(app)) == 9)
        assert title_of(app) == "All history · OP-001 · Renovación de contrato"


async def test_a_deleted_interaction_stays_in_the_history(floor: store_db.Target) -> None:
    def delete() -> None:
        with clock_at(NOW - timedelta(minutes=3)):
            delete_interaction(FOLLOW_UP, actor=get_user("ana"))

    read(floor, delete)
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        lines = first_lines(app)
        assert lines[0] == (
            "Ana Ruiz deleted interaction 3 · Call · «Llamada de seguimiento» · Mon 23 Nov 09:57"
        )
        # Its report went with it; what was done to it stays.
        assert not any("Report" in line for line in lines)
        assert "#3 · Luis Gómez created the interaction · Mon 23 Nov 09:35" in lines


# --- what it does -----------------------------------------------------------------------


async def test_c_comments_on_the_opportunity_and_the_comment_tops_the_list(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_history(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommentDialog)
        await pilot.press(*"Firmado")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: "Firmado" in feed_texts(app)[0])
        assert feed_texts(app)[0] == "Comment · Luis Gómez · Mon 23 Nov 10:00\nFirmado"
        assert feed_of(app).highlighted == 0


async def test_older_entries_load_at_the_end(floor: store_db.Target) -> None:
    def many() -> None:
        for number in range(PAGE + 10):
            post(
                "luis",
                f"Nota {number}",
                FLOOR_BUILT + timedelta(seconds=number + 1),
                opportunity=OP_001,
            )

    read(floor, many)
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot)
        texts = feed_texts(app)
        assert len(texts) == PAGE + 1
        assert texts[-1] == "Load older entries"
        assert footer_keys(app)["Older entries"] == "m"
        # The end of the list (G, End or scrolling down) reads the next page.
        await pilot.press("G")
        await settle(pilot, until=lambda: len(feed_texts(app)) > PAGE + 1)
        texts = feed_texts(app)
        assert texts[-1].startswith("Ana Ruiz created the opportunity OP-001")
        assert len(texts) == PAGE + 10 + 9  # the notes and everything else, once each
        assert len(set(texts)) == len(texts)
        assert "Older entries" not in footer_keys(app)
        assert screen.feed.highlighted == PAGE  # where the "load older" row was
        # The notes are newest first: the first page ended above note 13.
        assert highlighted_text(app).endswith("\nNota 13")


async def test_m_loads_older_entries(floor: store_db.Target) -> None:
    def many() -> None:
        for number in range(PAGE):
            post(
                "luis", f"Nota {number}", FLOOR_BUILT + timedelta(seconds=number + 1), opportunity=1
            )

    read(floor, many)
    app = make_app(floor, opportunity="OP-001")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_history(pilot)
        assert feed_texts(app)[-1] == "Load older entries"
        await pilot.press("m")
        await settle(pilot, until=lambda: feed_texts(app)[-1] != "Load older entries")
        assert len(feed_texts(app)) == PAGE + 9
        assert feed_of(app).highlighted == 0  # reading on does not move the reader


# --- snapshots --------------------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def to_all_history(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_all_history_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor, opportunity="OP-001")
    assert snap_compare(app, terminal_size=size, run_before=to_all_history)


def test_all_history_only_comments_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    async def only_comments(pilot: Pilot[Any]) -> None:
        await to_all_history(pilot)
        await pilot.press("v")
        await settle(pilot)

    app = make_app(floor, opportunity="OP-001", lang="es")
    assert snap_compare(app, terminal_size=(100, 30), run_before=only_comments)
