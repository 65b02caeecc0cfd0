"""A table of records that pages itself: the core of every list.

It shows what a `PageSource` returns, one keyset page at a time: the first
page when `load` is called, the next one when the cursor or the viewport
comes near the end of the loaded rows. Queries and the drawing of cells
(dates go through babel) run in a thread worker; the UI thread only adds
finished rows. Nothing ever loads the whole table, so a million rows cost
what fifty do.

The page after the rows shown is read ahead, as soon as they are shown,
and kept aside: a key that reaches the end of the list (`G`, page down)
gets its rows at once instead of waiting for a query and for the repaint
the key itself caused (the issue-8 bench: p95 58 ms at 1M without it).

A table is generic over its record type (interactions, contacts,
opportunities): its columns draw cells from a record, and a row's key is
the record's id. Each kind of table is a small subclass that names its
columns and narrows the `Opened` message to its record type, so a screen
showing two kinds of tables tells their messages apart.

Columns share the width: the short ones take what their content needs; the
ones with a weight share the rest, each up to what its content needs, and
the one without a maximum takes whatever is left. Text too long for its
column ends in "…".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from peewee import DatabaseError
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import get_current_worker

from crm_tui import clock
from crm_tui.i18n import language, t
from crm_tui.services.errors import CrmError
from crm_tui.store.db import current
from crm_tui.ui_text import explain, localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.focus_promise import focus_promise_of
from crm_tui.widgets.list_timing import NEXT_PAGE, Stamp, timings_of

PAGE_SIZE = 50
# Rows left below the cursor (or the bottom of the view) that start the
# next page, so it is usually there before the cursor gets to the end.
LOOKAHEAD = 15


class Identified(Protocol):
    """What a table needs of a record: an id, unique in its list."""

    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=Identified)
T_co = TypeVar("T_co", covariant=True)
C = TypeVar("C")


class KeysetPage(Protocol[T_co]):
    """A keyset page of any list: its records and where the next one
    starts (None: this is the last page)."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> Any | None: ...


PageSource = Callable[[Any | None], KeysetPage[T]]
"""Returns the page after the cursor (None: the first page)."""


@dataclass(frozen=True)
class ListPage(Generic[T]):
    items: tuple[T, ...]
    next_cursor: Any | None


def keyset_source(
    fetch: Callable[[C | None, int], Sequence[T]],
    cursor_of: Callable[[T], C],
    page_size: int = PAGE_SIZE,
) -> PageSource[T]:
    """Pages of a service that returns up to `limit` records after a keyset
    cursor (`fetch(after, limit)`). It asks for one record more than a page
    holds, so the last page is known as such without another query."""

    def page(after: Any | None) -> KeysetPage[T]:
        rows = fetch(after, page_size + 1)
        items = tuple(rows[:page_size])
        more = len(rows) > page_size
        return ListPage(items, cursor_of(items[-1]) if more else None)

    return page


CellRenderer = Callable[[T, str, datetime], Text]
"""Draws one cell of a record, given the language and the time now."""


@dataclass(frozen=True)
class Column(Generic[T]):
    key: str
    label_id: str
    render: CellRenderer[T]
    max_width: int | None  # the most its content gets; None: all that is left
    min_width: int = 1
    weight: int = 0  # 0: always as wide as its content; else shares what is left


def fit_widths(
    specs: Sequence[Column[Any]], natural: Sequence[int], available: int, padding: int
) -> list[int]:
    """Column widths (without padding) for `available` cells. Columns
    without a weight get their content's width (up to their maximum); the
    others start at their minimum and share the rest by weight, each up to
    its content's width, the last one (no maximum) taking what remains.
    On a terminal too narrow even for the minimums the table scrolls."""
    caps: list[int | None] = [
        None if spec.max_width is None else max(1, min(width, spec.max_width))
        for spec, width in zip(specs, natural, strict=True)
    ]
    widths = [
        spec.min_width if spec.weight else (cap or 1) for spec, cap in zip(specs, caps, strict=True)
    ]

    def can_grow(i: int) -> bool:
        cap = caps[i]
        return specs[i].weight > 0 and (cap is None or widths[i] < cap)

    spare = available - 2 * padding * len(specs) - sum(widths)
    while spare > 0 and (growing := [i for i in range(len(specs)) if can_grow(i)]):
        total_weight = sum(specs[i].weight for i in growing)
        given = 0
        for i in growing:
            step = min(max(1, spare * specs[i].weight // total_weight), spare - given)
            cap = caps[i]
            if cap is not None:
                step = min(step, cap - widths[i])
            widths[i] += step
            given += step
        spare -= given
    return widths


def row_cells(
    columns: Sequence[Column[T]], record: T, lang: str, now: datetime
) -> tuple[Text, ...]:
    """The cells of one row, in `columns` order."""
    return tuple(column.render(record, lang, now) for column in columns)


def label_widths(columns: Sequence[Column[Any]]) -> list[int]:
    """The width of each column's heading in the current language."""
    return [Text(t(column.label_id)).cell_len for column in columns]


class PagedTable(DataTable[Text], Generic[T], inherit_bindings=False):
    """Records in the order their source gives, paged on demand. Announces
    its loading state with `StateChanged` and an opened row with `Opened`."""

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "ui.key.open", id="open"),
        Binding("down,j", "cursor_down", "ui.key.down", show=False, id="cursor_down"),
        Binding("up,k", "cursor_up", "ui.key.up", show=False, id="cursor_up"),
        Binding("pagedown", "page_down", "ui.key.page_down", show=False, id="page_down"),
        Binding("pageup", "page_up", "ui.key.page_up", show=False, id="page_up"),
        Binding("home,g", "scroll_top", "ui.key.top", show=False, id="first_row"),
        Binding("end,G", "scroll_bottom", "ui.key.bottom", show=False, id="last_row"),
    ]

    @dataclass
    class StateChanged(Message):
        """Rows loaded so far, whether more exist, whether a page is on its way."""

        table: PagedTable[Any]
        loaded: int
        more: bool
        loading: bool
        failed: bool

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Only the latest state of a table matters to whoever shows it.
            return isinstance(message, PagedTable.StateChanged) and message.table is self.table

    @dataclass
    class Opened(Message):
        """Enter (or a click) on a row. Subclasses narrow `record`."""

        table: PagedTable[Any]
        record: Any

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    class _Fetched(Message, bubble=False):
        def __init__(
            self,
            generation: int,
            page: KeysetPage[Any],
            rows: list[tuple[Text, ...]],
            widths: list[int],
            first: bool,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows
            self.widths = widths
            self.first = first

    class _FetchFailed(Message, bubble=False):
        def __init__(self, generation: int, reason: str) -> None:
            super().__init__()
            self.generation = generation
            self.reason = reason

    def __init__(
        self,
        columns: Sequence[Column[T]],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(cursor_type="row", id=id, classes=classes)
        localise_bindings(self)
        self.columns_spec = tuple(columns)
        self._source: PageSource[T] | None = None
        self._generation = 0
        self._next: Any | None = None
        # A page is on its way (`_fetching`); `_loading`: and it is wanted
        # on screen, not only read ahead. `_ahead`: the page after the rows
        # shown, read ahead and not shown yet. `_waiting`: the stamp of the
        # key that wants the page on its way.
        self._fetching = False
        self._loading = False
        self._ahead: PagedTable._Fetched | None = None
        self._ahead_stale = False
        self._waiting: Stamp | None = None
        self._failed = False
        self._records: dict[str, T] = {}
        self._restore_key: str | None = None
        # A reload reads pages again until the cursor's record is back or as
        # many rows as were loaded are, so a refresh never throws the agent
        # from row 120 back to the top.
        self._restore_rows = 0
        # Set when a row changes in place while a page is on its way: that
        # page may have been read before the change.
        self._changed_while_loading = False
        self._natural = label_widths(self.columns_spec)
        self._widths: list[int] = []

    # -- public -----------------------------------------------------------------

    def load(
        self,
        source: PageSource[T],
        *,
        measure: str | None = None,
        first_page: KeysetPage[T] | None = None,
    ) -> None:
        """Show `source` from its first page. The rows shown stay until that
        page arrives, so a refresh or a new search does not flash empty.
        `measure`: the kind of key-to-rows latency this load counts as, if
        a key asked for it (see `list_timing`). `first_page`: that page,
        already read (a screen pop's), shown now without a query."""
        self._source = source
        self._generation += 1
        self._next = None
        self._ahead = None
        self._failed = False
        if first_page is None:
            self._start_fetch(None, self._stamp(measure))
            return
        self._fetching = False  # a page still on its way is of the list before
        self._show_page(self._prepared(self._generation, first_page, language(), None), None)

    def reload(self) -> None:
        """The same source again from the top, reading as many pages as it
        takes to bring back the record under the cursor (up to as many rows
        as were loaded), and keeping the cursor on it."""
        record = self.record_at_cursor()
        self._restore_key = str(record.id) if record else None
        self._restore_rows = len(self._records)
        if self._source is not None:
            self.load(self._source)

    def focus_with_rows(self) -> None:
        """Take the focus when the rows on their way are applied or the
        next key comes, or now if no rows are on their way (see
        `focus_promise`: a focus moved first makes the rows wait for a
        repaint of the old ones)."""
        promise = focus_promise_of(self)
        if not self._loading or promise is None:
            self.focus()
            return
        promise.promise(self)

    def _keep_focus_promise(self) -> None:
        promise = focus_promise_of(self)
        if promise is not None:
            promise.keep(self)

    def record_at_cursor(self) -> T | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0))
        return self._records.get(str(row_key.value))

    def loaded_records(self) -> list[T]:
        """The records loaded so far, in list order."""
        return list(self._records.values())

    def has_record(self, record_id: int) -> bool:
        return str(record_id) in self._records

    def replace_record(self, record: T) -> None:
        """Show a changed record in place (after an edit or a triage
        action), without reloading the list."""
        key = str(record.id)
        self._forget_ahead()
        if key not in self._records:
            return
        self._records[key] = record
        self._changed_while_loading |= self._loading
        cells = row_cells(self.columns_spec, record, language(), clock.now())
        for spec, value in zip(self.columns_spec, cells, strict=True):
            self.update_cell(key, spec.key, value)

    def remove_record(self, record_id: int) -> None:
        """Drop one row (a record that left the list), the cursor staying on
        the row that takes its place."""
        key = str(record_id)
        self._forget_ahead()
        if key not in self._records:
            return
        del self._records[key]
        self._changed_while_loading |= self._loading
        self.remove_row(key)
        self._post_state()
        self._maybe_load_more()

    @property
    def has_more(self) -> bool:
        return self._next is not None

    @property
    def is_loading(self) -> bool:
        return self._loading

    # -- loading ----------------------------------------------------------------

    def _stamp(self, measure: str | None) -> Stamp | None:
        if measure is None:
            return None
        timings = timings_of(self)
        return timings.stamp(measure) if timings is not None and timings.enabled else None

    def _start_fetch(
        self, after: Any | None, stamp: Stamp | None = None, *, wanted: bool = True
    ) -> None:
        """Read the page after `after`: to show it (`wanted`), or to keep
        it aside until the cursor nears the end (read ahead)."""
        assert self._source is not None
        self._fetching = True
        self._loading = wanted
        self._waiting = stamp
        if wanted:
            self._post_state()
        self._fetch(self._generation, self._source, after, language())

    def _forget_ahead(self) -> None:
        """A row changed: the page read ahead may hold it as it was. It is
        read again when wanted; one on its way is let go when it comes."""
        self._ahead = None
        self._ahead_stale = self._fetching and not self._loading

    @work(thread=True, exclusive=True, group="paged-table-page")
    def _fetch(
        self,
        generation: int,
        source: PageSource[T],
        after: Any | None,
        lang: str,
    ) -> None:
        worker = get_current_worker()
        try:
            # Opened and closed around the page: pooled threads hold no
            # connection (PostgreSQL keeps it a few seconds for the next
            # worker, store.reused_connections).
            with current().connection_context():
                page = source(after)
        except (CrmError, DatabaseError) as error:
            reason = explain(error) or str(error)
            if not worker.is_cancelled:
                self.post_message(self._FetchFailed(generation, reason))
            return
        fetched = self._prepared(generation, page, lang, after)
        if not worker.is_cancelled:
            self.post_message(fetched)

    def _prepared(
        self, generation: int, page: KeysetPage[T], lang: str, after: Any | None
    ) -> _Fetched:
        """`page` (the one after `after`) with its cells drawn and measured."""
        now = clock.now()
        columns = self.columns_spec
        rows = [row_cells(columns, record, lang, now) for record in page.items]
        widths = [max((row[i].cell_len for row in rows), default=0) for i in range(len(columns))]
        return self._Fetched(generation, page, rows, widths, after is None)

    @on(_Fetched)
    def _page_arrived(self, message: _Fetched) -> None:
        if message.generation != self._generation:
            return
        self._fetching = False
        stale, self._ahead_stale = self._ahead_stale, False
        if not self._loading:
            # Read ahead: shown when the cursor nears the end, unless a row
            # changed while it was being read.
            self._ahead = None if stale else message
            return
        stamp, self._waiting = self._waiting, None
        changed, self._changed_while_loading = self._changed_while_loading, False
        if message.first and changed and self._source is not None:
            # Read before a change the rows on screen already show: showing
            # it would bring the old row back. Ask again.
            self._start_fetch(None, stamp)
            return
        self._show_page(message, stamp)

    def _show_page(self, message: _Fetched, stamp: Stamp | None) -> None:
        self._loading = False
        if message.first:
            self.clear()
            self._records.clear()
            self._natural = label_widths(self.columns_spec)
        for record, cells in zip(message.page.items, message.rows, strict=True):
            key = str(record.id)
            # A record whose sort key changed between two page fetches can
            # come round again; it stays where it was first shown.
            if key in self._records:
                continue
            self._records[key] = record
            self.add_row(*cells, key=key, height=1)
        self._natural = [max(a, b) for a, b in zip(self._natural, message.widths, strict=True)]
        self._next = message.page.next_cursor
        self._fit_columns()
        if self._restore_key is not None:
            if self._restore_key in self._records:
                self.move_cursor(row=self.get_row_index(self._restore_key), animate=False)
            elif len(self._records) < self._restore_rows and self._next is not None:
                self._start_fetch(self._next)  # not back yet: the next page
                return
            self._restore_key = None
        timings = timings_of(self)
        if timings is not None:
            timings.rows_applied(self, stamp)
        self._keep_focus_promise()
        self._post_state()
        self._maybe_load_more()
        # After the frame that paints these rows: reading ahead meanwhile
        # would take turns with that frame for the GIL (the first screen
        # painted its rows 30 ms later).
        self.call_after_refresh(self._read_ahead, self._generation, self._next)

    def _read_ahead(self, generation: int, after: Any | None) -> None:
        """The page after the rows shown, kept aside until wanted; unless
        the list or its last page changed meanwhile, or one is on its way."""
        if generation != self._generation or after is None or after != self._next:
            return
        if not self._fetching and self._ahead is None:
            self._start_fetch(after, wanted=False)

    @on(_FetchFailed)
    def _show_failure(self, message: _FetchFailed) -> None:
        if message.generation != self._generation:
            return
        self._fetching = False
        if not self._loading:
            return  # a page read ahead: asked again, and told, when wanted
        self._loading = False
        self._failed = True
        self._keep_focus_promise()
        self._post_state()
        safe.notify(self.app, message.reason, severity="error")

    def _maybe_load_more(self, *, moved: bool = False) -> None:
        """The next page when the cursor or the view nears the end;
        `moved`: the cursor or the view moved (a key may have asked)."""
        if self._loading or self._next is None or self._source is None:
            return
        bottom = round(self.scroll_y) + self.scrollable_content_region.height
        if self.row_count - max(self.cursor_row, bottom) > LOOKAHEAD:
            return
        stamp = self._stamp(NEXT_PAGE if moved else None)
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self._show_page(ahead, stamp)
        elif self._fetching:  # the page read ahead is on its way: show it when in
            self._loading = True
            self._waiting = stamp
            self._post_state()
        else:
            self._start_fetch(self._next, stamp)

    def _post_state(self) -> None:
        self.post_message(
            self.StateChanged(self, len(self._records), self.has_more, self._loading, self._failed)
        )

    # -- reacting to the cursor, the viewport and the size ----------------------

    @on(DataTable.RowHighlighted)
    def _cursor_moved(self) -> None:
        self._maybe_load_more(moved=True)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self._records.get(str(event.row_key.value))
        if record is not None:
            self.post_message(self.Opened(self, record))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_load_more(moved=True)

    def on_mount(self) -> None:
        for spec, width in zip(self.columns_spec, self._natural, strict=True):
            label = Text(t(spec.label_id), no_wrap=True, overflow="ellipsis")
            self.add_column(label, width=width, key=spec.key)

    def on_resize(self) -> None:
        self._fit_columns()
        self._maybe_load_more()

    # -- column widths ----------------------------------------------------------

    def _fit_columns(self) -> None:
        available = self.scrollable_content_region.width
        if available <= 0 or not self.columns:
            return
        widths = fit_widths(self.columns_spec, self._natural, available, self.cell_padding)
        if widths == self._widths:
            return
        self._widths = widths
        for column, width in zip(self.ordered_columns, widths, strict=True):
            column.width = width
            column.auto_width = False
        # DataTable has no call for "column widths changed"; this is what it
        # does itself when the cell padding changes: new virtual width, and
        # drop the cells it rendered at the old widths.
        total = sum(width + 2 * self.cell_padding for width in widths)
        self.virtual_size = Size(total, self.virtual_size.height)
        self.notify_style_update()
