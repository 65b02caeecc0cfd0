"""The footer shows the keys of what has focus, and rebuilds itself only
when they change (issue 8: its rebuilds were a large part of a search
key's time and of start-up)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from crm_tui.widgets.key_footer import KeyFooter


class Box(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+o", "noop", "Open box")]


class FooterApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f2", "noop", "Save")]

    def compose(self) -> ComposeResult:
        yield Input(id="plain")
        yield Box(id="box")
        yield KeyFooter()

    def action_noop(self) -> None:
        pass


def keys_shown(app: App[None]) -> list[str]:
    return [key.description for key in app.query(FooterKey)]


async def test_the_footer_follows_the_focus_and_keeps_its_keys_when_nothing_changed() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "Save" in keys_shown(app)
        assert "Open box" not in keys_shown(app)
        before = list(app.query(FooterKey))

        app.screen.refresh_bindings()  # told of a change that changes nothing
        await pilot.pause()
        await pilot.pause()
        assert list(app.query(FooterKey)) == before  # the same key widgets: not rebuilt

        app.query_one("#box").focus()
        await pilot.pause()
        await pilot.pause()
        assert "Open box" in keys_shown(app)

        app.query_one("#plain").focus()
        await pilot.pause()
        await pilot.pause()
        assert "Open box" not in keys_shown(app)
