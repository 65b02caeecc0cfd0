"""CSV files: UTF-8 with a byte order mark (so Excel shows accents right),
a header row, `\\r\\n` line endings, fields quoted only when needed.

Text a spreadsheet would run as a formula is written behind an apostrophe,
and import takes the apostrophe away again. The rule is one bijection, so
every text survives the trip unchanged:

- a *trigger* is one of `=`, `+`, `-`, `@`, tab, carriage return;
- export puts one apostrophe before a text that, after any apostrophes it
  already starts with, begins with a trigger (`=1+1` -> `'=1+1`,
  `'=x` -> `''=x`); every other text is written as it is (`'quoted`);
- import removes one apostrophe from a text that starts with one or more
  apostrophes followed by a trigger (`'=1+1` -> `=1+1`, `''=x` -> `'=x`)
  and leaves every other text alone (`'quoted`, `'`).

Export never writes a text that starts with a trigger, and import undoes
exactly what export did: what import changes is precisely what export
produces from a text that needed the apostrophe.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO

from crm_tui.exchange.columns import COLUMNS, Cell, cell_text
from crm_tui.services.errors import CrmError

_NEEDS_APOSTROPHE = re.compile(r"'*[=+\-@\t\r]")
_HAS_APOSTROPHE = re.compile(r"'+[=+\-@\t\r]")


def escape_cell(text: str) -> str:
    """The text as written in a CSV cell: behind an apostrophe when a
    spreadsheet would run it as a formula (see the module docstring)."""
    return "'" + text if _NEEDS_APOSTROPHE.match(text) else text


def unescape_cell(text: str) -> str:
    """The inverse of `escape_cell`."""
    # Most cells do not start with an apostrophe: no pattern to run.
    return text[1:] if text[:1] == "'" and _HAS_APOSTROPHE.match(text) else text


def _cell_text(cell: Cell | None) -> str:
    return escape_cell(cell_text(cell))


def write_rows(path: Path, rows: Iterable[Sequence[Cell | None]]) -> None:
    """Write the header and `rows` (cells in `COLUMNS` order) to `path`."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell_text(cell) for cell in row])


def _delimiter(header_line: str) -> str:
    # Excel in a Spanish (or any decimal-comma) locale saves CSV with `;`.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _records(file: TextIO, path: Path) -> Iterator[tuple[int, list[Cell]]]:
    header_line = file.readline()
    file.seek(0)
    reader = csv.reader(file, delimiter=_delimiter(header_line))
    line = 1
    try:
        for row in reader:
            yield line, [unescape_cell(text) for text in row]
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CrmError("exchange.error.bad_csv", path=str(path), line=line, reason=exc) from exc


def read_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """Every row of the file (the header first) with the line it starts
    on: a quoted field may span lines, and errors name the line a person
    finds in a text editor. UTF-8 with or without a byte order mark;
    `,` or `;` between fields, whichever the header row uses."""
    try:
        file = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_read", path=str(path), reason=exc.strerror or exc
        ) from exc
    with file:
        try:
            yield from _records(file, path)
        except UnicodeDecodeError as exc:
            raise CrmError("exchange.error.not_utf8", path=str(path)) from exc
