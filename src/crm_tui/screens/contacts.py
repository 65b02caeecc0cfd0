"""Contacts: every contact by name, narrowed as one types a code, a name,
a company or a phone number; Enter opens the contact."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from crm_tui.i18n import register, t
from crm_tui.screens.campaign_form import open_campaign_form
from crm_tui.screens.navigation import open_contact
from crm_tui.screens.search_screen import SearchListScreen
from crm_tui.services.campaigns import ContactSearch
from crm_tui.services.contacts import search_contacts
from crm_tui.services.records import ContactRecord
from crm_tui.widgets import safe
from crm_tui.widgets.paged_table import Column, PagedTable, PageSource, keyset_source
from crm_tui.widgets.search_list import ListTexts, SearchList

register(
    {
        "ui.contacts_list.heading": ("Contacts", "Clientes"),
        "ui.contacts_list.placeholder": (
            "/ search code, name, company or phone",
            "/ buscar código, nombre, empresa o teléfono",
        ),
        "ui.contacts_list.more": ("{count} shown · more below", "{count} mostrados · hay más"),
        "ui.contacts_list.all": ("{count} shown", "{count} mostrados"),
        "ui.contacts_list.empty": ("No contacts yet", "Aún no hay clientes"),
        "ui.contacts_list.column.code": ("Code", "Código"),
        "ui.contacts_list.column.name": ("Name", "Nombre"),
        "ui.contacts_list.column.company": ("Company", "Empresa"),
        "ui.contacts_list.column.phone": ("Phone", "Teléfono"),
        "ui.contacts_list.column.credit": ("Credit", "Crédito"),
        "ui.contacts_list.column.owner": ("Owner", "Comercial"),
        "ui.contacts_list.on_hold": ("⚠ on hold", "⚠ retenido"),
        "ui.contacts_list.key.campaign": ("Campaign from this list", "Campaña con esta lista"),
    }
)

TEXTS = ListTexts(
    heading="ui.contacts_list.heading",
    placeholder="ui.contacts_list.placeholder",
    more="ui.contacts_list.more",
    all="ui.contacts_list.all",
    empty="ui.contacts_list.empty",
)


def contacts_matching(text: str) -> PageSource[ContactRecord]:
    """Pages of the contacts matching `text`, by (name, id)."""
    return keyset_source(
        lambda after, limit: search_contacts(text, after=after, limit=limit),
        lambda contact: (contact.name, contact.id),
    )


# --- cells ---------------------------------------------------------------------


def code_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    return safe.cell(contact.code)


def name_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    return safe.cell(contact.name)


def company_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    return safe.cell(contact.company)


def phone_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    return safe.cell(contact.phone)


def credit_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    """A marker (a sign and a word, so it reads without colour) on a
    contact whose credit is on hold; nothing otherwise."""
    if not contact.credit_hold:
        return safe.cell("")
    return safe.cell(t("ui.contacts_list.on_hold", lang), "bold red")


def owner_cell(contact: ContactRecord, lang: str, now: datetime) -> Text:
    return safe.cell(contact.owner or "")


ContactColumn = Column[ContactRecord]

CONTACT_LIST_COLUMNS = (
    ContactColumn("code", "ui.contacts_list.column.code", code_cell, max_width=14),
    ContactColumn(
        "name", "ui.contacts_list.column.name", name_cell, max_width=40, min_width=12, weight=4
    ),
    ContactColumn(
        "company",
        "ui.contacts_list.column.company",
        company_cell,
        max_width=30,
        min_width=8,
        weight=3,
    ),
    ContactColumn("phone", "ui.contacts_list.column.phone", phone_cell, max_width=16),
    ContactColumn("credit", "ui.contacts_list.column.credit", credit_cell, max_width=12),
    ContactColumn(
        "owner", "ui.contacts_list.column.owner", owner_cell, max_width=14, min_width=5, weight=1
    ),
)


class ContactsScreen(SearchListScreen[ContactRecord]):
    """Every contact, searchable, paged; Enter opens the contact; `C`
    schedules a call campaign to the contacts the search lists."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # A supervisor's key: in help and the palette, not in every agent's footer.
        Binding(
            "C", "campaign", "ui.contacts_list.key.campaign", show=False, id="campaign_from_list"
        ),
    ]

    def make_list(self) -> SearchList[ContactRecord]:
        table = PagedTable(CONTACT_LIST_COLUMNS, id="contacts")
        return SearchList(table, contacts_matching, TEXTS)

    def open_record(self, record: ContactRecord) -> None:
        open_contact(self.app, record.code)

    def action_campaign(self) -> None:
        search = self.search_list.search or ""
        open_campaign_form(self, self.actor, contact_search=ContactSearch(search))
