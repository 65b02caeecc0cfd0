"""All interactions, newest first, with search and filters; `C` schedules
a call campaign to the contacts of what the list shows, `I` imports
interactions from a file."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header

from crm_tui.i18n import register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.campaign_form import open_campaign_form
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.campaigns import ContactSearch
from crm_tui.services.records import InteractionFilter
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.interaction_table import InteractionTable
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.interactions.key.campaign": ("Campaign from this list", "Campaña con esta lista"),
        "ui.interactions.key.import": ("Import from a file", "Importar desde un archivo"),
    }
)


class InteractionsScreen(CrmScreen[None]):
    """Every interaction in the database, paged."""

    # On the screen, not the shared browser: a timeline's `C` opens its contact.
    BINDINGS: ClassVar[list[BindingType]] = [
        # A supervisor's key: in help and the palette, not in every agent's footer.
        Binding(
            "C", "campaign", "ui.interactions.key.campaign", show=False, id="campaign_from_list"
        ),
        # Rarely used: in help and the palette, leaving the footer to the list's keys.
        Binding("I", "import_file", "ui.interactions.key.import", show=False, id="import_file"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield InteractionBrowser(t("ui.list.all"), state_key="interactions", id="browser")
        yield KeyFooter()

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

    def action_campaign(self) -> None:
        """The contacts of the interactions listed; with no filter and no
        search that is every interaction, so every contact."""
        wanted = self.browser.effective_filter()
        if wanted is None or wanted.is_empty():
            open_campaign_form(self, self.actor, contact_search=ContactSearch())
        else:
            open_campaign_form(self, self.actor, selection=wanted)

    def action_import_file(self) -> None:
        # Imported here: the importer is loaded only when someone imports.
        from crm_tui.screens.import_screen import ImportScreen

        self.app.push_screen(ImportScreen())
