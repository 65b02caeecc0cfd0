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

from collections.abc import Callable

from textual.dom import DOMNode


class FocusPromise:
    """At most one focus promised at a time: a newer promise replaces it."""

    def __init__(self) -> None:
        self._keep: Callable[[], None] | None = None

    def promise(self, keep: Callable[[], None]) -> None:
        """`keep` moves the focus; it is called once, by `keep_now` or
        `key_arrived`, unless another promise comes first."""
        self._keep = keep

    def keep_now(self, keep: Callable[[], None]) -> None:
        """The promiser's rows came: keep its promise, if it still stands."""
        if self._keep == keep:
            self._keep = None
            keep()

    def key_arrived(self) -> None:
        """Before the app handles a key: the promised focus moves now, so
        the key goes where the person expects it."""
        keep, self._keep = self._keep, None
        if keep is not None:
            keep()


def focus_promise_of(node: DOMNode) -> FocusPromise | None:
    """The app's promise (`CrmApp.focus_promise`); a widget in another app
    (a widget test) has none."""
    promise = getattr(node.app, "focus_promise", None)
    return promise if isinstance(promise, FocusPromise) else None
