"""Help (`?`, F1): every key of the screen it was opened from, grouped as
the keys of that screen, the keys that move, and the keys that work
everywhere, shown as the footer shows them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label

from crm_tui.i18n import register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.help.section.screen": ("This screen", "Esta pantalla"),
        "ui.help.section.moving": ("Moving", "Moverse"),
        "ui.help.section.everywhere": ("Everywhere", "En todas partes"),
        "ui.help.key.scroll_down": ("Scroll down", "Bajar"),
        "ui.help.key.scroll_up": ("Scroll up", "Subir"),
        "ui.help.key.page_down": ("Page down", "Página siguiente"),
        "ui.help.key.page_up": ("Page up", "Página anterior"),
        "ui.help.key.top": ("Top", "Principio"),
        "ui.help.key.bottom": ("Bottom", "Final"),
    }
)

# Actions that only move the cursor or the view (Textual's names and the
# `move(...)` of our own pickers), listed under "Moving".
MOVING_ACTION = re.compile(r"(cursor|page|scroll)_\w+|move")


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    """As the footer shows them, joined: "↓, j"."""
    description: str


@dataclass(frozen=True)
class HelpSection:
    title: str
    keys: tuple[KeyHelp, ...]


def is_moving(action: str) -> bool:
    """Whether `action` (as a binding names it) only moves the cursor or view."""
    name = action.partition("(")[0].rpartition(".")[2]
    return MOVING_ACTION.fullmatch(name) is not None


def key_map(screen: Screen[object]) -> list[HelpSection]:
    """Every binding active on `screen` that has an id (ours; Textual's own
    tab and copy bindings have none): those of the screen and of the
    focused widget and its containers, those that move, and the app's.
    The keys of one description are joined; empty sections are left out."""
    grouped: dict[str, dict[str, list[str]]] = {
        section: defaultdict(list) for section in ("screen", "moving", "everywhere")
    }
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is None or not binding.description:
            continue
        if isinstance(active.node, App):
            section = "everywhere"
        elif is_moving(binding.action):
            section = "moving"
        else:
            section = "screen"
        grouped[section][binding.description].append(screen.app.get_key_display(binding))
    return [
        HelpSection(
            t(f"ui.help.section.{section}"),
            # Shortest first, so a letter comes before a named key: "g, home".
            tuple(
                KeyHelp(", ".join(sorted(keys, key=len)), description)
                for description, keys in descriptions.items()
            ),
        )
        for section, descriptions in grouped.items()
        if descriptions
    ]


class HelpBody(VerticalScroll, inherit_bindings=False):
    """The sections, scrolled with the keys that move a list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_down", "ui.help.key.scroll_down", id="help_down"),
        Binding("up,k", "scroll_up", "ui.help.key.scroll_up", show=False, id="help_up"),
        Binding("pagedown", "page_down", "ui.help.key.page_down", show=False, id="help_page_down"),
        Binding("pageup", "page_up", "ui.help.key.page_up", show=False, id="help_page_up"),
        Binding("home,g", "scroll_home", "ui.help.key.top", show=False, id="help_top"),
        Binding("end,G", "scroll_end", "ui.help.key.bottom", show=False, id="help_bottom"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        localise_bindings(self)


class HelpScreen(DialogScreen[None]):
    """The key map of the screen it was opened from, over that screen."""

    DEFAULT_CSS = """
    HelpScreen #help {
        max-width: 110;
        margin: 1 2;
    }
    HelpScreen .help-section {
        color: $accent;
        text-style: bold;
        margin-top: 1;
    }
    HelpScreen .help-section.-first {
        margin-top: 0;
    }
    HelpScreen .help-keys {
        grid-size: 2;
        grid-gutter: 0 2;
        height: auto;
    }
    HelpScreen .help-key {
        text-style: bold;
    }
    HelpScreen .help-action {
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "ui.key.close", id="close_help")
    ]

    def __init__(self, sections: Sequence[HelpSection]) -> None:
        super().__init__()
        localise_bindings(self)
        self.sections = tuple(sections)

    def compose(self) -> ComposeResult:
        # One key column for every section, as wide as the widest keys.
        key_width = max(
            (cell_len(entry.keys) for section in self.sections for entry in section.keys), default=1
        )
        with HelpBody(id="help", classes="dialog-frame") as body:
            body.border_title = t("ui.help.title")
            for number, section in enumerate(self.sections):
                title = Label(safe.plain_line(section.title), classes="help-section")
                title.set_class(number == 0, "-first")
                yield title
                with Grid(classes="help-keys") as grid:
                    grid.styles.grid_columns = f"{key_width} 1fr"
                    for entry in section.keys:
                        yield Label(safe.plain_line(entry.keys), classes="help-key")
                        yield Label(safe.plain_line(entry.description), classes="help-action")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(HelpBody).focus()

    def action_close(self) -> None:
        self.dismiss(None)
