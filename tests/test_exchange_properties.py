"""Generated hostile text survives the interchange files unchanged: formula
prefixes, markup, control characters, every Unicode plane, many lines."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_tui.exchange import csv_format, xlsx_format
from crm_tui.exchange.columns import COLUMNS, Cell
from crm_tui.exchange.exporter import export_interactions
from crm_tui.exchange.importer import import_file
from crm_tui.exchange.sheets import Sheet
from crm_tui.services import contacts, defaults, users
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionFilter
from crm_tui.services.text import clean_line, clean_text
from crm_tui.store import db as store_db

TRIGGERS = "=+-@\t\r'"
# Text that leans on what is dangerous in a spreadsheet or a terminal.
hostile_text = st.one_of(
    st.text(),
    st.builds(
        lambda start, rest: start + rest,
        st.text(alphabet=TRIGGERS, min_size=1, max_size=4),
        st.text(),
    ),
    st.sampled_from(["[bold]x[/]", "[@click=app.quit]x[/]", "\x1b]52;c;aGk=\x07", "#N/A"]),
    st.lists(st.text(), min_size=2, max_size=4).map("\n".join),
)
minutes = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda value: value.replace(second=0, microsecond=0)
)
modest = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(st.text())
def test_apostrophe_encoding_is_undone_exactly(text: str) -> None:
    for value in (text, clean_text(text), clean_line(text)):
        escaped = csv_format.escape_cell(value)
        assert csv_format.unescape_cell(escaped) == value
        assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(hostile_text)
def test_apostrophe_encoding_handles_hostile_starts(text: str) -> None:
    assert csv_format.unescape_cell(csv_format.escape_cell(text)) == text


@modest
@given(st.lists(st.lists(hostile_text, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=4))
def test_csv_cells_read_back_as_written(rows: list[list[str]]) -> None:
    cleaned = [[clean_text(cell) for cell in cells] for cells in rows]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.csv"
        csv_format.write_rows(path, cleaned)
        read = [cells for _, cells in csv_format.read_rows(path)]
    assert read == [list(COLUMNS), *cleaned]


@modest
@given(st.lists(hostile_text, min_size=len(COLUMNS), max_size=len(COLUMNS)), minutes)
def test_xlsx_takes_any_text_and_reads_back_what_xml_can_hold(
    cells: list[str], when: datetime
) -> None:
    row: list[Cell] = [clean_text(cell) for cell in cells]
    row[COLUMNS.index("occurred_at")] = when
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.xlsx"
        sheet = Sheet(title="interactions", header=COLUMNS, rows=[row], widths=(10,) * len(COLUMNS))
        xlsx_format.write_workbook(path, [sheet])
        _, read = list(xlsx_format.read_rows(path))[1]
    read += [""] * (len(COLUMNS) - len(read))  # a row ends at its last filled cell
    expected = [
        value if isinstance(value, datetime) else xlsx_format.xml_safe(value) for value in row
    ]
    if when < xlsx_format.FIRST_EXCEL_DATE:
        expected[COLUMNS.index("occurred_at")] = when.strftime("%Y-%m-%d %H:%M")
    assert read == expected


interaction_fields = st.fixed_dictionaries(
    {
        "subject": hostile_text,
        "note": hostile_text,
        "location": hostile_text,
        "tags": st.lists(hostile_text, max_size=3),
        "occurred_at": minutes,
        "pool": st.booleans(),
        "internal": st.booleans(),
    }
)


def _database(folder: Path, name: str) -> None:
    store_db.close()
    store_db.connect(store_db.Target("sqlite", str(folder / name)))
    defaults.install_defaults()


@modest
@given(st.lists(interaction_fields, min_size=1, max_size=3), hostile_text)
def test_generated_interactions_survive_export_import_export(
    drafts: list[dict[str, Any]], contact_name: str
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        try:
            _database(folder, "source.db")
            agent = users.add_user("agent", "Agent")
            contacts.create_contact("C-1", clean_line(contact_name)[:200] or "x")
            for fields in drafts:
                create_interaction(
                    InteractionDraft(
                        type="call", contact="C-1", created_by=agent.username, **fields
                    )
                )
            export_interactions(InteractionFilter(), folder / "first.csv")

            _database(folder, "empty.db")
            importer = users.add_user("importer", role="admin")
            report = import_file(folder / "first.csv", actor=importer)
            assert report.errors == ()
            export_interactions(InteractionFilter(), folder / "second.csv")
        finally:
            store_db.close()
        assert (folder / "second.csv").read_bytes() == (folder / "first.csv").read_bytes()
