"""The footer of every screen: Textual's, redrawn once per burst of changes."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer rebuilds all its keys each time the screen's
    bindings change, and a screen's first load changes them several times
    in a row (focus lands, the user's permissions arrive, a list fills):
    each rebuild mounts and styles every key again. This footer waits for
    the burst to settle (the next refresh) and rebuilds once: at start-up
    that was about 100 of 500 ms before the first screen."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._bindings_settled, screen)

    def _bindings_settled(self, screen: Screen) -> None:
        self._rebuild_pending = False
        super().bindings_changed(screen)
