"""Excel .xlsx workbooks, written and read in openpyxl's streaming modes.

openpyxl is imported inside the functions, never at module level: the
command line must start without it.

Text is always a string cell: openpyxl on its own stores a text starting
with `=` as a live formula and `#N/A` and friends as error cells. Dates are
real date cells shown as `yyyy-mm-dd hh:mm`, except before 1900, which
Excel cannot hold as a date (they are written as interchange text, which
import reads back the same). Characters XML cannot carry (control
characters, U+FFFE, U+FFFF) are left out: openpyxl refuses some and would
write a corrupt file with the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from crm_tui.exchange.columns import COLUMNS, Cell
from crm_tui.services.dates import format_interchange
from crm_tui.services.errors import CrmError

SHEET_TITLE = "interactions"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
FIRST_EXCEL_DATE = datetime(1900, 1, 1)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def write_rows(path: Path, rows: Iterable[Sequence[Cell | None]]) -> None:
    """Write one sheet: the header and `rows` (cells in `COLUMNS` order)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)

    def writable(cell: Cell | None) -> Any:
        """A plain value where openpyxl infers the right type itself (cheap),
        a typed cell where it would not."""
        if cell is None or cell == "":
            return None
        if isinstance(cell, datetime):
            if cell < FIRST_EXCEL_DATE:
                return format_interchange(cell)
            date_cell = WriteOnlyCell(sheet, value=cell)
            date_cell.number_format = DATE_FORMAT
            return date_cell
        text = xml_safe(cell)
        if text.startswith("=") or text in ERROR_CODES:
            text_cell = WriteOnlyCell(sheet, value=text)
            text_cell.data_type = "s"
            return text_cell
        return text

    try:
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([writable(cell) for cell in row])
    except BaseException:
        _discard(sheet)
        raise
    workbook.save(path)


def _discard(sheet: Any) -> None:
    """Abandon a write-only sheet half-way (a cancelled or failed export):
    openpyxl streams the rows to a temporary file of its own that only
    `save` would otherwise close and delete."""
    sheet.close()
    sheet._writer.cleanup()


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
    header first, with its row number."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_read", path=str(path), reason=exc.strerror or exc
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise CrmError("exchange.error.not_xlsx", path=str(path)) from exc
    try:
        names = workbook.sheetnames
        sheet = workbook[SHEET_TITLE] if SHEET_TITLE in names else workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(value) for value in values]
    except (ValueError, KeyError, SyntaxError) as exc:  # a damaged sheet (XML parse errors)
        raise CrmError("exchange.error.not_xlsx", path=str(path)) from exc
    finally:
        workbook.close()
