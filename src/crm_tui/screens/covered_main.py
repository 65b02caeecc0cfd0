"""The main screen under a screen pop, until the person first sees it.

`crm-tui --opportunity CODE` opens the opportunity's timeline over the
opportunities list, so that `q` goes back to the list. Building that list
first (its search box, filters, table and footer) cost about a third of
the time to the timeline's first frame, for a screen that may never be
looked at. Under a screen pop the mode starts with this screen instead: a
header and "Opening the database…" while the database opens, then covered
by the screen the person asked for. The first time it shows again (the
pop screen closed) or the app asks (the code was unknown, so the list is
where to look), it puts the real main screen in its place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Label

from crm_tui.i18n import t
from crm_tui.widgets import safe


class CoveredMainScreen(Screen[None]):
    """Stands in for the main screen `build` makes, at the bottom of its
    mode's stack, until it is shown after being covered or `replace` is
    called."""

    def __init__(self, build: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self._build = build
        self._covered = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")

    def on_screen_suspend(self) -> None:
        self._covered = True

    def on_screen_resume(self) -> None:
        if self._covered:
            self.replace()

    def replace(self) -> None:
        """Put the real main screen in this one's place (it must be in
        front: Textual switches the top of the stack)."""
        # Textual's switch_screen drops the result callback that
        # push_screen gives a screen; a mode's first screen never got one,
        # so it is given the empty one push_screen gives (textual 8.2.8).
        self._push_result_callback(self, None)
        self.app.switch_screen(self._build())
