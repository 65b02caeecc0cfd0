"""What a workbook export is made of, whatever its format: sheets in
order, each with a header, rows streamed once, and column widths.

The Excel writers (.xlsx, .xls) write every sheet; the .csv writer writes
only the first, whose columns are the interchange columns. Rows are an
iterable consumed once, in order, sheet after sheet: a writer never holds
a whole sheet in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from crm_tui.exchange import messages  # noqa: F401 (registers the message ids)
from crm_tui.exchange.columns import Cell
from crm_tui.services.errors import CrmError

# Excel's limit on one cell (both .xlsx and .xls), counted as Excel
# counts: in UTF-16 code units, so a character outside the Basic
# Multilingual Plane (most emoji) takes two.
CELL_LIMIT = 32_767


def excel_length(text: str) -> int:
    """`text`'s length as Excel counts it (UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def fits_in_cell(text: str) -> bool:
    # Most texts are short enough to fit however they are counted.
    return len(text) <= CELL_LIMIT // 2 or excel_length(text) <= CELL_LIMIT


@dataclass(frozen=True)
class Sheet:
    title: str  # at most 31 characters, no []:*?/\ (Excel's rule)
    header: tuple[str, ...]
    rows: Iterable[Sequence[Cell | None]]  # None is an empty cell
    widths: tuple[int, ...]  # per column, in characters
    # A data sheet gets a frozen header row and an auto-filter; a sheet
    # of notes about the export (filter used, time) does not.
    is_table: bool = True


# Writes the sheets, in order, to a path.
WorkbookWriter = Callable[[Path, Sequence[Sheet]], None]


def split_for_cells(text: str) -> list[str]:
    """`text` in pieces that each fit one Excel cell, in order (one piece
    when it fits). A longer text is never cut: its rest goes on in the
    next pieces, which the caller writes on continuation rows."""
    if fits_in_cell(text):
        return [text]
    pieces: list[str] = []
    start = units = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if units + width > CELL_LIMIT:
            pieces.append(text[start:index])
            start, units = index, 0
        units += width
    pieces.append(text[start:])
    return pieces


def check_fits(text: str, *, sheet: str, row: int, column: str) -> None:
    """Refuse, naming where, a text too long for one Excel cell: a writer's
    last guard, so that nothing is ever cut silently. (The interaction
    sheet cannot hit it: its longest field, the note, is limited well
    below; the other sheets split long texts with `split_for_cells`.)"""
    if not fits_in_cell(text):
        length = excel_length(text)
        raise CrmError(
            "exchange.error.cell_too_long", sheet=sheet, row=row, column=column, length=length
        )
