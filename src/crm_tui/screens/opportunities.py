"""Opportunities: every opportunity, newest first, narrowed as one types
a code, a title or a contact's name; Enter opens its timeline."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from crm_tui.formatting import format_money, stage_label
from crm_tui.i18n import register
from crm_tui.screens.navigation import open_opportunity
from crm_tui.screens.search_screen import SearchListScreen
from crm_tui.services.contacts import search_opportunities
from crm_tui.services.records import OpportunityRecord
from crm_tui.widgets import safe
from crm_tui.widgets.paged_table import Column, PagedTable, PageSource, keyset_source
from crm_tui.widgets.search_list import ListTexts, SearchList

register(
    {
        "ui.opportunities_list.heading": ("Opportunities", "Oportunidades"),
        "ui.opportunities_list.placeholder": (
            "/ search code, title or contact",
            "/ buscar código, título o cliente",
        ),
        "ui.opportunities_list.more": (
            "{count} shown · more below",
            "{count} mostradas · hay más",
        ),
        "ui.opportunities_list.all": ("{count} shown", "{count} mostradas"),
        "ui.opportunities_list.empty": ("No opportunities yet", "Aún no hay oportunidades"),
        "ui.opportunities_list.column.code": ("Code", "Código"),
        "ui.opportunities_list.column.title": ("Title", "Título"),
        "ui.opportunities_list.column.contact": ("Contact", "Cliente"),
        "ui.opportunities_list.column.stage": ("Stage", "Etapa"),
        "ui.opportunities_list.column.value": ("Value", "Importe"),
        "ui.opportunities_list.column.owner": ("Owner", "Comercial"),
    }
)

TEXTS = ListTexts(
    heading="ui.opportunities_list.heading",
    placeholder="ui.opportunities_list.placeholder",
    more="ui.opportunities_list.more",
    all="ui.opportunities_list.all",
    empty="ui.opportunities_list.empty",
)

STAGE_STYLES = {"won": "green", "lost": "dim"}


def opportunities_matching(text: str) -> PageSource[OpportunityRecord]:
    """Pages of the opportunities matching `text`, newest first."""
    return keyset_source(
        lambda after, limit: search_opportunities(text, after_id=after, limit=limit),
        lambda opportunity: opportunity.id,
    )


# --- cells ---------------------------------------------------------------------


def code_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(opportunity.code)


def title_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(opportunity.title)


def contact_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(opportunity.contact_name)


def stage_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(stage_label(opportunity.stage, lang), STAGE_STYLES.get(opportunity.stage, ""))


def value_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(format_money(opportunity.value, lang), justify="right")


def owner_cell(opportunity: OpportunityRecord, lang: str, now: datetime) -> Text:
    return safe.cell(opportunity.owner or "")


OpportunityColumn = Column[OpportunityRecord]

OPPORTUNITY_LIST_COLUMNS = (
    OpportunityColumn("code", "ui.opportunities_list.column.code", code_cell, max_width=14),
    OpportunityColumn(
        "title",
        "ui.opportunities_list.column.title",
        title_cell,
        max_width=48,
        min_width=12,
        weight=4,
    ),
    OpportunityColumn(
        "contact",
        "ui.opportunities_list.column.contact",
        contact_cell,
        max_width=28,
        min_width=8,
        weight=3,
    ),
    OpportunityColumn("stage", "ui.opportunities_list.column.stage", stage_cell, max_width=14),
    OpportunityColumn("value", "ui.opportunities_list.column.value", value_cell, max_width=16),
    OpportunityColumn(
        "owner",
        "ui.opportunities_list.column.owner",
        owner_cell,
        max_width=14,
        min_width=5,
        weight=1,
    ),
)


class OpportunitiesScreen(SearchListScreen[OpportunityRecord]):
    """Every opportunity, searchable, paged; Enter opens its timeline."""

    def make_list(self) -> SearchList[OpportunityRecord]:
        table = PagedTable(OPPORTUNITY_LIST_COLUMNS, id="opportunities")
        return SearchList(table, opportunities_matching, TEXTS)

    def open_record(self, record: OpportunityRecord) -> None:
        open_opportunity(self.app, record.code)
