"""The paged table of interactions, and the columns interaction lists use.

The paging itself (keyset pages loaded as the cursor nears the end, in a
worker) is `PagedTable`'s; this module adds what is particular to
interactions: their cells (type label in its colour, status, responsible,
list date, note preview) and the column sets of the lists that show them.

Columns share the width: the short ones (id, type, status, date) take what
their content needs; responsible, contact and subject share the rest by
weight, each up to what its content needs, and the subject takes whatever
is left. Text too long for its column ends in "…".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text

from crm_tui.formatting import list_date, preview, type_colour
from crm_tui.i18n import t
from crm_tui.services.listing import list_interactions
from crm_tui.services.records import InteractionFilter, InteractionRecord, TypeRecord
from crm_tui.services.text import clean_text
from crm_tui.services.vocab import STATUS
from crm_tui.widgets import paged_table, safe
from crm_tui.widgets.paged_table import PAGE_SIZE, Column, KeysetPage, PagedTable, fit_widths

__all__ = [
    "COLUMNS",
    "CONTACT_COLUMN",
    "CONTACT_COLUMNS",
    "DATE_COLUMN",
    "ID_COLUMN",
    "OPPORTUNITY_COLUMN",
    "PAGE_SIZE",
    "PREVIEW_CELLS",
    "RECENT",
    "STATUS_COLUMN",
    "STATUS_STYLES",
    "SUBJECT_COLUMN",
    "TIMELINE_COLUMNS",
    "TYPE_COLUMN",
    "USER_COLUMN",
    "CellRenderer",
    "ColumnSpec",
    "InteractionTable",
    "PageSource",
    "RecordPage",
    "contact_cell",
    "date_cell",
    "filtered_source",
    "fit_widths",
    "id_cell",
    "opportunity_cell",
    "responsible_cell",
    "row_cells",
    "status_cell",
    "subject_preview",
    "type_cell",
    "type_label",
    "type_parts",
]

# The note is previewed only for recent interactions (the help articles'
# rule); older rows show their subject alone.
RECENT = timedelta(days=7)
# A preview longer than any terminal line is cut before it reaches Rich.
PREVIEW_CELLS = 240

STATUS_STYLES = {
    "pending": "yellow",
    "in_progress": "cyan",
    "done": "green",
    "cancelled": "dim",
}

RecordPage = KeysetPage[InteractionRecord]
"""A keyset page of any interaction list (the list's, the queue's)."""

PageSource = paged_table.PageSource[InteractionRecord]
"""Returns the page after the cursor (None: the first page)."""

ColumnSpec = Column[InteractionRecord]
"""A column of an interaction list."""

CellRenderer = paged_table.CellRenderer[InteractionRecord]
"""Draws one cell of a record, given the language and the time now."""


def filtered_source(f: InteractionFilter) -> PageSource:
    """Pages of `services.listing.list_interactions` for one filter."""

    def fetch(after: Any | None) -> RecordPage:
        return list_interactions(f, after=after, limit=PAGE_SIZE)

    return fetch


# --- cells --------------------------------------------------------------------


def type_parts(interaction_type: TypeRecord, lang: str) -> tuple[str, str]:
    """A type's glyph and label, and its colour (a Rich colour name)."""
    label = f"{interaction_type.glyph} {interaction_type.label(lang)}"
    return label, type_colour(interaction_type.channel, interaction_type.colour)


def type_label(interaction_type: TypeRecord, lang: str) -> Text:
    """The type's glyph and label in its configured colour, for a cell."""
    label, colour = type_parts(interaction_type, lang)
    return safe.cell(label, colour)


def subject_preview(record: InteractionRecord, lang: str, now: datetime) -> Text:
    """The subject, followed by a preview of the note when it is recent."""
    text = safe.cell(record.subject)
    note = clean_text(record.note)
    if record.occurred_at >= now - RECENT and note.strip():
        if text.plain:
            text.append(" — ", style="dim")
        text.append(preview(note, PREVIEW_CELLS), style="italic")
    return text


def responsible_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    if record.user is None:
        return safe.cell(t("ui.pool", lang), "italic dim")
    return safe.cell(record.user_name or record.user)


def id_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(str(record.id), justify="right")


def type_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return type_label(record.type, lang)


def status_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(STATUS.label(record.status, lang), STATUS_STYLES.get(record.status, ""))


def date_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(list_date(record.occurred_at, lang, now))


def contact_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(record.contact_name)


def opportunity_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(record.opportunity_title or "", "" if record.opportunity_code else "dim")


ID_COLUMN = ColumnSpec("id", "ui.column.id", id_cell, max_width=9)
TYPE_COLUMN = ColumnSpec("type", "ui.column.type", type_cell, max_width=14)
STATUS_COLUMN = ColumnSpec("status", "ui.column.status", status_cell, max_width=12)
USER_COLUMN = ColumnSpec(
    "user", "ui.column.user", responsible_cell, max_width=18, min_width=6, weight=2
)
DATE_COLUMN = ColumnSpec("date", "ui.column.date", date_cell, max_width=13)
CONTACT_COLUMN = ColumnSpec(
    "contact", "ui.column.contact", contact_cell, max_width=24, min_width=8, weight=3
)
OPPORTUNITY_COLUMN = ColumnSpec(
    "opportunity", "ui.column.opportunity", opportunity_cell, max_width=24, min_width=8, weight=3
)
SUBJECT_COLUMN = ColumnSpec(
    "subject", "ui.column.subject", subject_preview, max_width=None, min_width=12, weight=4
)

COLUMNS: tuple[ColumnSpec, ...] = (
    ID_COLUMN,
    TYPE_COLUMN,
    STATUS_COLUMN,
    USER_COLUMN,
    DATE_COLUMN,
    CONTACT_COLUMN,
    SUBJECT_COLUMN,
)
"""All interactions: whose, when, with whom, about what."""

TIMELINE_COLUMNS = (ID_COLUMN, TYPE_COLUMN, STATUS_COLUMN, USER_COLUMN, DATE_COLUMN, SUBJECT_COLUMN)
"""One opportunity's interactions: the contact is the opportunity's."""

CONTACT_COLUMNS = (
    ID_COLUMN,
    TYPE_COLUMN,
    STATUS_COLUMN,
    USER_COLUMN,
    DATE_COLUMN,
    OPPORTUNITY_COLUMN,
    SUBJECT_COLUMN,
)
"""One contact's interactions across its opportunities."""


def row_cells(
    columns: Sequence[ColumnSpec], record: InteractionRecord, lang: str, now: datetime
) -> tuple[Text, ...]:
    """The cells of one row, in `columns` order."""
    return paged_table.row_cells(columns, record, lang, now)


# --- the widget ---------------------------------------------------------------


class InteractionTable(PagedTable[InteractionRecord]):
    """Interactions in the order of their source, paged on demand."""

    @dataclass
    class StateChanged(PagedTable.StateChanged):
        """Rows loaded so far, whether more exist, whether a page is on its way."""

        table: InteractionTable

        @property
        def control(self) -> InteractionTable:
            return self.table

    @dataclass
    class Opened(PagedTable.Opened):
        """Enter (or a click) on a row."""

        table: InteractionTable
        record: InteractionRecord

        @property
        def control(self) -> InteractionTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[ColumnSpec] = COLUMNS,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(columns, id=id, classes=classes)
