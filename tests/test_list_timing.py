"""The app measures itself: how long its lists take from a key to the new
rows (next page, filter change, search), and, in debug mode, how long it
took to start (issue 8)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crm_tui.app import CrmApp
from crm_tui.store import db as store_db
from crm_tui.widgets.choice_list import ChoiceList
from crm_tui.widgets.list_timing import FILTER, NEXT_PAGE, SEARCH, percentile, summarise

from .app_helpers import NOW, NOW_ENV, log, make_app, settle, table_of
from .conftest import World


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


@pytest.fixture
def debug_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Debug mode on, its log in a state folder of the test's own."""
    monkeypatch.setenv("CRM_TUI_DEBUG", "1")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "crm-tui" / "debug.log"


def calls(count: int) -> None:
    for number in range(count):
        log(f"Llamada {number:03d}", NOW - timedelta(minutes=number))
    store_db.close()


async def test_the_keys_of_a_list_are_timed_each_once(
    world: World, db: store_db.Target, now: None, debug_log: Path
) -> None:
    calls(120)
    app = make_app(db)
    timings = app.list_timings
    assert timings.enabled
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # all interactions: loading it is no key's answer to time
        await settle(pilot)
        assert timings.samples == {NEXT_PAGE: [], FILTER: [], SEARCH: []}

        await pilot.press("G")  # the last loaded row: the next page
        await settle(pilot)
        assert table_of(app).row_count == 100
        assert len(timings.samples[NEXT_PAGE]) == 1

        await pilot.press("slash", *"Llamada 00")  # typing waits for a pause: not timed
        await pilot.pause(0.5)
        await settle(pilot)
        assert timings.samples[SEARCH] == []
        await pilot.press("1", "enter")  # Enter: the search at once
        await settle(pilot)
        assert table_of(app).row_count == 1
        assert len(timings.samples[SEARCH]) == 1

        await pilot.press("escape", "f")
        await settle(pilot, until=lambda: isinstance(app.focused, ChoiceList))
        await pilot.press("down", "space")  # the first type ticked
        await settle(pilot)
        assert len(timings.samples[FILTER]) == 1
        assert len(timings.samples[NEXT_PAGE]) == 1  # its look-ahead pages are no key's
        assert all(0 < ms < 10_000 for values in timings.samples.values() for ms in values)

    text = debug_log.read_text()
    for kind in ("next page", "filter", "search"):
        assert re.search(rf"key to rows, {kind}: p50 [\d.]+ ms, p95 [\d.]+ ms", text), text


async def test_debug_mode_logs_the_start_up_time(
    world: World, db: store_db.Target, now: None, debug_log: Path
) -> None:
    calls(3)
    app = make_app(db, opportunity=world.opportunity.code)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, until=lambda: app.startup_ms is not None)
        assert type(app.screen).__name__ == "TimelineScreen"
    lines = debug_log.read_text().splitlines()
    started = [line for line in lines if "started in" in line]
    assert len(started) == 1, lines
    match = re.search(r"started in (\d+) ms \(import (\d+) ms, first frame (\d+) ms\)", started[0])
    assert match, started[0]
    total, imports, frame = (int(group) for group in match.groups())
    assert 0 < imports <= total and abs(imports + frame - total) <= 1


async def test_without_debug_mode_nothing_is_timed_or_written(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CRM_TUI_DEBUG", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    calls(60)
    app: CrmApp = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert app.startup_ms is not None  # still known, for Textual's log
    assert not app.list_timings.enabled
    assert app.list_timings.samples == {NEXT_PAGE: [], FILTER: [], SEARCH: []}
    assert not (tmp_path / "state").exists()


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0
    summary = summarise([30.0, 10.0, 20.0])
    assert (summary.count, summary.p50, summary.p95, summary.max) == (3, 20.0, 30.0, 30.0)
