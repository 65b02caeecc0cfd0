"""All interactions, newest first, with search and filters."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Footer, Header

from crm_tui.i18n import t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.records import InteractionFilter
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.interaction_table import InteractionTable


class InteractionsScreen(CrmScreen[None]):
    """Every interaction in the database, paged."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield InteractionBrowser(t("ui.list.all"), state_key="interactions", id="browser")
        yield Footer()

    def on_mount(self) -> None:
        self.browser.table.focus()

    @property
    def browser(self) -> InteractionBrowser:
        return self.query_one(InteractionBrowser)

    @property
    def table(self) -> InteractionTable:
        return self.browser.table

    def load_data(self, *, first: bool) -> None:
        if first:
            self.browser.scope = InteractionFilter()
        else:
            self.browser.reload()

    @on(InteractionTable.Opened)
    def _open(self, event: InteractionTable.Opened) -> None:
        open_interaction(self.app, event.record)
