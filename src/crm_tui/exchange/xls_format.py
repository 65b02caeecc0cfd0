"""Legacy Excel 97–2003 .xls workbooks: written with xlwt, read with xlrd.

xlwt and xlrd are imported inside the functions, never at module level:
the command line must start without them.

Writing follows the other Excel writer (see `xlsx_format`): text is always
a string cell (xlwt makes a formula only from an `xlwt.Formula`, never from
text, so `=1+1` stays text), control characters are left out, dates are
date cells shown as `yyyy-mm-dd hh:mm` (before 1900 as interchange text),
and a text too long for one cell is refused, never cut.

A .xls sheet holds 65,536 rows: past 65,535 data rows a sheet goes on in
a further sheet named "<title> (2)", "<title> (3)"…, each starting with
the header again. `read_rows` reads such a sheet and its continuations
back as one.

Memory: xlwt cannot stream; it assembles the whole file in memory when it
saves. While rows are written, every `FLUSH_EVERY` rows go to a temporary
file as compact cell records, so what grows is the table of distinct texts
(xlwt keeps each distinct text once, until it saves);
`save` then reads the records back and joins the file in memory, a few
times its size. Measured on 100,000 interchange rows with distinct
subjects and notes (a 44 MB file over two sheets): 79 MB peak resident
memory before saving, 210 MB at the end (410 MB without the flushing);
10,000 rows: 37 MB. About 2 KB a row, then, against a constant for
.xlsx and .csv: an export of hundreds of thousands of rows belongs in
.xlsx. Reading those 100,000 rows back with `read_rows` peaks at 130 MB
(xlrd holds the file and one sheet).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from crm_tui.exchange.columns import Cell, cell_text
from crm_tui.exchange.sheets import CELL_LIMIT, Sheet, check_fits
from crm_tui.exchange.xlsx_format import SHEET_TITLE, _cell
from crm_tui.exchange.xlsx_writer import DATE_FORMAT, FIRST_EXCEL_DATE, xml_safe
from crm_tui.i18n import register
from crm_tui.services.errors import CrmError

register(
    {
        "exchange.error.not_xls": (
            "{path} is not an Excel 97–2003 (.xls) workbook; if it is a newer workbook,"
            " save it as .xlsx (or .csv) and import that file",
            "{path} no es un libro de Excel 97–2003 (.xls); si es un libro más reciente,"
            " guárdelo como .xlsx (o .csv) e importe ese archivo",
        ),
        "exchange.error.xls_text_unreadable": (
            "{path}: some text in this .xls workbook cannot be read (characters such as"
            " emoji stored in a way the .xls reader does not support); save it as .xlsx"
            " (or .csv) and import that file",
            "{path}: parte del texto de este libro .xls no se puede leer (caracteres como"
            " emojis guardados de una forma que el lector de .xls no admite); guárdelo como"
            " .xlsx (o .csv) e importe ese archivo",
        ),
    }
)

# A .xls sheet has 65,536 rows: the header and this many rows of data.
MAX_DATA_ROWS = 65_535
# Rows kept as Python objects before xlwt moves them to its temporary file.
FLUSH_EVERY = 1_000
SHEET_NAME_LIMIT = 31
# xlwt measures a column in 1/256 of a character, at most 65,535.
_WIDTH_UNIT = 256
_MAX_WIDTH = 255
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f]")


def continuation_title(title: str, part: int) -> str:
    """The name of the `part`-th sheet (2, 3, …) holding the rows of the
    sheet `title`: "<title> (part)", the title shortened to stay within
    Excel's 31 characters."""
    suffix = f" ({part})"
    return title[: SHEET_NAME_LIMIT - len(suffix)] + suffix


class _SheetNames:
    """Hands out the names of a workbook's sheets: valid for Excel (no
    []:*?/\\, no apostrophe at either end, at most 31 characters) and
    unique regardless of case, as Excel requires."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, wanted: str) -> str:
        cleaned = _NOT_IN_SHEET_NAME.sub("_", wanted).strip("'")
        base = cleaned[:SHEET_NAME_LIMIT].rstrip("'") or "sheet"
        name, part = base, 1
        while name.lower() in self._taken:
            part += 1
            name = continuation_title(base, part)
        self._taken.add(name.lower())
        return name


@dataclass(frozen=True)
class _Styles:
    header: Any  # xlwt.XFStyle
    date: Any


def _column_name(header: Sequence[str], index: int) -> str:
    return header[index] if index < len(header) else str(index + 1)


class _SheetWriter:
    """Writes one Sheet into the workbook, over as many .xls sheets as its
    rows need."""

    def __init__(self, workbook: Any, sheet: Sheet, names: _SheetNames, styles: _Styles) -> None:
        self._workbook = workbook
        self._sheet = sheet
        self._names = names
        self._styles = styles
        self.parts: list[Any] = []  # the xlwt worksheets written, in order

    def write(self) -> None:
        title = self._start(self._sheet.title)
        data_rows = 0
        for row in self._sheet.rows:
            if data_rows == MAX_DATA_ROWS:
                self._start(continuation_title(title, len(self.parts) + 1))
                data_rows = 0
            data_rows += 1
            self._write_row(data_rows, row)
            if data_rows % FLUSH_EVERY == 0:
                self.parts[-1].flush_row_data()

    def _start(self, wanted: str) -> str:
        """Add a sheet (or a continuation sheet) with the header and the
        widths; return its name."""
        name = self._names.take(wanted)
        worksheet = self._workbook.add_sheet(name)
        self.parts.append(worksheet)
        for index, width in enumerate(self._sheet.widths):
            worksheet.col(index).width = _WIDTH_UNIT * max(1, min(width, _MAX_WIDTH))
        for index, title in enumerate(self._sheet.header):
            text = self._text(title, 0, index)
            if text:
                worksheet.write(0, index, text, self._styles.header)
        if self._sheet.is_table:
            worksheet.set_panes_frozen(True)
            worksheet.set_horz_split_pos(1)
            worksheet.set_horz_split_first_visible(1)
        return name

    def _write_row(self, rowx: int, cells: Sequence[Cell | None]) -> None:
        row = self.parts[-1].row(rowx)
        for index, cell in enumerate(cells):
            if isinstance(cell, datetime) and cell >= FIRST_EXCEL_DATE:
                row.write(index, cell, self._styles.date)
            elif cell is not None and cell != "":
                text = self._text(cell_text(cell), rowx, index)
                if text:  # a text of control characters only is an empty cell
                    row.write(index, text)

    def _text(self, text: str, rowx: int, index: int) -> str:
        safe = xml_safe(text)
        if 2 * len(safe) > CELL_LIMIT:  # cheap test first: most texts are short
            check_fits(
                safe,
                sheet=self.parts[-1].name,
                row=rowx + 1,
                column=_column_name(self._sheet.header, index),
            )
        return safe


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write `sheets`, in order, as a .xls workbook: the header row bold,
    the columns as wide as `Sheet.widths`, a table sheet's header frozen.
    (xlwt cannot write an auto-filter: the .xls has none.) Each sheet's
    rows are consumed once, in order."""
    import xlwt

    workbook = xlwt.Workbook()
    _keep_surrogate_pairs_whole(workbook)
    styles = _Styles(
        header=xlwt.easyxf("font: bold on"), date=xlwt.easyxf(num_format_str=DATE_FORMAT)
    )
    names = _SheetNames()
    written: list[Any] = []
    try:
        for sheet in sheets:
            writer = _SheetWriter(workbook, sheet, names, styles)
            try:
                writer.write()
            finally:
                written.extend(writer.parts)
        workbook.save(str(path))
    finally:
        # The temporary files of the flushed rows: closed (and so deleted)
        # now rather than whenever the worksheets are garbage collected.
        for worksheet in written:
            if worksheet.row_tempfile is not None:
                worksheet.row_tempfile.close()


def _keep_surrogate_pairs_whole(workbook: Any) -> None:
    """Give the workbook a table of texts that never splits a character
    outside the Basic Multilingual Plane (an emoji, say) between two
    records.

    A .xls stores every text once, in UTF-16, in records of at most 8,224
    bytes; a text that does not fit goes on in the next record. xlwt splits
    at any 16-bit unit, so the two halves of a surrogate pair can land in
    two records, and xlrd, which decodes each record's part on its own,
    then refuses the whole file. Ending the record one unit early instead
    is equally valid BIFF8 (a record only has to say its length)."""
    from xlwt.BIFFRecords import SharedStringTable
    from xlwt.UnicodeUtils import upack2

    class SurrogateSafeTable(SharedStringTable):
        def _add_to_sst(self, s: str) -> None:
            packed = upack2(s, self.encoding)  # length (2 bytes), flags (1), characters
            is_unicode = packed[2] == 1
            first_character = 1 if not is_unicode else 4 if _is_high_surrogate(packed, 3) else 2
            atom = 3 + first_character  # never split: the length, flags and first character
            self._save_atom(packed[:atom])
            self._save_splitted(packed[atom:], is_unicode)

        def _save_splitted(self, s: bytes, is_unicode_str: bool) -> None:
            if not is_unicode_str:
                super()._save_splitted(s, is_unicode_str)
                return
            start = 0
            while start < len(s):
                free = (0x2020 - len(self._current_piece)) & ~1
                end = min(len(s), start + free)
                if start < end < len(s) and _is_high_surrogate(s, end - 2):
                    end -= 2
                self._current_piece += s[start:end]
                start = end
                if start < len(s):
                    self._new_piece()
                    self._current_piece += b"\x01"  # the part goes on as UTF-16

    workbook._Workbook__sst = SurrogateSafeTable(workbook.encoding)


def _is_high_surrogate(utf16_le: bytes, offset: int) -> bool:
    return 0xD8 <= utf16_le[offset + 1] <= 0xDB


def _open(path: Path) -> Any:
    import xlrd

    try:
        # xlrd prints its warnings about odd files: keep them off the screen.
        return xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_read", path=str(path), reason=exc.strerror or exc
        ) from exc
    except UnicodeDecodeError as exc:
        raise CrmError("exchange.error.xls_text_unreadable", path=str(path)) from exc
    except Exception as exc:  # xlrd raises many kinds for a file that is not a .xls
        raise CrmError("exchange.error.not_xls", path=str(path)) from exc


def _load(book: Any, name: str, path: Path) -> Any:
    try:
        return book.sheet_by_name(name)
    except Exception as exc:  # a damaged sheet: xlrd raises many kinds
        raise CrmError("exchange.error.not_xls", path=str(path)) from exc


def _value(cell: Any, datemode: int) -> object:
    """An xlrd cell as the value openpyxl would give for it."""
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#N/A")
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(cell.value, datemode)
        except (OverflowError, ValueError):  # a date format on a number no date has
            return cell.value
        # xlrd has rounded to the millisecond; interchange times keep minutes.
        moment = moment.replace(second=0, microsecond=0)
        return moment.time() if 0 <= cell.value < 1 else moment
    return cell.value


def _rows(sheet: Any, datemode: int) -> Iterator[list[Cell]]:
    for rowx in range(sheet.nrows):
        yield [_cell(_value(cell, datemode)) for cell in sheet.row(rowx)]


def read_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """Every row of the interactions sheet (else the first sheet), the
    header first, each with its line number.

    A sheet written past 65,535 rows goes on in sheets named "<title> (2)",
    "<title> (3)"…, each starting with the header again: their rows follow
    on, the repeated header left out, and the line numbers go on counting
    as if it were one long sheet (the first row of data of "<title> (2)"
    is line 65,537). A sheet with such a name whose first row is not the
    same header is not a continuation and is not read."""
    book = _open(path)
    try:
        names = book.sheet_names()
        if not names:
            return
        title = SHEET_TITLE if SHEET_TITLE in names else names[0]
        header: list[Cell] | None = None
        line = 0
        for index, name in enumerate(chain([title], _continuations(names, title))):
            rows = _rows(_load(book, name, path), book.datemode)
            if index and (header is None or next(rows, None) != header):
                break
            for cells in rows:
                line += 1
                if header is None:
                    header = cells
                yield line, cells
            book.unload_sheet(name)
    finally:
        book.release_resources()


def _continuations(names: Iterable[str], title: str) -> Iterator[str]:
    present = set(names)
    part = 2
    while continuation_title(title, part) in present:
        yield continuation_title(title, part)
        part += 1
