"""Writing results: a JSON array streamed item by item (memory stays flat
however many rows), or a plain aligned table that fits the terminal.

The table is plain text, not Rich: nothing in it is ever read as markup,
and control characters are stripped from every cell, so a note holding
`[bold]` or a terminal escape sequence shows as typed and does nothing."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO, TypeVar

from crm_tui.formatting import preview
from crm_tui.i18n import t
from crm_tui.services.text import clean_line

MIN_FLEXIBLE_WIDTH = 12
T = TypeVar("T")


def write_json_array(items: Iterable[Mapping[str, object]], out: TextIO | None = None) -> int:
    """Write `[`, the items separated by `,` and a newline, then `]`."""
    out = out or sys.stdout
    first, rest = _first_and_rest(items)
    if first is None:
        out.write("[]\n")
        return 0
    out.write("[\n" + _json(first))
    count = 1
    for item in rest:
        out.write(",\n" + _json(item))
        count += 1
    out.write("\n]\n")
    return count


def _first_and_rest(items: Iterable[T]) -> tuple[T | None, Iterator[T]]:
    """The first item, fetched before anything is written, so that an error
    in the query leaves stdout empty instead of holding half an output."""
    iterator = iter(items)
    return next(iterator, None), iterator


def _json(item: Mapping[str, object]) -> str:
    # ensure_ascii=False keeps "Reunión" readable; json escapes control
    # characters itself, so the output is safe to print.
    return json.dumps(item, ensure_ascii=False)


@dataclass(frozen=True)
class Column:
    title: str  # message id
    width: int  # in terminal cells; 0: what is left of the line
    right: bool = False


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` on one line, without control characters, cut with "…" and
    padded to exactly `width` cells (wide characters count two)."""
    from rich.cells import cell_len

    shown = preview(clean_line(text), width)
    padding = " " * (width - cell_len(shown))
    return padding + shown if right else shown + padding


def write_table(
    columns: Sequence[Column], rows: Iterable[Sequence[str]], out: TextIO | None = None
) -> int:
    """A header and one line per row, each column cut to its width; the
    flexible column takes the rest of the terminal (80 when piped)."""
    out = out or sys.stdout
    total = shutil.get_terminal_size((80, 24)).columns
    fixed = sum(column.width for column in columns) + len(columns) - 1
    widths = [column.width or max(MIN_FLEXIBLE_WIDTH, total - fixed) for column in columns]

    def line(cells: Sequence[str]) -> str:
        parts = [
            fit(cell, width, right=column.right)
            for cell, width, column in zip(cells, widths, columns, strict=True)
        ]
        return " ".join(parts).rstrip() + "\n"

    first, rest = _first_and_rest(rows)
    out.write(line([t(column.title) for column in columns]))
    if first is None:
        out.write(t("cli.table.empty") + "\n")
        return 0
    out.write(line(first))
    count = 1
    for row in rest:
        out.write(line(row))
        count += 1
    return count
