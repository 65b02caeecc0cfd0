"""Legacy .xls workbooks: written with xlwt, checked cell by cell with
xlrd as a person opening the file (or importing it again) would find it."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
import xlrd
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_tui.exchange.columns import COLUMNS, Cell, record_cells
from crm_tui.exchange.sheets import CELL_LIMIT, Sheet
from crm_tui.exchange.xls_format import (
    MAX_DATA_ROWS,
    continuation_title,
    read_rows,
    write_workbook,
)
from crm_tui.exchange.xlsx_format import SHEET_TITLE, xml_safe
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import iter_interactions
from crm_tui.services.records import InteractionFilter

from .conftest import World

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# One character of each of Unicode's 17 planes (planes 4 to 13 have no
# characters assigned yet, but a text may still hold their code points).
EVERY_PLANE = "é" + "".join(chr(plane * 0x10000 + 0x0101) for plane in range(1, 17))
# A terminal escape (set the window title) among other control characters.
CONTROL_TEXT = "antes\x00\x07\x1b]0;título\x07 después"
HOSTILE_TEXTS = (
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    '=HYPERLINK("http://x","pulse")',
    "#N/A",
    "'quoted",
    "1001",
    "[b]x[/b]",
    "[@click=app.quit]pulse aquí[/]",
    CONTROL_TEXT,
    "Reunión 🎉 con Müller — ñandú 中文 😀",
    EVERY_PLANE,
    "שלום עליכם مرحبا",
    "línea 1\nlínea 2\r\n\tsangría\n",
)
DATES = (
    datetime(2026, 11, 23, 14, 5),
    datetime(1900, 1, 1, 0, 0),
    datetime(1900, 2, 28, 23, 59),  # the days around Excel's invented 29 February 1900
    datetime(1900, 3, 1, 0, 1),
    datetime(9999, 12, 31, 23, 59),
)
BEFORE_1900 = datetime(1899, 12, 31, 23, 59)


def write_one_sheet(
    path: Path, rows: Iterable[Sequence[Cell | None]], header: tuple[str, ...] = ("a", "b")
) -> Path:
    write_workbook(path, [Sheet(SHEET_TITLE, header, rows, (12,) * len(header))])
    return path


def open_with_formats(path: Path) -> Any:
    return xlrd.open_workbook(str(path), formatting_info=True)


def is_bold(book: Any, sheet: Any, row: int, column: int) -> bool:
    font = book.font_list[book.xf_list[sheet.cell_xf_index(row, column)].font_index]
    return bool(font.bold)


def number_format(book: Any, sheet: Any, row: int, column: int) -> str:
    return book.format_map[book.xf_list[sheet.cell_xf_index(row, column)].format_key].format_str


def read_back(path: Path) -> list[tuple[int, list[Cell]]]:
    return list(read_rows(path))


def without_empty_rows_at_the_end(rows: list[list[Cell]]) -> list[list[Cell]]:
    """The rows with their empty cells at the end left out, and the empty
    rows at the end: a .xls has no cells for them (import skips empty rows
    anyway)."""
    trimmed = [list(row) for row in rows]
    for row in trimmed:
        while row and row[-1] == "":
            row.pop()
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


# --- writing -----------------------------------------------------------------


def test_hostile_text_stays_text_and_dates_are_date_cells(tmp_path: Path) -> None:
    dates = [*DATES, BEFORE_1900]
    rows = [(text, dates[index % len(dates)]) for index, text in enumerate(HOSTILE_TEXTS)]
    path = write_one_sheet(tmp_path / "hostile.xls", rows, header=("text", "when"))

    book = open_with_formats(path)
    sheet = book.sheet_by_name(SHEET_TITLE)
    assert sheet.row_values(0) == ["text", "when"]
    assert is_bold(book, sheet, 0, 0) and is_bold(book, sheet, 0, 1)
    assert sheet.nrows == len(rows) + 1
    for line, (text, date) in enumerate(rows, start=1):
        text_cell, date_cell = sheet.cell(line, 0), sheet.cell(line, 1)
        assert text_cell.ctype == xlrd.XL_CELL_TEXT, text
        assert text_cell.value == xml_safe(text)
        assert not is_bold(book, sheet, line, 0)
        if date < datetime(1900, 1, 1):
            assert (date_cell.ctype, date_cell.value) == (xlrd.XL_CELL_TEXT, "1899-12-31 23:59")
        else:
            assert date_cell.ctype == xlrd.XL_CELL_DATE
            assert xlrd.xldate_as_datetime(date_cell.value, book.datemode) == date
            assert number_format(book, sheet, line, 1) == "yyyy-mm-dd hh:mm"

    control = sheet.cell_value(1 + HOSTILE_TEXTS.index(CONTROL_TEXT), 0)
    assert control.startswith("antes]0;título") and not {"\x00", "\x07", "\x1b"} & set(control)
    assert read_back(path) == [(1, ["text", "when"])] + [
        (line, [xml_safe(text), date if date.year >= 1900 else "1899-12-31 23:59"])
        for line, (text, date) in enumerate(rows, start=2)
    ]


def test_widths_frozen_header_and_valid_unique_sheet_names(tmp_path: Path) -> None:
    path = tmp_path / "sheets.xls"
    write_workbook(
        path,
        [
            Sheet("interactions", ("id", "note"), [("1", "x")], (10, 60)),
            Sheet("notes: [a/b]?*", ("field", "value"), [("rows", "1")], (20, 300), False),
            Sheet("INTERACTIONS", ("id",), [], (10,)),
            Sheet("'quoted title that is longer than Excel allows'", ("id",), [], (10,)),
        ],
    )

    book = open_with_formats(path)
    assert book.sheet_names() == [
        "interactions",
        "notes_ _a_b___",
        "INTERACTIONS (2)",
        "quoted title that is longer tha",
    ]
    table, notes = book.sheet_by_index(0), book.sheet_by_index(1)
    assert [table.colinfo_map[column].width for column in (0, 1)] == [10 * 256, 60 * 256]
    assert notes.colinfo_map[1].width == 255 * 256  # the widest a .xls column gets
    assert (table.panes_are_frozen, table.horz_split_pos) == (1, 1)
    assert not notes.panes_are_frozen
    assert is_bold(book, notes, 0, 0)


def test_a_sheet_past_65535_rows_goes_on_in_a_second_sheet_with_the_header(
    tmp_path: Path,
) -> None:
    total = MAX_DATA_ROWS + 10
    path = tmp_path / "big.xls"
    write_workbook(
        path,
        [
            Sheet(
                SHEET_TITLE, ("n", "half"), ((str(n), str(n // 2)) for n in range(total)), (8, 8)
            ),
            Sheet("export", ("field", "value"), [("rows", str(total))], (10, 10), False),
        ],
    )

    book = open_with_formats(path)
    assert book.sheet_names() == [SHEET_TITLE, f"{SHEET_TITLE} (2)", "export"]
    first, second = book.sheet_by_index(0), book.sheet_by_index(1)
    assert (first.nrows, second.nrows) == (MAX_DATA_ROWS + 1, 11)
    assert first.row_values(0) == second.row_values(0) == ["n", "half"]
    assert is_bold(book, second, 0, 1)
    assert (second.panes_are_frozen, second.horz_split_pos) == (1, 1)
    assert first.cell_value(MAX_DATA_ROWS, 0) == str(MAX_DATA_ROWS - 1)
    assert second.col_values(0, start_rowx=1) == [str(n) for n in range(MAX_DATA_ROWS, total)]

    rows = read_back(path)
    assert rows[0] == (1, ["n", "half"])
    assert rows[1:] == [(n + 2, [str(n), str(n // 2)]) for n in range(total)]


def test_exactly_65535_rows_fit_in_one_sheet(tmp_path: Path) -> None:
    path = write_one_sheet(tmp_path / "full.xls", ((str(n),) for n in range(MAX_DATA_ROWS)), ("n",))
    book = xlrd.open_workbook(str(path))
    assert book.sheet_names() == [SHEET_TITLE]
    assert book.sheet_by_index(0).nrows == MAX_DATA_ROWS + 1


def test_continuation_titles_stay_within_31_characters() -> None:
    assert continuation_title("interactions", 2) == "interactions (2)"
    long = continuation_title("x" * 31, 12)
    assert long == "x" * 26 + " (12)" and len(long) == 31


def test_thousands_of_emoji_texts_read_back_whole(tmp_path: Path) -> None:
    """A .xls keeps its texts in records of 8 KB: a text crossing into the
    next record must not be split inside an emoji (xlrd, the reader behind
    import, would refuse the whole file)."""
    pieces = ["a", "é", "🎉", "\U00010348", "\U0010fffd", "ש", "中"]
    chooser = random.Random(6)
    texts = [
        "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 40))) + str(n)
        for n in range(3_000)
    ]
    longest = "🎉" * (CELL_LIMIT // 2) + "!"
    path = write_one_sheet(tmp_path / "emoji.xls", [(text,) for text in [*texts, longest]], ("t",))

    assert [cells for _, cells in read_back(path)[1:]] == [[text] for text in [*texts, longest]]


def test_a_text_too_long_for_one_cell_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "long.xls"
    with pytest.raises(CrmError) as by_characters:
        write_one_sheet(path, [("ok", "x" * (CELL_LIMIT + 1))], ("id", "note"))
    assert by_characters.value.key == "exchange.error.cell_too_long"
    assert by_characters.value.params == {
        "sheet": SHEET_TITLE,
        "row": 2,
        "column": "note",
        "length": CELL_LIMIT + 1,
    }
    # Fits by characters, not in a .xls cell, which counts an emoji twice.
    with pytest.raises(CrmError) as by_units:
        write_one_sheet(path, [("ok", "😀" * 20_000)], ("id", "note"))
    assert by_units.value.params["length"] == 40_000
    assert not path.exists()


def test_the_export_of_real_interactions_holds_every_field(world: World, tmp_path: Path) -> None:
    for index, text in enumerate(HOSTILE_TEXTS):
        create_interaction(
            InteractionDraft(
                type=["call", "email", "visit", "note"][index % 4],
                contact=world.contact.code if index % 2 else world.other_contact.code,
                opportunity=world.opportunity.code if index % 2 else None,
                created_by=world.agent.username,
                user=[None, world.supervisor.username][index % 2],
                pool=index % 5 == 0,
                status=["done", "pending", "in_progress"][index % 3],
                priority=["low", "normal", "high", "urgent"][index % 4],
                internal=index % 3 == 0,
                subject=text,
                note=f"{text}\nsegunda línea\n\t=tabulada" if index % 2 else text,
                outcome="no_answer" if index % 4 == 0 else None,
                occurred_at=datetime(2026, 11, 20 + index % 3, 9 + index % 5, 4 * index),
                starts_at=datetime(2026, 11, 25, 10, 0) if index % 4 == 1 else None,
                ends_at=datetime(2026, 11, 25, 11, 30) if index % 4 == 1 else None,
                follow_up_at=datetime(2026, 12, 1, 9, 0) if index % 3 == 1 else None,
                location="-Planta 2" if index % 2 else "",
                tags=("vip", "=norte") if index % 2 else ("renovación",),
            )
        )
    everything = InteractionFilter()
    path = tmp_path / "interactions.xls"
    widths = tuple(max(10, len(column) + 2) for column in COLUMNS)
    write_workbook(
        path,
        [
            Sheet(
                title=SHEET_TITLE,
                header=COLUMNS,
                rows=(record_cells(record) for record in iter_interactions(everything)),
                widths=widths,
            )
        ],
    )

    expected = [record_cells(record) for record in iter_interactions(everything)]
    subjects = {cells[COLUMNS.index("subject")] for cells in expected}
    assert {"=1+1", "+1", "-1", "@SUM(A1)", EVERY_PLANE} <= subjects
    book = open_with_formats(path)
    sheet = book.sheet_by_name(SHEET_TITLE)
    assert sheet.row_values(0) == list(COLUMNS)
    assert sheet.nrows == len(expected) + 1
    for line, cells in enumerate(expected, start=1):
        for column, value in enumerate(cells):
            cell = sheet.cell(line, column)
            where = (line, COLUMNS[column], value)
            if value is None or value == "":
                assert cell.ctype == xlrd.XL_CELL_EMPTY, where
            elif isinstance(value, datetime):
                assert cell.ctype == xlrd.XL_CELL_DATE, where
                assert xlrd.xldate_as_datetime(cell.value, book.datemode) == value, where
                assert number_format(book, sheet, line, column) == "yyyy-mm-dd hh:mm"
            else:
                assert (cell.ctype, cell.value) == (xlrd.XL_CELL_TEXT, value), where
    assert read_back(path) == [(1, list(COLUMNS))] + [
        (line, ["" if value is None else value for value in cells])
        for line, cells in enumerate(expected, start=2)
    ]


def test_a_failure_in_the_rows_stops_the_write_and_leaves_no_file(tmp_path: Path) -> None:
    """A cancelled export: the rows stop with an error after some were
    already moved to xlwt's temporary files."""

    def rows_then_cancelled() -> Iterator[tuple[str]]:
        yield from ((str(n),) for n in range(2_500))
        raise CrmError("exchange.error.cancelled")

    path = tmp_path / "cancelled.xls"
    with pytest.raises(CrmError, match="export cancelled"):
        write_one_sheet(path, rows_then_cancelled(), ("n",))
    assert not path.exists()


# Any text, formula-looking text, text of other planes, several lines.
hostile_text = st.one_of(
    st.text(),
    st.builds("".join, st.tuples(st.sampled_from(FORMULA_STARTS), st.text())),
    st.text(st.characters(min_codepoint=0x10000), max_size=50),
    st.builds("\n".join, st.lists(st.text(), min_size=2, max_size=4)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(hostile_text, min_size=1, max_size=4), max_size=12))
def test_any_text_reads_back_as_written_less_control_characters(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write_one_sheet(tmp_path / "any.xls", rows, ("a", "b", "c", "d"))
    read = read_back(path)
    assert read[0] == (1, ["a", "b", "c", "d"])
    assert without_empty_rows_at_the_end([cells for _, cells in read[1:]]) == (
        without_empty_rows_at_the_end([[xml_safe(text) for text in row] for row in rows])
    )


# --- reading -----------------------------------------------------------------


def test_a_hand_made_xls_reads_as_the_importer_expects(tmp_path: Path) -> None:
    """Numbers, booleans and times typed in a spreadsheet; the interactions
    sheet found among others."""
    workbook = xlwt.Workbook()
    workbook.add_sheet("notes").write(0, 0, "not this one")
    sheet = workbook.add_sheet(SHEET_TITLE)
    when = xlwt.easyxf(num_format_str="dd/mm/yyyy hh:mm")
    clock = xlwt.easyxf(num_format_str="hh:mm")
    for column, title in enumerate(("contact_code", "internal", "occurred_at", "at", "amount")):
        sheet.write(0, column, title)
    sheet.write(1, 0, 1001)
    sheet.write(1, 1, True)
    sheet.write(1, 2, datetime(2026, 11, 23, 14, 5, 59), when)  # seconds do not travel
    sheet.write(1, 3, time(10, 5), clock)
    sheet.write(1, 4, 2.5)
    sheet.write(2, 1, False)
    path = tmp_path / "hand.xls"
    workbook.save(str(path))

    assert read_back(path) == [
        (1, ["contact_code", "internal", "occurred_at", "at", "amount"]),
        (2, ["1001", "yes", datetime(2026, 11, 23, 14, 5), "10:05", "2.5"]),
        (3, ["", "no", "", "", ""]),
    ]


def test_without_an_interactions_sheet_the_first_is_read(tmp_path: Path) -> None:
    path = tmp_path / "other.xls"
    write_workbook(
        path,
        [
            Sheet("Hoja1", ("type",), [("call",)], (10,)),
            Sheet("Hoja2", ("type",), [("visit",)], (10,)),
        ],
    )
    assert read_back(path) == [(1, ["type"]), (2, ["call"])]


def test_a_sheet_named_like_a_continuation_without_the_header_is_not_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lookalike.xls"
    write_workbook(
        path,
        [
            Sheet(SHEET_TITLE, ("type",), [("call",)], (10,)),
            Sheet(f"{SHEET_TITLE} (2)", ("something else",), [("visit",)], (10,)),
        ],
    )
    assert read_back(path) == [(1, ["type"]), (2, ["call"])]


def xlsx_file(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["type", "contact_code"])
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda path: path.write_text("type,contact_code\n"), id="csv text"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty"),
        pytest.param(xlsx_file, id="xlsx renamed"),
        pytest.param(lambda path: path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600), id="cut"),
    ],
)
def test_a_file_that_is_not_an_xls_is_refused_in_words(tmp_path: Path, make: Any) -> None:
    path = tmp_path / "book.xls"
    make(path)
    with pytest.raises(CrmError) as refused:
        read_back(path)
    assert refused.value.key == "exchange.error.not_xls"
    assert refused.value.message("en") == (
        f"{path} is not an Excel 97–2003 (.xls) workbook; if it is a newer workbook,"
        " save it as .xlsx (or .csv) and import that file"
    )
    assert ".xlsx" in refused.value.message("es") and "no es un libro" in refused.value.message(
        "es"
    )


def test_a_missing_file_says_it_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "missing.xls"
    with pytest.raises(CrmError) as refused:
        read_back(path)
    assert refused.value.key == "exchange.error.cannot_read"
    assert refused.value.message("en") == f"cannot read {path}: No such file or directory"


def test_the_module_does_not_import_xlwt_or_xlrd_until_used() -> None:
    probe = (
        "import sys, crm_tui.exchange.xls_format; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('xlwt', 'xlrd', 'openpyxl')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_text_xlrd_cannot_decode_is_named_not_called_a_broken_file(tmp_path: Path) -> None:
    """xlwt on its own (as other programs may) splits an emoji between two
    records; xlrd cannot read such a file, and says so."""
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet(SHEET_TITLE)
    for row in range(2_000):
        sheet.write(row, 0, f"{row} 🎉🎉🎉 {row}")
    path = tmp_path / "split.xls"
    workbook.save(str(path))

    with pytest.raises(CrmError) as refused:
        read_back(path)
    assert refused.value.key == "exchange.error.xls_text_unreadable"
    assert "save it as .xlsx" in refused.value.message("en")
    assert "guárdelo como .xlsx" in refused.value.message("es")
