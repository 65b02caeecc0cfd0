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

Each sheet gets its column widths and a bold header; a table sheet also a
frozen header row and an auto-filter over exactly the rows written. In
write-only mode whatever comes before the rows in the file (widths, the
frozen pane) must be set before the first row, and the auto-filter,
which comes after them, once the last row is known.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from crm_tui import clock
from crm_tui.exchange.columns import Cell
from crm_tui.exchange.sheets import Sheet, check_fits
from crm_tui.services.dates import format_interchange
from crm_tui.services.errors import CrmError

# The interchange sheet: import reads the sheet of this name (else the first).
SHEET_TITLE = "interactions"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
FIRST_EXCEL_DATE = datetime(1900, 1, 1)
CREATOR = "crm-tui"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write `sheets` (at least one), in order, each streamed row by row.
    The workbook's author is crm-tui and its created and modified times
    are the time of writing, so two exports of the same data differ only
    in that (and in the zip entries' own times, which openpyxl sets)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    properties = workbook.properties
    properties.creator = CREATOR
    # The file format holds UTC; the program's clock is local wall time.
    properties.created = properties.modified = clock.now().astimezone(UTC).replace(tzinfo=None)
    written: list[Any] = []
    try:
        for sheet in sheets:
            written.append(workbook.create_sheet(sheet.title))
            _write_sheet(written[-1], sheet)
    except BaseException:
        for open_sheet in written:
            # The first error is the one to report; a sheet that cannot
            # even be abandoned has its temporary file removed at exit.
            with contextlib.suppress(Exception):
                _discard(open_sheet)
        raise
    # Not `workbook.save`: it would stamp "modified" with its own clock.
    from zipfile import ZIP_DEFLATED, ZipFile

    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()


def _write_sheet(target: Any, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for number, width in enumerate(sheet.widths, start=1):
        target.column_dimensions[get_column_letter(number)].width = width
    if sheet.is_table:
        target.freeze_panes = "A2"
    bold = Font(bold=True)

    def heading(name: str) -> Any:
        cell = WriteOnlyCell(target, value=xml_safe(name))
        cell.font = bold
        return cell

    def writable(cell: Cell | None, row: int, column: int) -> Any:
        """A plain value where openpyxl infers the right type itself (cheap),
        a typed cell where it would not."""
        if cell is None or cell == "":
            return None
        if isinstance(cell, datetime):
            if cell < FIRST_EXCEL_DATE:
                return format_interchange(cell)
            date_cell = WriteOnlyCell(target, value=cell)
            date_cell.number_format = DATE_FORMAT
            return date_cell
        text = xml_safe(cell)
        check_fits(text, sheet=sheet.title, row=row, column=sheet.header[column])
        if text.startswith("=") or text in ERROR_CODES:
            text_cell = WriteOnlyCell(target, value=text)
            text_cell.data_type = "s"
            return text_cell
        return text

    target.append([heading(name) for name in sheet.header])
    last_row = 1
    for last_row, cells in enumerate(sheet.rows, start=2):
        target.append([writable(cell, last_row, column) for column, cell in enumerate(cells)])
    if sheet.is_table:
        last_column = get_column_letter(len(sheet.header))
        target.auto_filter.ref = f"A1:{last_column}{last_row}"


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
