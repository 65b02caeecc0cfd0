"""A list reads the page after its rows ahead: a key that reaches the end
gets the next rows at once, and a row changed meanwhile is never shown as
it was before the change. A list asked to take the focus with its rows
takes it when they come, so a search's rows do not wait for a repaint of
the old ones (issue 8)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from crm_tui.services.errors import CrmError
from crm_tui.store import db as store_db
from crm_tui.widgets.focus_promise import FocusPromise
from crm_tui.widgets.paged_table import PAGE_SIZE, Column, PagedTable, keyset_source

from .app_helpers import settle


@dataclass(frozen=True)
class Item:
    id: int
    name: str


def name_cell(item: Item, lang: str, now: Any) -> Text:
    return Text(item.name)


class Store:
    """Rows 1..n newest first, as a service pages them; it counts the pages
    asked for and can hold a query back or fail one, as a slow or broken
    database would."""

    def __init__(self, count: int) -> None:
        self.items = {number: Item(number, f"item {number}") for number in range(count, 0, -1)}
        self.asked: list[int | None] = []
        self.open = threading.Event()
        self.open.set()
        self.failing: set[int | None] = set()

    def fetch(self, after: int | None, limit: int) -> list[Item]:
        self.asked.append(after)
        self.open.wait(10)
        if after in self.failing:
            raise CrmError("error.database_busy")
        ids = [number for number in self.items if after is None or number < after]
        return [self.items[number] for number in ids[:limit]]


class ListApp(App[None]):
    """A list and two boxes; keys keep a promised focus as `CrmApp` does."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.focus_promise = FocusPromise()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.focus_promise.key_arrived()
        await super().on_event(event)

    def compose(self) -> ComposeResult:
        yield Input(id="box")
        yield Input(id="other")
        yield PagedTable([Column("name", "ui.column.subject", name_cell, max_width=None)])

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        table.load(keyset_source(self.store.fetch, lambda item: item.id))
        table.focus()


@pytest.fixture(autouse=True)
def database(sqlite_target: store_db.Target) -> Iterator[None]:
    """The table's worker opens a connection of the current database."""
    yield


def names(table: PagedTable[Any]) -> list[str]:
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_the_next_page_is_read_ahead_and_shown_without_a_query() -> None:
    store = Store(3 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.row_count == PAGE_SIZE
        assert store.asked == [None, PAGE_SIZE * 2 + 1]  # the first page and the next, read ahead

        store.open.clear()  # any query from now on hangs
        await pilot.press("G")
        assert table.row_count == 2 * PAGE_SIZE  # there without a query
        assert names(table)[-1] == "item 51"
        assert not table.is_loading

        store.open.set()
        await settle(pilot)
        assert store.asked[-1] == PAGE_SIZE + 1  # and the page after, read ahead in turn


async def test_a_row_changed_after_the_read_ahead_is_shown_as_it_is_now() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        changed = replace(store.items[30], name="item 30, changed")
        store.items[30] = changed
        table.replace_record(changed)  # not shown yet: only in the page read ahead

        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE
        assert "item 30, changed" in names(table)
        assert "item 30" not in names(table)


async def test_a_page_read_ahead_that_fails_is_told_only_when_wanted() -> None:
    store = Store(2 * PAGE_SIZE)
    store.failing.add(PAGE_SIZE + 1)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.row_count == PAGE_SIZE
        assert not app._notifications  # nobody asked for those rows yet

        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == PAGE_SIZE
        assert [n.message for n in app._notifications] == [
            CrmError("error.database_busy").message()
        ]

        store.failing.clear()
        await pilot.press("k", "G")  # the cursor moves again: asked once more
        await settle(pilot)
        assert table.row_count == 2 * PAGE_SIZE


async def in_the_box(app: ListApp, pilot: Any, store: Store) -> PagedTable[Any]:
    """The first page in, the box focused, and any query from now on held."""
    await settle(pilot)
    app.query_one("#box", Input).focus()
    await settle(pilot)
    store.open.clear()
    return app.query_one(PagedTable)


async def search_from_the_box(app: ListApp, pilot: Any, store: Store) -> PagedTable[Any]:
    """The box focused, and a new load (a search) on its way and held back."""
    table = await in_the_box(app, pilot, store)
    box = app.query_one("#box", Input)
    table.load(keyset_source(store.fetch, lambda item: item.id))
    table.focus_with_rows()
    await pilot.pause()
    assert box.has_focus  # the rows are not in yet
    return table


async def test_the_focus_comes_with_the_rows_on_their_way() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await search_from_the_box(app, pilot, store)
        store.open.set()
        await settle(pilot)
        assert table.has_focus
        assert table.row_count == PAGE_SIZE


async def test_the_focus_comes_with_a_failure_too() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await search_from_the_box(app, pilot, store)
        store.failing.add(None)
        store.open.set()
        await settle(pilot)
        assert table.has_focus
        assert [n.message for n in app._notifications] == [
            CrmError("error.database_busy").message()
        ]


async def test_the_focus_is_not_taken_from_where_the_person_moved_it() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await search_from_the_box(app, pilot, store)
        other = app.query_one("#other", Input)
        other.focus()
        store.open.set()
        await settle(pilot)
        assert other.has_focus
        assert not table.has_focus


async def test_with_nothing_on_its_way_the_focus_comes_at_once() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await in_the_box(app, pilot, store)
        table.focus_with_rows()
        await pilot.pause()
        assert table.has_focus
        store.open.set()


async def test_a_key_before_the_rows_takes_the_focus_there_at_once() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await search_from_the_box(app, pilot, store)
        await pilot.press("x")
        assert table.has_focus
        assert app.query_one("#box", Input).value == ""  # not typed into the box
        store.open.set()
        await settle(pilot)
        assert table.has_focus


async def test_a_list_removed_before_its_rows_takes_no_focus() -> None:
    store = Store(2 * PAGE_SIZE)
    app = ListApp(store)
    async with app.run_test(size=(60, 20)) as pilot:
        table = await search_from_the_box(app, pilot, store)
        await table.remove()
        await pilot.press("x")  # the promise is let go; the key is the box's
        assert app.query_one("#box", Input).value == "x"
        store.open.set()
