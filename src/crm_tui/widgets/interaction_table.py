"""A table of interactions that pages itself.

It shows what a `PageSource` returns, one keyset page at a time: the first
page when `load` is called, the next one when the cursor or the viewport
comes near the end of the loaded rows. Queries and the formatting of cells
(dates go through babel) run in a thread worker; the UI thread only adds
finished rows. Nothing ever loads the whole table, so a million rows cost
what fifty do.

Columns share the width: the short ones (id, type, status, date) take what
their content needs; responsible, contact and subject share the rest by
weight, each up to what its content needs, and the subject takes whatever
is left. Text too long for its column ends in "…".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

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
from crm_tui.formatting import list_date, preview, type_colour
from crm_tui.i18n import language, t
from crm_tui.services.errors import CrmError
from crm_tui.services.listing import list_interactions
from crm_tui.services.records import Cursor, InteractionFilter, InteractionRecord, Page, TypeRecord
from crm_tui.services.text import clean_text
from crm_tui.services.vocab import STATUS
from crm_tui.store.db import current
from crm_tui.ui_text import explain, localise_bindings
from crm_tui.widgets import safe

PAGE_SIZE = 50
# Rows left below the cursor (or the bottom of the view) that start the
# next page, so it is usually there before the cursor gets to the end.
LOOKAHEAD = 15
# The note is previewed only for recent interactions (the help articles'
# rule); older rows show their subject alone.
RECENT = timedelta(days=7)
# A preview longer than any terminal line is cut before it reaches Rich.
PREVIEW_CELLS = 240

STATUS_STYLES = {
    "pending": "yellow",
    "in_progress": "cyan",
    "done": "green",
    "cancelled": "dim",
}

PageSource = Callable[[Cursor | None], Page]
"""Returns the page after the cursor (None: the first page)."""


def filtered_source(f: InteractionFilter) -> PageSource:
    """Pages of `services.listing.list_interactions` for one filter."""

    def fetch(after: Cursor | None) -> Page:
        return list_interactions(f, after=after, limit=PAGE_SIZE)

    return fetch


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label_id: str
    max_width: int | None  # the most its content gets; None: all that is left
    min_width: int = 1
    weight: int = 0  # 0: always as wide as its content; else shares what is left


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("id", "ui.column.id", max_width=9),
    ColumnSpec("type", "ui.column.type", max_width=14),
    ColumnSpec("status", "ui.column.status", max_width=12),
    ColumnSpec("user", "ui.column.user", max_width=18, min_width=6, weight=2),
    ColumnSpec("date", "ui.column.date", max_width=13),
    ColumnSpec("contact", "ui.column.contact", max_width=24, min_width=8, weight=3),
    ColumnSpec("subject", "ui.column.subject", max_width=None, min_width=12, weight=4),
)


def fit_widths(
    specs: Sequence[ColumnSpec], natural: Sequence[int], available: int, padding: int
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


# --- cells --------------------------------------------------------------------


def type_parts(interaction_type: TypeRecord, lang: str) -> tuple[str, str]:
    """A type's glyph and label, and its colour (a Rich colour name)."""
    label = f"{interaction_type.glyph} {interaction_type.label(lang)}"
    return label, type_colour(interaction_type.channel, interaction_type.colour)


def type_label(interaction_type: TypeRecord, lang: str) -> Text:
    """The type's glyph and label in its configured colour, for a cell."""
    label, colour = type_parts(interaction_type, lang)
    return safe.cell(label, colour)


def subject_preview(record: InteractionRecord, now: datetime) -> Text:
    """The subject, followed by a preview of the note when it is recent."""
    text = safe.cell(record.subject)
    note = clean_text(record.note)
    if record.occurred_at >= now - RECENT and note.strip():
        if text.plain:
            text.append(" — ", style="dim")
        text.append(preview(note, PREVIEW_CELLS), style="italic")
    return text


def row_cells(record: InteractionRecord, lang: str, now: datetime) -> tuple[Text, ...]:
    """The cells of one row, in `COLUMNS` order."""
    responsible = (
        safe.cell(record.user_name or record.user)
        if record.user is not None
        else safe.cell(t("ui.pool", lang), "italic dim")
    )
    return (
        safe.cell(str(record.id), justify="right"),
        type_label(record.type, lang),
        safe.cell(STATUS.label(record.status, lang), STATUS_STYLES.get(record.status, "")),
        responsible,
        safe.cell(list_date(record.occurred_at, lang, now)),
        safe.cell(record.contact_name),
        subject_preview(record, now),
    )


# --- the widget ---------------------------------------------------------------


class InteractionTable(DataTable[Text], inherit_bindings=False):
    """Interactions, newest first, paged on demand. Announces its loading
    state with `StateChanged` and an opened row with `Opened`."""

    DEFAULT_CSS = """
    InteractionTable {
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

        table: InteractionTable
        loaded: int
        more: bool
        loading: bool
        failed: bool

        @property
        def control(self) -> InteractionTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Only the latest state of a table matters to whoever shows it.
            return (
                isinstance(message, InteractionTable.StateChanged) and message.table is self.table
            )

    @dataclass
    class Opened(Message):
        """Enter (or a click) on a row."""

        table: InteractionTable
        record: InteractionRecord

        @property
        def control(self) -> InteractionTable:
            return self.table

    class _Fetched(Message, bubble=False):
        def __init__(
            self,
            generation: int,
            page: Page,
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

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id, classes=classes)
        localise_bindings(self)
        self._source: PageSource | None = None
        self._generation = 0
        self._next: Cursor | None = None
        self._loading = False
        self._failed = False
        self._records: dict[str, InteractionRecord] = {}
        self._restore_key: str | None = None
        self._natural = self._label_widths()
        self._widths: list[int] = []

    # -- public -----------------------------------------------------------------

    def load(self, source: PageSource) -> None:
        """Show `source` from its first page. The rows shown stay until that
        page arrives, so a refresh or a new search does not flash empty."""
        self._source = source
        self._generation += 1
        self._next = None
        self._failed = False
        self._start_fetch(None)

    def reload(self) -> None:
        """The same source again from the top, keeping the cursor on the
        same interaction when it is still in the first page."""
        record = self.record_at_cursor()
        self._restore_key = str(record.id) if record else None
        if self._source is not None:
            self.load(self._source)

    def record_at_cursor(self) -> InteractionRecord | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0))
        return self._records.get(str(row_key.value))

    @property
    def has_more(self) -> bool:
        return self._next is not None

    @property
    def is_loading(self) -> bool:
        return self._loading

    # -- loading ----------------------------------------------------------------

    def _start_fetch(self, after: Cursor | None) -> None:
        assert self._source is not None
        self._loading = True
        self._post_state()
        self._fetch(self._generation, self._source, after, language())

    @work(thread=True, exclusive=True, group="interaction-table-page")
    def _fetch(self, generation: int, source: PageSource, after: Cursor | None, lang: str) -> None:
        worker = get_current_worker()
        try:
            # Each worker thread opens its own connection and closes it, so
            # pooled threads never hold idle connections to a team server.
            with current().connection_context():
                page = source(after)
        except (CrmError, DatabaseError) as error:
            reason = explain(error) or str(error)
            if not worker.is_cancelled:
                self.post_message(self._FetchFailed(generation, reason))
            return
        now = clock.now()
        rows = [row_cells(record, lang, now) for record in page.items]
        widths = [max((row[i].cell_len for row in rows), default=0) for i in range(len(COLUMNS))]
        if not worker.is_cancelled:
            self.post_message(self._Fetched(generation, page, rows, widths, after is None))

    @on(_Fetched)
    def _show_page(self, message: _Fetched) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        if message.first:
            self.clear()
            self._records.clear()
            self._natural = self._label_widths()
        for record, cells in zip(message.page.items, message.rows, strict=True):
            key = str(record.id)
            # An interaction whose date was edited between two page fetches
            # can come round again; it stays where it was first shown.
            if key in self._records:
                continue
            self._records[key] = record
            self.add_row(*cells, key=key, height=1)
        self._natural = [max(a, b) for a, b in zip(self._natural, message.widths, strict=True)]
        self._next = message.page.next_cursor
        self._fit_columns()
        if message.first and self._restore_key in self._records:
            self.move_cursor(row=self.get_row_index(self._restore_key), animate=False)
        self._restore_key = None
        self._post_state()
        self._maybe_load_more()

    @on(_FetchFailed)
    def _show_failure(self, message: _FetchFailed) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._failed = True
        self._post_state()
        safe.notify(self.app, message.reason, severity="error")

    def _maybe_load_more(self) -> None:
        if self._loading or self._next is None or self._source is None:
            return
        bottom = round(self.scroll_y) + self.scrollable_content_region.height
        if self.row_count - max(self.cursor_row, bottom) <= LOOKAHEAD:
            self._start_fetch(self._next)

    def _post_state(self) -> None:
        self.post_message(
            self.StateChanged(self, len(self._records), self.has_more, self._loading, self._failed)
        )

    # -- reacting to the cursor, the viewport and the size ----------------------

    @on(DataTable.RowHighlighted)
    def _cursor_moved(self) -> None:
        self._maybe_load_more()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self._records.get(str(event.row_key.value))
        if record is not None:
            self.post_message(self.Opened(self, record))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_load_more()

    def on_mount(self) -> None:
        for spec, width in zip(COLUMNS, self._natural, strict=True):
            label = Text(t(spec.label_id), no_wrap=True, overflow="ellipsis")
            self.add_column(label, width=width, key=spec.key)

    def on_resize(self) -> None:
        self._fit_columns()
        self._maybe_load_more()

    # -- column widths ----------------------------------------------------------

    @staticmethod
    def _label_widths() -> list[int]:
        return [Text(t(spec.label_id)).cell_len for spec in COLUMNS]

    def _fit_columns(self) -> None:
        available = self.scrollable_content_region.width
        if available <= 0 or not self.columns:
            return
        widths = fit_widths(COLUMNS, self._natural, available, self.cell_padding)
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
