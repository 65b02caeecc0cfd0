"""Events grouped under headings (overdue, then day by day): a line of
column names, then for each group a heading that the cursor skips and a
row per event, the rows' columns lined up across groups.

The agenda shows what its screen hands it (`show`): the headings, each
row's cells and, usually, the rows already laid out as lines for its width
(`lay_out`, which fits the columns as the paged tables do), all made in a
worker; so the UI thread only hands the lines to the list. When its width
changes the agenda lays the rows out again itself. Enter on a row
announces `Opened`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.i18n import t
from crm_tui.services.records import InteractionRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_table import ColumnSpec
from crm_tui.widgets.paged_table import fit_widths, label_widths

# Cells between two columns, as in the paged tables (one each side).
CELL_PADDING = 1
RECORD_PREFIX = "event-"


@dataclass(frozen=True)
class AgendaRow:
    record: InteractionRecord
    cells: tuple[Text, ...]


@dataclass(frozen=True)
class AgendaGroup:
    heading: str
    overdue: bool
    rows: tuple[AgendaRow, ...]


@dataclass(frozen=True)
class AgendaLayout:
    """The groups' rows as lines fitted to `width` cells: what the list
    shows, made where the rows are drawn (in a worker) so the UI thread
    only hands it over."""

    width: int
    header: Content
    lines: tuple[tuple[Content, ...], ...]  # per group, per row


def fitted_line(cells: Sequence[Text], widths: Sequence[int]) -> Text:
    """One line of cells, each cut with "…" or padded to its width."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    pad = " " * CELL_PADDING
    for cell, width in zip(cells, widths, strict=True):
        piece = cell.copy()
        piece.truncate(width, overflow="ellipsis")
        piece.align("right" if cell.justify == "right" else "left", width)
        line.append(pad)
        line.append_text(piece)
        line.append(pad)
    return line


def lay_out(
    columns: Sequence[ColumnSpec], groups: Sequence[AgendaGroup], width: int
) -> AgendaLayout:
    """Column widths shared as the paged tables share them (`fit_widths`),
    and every row as one line of those widths."""
    natural = label_widths(columns)
    for group in groups:
        for row in group.rows:
            natural = [max(a, cell.cell_len) for a, cell in zip(natural, row.cells, strict=True)]
    widths = fit_widths(columns, natural, width, CELL_PADDING)
    labels = [Text(t(column.label_id)) for column in columns]
    return AgendaLayout(
        width,
        Content.from_rich_text(fitted_line(labels, widths)),
        tuple(
            tuple(Content.from_rich_text(fitted_line(row.cells, widths)) for row in group.rows)
            for group in groups
        ),
    )


class AgendaOptions(OptionList, inherit_bindings=False):
    """The rows and headings; headings are disabled options, so the
    cursor, Enter and clicks pass them by."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "ui.key.open", id="open"),
        Binding("down,j", "cursor_down", "ui.key.down", show=False, id="cursor_down"),
        Binding("up,k", "cursor_up", "ui.key.up", show=False, id="cursor_up"),
        Binding("pagedown", "page_down", "ui.key.page_down", show=False, id="page_down"),
        Binding("pageup", "page_up", "ui.key.page_up", show=False, id="page_up"),
        Binding("home,g", "first", "ui.key.top", show=False, id="first_row"),
        Binding("end,G", "last", "ui.key.bottom", show=False, id="last_row"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        localise_bindings(self)


class EventAgenda(Widget):
    """Grouped events with a line of column names over them."""

    DEFAULT_CSS = """
    EventAgenda {
        height: 1fr;
    }
    EventAgenda > #agenda-columns {
        width: 1fr;
        height: 1;
        text-style: bold;
        color: $text;
    }
    EventAgenda > AgendaOptions {
        height: 1fr;
        max-height: 100%;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &:focus {
            border: none;
        }
        & > .option-list--option-disabled {
            color: $text-accent;
            text-style: bold;
        }
    }
    """

    @dataclass
    class Opened(Message):
        """Enter (or a click) on an event."""

        agenda: EventAgenda
        record: InteractionRecord

        @property
        def control(self) -> EventAgenda:
            return self.agenda

    def __init__(self, columns: Sequence[ColumnSpec], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._groups: tuple[AgendaGroup, ...] = ()
        self._layout: AgendaLayout | None = None
        self._empty = ""
        self._records: dict[str, InteractionRecord] = {}

    def compose(self) -> ComposeResult:
        yield Label(id="agenda-columns")
        yield AgendaOptions(id="agenda-options")

    @property
    def options(self) -> AgendaOptions:
        return self.query_one(AgendaOptions)

    @property
    def width_for_rows(self) -> int:
        """The width a layout for this agenda is made for (`lay_out`)."""
        return self.options.scrollable_content_region.width if self.is_mounted else 0

    def show(
        self,
        groups: Sequence[AgendaGroup],
        *,
        empty: str,
        layout: AgendaLayout | None = None,
    ) -> None:
        """Show `groups` (or `empty` when there are none), as `layout` has
        them when it was made for this width; the cursor stays on the event
        it was on when that event is still shown."""
        kept = self.record_at_cursor()
        self._groups = tuple(groups)
        self._layout = layout
        self._empty = empty
        self._records = {
            f"{RECORD_PREFIX}{row.record.id}": row.record
            for group in self._groups
            for row in group.rows
        }
        self._refresh_lines(kept_id=kept.id if kept else None)

    def record_at_cursor(self) -> InteractionRecord | None:
        option = self.options.highlighted_option
        return self._records.get(option.id or "") if option is not None else None

    # -- layout -----------------------------------------------------------------

    def on_resize(self) -> None:
        layout = self._layout
        if layout is None or layout.width != self.width_for_rows:
            kept = self.record_at_cursor()
            self._refresh_lines(kept_id=kept.id if kept else None)

    def _refresh_lines(self, *, kept_id: int | None) -> None:
        width = self.width_for_rows
        if not width:
            return  # not laid out yet; the first resize comes back here
        layout = self._layout
        if layout is None or layout.width != width:
            layout = self._layout = lay_out(self.columns, self._groups, width)
        self.query_one("#agenda-columns", Label).update(layout.header)
        options = self.options
        options.set_options(self._options(layout))
        wanted = f"{RECORD_PREFIX}{kept_id}" if kept_id is not None else None
        rows = [i for i, option in enumerate(options.options) if not option.disabled]
        if not rows:
            options.highlighted = None
            return
        options.highlighted = next(
            (i for i in rows if options.options[i].id == wanted),
            rows[0],
        )

    def _options(self, layout: AgendaLayout) -> list[Option]:
        if not self._groups:
            return [Option(safe.plain_line(self._empty, "$text-muted"), disabled=True)]
        options: list[Option] = []
        for group, lines in zip(self._groups, layout.lines, strict=True):
            style = "bold $text-error" if group.overdue else ""
            options.append(Option(Content.styled(group.heading, style), disabled=True))
            options.extend(
                Option(line, id=f"{RECORD_PREFIX}{row.record.id}")
                for row, line in zip(group.rows, lines, strict=True)
            )
        return options

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        record = self._records.get(event.option.id or "")
        if record is not None:
            self.post_message(self.Opened(self, record))
