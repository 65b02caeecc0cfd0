"""A list of options to tick, each with a count on the right: what every
section of the filter sidebar is made of.

Textual's SelectionList draws the same box for a ticked and an unticked
option and tells them apart by colour alone, which is lost with NO_COLOR
and hard to read with 16 colours; here the box reads "[x]" or "[ ]"
("(●)" or "( )" in a one-choice list). Counts
change under the person's cursor (each filter change brings new ones), so
they are written into the options in place: the highlighted option, the
ticks and the focus stay where they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from crm_tui.i18n import language, register
from crm_tui.ui_text import localise_bindings

register(
    {
        "ui.key.toggle_option": ("Tick / untick", "Marcar / desmarcar"),
        "ui.key.next_option": ("Next option", "Opción siguiente"),
        "ui.key.previous_option": ("Previous option", "Opción anterior"),
    }
)


def format_count(count: int, lang: str) -> str:
    """`1,234` / `1234` and `12.345`: the locale's grouping."""
    from babel.numbers import format_decimal

    return format_decimal(count, locale=lang)


@dataclass(frozen=True)
class Choice:
    """One option: its value, what it shows (already safe Content: labels
    may be user text), and how many rows it would match (None: not known
    yet, or not counted)."""

    value: str
    label: Content
    count: int | None = None


class ChoiceList(SelectionList[str]):
    """Options with a tick box and a right-aligned count. `single` lists
    are ticked by the sidebar one option at a time (a radio group)."""

    DEFAULT_CSS = """
    ChoiceList {
        height: auto;
        max-height: 100%;
        border: none;
        padding: 0;
        background: transparent;
        & > .option-list--option-highlighted {
            color: $foreground;
            background: transparent;
            text-style: none;
        }
        &:focus {
            /* the highlighted option alone shows where the focus is */
            border: none;
            background-tint: $foreground 0%;
            & > .option-list--option-highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "select", "ui.key.toggle_option", show=False, id="toggle_option"),
        Binding("down,j", "cursor_down", "ui.key.next_option", show=False, id="next_option"),
        Binding("up,k", "cursor_up", "ui.key.previous_option", show=False, id="previous_option"),
    ]

    def __init__(self, *, single: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        localise_bindings(self)
        self.single = single
        self._choices: list[Choice] = []

    @property
    def values(self) -> list[str]:
        return [choice.value for choice in self._choices]

    def set_choices(self, choices: Sequence[Choice], selected: Iterable[str]) -> None:
        """Show these options, ticked as `selected` says. The same options
        as before (new counts or labels) are updated in place; a different
        set is rebuilt, keeping the highlight on the same value."""
        wanted = set(selected)
        new_values = [choice.value for choice in choices]
        if new_values == self.values:
            self._choices = list(choices)
            self._refresh_prompts()
            self.set_selected(wanted)
            return
        highlighted = self._highlighted_value()
        self._choices = list(choices)
        width = self._prompt_width()
        self.clear_options()
        self.add_options(
            Selection(self._prompt(choice, width), choice.value, choice.value in wanted)
            for choice in choices
        )
        # Always some option highlighted (invisible until the list has
        # focus), so the first space a person presses ticks something.
        if highlighted in new_values:
            self.highlighted = new_values.index(highlighted)
        elif choices:
            self.highlighted = 0

    def set_selected(self, values: Iterable[str]) -> None:
        """Tick exactly `values` (those that are options here), without
        the messages a person's toggle sends."""
        wanted = set(values)
        for value in self.values:
            if value in wanted:
                self.select(value)
            else:
                self.deselect(value)

    def _highlighted_value(self) -> str | None:
        if self.highlighted is None:
            return None
        try:
            return self.get_option_at_index(self.highlighted).value
        except OptionDoesNotExist:
            return None

    # -- drawing ---------------------------------------------------------------

    def _prompt_width(self) -> int:
        """Cells for label and count; 0 before the list has a size."""
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        return max(width, 0)

    def _prompt(self, choice: Choice, width: int) -> Content:
        if choice.count is None:
            return choice.label.truncate(width, ellipsis=True) if width else choice.label
        count = format_count(choice.count, language())
        if not width:
            return Content.assemble(choice.label, " ", (count, "dim"))
        room = max(width - len(count) - 1, 1)
        label = choice.label.truncate(room, ellipsis=True)
        gap = max(width - label.cell_length - len(count), 1)
        return Content.assemble(label, " " * gap, (count, "dim"))

    def _refresh_prompts(self) -> None:
        width = self._prompt_width()
        for index, choice in enumerate(self._choices):
            self.replace_option_prompt_at_index(index, self._prompt(choice, width))

    def on_resize(self) -> None:
        self._refresh_prompts()

    def _line_style(self, index: int) -> Style:
        """The style OptionList gives the line of option `index`."""
        if self.highlighted == index:
            state = "option-list--option-highlighted"
        elif self._mouse_hovering_over == index:
            state = "option-list--option-hover"
        else:
            return self.get_visual_style("option-list--option").rich_style
        return self.get_visual_style("option-list--option", state).rich_style

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        try:
            option = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 4:
            return strip
        # SelectionList draws the box as three segments (left edge, inside,
        # right edge) before a space; the box becomes "[x]" or "[ ]" in the
        # line's style (the prompt's own may be a type's colour), the mark
        # keeping the box's colour.
        line_style = self._line_style(index)
        box_style = segments[1].style
        mark_style = line_style + Style(color=box_style.color if box_style else None)
        ticked = option.value in self._selected
        mark = ("●" if self.single else "x") if ticked else " "
        segments[0:3] = [
            Segment("(" if self.single else "[", line_style),
            Segment(mark, mark_style),
            Segment(")" if self.single else "]", line_style),
        ]
        return Strip(segments, strip.cell_length)
