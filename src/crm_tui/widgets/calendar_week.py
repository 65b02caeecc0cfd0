"""A week as seven columns side by side, Monday to Sunday: a heading per
day over its events, each event a few lines (time, type and subject,
contact, and how it stands when not simply pending).

Each column scrolls on its own, so a busy Monday does not push Tuesday out
of sight. The grid itself takes the focus and keeps one cursor across the
columns: up and down go through the week's events in order, day after
day, and Enter on one announces `Opened`. The screen draws the entries (in
a worker) and hands them over with `show`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.services.records import InteractionRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe

DAYS_IN_WEEK = 7
ENTRY_PREFIX = "week-event-"


@dataclass(frozen=True)
class WeekEntry:
    record: InteractionRecord
    prompt: Content  # the event's lines, already safe


@dataclass(frozen=True)
class WeekColumn:
    heading: str
    today: bool
    entries: tuple[WeekEntry, ...]
    empty: str  # what an empty day says


class DayOptions(OptionList):
    """One day's events; the grid holds the focus and moves this cursor."""

    can_focus = False


class WeekGrid(Widget, can_focus=True):
    """Seven day columns with one cursor across them."""

    DEFAULT_CSS = """
    WeekGrid {
        height: 1fr;
        & > Horizontal {
            height: 1fr;
        }
        & .week-day {
            width: 1fr;
            height: 1fr;
            border-right: vkey $border-blurred;
        }
        & .week-day-heading {
            width: 1fr;
            height: 1;
            padding: 0 1;
            text-style: bold;
            color: $text-accent;
        }
        & .week-day.-today .week-day-heading {
            text-style: bold reverse;
        }
        & DayOptions {
            height: 1fr;
            border: none;
            padding: 0 0 0 1;
            background: transparent;
            scrollbar-size-vertical: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
            & > .option-list--option-disabled {
                color: $text-muted;
            }
        }
        &:focus DayOptions > .option-list--option-highlighted {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "ui.key.open", id="week_open"),
        Binding("down,j", "move(1)", "ui.key.down", show=False, id="week_down"),
        Binding("up,k", "move(-1)", "ui.key.up", show=False, id="week_up"),
    ]

    @dataclass
    class Opened(Message):
        """Enter (or a click) on an event."""

        grid: WeekGrid
        record: InteractionRecord

        @property
        def control(self) -> WeekGrid:
            return self.grid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localise_bindings(self)
        self._columns: tuple[WeekColumn, ...] = ()
        self._cursor: tuple[int, int] | None = None  # (day, event)

    def compose(self) -> ComposeResult:
        with Horizontal():
            for day in range(DAYS_IN_WEEK):
                with Vertical(classes="week-day", id=f"week-day-{day}"):
                    yield Label(classes="week-day-heading", id=f"week-heading-{day}")
                    yield DayOptions(id=f"week-options-{day}")

    def _options(self, day: int) -> DayOptions:
        return self.query_one(f"#week-options-{day}", DayOptions)

    def show(self, columns: Sequence[WeekColumn]) -> None:
        """Show the week; the cursor stays on the event it was on when that
        event is still shown, else goes to the first event."""
        kept = self.record_at_cursor()
        self._columns = tuple(columns)[:DAYS_IN_WEEK]
        for day, column in enumerate(self._columns):
            self.query_one(f"#week-day-{day}").set_class(column.today, "-today")
            self.query_one(f"#week-heading-{day}", Label).update(safe.plain_line(column.heading))
            options: list[Option | None] = []
            for number, entry in enumerate(column.entries):
                if number:
                    options.append(None)  # a rule between two events
                options.append(Option(entry.prompt, id=f"{ENTRY_PREFIX}{entry.record.id}"))
            if not options:
                options.append(Option(safe.plain_line(column.empty), disabled=True))
            self._options(day).set_options(options)
        places = self._places()
        wanted = next(
            (place for place in places if kept and self._record(place).id == kept.id),
            places[0] if places else None,
        )
        self._move_to(wanted)

    def record_at_cursor(self) -> InteractionRecord | None:
        return self._record(self._cursor) if self._cursor is not None else None

    def _record(self, place: tuple[int, int]) -> InteractionRecord:
        day, number = place
        return self._columns[day].entries[number].record

    def _places(self) -> list[tuple[int, int]]:
        """Every event's (day, event) in week order."""
        return [
            (day, number)
            for day, column in enumerate(self._columns)
            for number in range(len(column.entries))
        ]

    def _move_to(self, place: tuple[int, int] | None) -> None:
        self._cursor = place
        for day in range(len(self._columns)):
            options = self._options(day)
            if place is not None and place[0] == day:
                options.highlighted = place[1]  # the rules between are not options
                options.scroll_to_highlight()
            else:
                options.highlighted = None

    def action_move(self, step: int) -> None:
        places = self._places()
        if not places:
            return
        at = places.index(self._cursor) if self._cursor in places else 0
        self._move_to(places[max(0, min(len(places) - 1, at + step))])

    def action_open(self) -> None:
        record = self.record_at_cursor()
        if record is not None:
            self.post_message(self.Opened(self, record))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        day = int((event.option_list.id or "").rsplit("-", 1)[-1])
        self._move_to((day, event.option_index))
        self.focus()
        self.action_open()
