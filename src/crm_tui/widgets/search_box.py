"""A search box that asks once typing pauses.

Typing narrows a list after a short pause, so a word typed quickly costs
one query, not one per letter; Enter asks at once. The box says what to
search for with `SearchBox.Search`; the list that owns it runs the query.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from crm_tui.widgets.list_timing import timings_of


class SearchBox(Input):
    """A one-line search input (placeholder, no border) with a pause."""

    @dataclass
    class Search(Message):
        """Search for `value` (stripped); `submitted`: Enter was pressed,
        so the person is done typing and wants the results."""

        box: SearchBox
        value: str
        submitted: bool

        @property
        def control(self) -> SearchBox:
            return self.box

    def __init__(self, placeholder: str, *, pause: float, id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, compact=True)
        self.pause = pause
        self._timer: Timer | None = None

    def clear_search(self) -> None:
        """Empty the box; the owner shows everything again at once."""
        self.cancel_pending()
        self.value = ""

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self.cancel_pending()
        timings = timings_of(self)
        if timings is not None:
            timings.forget_key()  # its search waits for the pause: not a key's answer
        value = event.value.strip()
        self._timer = self.set_timer(
            self.pause, lambda: self.post_message(self.Search(self, value, submitted=False))
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.cancel_pending()
        self.post_message(self.Search(self, event.value.strip(), submitted=True))

    def cancel_pending(self) -> None:
        """Forget what was typed but not asked for yet."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
