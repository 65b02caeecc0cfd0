"""Full garbage collections wait for a pause in the person's keys: a full
collection is no longer run in the middle of a key's answer by Python
(issue 8), none runs while the app starts, and an app leaves the collector
as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events
from textual.message import Message

from crm_tui import app as crm_app
from crm_tui import idle_gc
from crm_tui.app import StartupFailedScreen
from crm_tui.idle_gc import FULL_AFTER, SAFETY_FACTOR, IdleCollector
from crm_tui.store import db as store_db

from .app_helpers import make_app, settle
from .conftest import World


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """The full collections run while the test runs (one entry each)."""
    seen: list[int] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    gc.callbacks.append(watch)
    yield seen
    gc.callbacks.remove(watch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The collector's monotonic clock, set by the test."""
    now = [1000.0]
    monkeypatch.setattr(idle_gc.time, "monotonic", lambda: now[0])
    return now


def middle_collections(count: int) -> None:
    """Make `count` collections of the middle generation happen, as busy
    use does (each bumps the count that a full collection waits for)."""
    for _ in range(count):
        gc.collect(1)


def test_start_freezes_what_exists_and_stop_puts_everything_back() -> None:
    before = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (before[0], before[1], before[2] * SAFETY_FACTOR)
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_hold_lasts_until_the_start_or_the_stop() -> None:
    assert gc.isenabled()
    collector = IdleCollector()
    collector.hold()
    try:
        assert not gc.isenabled()
        collector.start()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        collector.stop()
    assert gc.isenabled() and gc.get_freeze_count() == 0

    collector.hold()  # an app that ends before its first screen
    collector.stop()
    assert gc.isenabled()


def test_a_program_that_turned_collections_off_keeps_them_off() -> None:
    collector = IdleCollector()
    gc.disable()
    try:
        collector.hold()
        collector.start()
        assert not gc.isenabled()
        collector.stop()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_pause_runs_a_full_collection_once_one_is_due(
    clock: list[float], full_collections: list[int]
) -> None:
    collector = IdleCollector()
    gc.collect()
    middle_collections(FULL_AFTER)
    full_collections.clear()
    collector.input_received()

    clock[0] += idle_gc.IDLE_SECONDS / 2  # still typing
    collector.tick()
    assert full_collections == []

    clock[0] += idle_gc.IDLE_SECONDS  # a pause
    collector.tick()
    assert full_collections == [1]

    collector.tick()  # nothing new since: an idle app does not collect again
    assert full_collections == [1]


def test_a_pause_with_little_done_since_the_last_collection_collects_nothing(
    clock: list[float], full_collections: list[int]
) -> None:
    collector = IdleCollector()
    gc.collect()
    middle_collections(FULL_AFTER - 2)  # below the due count, with room for stray ones
    full_collections.clear()
    clock[0] += 2 * idle_gc.IDLE_SECONDS
    collector.tick()
    assert full_collections == []


async def test_the_app_freezes_after_its_first_screen_and_thaws_when_it_ends(
    world: World, db: store_db.Target
) -> None:
    before = gc.get_threshold()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: app.startup_ms is not None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] == before[2] * SAFETY_FACTOR
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


async def test_the_app_collects_nothing_while_it_starts(world: World, db: store_db.Target) -> None:
    """From the app's load to its first screen with rows (issue 8: some
    200 collections walked the objects of the start, none of them garbage)."""
    enabled_at_mount: list[bool] = []

    def watch(message: Message) -> None:
        if isinstance(message, events.Mount) and not enabled_at_mount:
            enabled_at_mount.append(gc.isenabled())  # the first: the app's or its screen's

    app = make_app(db)
    async with app.run_test(size=(100, 30), message_hook=watch) as pilot:
        await settle(pilot, lambda: app.startup_ms is not None)
        assert enabled_at_mount == [False]
        assert gc.isenabled()
    assert gc.isenabled()


async def test_collections_resume_when_no_first_screen_comes(
    world: World, db: store_db.Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crm_app, "HOLD_SECONDS", 0.3)
    app = make_app(db, user="nadie")  # unknown: the start-up failure, no rows
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: isinstance(app.screen, StartupFailedScreen))
        await settle(pilot, gc.isenabled)
        assert app.startup_ms is None
    assert gc.isenabled()
