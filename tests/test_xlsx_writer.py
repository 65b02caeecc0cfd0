"""The streaming .xlsx writer on its own: workbooks read back with openpyxl
(values, types, the date format, the bold frozen header, widths, the
auto-filter, the document properties, several sheets), hostile and
XML-forbidden text, the zip container itself, and LibreOffice when the
machine has it."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.exchange.columns import Cell
from crm_tui.exchange.sheets import CELL_LIMIT, Sheet
from crm_tui.exchange.xlsx_writer import (
    DATE_FORMAT,
    column_letter,
    excel_serial,
    write_workbook,
    xml_safe,
)
from crm_tui.services.errors import CrmError

AT = datetime(2026, 11, 24, 9, 30, 14)  # even: zip times count in 2 s steps
HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://x")',
    "@SUM(A1)",
    "+1",
    "-5",
    "#N/A",
    "#DIV/0!",
    "TRUE",
    "1e5",
    "0012",
    "<b>bold</b> & 'quoted' \"double\"",
    "]]> <![CDATA[ x ]]>",
    "&amp; &#13; &lt;",
    "  leading and trailing  ",
    "\ttab first",
    "line one\nline two\r\nline three\rend",
    " ",
    "Ñandú ünïcödé 日本語 🎉 𝄞",
    "[bold]markup[/] \x1b[31m",
]


def table(rows: Sequence[Sequence[Cell | None]], *, title: str = "data", width: int = 2) -> Sheet:
    header = tuple(f"h{number}" for number in range(1, width + 1))
    return Sheet(title=title, header=header, rows=rows, widths=(12,) * width)


def write(path: Path, *sheets: Sheet) -> Path:
    write_workbook(path, sheets, creator="crm-tui", at=AT)
    return path


def load(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)


def test_values_types_styles_and_layout_read_back(tmp_path: Path) -> None:
    when = datetime(2026, 11, 24, 14, 5)
    rows: list[list[Cell | None]] = [
        ["text", when],
        [None, ""],
        ["", datetime(2000, 2, 29, 23, 59)],
    ]
    sheet = Sheet(
        title="interactions", header=("name", "when", "empty"), rows=rows, widths=(30, 17, 5)
    )
    workbook = load(write(tmp_path / "one.xlsx", sheet))

    found = workbook["interactions"]
    assert [[cell.value for cell in line] for line in found.iter_rows()] == [
        ["name", "when", "empty"],
        ["text", when, None],
        [None, None, None],
        [None, datetime(2000, 2, 29, 23, 59), None],
    ]
    assert found["A2"].data_type == "s"
    assert found["B2"].number_format == DATE_FORMAT and found["B2"].is_date
    assert all(cell.font.b for cell in found[1])
    assert not found["A2"].font.b
    assert found.freeze_panes == "A2"
    assert found.auto_filter.ref == "A1:C4"
    widths = {letter: found.column_dimensions[letter].width for letter in "ABC"}
    assert widths == {"A": 30, "B": 17, "C": 5}


def test_the_properties_say_who_and_when_in_utc(tmp_path: Path) -> None:
    workbook = load(write(tmp_path / "props.xlsx", table([["x", None]])))
    utc = AT.astimezone(UTC).replace(tzinfo=None)
    assert workbook.properties.creator == "crm-tui"
    assert workbook.properties.created == workbook.properties.modified == utc


def test_several_sheets_in_order_each_with_its_own_filter(tmp_path: Path) -> None:
    notes = Sheet(
        title="export",
        header=("Field", "Value"),
        rows=[("At", AT)],
        widths=(20, 40),
        is_table=False,
    )
    path = write(
        tmp_path / "many.xlsx",
        table([["a", "b"]] * 3, title="interactions"),
        notes,
        table([], title="history", width=3),
    )
    workbook = load(path)
    assert workbook.sheetnames == ["interactions", "export", "history"]
    assert workbook["interactions"].auto_filter.ref == "A1:B4"
    assert workbook["history"].auto_filter.ref == "A1:C1"  # a header and no rows
    assert workbook["export"].freeze_panes is None
    assert workbook["export"].auto_filter.ref is None
    assert all(cell.font.b for cell in workbook["export"][1])
    assert workbook["export"]["B2"].value == AT.replace(microsecond=0)


def test_hostile_text_stays_text(tmp_path: Path) -> None:
    workbook = load(write(tmp_path / "hostile.xlsx", table([[text] for text in HOSTILE], width=1)))
    cells = [line[0] for line in workbook.active.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == [xml_safe(text) for text in HOSTILE]
    assert cells[-1].value == "[bold]markup[/] [31m"  # the escape character left out
    assert {cell.data_type for cell in cells} == {"s"}


def test_characters_xml_cannot_carry_are_left_out(tmp_path: Path) -> None:
    forbidden = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\ufffei\uffffj"
    path = write(tmp_path / "forbidden.xlsx", table([[forbidden, "\x01\x02"]], title="x\x07y"))
    workbook = load(path)
    assert workbook.sheetnames == ["xy"]
    assert [cell.value for cell in workbook.active[2]] == ["abcdefghij", None]
    assert xml_safe(forbidden) == "abcdefghij"


def test_dates_before_1900_are_interchange_text_and_the_first_months_count_right(
    tmp_path: Path,
) -> None:
    dates = [
        datetime(1899, 12, 31, 23, 59),
        datetime(1900, 1, 1),
        datetime(1900, 2, 28, 12, 0),
        datetime(1900, 3, 1),
        datetime(9999, 12, 31, 23, 59),
    ]
    workbook = load(write(tmp_path / "dates.xlsx", table([[when] for when in dates], width=1)))
    read = [line[0].value for line in workbook.active.iter_rows(min_row=2)]
    assert read == ["1899-12-31 23:59", *dates[1:]]
    # Excel's own serials: day 1 is 1900-01-01, day 61 is 1900-03-01.
    assert excel_serial(datetime(1900, 1, 1)) == 1
    assert excel_serial(datetime(1900, 3, 1)) == 61
    assert excel_serial(datetime(2024, 1, 1, 12, 0)) == 45292.5


def test_a_text_too_long_for_a_cell_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    path.write_bytes(b"before")
    emoji = "🎉" * (CELL_LIMIT // 2 + 1)  # fewer characters than the limit, more UTF-16 units
    with pytest.raises(CrmError) as raised:
        write(path, table([["ok", None], [None, emoji]], title="notes"))
    assert raised.value.message().startswith("sheet notes, row 3, column h2: 32768 characters")
    assert path.read_bytes() == b"before"


def test_a_failing_row_source_leaves_the_file_untouched(tmp_path: Path) -> None:
    def rows() -> Iterator[list[Cell | None]]:
        yield ["one", None]
        raise OSError("the database went away")

    path = tmp_path / "half.xlsx"
    path.write_bytes(b"before")
    with pytest.raises(OSError, match="went away"):
        write(path, table(rows()))
    assert path.read_bytes() == b"before"


def test_the_container_is_a_plain_zip_of_well_formed_parts(tmp_path: Path) -> None:
    first = write(tmp_path / "first.xlsx", table([["x", AT]]), table([], title="second"))
    with zipfile.ZipFile(first) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        assert set(names) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/app.xml",
            "docProps/core.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
        }
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == AT.timetuple()[:6]
            assert not info.extra  # no Zip64 headers: Excel refuses them on small entries
            ElementTree.fromstring(archive.read(info))  # well-formed
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 't="inlineStr"' in sheet and "<f>" not in sheet
    # The same sheets at the same time: the same bytes.
    second = write(tmp_path / "second.xlsx", table([["x", AT]]), table([], title="second"))
    assert first.read_bytes() == second.read_bytes()


def test_column_letters() -> None:
    assert [column_letter(number) for number in (1, 21, 26, 27, 52, 702, 703)] == [
        "A",
        "U",
        "Z",
        "AA",
        "AZ",
        "ZZ",
        "AAA",
    ]


@settings(max_examples=60, deadline=None)
@given(st.text(), st.text())
def test_any_text_reads_back_as_a_string_cell(first: str, second: str) -> None:
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "any.xlsx", table([[first, second]]))
        workbook = load_workbook(path, read_only=True)
        try:
            cells = next(iter(workbook.active.iter_rows(min_row=2)))
            read = [(cell.value, cell.data_type) for cell in cells if cell.value is not None]
        finally:
            workbook.close()
    expected = [(xml_safe(text), "s") for text in (first, second) if xml_safe(text)]
    assert read == expected
