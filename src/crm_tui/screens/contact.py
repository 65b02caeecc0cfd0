"""One contact: a header with its details and credit hold, its
opportunities (Enter opens one's timeline), and its interactions across
all of them; `H` opens all its history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.formatting import format_money, stage_label
from crm_tui.i18n import language, register, t
from crm_tui.screens.navigation import open_opportunity
from crm_tui.screens.party import PartyScreen
from crm_tui.services.contacts import get_contact, opportunities_of
from crm_tui.services.records import ContactRecord, InteractionFilter, OpportunityRecord
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.interaction_table import CONTACT_COLUMNS
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.party_header import PartyHeader

register(
    {
        "ui.contact.opportunities": ("Opportunities · {count}", "Oportunidades · {count}"),
        "ui.contact.no_opportunities": (
            "Opportunities · none yet",
            "Oportunidades · aún ninguna",
        ),
    }
)


@dataclass(frozen=True)
class ContactParty:
    contact: ContactRecord
    opportunities: tuple[OpportunityRecord, ...]


def fetch_contact(code: str) -> ContactParty:
    contact = get_contact(code)
    return ContactParty(contact, tuple(opportunities_of(contact.id)))


def opportunity_prompt(opportunity: OpportunityRecord, lang: str) -> Content:
    """`OP-001  Renovación de contrato · Proposal · 12,000.00`."""
    return Content.assemble(
        safe.plain_line(opportunity.code, "$text-accent"),
        "  ",
        safe.plain_line(opportunity.title, "bold"),
        (" · ", "$text-muted"),
        safe.plain_line(stage_label(opportunity.stage)),
        (" · ", "$text-muted"),
        format_money(opportunity.value, lang),
    )


class ContactScreen(PartyScreen[ContactParty]):
    """The contact with code `code`."""

    DEFAULT_CSS = """
    ContactScreen #opportunities-box {
        height: auto;
        border-bottom: solid $primary-muted;
    }
    ContactScreen #opportunities-heading {
        padding: 0 1;
        text-style: bold;
        color: $text-accent;
    }
    ContactScreen #opportunities {
        height: auto;
        max-height: 4;
        border: none;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    kind = "contact"
    fetch = staticmethod(fetch_contact)

    def compose(self) -> ComposeResult:
        yield Header()
        yield PartyHeader(id="party")
        with Vertical(id="opportunities-box"):
            yield Label(t("ui.status.loading"), id="opportunities-heading")
            yield OptionList(id="opportunities", compact=True, markup=False)
        yield InteractionBrowser(
            t("ui.party.interactions"), CONTACT_COLUMNS, state_key="contact", id="browser"
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.table.focus()

    def show_party(self, party: ContactParty) -> None:
        self.query_one(PartyHeader).show_contact(party.contact)
        self._show_opportunities(party.opportunities)

    @staticmethod
    def code_of(party: ContactParty) -> str:
        return party.contact.code

    @staticmethod
    def scope_of(party: ContactParty) -> InteractionFilter:
        return InteractionFilter(contacts=(party.contact.code,))

    def new_for(self, party: ContactParty) -> tuple[str, str | None]:
        return party.contact.code, None  # the form offers its opportunities

    def all_history(self, party: ContactParty) -> Screen[None]:
        # Imported when asked for, as `navigation` imports screens.
        from crm_tui.screens.activity import ActivityScreen

        return ActivityScreen(contact=party.contact)

    def _show_opportunities(self, opportunities: Sequence[OpportunityRecord]) -> None:
        heading = (
            t("ui.contact.opportunities", count=len(opportunities))
            if opportunities
            else t("ui.contact.no_opportunities")
        )
        self.query_one("#opportunities-heading", Label).update(heading)
        option_list = self.query_one("#opportunities", OptionList)
        highlighted = option_list.highlighted
        lang = language()
        option_list.set_options(
            Option(opportunity_prompt(opportunity, lang), id=opportunity.code)
            for opportunity in opportunities
        )
        option_list.display = bool(opportunities)
        if opportunities:
            # The same row as before a refresh, else the first: Enter always opens one.
            option_list.highlighted = min(highlighted or 0, len(opportunities) - 1)

    @on(OptionList.OptionSelected, "#opportunities")
    def _open_opportunity(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.go_to_party("opportunity", event.option.id, open_opportunity)
