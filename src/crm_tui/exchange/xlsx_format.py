"""Excel .xlsx workbooks: written by our own streaming writer
(`xlsx_writer`) and read by our own streaming reader (`xlsx_reader`),
which uses openpyxl's rules for number formats and dates.

What a written workbook holds (string cells never formulas, date cells,
characters XML cannot carry left out, widths, a bold header, a frozen
header and an auto-filter on a table sheet) is told in `xlsx_writer`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path

from crm_tui import clock
from crm_tui.exchange import xlsx_writer
from crm_tui.exchange.columns import Cell
from crm_tui.exchange.sheets import Sheet
from crm_tui.exchange.xlsx_writer import FIRST_EXCEL_DATE, xml_safe
from crm_tui.services.errors import CrmError

# The writer's rules on dates and characters are this format's too.
__all__ = ["CREATOR", "FIRST_EXCEL_DATE", "SHEET_TITLE", "read_rows", "write_workbook", "xml_safe"]

# The interchange sheet: import reads the sheet of this name (else the first).
SHEET_TITLE = "interactions"
CREATOR = "crm-tui"


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write `sheets` (at least one), in order, each streamed row by row.
    The workbook's author is crm-tui and its created and modified times
    are the time of writing, so two exports of the same data differ only
    in that."""
    xlsx_writer.write_workbook(path, sheets, creator=CREATOR, at=clock.now())


def _cell(value: object) -> Cell:
    """A read value as the importer takes it: text, or a date."""
    if value is None:
        return ""
    if isinstance(value, str | datetime):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as 1001 comes back as 1001.0
    return str(value)


def read_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """Every row of the interactions sheet (else the first sheet), the
    header first, with its row number (empty rows left out)."""
    from zipfile import BadZipFile, ZipFile

    from crm_tui.exchange.xlsx_reader import read_sheet

    try:
        archive = ZipFile(path)
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_read", path=str(path), reason=exc.strerror or exc
        ) from exc
    except BadZipFile as exc:
        raise CrmError("exchange.error.not_xlsx", path=str(path)) from exc
    with archive:
        try:
            for line, values in read_sheet(archive, SHEET_TITLE):
                yield line, [_cell(value) for value in values]
        except (KeyError, ValueError, IndexError, SyntaxError, BadZipFile) as exc:
            # A part missing or damaged (SyntaxError: the XML parser's errors).
            raise CrmError("exchange.error.not_xlsx", path=str(path)) from exc
