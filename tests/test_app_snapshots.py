"""What the all-interactions list looks like, as SVG snapshots
(pytest-textual-snapshot), at the smallest supported terminal (80x24) and
a roomy one (120x40), with a fixed clock and a small sales floor made
through the services. Every other screen has its snapshots beside its
Pilot tests (tests/test_screen_*.py, test_filter_sidebar.py,
test_help_and_settings.py).

After a deliberate change of the UI: `pytest tests/test_app_snapshots.py
--snapshot-update`, then look at every changed SVG before committing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from crm_tui.store import db as store_db

from .app_helpers import make_app, make_floor, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


async def open_list(pilot: Pilot[Any]) -> None:
    """All interactions (the app starts on My queue)."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


async def search_for_a_word(pilot: Pilot[Any]) -> None:
    await open_list(pilot)
    await pilot.press("slash", *"llamada", "enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_interactions_list(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(floor), terminal_size=size, run_before=open_list)


def test_interactions_list_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_list)


def test_interactions_list_searched(snap_compare: Any, floor: store_db.Target) -> None:
    assert snap_compare(make_app(floor), terminal_size=(80, 24), run_before=search_for_a_word)
