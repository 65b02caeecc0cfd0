"""A focus that comes with a list's rows, or with the next key.

Enter in a search box sends the focus to the list, whose new rows are on
their way. Moving the focus restyles the whole table, and repainting a
screenful of cells takes the UI thread tens of milliseconds: moved at once,
it repaints the old rows, and the new ones wait for that repaint before
they are painted in turn. So the list promises the focus instead and takes
it when its rows are applied. A key that comes first must not land in the
box the person has left: the app tells the promise of every key before it
is handled (`FocusPromise.key_arrived`), and the focus moves then.

An app without one (a widget test's) moves the focus at once.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.widget import Widget


class FocusPromise:
    """At most one focus promised at a time: a newer promise replaces it."""

    def __init__(self) -> None:
        self._to: Widget | None = None
        self._from: Widget | None = None

    def promise(self, to: Widget) -> None:
        """`to` takes the focus at `keep` or at the next key, whichever
        comes first, if the focus is still where it is now."""
        self._to, self._from = to, to.screen.focused

    def keep(self, to: Widget) -> None:
        """`to`'s rows came: it takes the focus if it still has a promise."""
        if self._to is to:
            self._move()

    def key_arrived(self) -> None:
        """Before the app handles a key: the promised focus moves now, so
        the key goes where the person expects it."""
        self._move()

    def _move(self) -> None:
        # At once, not after a refresh as `Widget.focus` does: a key waits
        # to go where the focus is. A list removed meanwhile (its screen
        # closed by a click) takes nothing.
        to, came_from = self._to, self._from
        self._to = self._from = None
        if to is not None and to.is_attached and to.screen.focused is came_from:
            to.screen.set_focus(to)


def focus_promise_of(node: DOMNode) -> FocusPromise | None:
    """The app's promise (`CrmApp.focus_promise`); a widget in another app
    (a widget test) has none."""
    promise = getattr(node.app, "focus_promise", None)
    return promise if isinstance(promise, FocusPromise) else None
