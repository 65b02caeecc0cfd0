"""A streaming .xlsx writer: the workbook's parts written straight into the
zip, each sheet row by row as its rows arrive.

openpyxl's write-only mode streams too, but spends most of its time on
objects per cell (a cell, its style, an XML element) and copies every
sheet through a temporary file; an export needs none of that. Its cells
are text and dates only (`columns.Cell`), its styles three: plain, the
bold header and the date format.

Text is an inline string (`t="inlineStr"`): a cell can never be a formula
or an error value whatever it says, and no table of strings grows in
memory. Characters XML 1.0 cannot carry (control characters, U+FFFE,
U+FFFF) are left out; a carriage return is written as a character
reference, since XML readers turn a raw one into a line feed. Dates are
serial numbers with the `yyyy-mm-dd hh:mm` format, except before 1900,
which Excel cannot hold as a date: those are written as interchange text,
which import reads back the same. A text too long for one cell is refused
(`sheets.check_fits`), never cut.

A table sheet gets its header row frozen and an auto-filter over exactly
the rows written; every sheet gets its column widths and a bold header.
The auto-filter's range is in the workbook part too, so that part is
written once every row is known.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING

from crm_tui.exchange.columns import Cell
from crm_tui.exchange.sheets import CELL_LIMIT, Sheet, check_fits
from crm_tui.services.dates import format_interchange

if TYPE_CHECKING:
    from zipfile import ZipFile, ZipInfo

DATE_FORMAT = "yyyy-mm-dd hh:mm"
FIRST_EXCEL_DATE = datetime(1900, 1, 1)
# Excel's day 0 in the 1900 date system, counting the 29 February 1900
# it believes in: from 1 March 1900 on, a serial is days since this.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_FIRST_AFTER_FALSE_LEAP_DAY = datetime(1900, 3, 1)
_DAY = timedelta(days=1)
# Rows joined into one write of a sheet's XML.
_ROWS_PER_WRITE = 256
# The largest zip entry without Zip64 headers (zipfile's own limit).
_ZIP32_LIMIT = (1 << 31) - 1
_COPY_CHUNK = 1 << 20

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_SPECIAL = re.compile("[&<>\r]")
# Any character that is not written as it is (left out or escaped): most
# texts have none, found with one search.
_NOT_VERBATIM = re.compile(
    "[^\t\n\x20-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# A text this short fits in a cell however it is counted (`sheets.fits_in_cell`).
_SURELY_FITS = CELL_LIMIT // 2
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}

# A cell's style attribute: an index into `cellXfs` of STYLES (none: plain).
_BOLD, _DATE = ' s="1"', ' s="2"'

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_ROOT_RELATIONSHIPS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP_PROPERTIES = (
    f"{_DECLARATION}<Properties "
    'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>crm-tui</Application></Properties>"
)
_SHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def _escaped(text: str) -> str:
    """XML character data for `text` (already `xml_safe`)."""
    if _XML_SPECIAL.search(text) is None:
        return text
    return _XML_SPECIAL.sub(lambda match: _XML_ESCAPES[match.group()], text)


def _attribute(text: str) -> str:
    """An XML attribute's value (between double quotes) for `text`."""
    return _escaped(xml_safe(text)).replace('"', "&quot;")


def excel_serial(moment: datetime) -> float:
    """`moment` (from 1900 on) as Excel's 1900-system serial number. Excel
    counts a 29 February 1900 that never was, so its first two months are
    one day less than days since the epoch."""
    serial = (moment - _EXCEL_EPOCH) / _DAY
    return serial - 1 if moment < _FIRST_AFTER_FALSE_LEAP_DAY else serial


def column_letter(number: int) -> str:
    """`1` -> `A`, `27` -> `AA`."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _text_cell(reference: str, text: str, data: str, style: str = "") -> str:
    """An inline string cell holding `text` (`xml_safe`, not empty), whose
    character data is `data`; `style` is the cell's ` s="n"`, if any."""
    # Whitespace at either end survives only where XML is told to keep it.
    keep = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{reference}"{style} t="inlineStr"><is><t{keep}>{data}</t></is></c>'


class _SheetWriter:
    """One sheet's XML, written to `stream` row by row."""

    def __init__(self, sheet: Sheet, stream: IO[bytes]) -> None:
        self.sheet = sheet
        self.stream = stream
        self.letters = [column_letter(number) for number in range(1, len(sheet.header) + 1)]
        self.last_row = 1

    def write(self) -> None:
        sheet = self.sheet
        self._put(self._opening())
        header = (
            _text_cell(f"{letter}1", text, _escaped(text), _BOLD)
            for letter, text in zip(self.letters, map(xml_safe, sheet.header), strict=True)
            if text
        )
        pending = [f'<row r="1">{"".join(header)}</row>']
        for self.last_row, cells in enumerate(sheet.rows, start=2):
            pending.append(self._row(self.last_row, cells))
            if len(pending) == _ROWS_PER_WRITE:
                self._put("".join(pending))
                pending.clear()
        pending.append("</sheetData>")
        if sheet.is_table:
            pending.append(f'<autoFilter ref="{self.filter_range}"/>')
        pending.append("</worksheet>")
        self._put("".join(pending))

    @property
    def filter_range(self) -> str:
        return f"A1:{self.letters[-1]}{self.last_row}"

    def _put(self, text: str) -> None:
        self.stream.write(text.encode("utf-8"))

    def _opening(self) -> str:
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            if self.sheet.is_table
            else ""
        )
        columns = "".join(
            f'<col min="{number}" max="{number}" width="{width}" customWidth="1"/>'
            for number, width in enumerate(self.sheet.widths, start=1)
        )
        return (
            f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{columns}</cols><sheetData>"
        )

    def _row(self, number: int, cells: Sequence[Cell | None]) -> str:
        parts = [f'<row r="{number}">']
        for column, cell in enumerate(cells):
            if not cell:
                continue
            if isinstance(cell, datetime):
                if cell >= FIRST_EXCEL_DATE:
                    serial = excel_serial(cell)
                    parts.append(
                        f'<c r="{self.letters[column]}{number}"{_DATE}><v>{serial!r}</v></c>'
                    )
                    continue
                text = format_interchange(cell)
            else:
                text = cell
            if _NOT_VERBATIM.search(text) is None:
                data = text  # nothing to leave out or escape: the common case
            else:
                text = xml_safe(text)
                if not text:
                    continue
                data = _escaped(text)
            if len(text) > _SURELY_FITS:
                check_fits(
                    text, sheet=self.sheet.title, row=number, column=self.sheet.header[column]
                )
            parts.append(_text_cell(f"{self.letters[column]}{number}", text, data))
        parts.append("</row>")
        return "".join(parts)


def _core_properties(creator: str, at: datetime) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{_DECLARATION}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{_escaped(xml_safe(creator))}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _content_types(sheet_count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{_SHEET_CONTENT}"/>'
        for number in range(1, sheet_count + 1)
    )
    return (
        f"{_DECLARATION}<Types "
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook_relationships(sheet_count: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}/worksheet" '
        f'Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, sheet_count + 1)
    )
    styles = f'<Relationship Id="rId{sheet_count + 1}" Type="{kind}/styles" Target="styles.xml"/>'
    return (
        f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        f"{sheets}{styles}</Relationships>"
    )


def _workbook(written: Sequence[_SheetWriter]) -> str:
    """The workbook part: the sheets in order and, as Excel keeps it, each
    auto-filter's range as a hidden name of its sheet."""
    sheets = "".join(
        f'<sheet name="{_attribute(writer.sheet.title)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, writer in enumerate(written, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{_escaped(_sheet_reference(writer))}</definedName>"
        for index, writer in enumerate(written)
        if writer.sheet.is_table
    )
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>{names}'
        "</workbook>"
    )


def _sheet_reference(writer: _SheetWriter) -> str:
    """The auto-filter's range as a formula: `'title'!$A$1:$U$9`."""
    quoted = "'" + xml_safe(writer.sheet.title).replace("'", "''") + "'"
    first, last = writer.filter_range.split(":")
    return f"{quoted}!{_absolute(first)}:{_absolute(last)}"


def _absolute(reference: str) -> str:
    letters = reference.rstrip("0123456789")
    return f"${letters}${reference[len(letters) :]}"


def _add_sheet(archive: ZipFile, info: ZipInfo, xml: IO[bytes]) -> None:
    """Compress a sheet's XML into the workbook. The XML goes through a
    temporary file first because only its size says whether the entry
    needs Zip64 headers, and Excel refuses them on an entry that does not
    (zipfile cannot add them once an entry is streaming)."""
    size = xml.tell()
    xml.seek(0)
    with archive.open(info, "w", force_zip64=size > _ZIP32_LIMIT) as entry:
        shutil.copyfileobj(xml, entry, _COPY_CHUNK)


def write_workbook(path: Path, sheets: Sequence[Sheet], *, creator: str, at: datetime) -> None:
    """Write `sheets` (at least one), in order, each streamed row by row.
    `creator` is the workbook's author; `at` (local time) its created and
    modified times and those of the zip entries, so that two workbooks of
    the same sheets written with the same `at` are the same bytes. Every
    sheet is written (to a temporary file) before `path` is opened: a sheet
    that fails leaves `path` untouched."""
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    def entry(name: str) -> ZipInfo:
        info = ZipInfo(name, date_time=at.timetuple()[:6])
        info.compress_type = ZIP_DEFLATED
        return info

    with contextlib.ExitStack() as temporary_files:
        written: list[_SheetWriter] = []
        for sheet in sheets:
            written.append(
                _SheetWriter(sheet, temporary_files.enter_context(tempfile.TemporaryFile()))
            )
            written[-1].write()
        with ZipFile(path, "w", ZIP_DEFLATED) as archive:
            archive.writestr(entry("[Content_Types].xml"), _content_types(len(sheets)))
            archive.writestr(entry("_rels/.rels"), _ROOT_RELATIONSHIPS)
            archive.writestr(entry("docProps/app.xml"), _APP_PROPERTIES)
            archive.writestr(entry("docProps/core.xml"), _core_properties(creator, at))
            archive.writestr(entry("xl/workbook.xml"), _workbook(written))
            archive.writestr(
                entry("xl/_rels/workbook.xml.rels"), _workbook_relationships(len(sheets))
            )
            archive.writestr(entry("xl/styles.xml"), STYLES)
            for number, writer in enumerate(written, start=1):
                _add_sheet(archive, entry(f"xl/worksheets/sheet{number}.xml"), writer.stream)
