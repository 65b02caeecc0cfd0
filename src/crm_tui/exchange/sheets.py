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

# Excel's limit on the characters of one cell (both .xlsx and .xls).
CELL_LIMIT = 32_767


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
    if len(text) <= CELL_LIMIT:
        return [text]
    return [text[start : start + CELL_LIMIT] for start in range(0, len(text), CELL_LIMIT)]


def check_fits(text: str, *, sheet: str, row: int, column: str) -> None:
    """Refuse, naming where, a text too long for one Excel cell: a writer's
    last guard, so that nothing is ever cut silently. (The interaction
    sheet cannot hit it: its longest field, the note, is limited well
    below; the other sheets split long texts with `split_for_cells`.)"""
    if len(text) > CELL_LIMIT:
        raise CrmError(
            "exchange.error.cell_too_long", sheet=sheet, row=row, column=column, length=len(text)
        )
