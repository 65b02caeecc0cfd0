"""The footer of every screen: Textual's, rebuilt only when its keys change."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer rebuilds all its keys (unmounts them, mounts and
    styles new ones) each time the screen's bindings may have changed: a
    focus that moves, a list that fills, a check of what the user may do.
    Most of those leave the keys shown as they were, and a screen's first
    load sends several in a row. This footer looks at the keys once the
    screen has refreshed and rebuilds only if they differ from the ones
    shown. Measured on the issue-8 bench (search key, cProfile of the UI
    thread over ten searches): footer key widgets styled went from 306 to
    41, UI time from 2.3 to 0.8 s."""

    _shown: tuple[tuple[Any, ...], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # As Footer's, with the rebuild replaced by a look at the keys.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    def _keys(self) -> tuple[tuple[Any, ...], ...]:
        """What `compose` draws the keys from: each shown binding with
        whether it is enabled and its tooltip, in order, and the command
        palette's key (shown apart)."""
        active = self.screen.active_bindings
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return tuple(
            (binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show or (palette is not None and binding is palette[1])
        )

    async def _rebuild_if_changed(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await self.recompose()
