"""Export to .csv/.xlsx and import back, on SQLite and PostgreSQL: what a
person opening the file or running the import would check."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui.exchange import xlsx_format
from crm_tui.exchange.columns import COLUMNS
from crm_tui.exchange.exporter import ExportCancelled, export_interactions
from crm_tui.exchange.importer import ImportReport, import_file
from crm_tui.exchange.sheets import Sheet
from crm_tui.services import defaults, history, users
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import get_interaction, iter_interactions
from crm_tui.services.records import InteractionFilter, UserRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact, HistoryEvent, Interaction, Opportunity, Tag, User

from .conftest import World, drop_postgres, fresh_postgres

NOW = "2026-11-23T10:00:00"
EVERYTHING = InteractionFilter()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HOSTILE_SUBJECTS = [
    "=1+1",
    "+34 600 000 001",
    "-5",
    "@SUM(A1)",
    "'quoted",
    "'=x",
    "''+y",
    "[bold]x[/]",
    "[@click=app.quit]pulse aquí[/]",
    'comas, "comillas" y ; punto y coma',
    "Reunión 🎉 con Müller — ñandú",
    "שלום עליכם مرحبا",
    "#N/A",
    "",
]


@pytest.fixture
def clock_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW)


@pytest.fixture
def empty_database(
    db: store_db.Target, request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], store_db.Target]:
    """Switch to a new, empty database (shipped defaults only) of the same
    engine as `db`; the fixtures of `db` close whichever is open at the end."""
    dropped: list[str] = []

    def switch() -> store_db.Target:
        store_db.close()
        if db.engine == "sqlite":
            target = store_db.Target("sqlite", str(tmp_path / f"empty{len(dropped)}.db"))
            dropped.append("")
        else:
            name, url = fresh_postgres(request.getfixturevalue("pg_template"))
            dropped.append(name)
            target = store_db.Target("postgres", url)
        store_db.connect(target)
        defaults.install_defaults()
        return target

    def drop() -> None:
        store_db.close()
        for name in dropped:
            if name:
                drop_postgres(name)

    request.addfinalizer(drop)
    return switch


def importer_in(switch: Callable[[], store_db.Target]) -> UserRecord:
    switch()
    return users.add_user("importer", "Quien importa", role="admin")


def varied_interactions(world: World) -> None:
    """Interactions with every kind of field and hostile text."""
    marketing = users.add_user("@ventas", "Ventas")
    for index, subject in enumerate(HOSTILE_SUBJECTS):
        create_interaction(
            InteractionDraft(
                type=["call", "email", "Reunión", "visit", "note"][index % 5],
                contact=world.contact.code if index % 2 else world.other_contact.code,
                opportunity=(world.opportunity.code if index % 2 else None),
                created_by=world.agent.username,
                user=[None, "marta", marketing.username][index % 3],
                pool=index % 4 == 0,
                status=["done", "pending", "in_progress", "cancelled"][index % 4],
                priority=["low", "normal", "high", "urgent"][index % 4],
                direction="inbound" if index % 3 == 0 else "outbound",
                internal=index % 5 == 0,
                subject=subject,
                note=(
                    f'línea 1 de {subject}\nlínea 2, con "comillas"\n\n'
                    '=HYPERLINK("http://x")\n\tsangría'
                    if index % 2
                    else subject
                ),
                outcome="no_answer" if index % 5 == 0 else None,
                occurred_at=datetime(2026, 11, 20 + index % 3, 9 + index % 4, 5),
                starts_at=datetime(2026, 11, 25, 10, 0) if index % 5 == 2 else None,
                ends_at=datetime(2026, 11, 25, 11, 30) if index % 5 == 2 else None,
                follow_up_at=datetime(2026, 12, 1, 9, 0) if index % 3 == 1 else None,
                location="-Planta 2" if index % 4 == 1 else "",
                tags=("vip", "=norte") if index % 2 else ("renovación",),
            )
        )
    create_interaction(
        InteractionDraft(
            type="task",
            contact="C-001",
            created_by="marta",
            note="\t=tab first\n",
            subject="   spaces around   ",
            occurred_at=datetime(2026, 11, 22, 12, 5),
        )
    )


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", bom: bool = True) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path


def row(**values: str) -> list[str]:
    return [values.get(column, "") for column in COLUMNS]


def table_counts() -> dict[str, int]:
    models = (Interaction, Contact, Opportunity, User, Tag, HistoryEvent)
    return {model.__name__: model.select().count() for model in models}


# --- round trips -------------------------------------------------------------


def test_csv_export_import_export_is_byte_identical(
    world: World, clock_fixed: None, empty_database: Callable[[], store_db.Target], tmp_path: Path
) -> None:
    varied_interactions(world)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    written = export_interactions(EVERYTHING, first)
    # One more row than logged: the shipped rule's retry of the unanswered call.
    assert written == len(HOSTILE_SUBJECTS) + 2

    actor = importer_in(empty_database)
    report = import_file(first, actor=actor)
    assert report.errors == ()
    assert report.created == written
    assert (report.users_created, report.contacts_created, report.opportunities_created) == (
        3,  # luis, marta, @ventas
        2,
        1,
    )
    assert export_interactions(EVERYTHING, second) == written
    assert second.read_bytes() == first.read_bytes()


def test_csv_file_is_excel_friendly_and_formulas_are_inert(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    varied_interactions(world)
    path = tmp_path / "out.csv"
    export_interactions(EVERYTHING, path)
    header = "\ufeff" + ",".join(COLUMNS) + "\r\n"
    assert path.read_bytes().startswith(header.encode("utf-8"))
    rows = csv_rows(path)
    assert rows[0] == list(COLUMNS)
    for cells in rows[1:]:
        for cell in cells:
            assert not cell.startswith(FORMULA_STARTS), cell
    subjects = {cells[COLUMNS.index("subject")] for cells in rows[1:]}
    assert {"'=1+1", "'+34 600 000 001", "'-5", "'@SUM(A1)"} <= subjects
    assert "'quoted" in subjects  # an apostrophe before a plain letter stays as it is
    assert "''=x" in subjects and "'''+y" in subjects
    assert "[@click=app.quit]pulse aquí[/]" in subjects
    by_subject = {cells[COLUMNS.index("subject")]: cells for cells in rows[1:]}
    assert by_subject["'-5"][COLUMNS.index("user")] == "'@ventas"
    assert by_subject["spaces around"][COLUMNS.index("note")] == "'\t=tab first\n"
    internal = by_subject["'=1+1"][COLUMNS.index("internal")]
    assert internal == "yes"
    assert by_subject["'=1+1"][COLUMNS.index("user")] == ""  # the shared pool


def test_xlsx_export_import_export_keeps_every_cell(
    world: World, clock_fixed: None, empty_database: Callable[[], store_db.Target], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    varied_interactions(world)
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    written = export_interactions(EVERYTHING, first)

    sheet = load_workbook(first).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    cells = [cell for line in sheet.iter_rows(min_row=2) for cell in line if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert {"=1+1", "@SUM(A1)", "'=x", "#N/A", "\t=tab first\n", "@ventas"} <= texts
    dates = [cell for cell in cells if isinstance(cell.value, datetime)]
    assert dates and all(cell.number_format == "yyyy-mm-dd hh:mm" for cell in dates)

    actor = importer_in(empty_database)
    report = import_file(first, actor=actor)
    assert report.errors == () and report.created == written
    export_interactions(EVERYTHING, second)

    def values(path: Path) -> list[tuple[object, ...]]:
        workbook = load_workbook(path, read_only=True)
        try:
            return list(workbook.active.iter_rows(values_only=True))
        finally:
            workbook.close()

    assert values(second) == values(first)


def test_xls_export_import_export_keeps_every_cell(
    world: World, clock_fixed: None, empty_database: Callable[[], store_db.Target], tmp_path: Path
) -> None:
    import xlrd

    varied_interactions(world)
    first, second = tmp_path / "first.xls", tmp_path / "second.xls"
    written = export_interactions(EVERYTHING, first)

    def values(path: Path) -> list[list[object]]:
        book = xlrd.open_workbook(str(path))
        sheet = book.sheet_by_name("interactions")
        return [sheet.row_values(line) for line in range(sheet.nrows)]

    rows = values(first)
    assert rows[0] == list(COLUMNS) and len(rows) == written + 1
    texts = {cell for line in rows[1:] for cell in line if isinstance(cell, str)}
    assert {"=1+1", "@SUM(A1)", "'=x", "#N/A", "\t=tab first\n", "@ventas"} <= texts

    actor = importer_in(empty_database)
    report = import_file(first, actor=actor)
    assert report.errors == () and report.created == written
    export_interactions(EVERYTHING, second)
    assert values(second) == rows
    # And the same interactions as the .csv of the first database would list.
    export_interactions(EVERYTHING, tmp_path / "again.csv")
    assert len(csv_rows(tmp_path / "again.csv")) == written + 1


def test_csv_and_xlsx_carry_the_same_interactions(
    world: World, clock_fixed: None, empty_database: Callable[[], store_db.Target], tmp_path: Path
) -> None:
    varied_interactions(world)
    export_interactions(EVERYTHING, tmp_path / "a.xlsx")
    export_interactions(EVERYTHING, tmp_path / "a.csv")
    actor = importer_in(empty_database)
    assert import_file(tmp_path / "a.xlsx", actor=actor).ok
    export_interactions(EVERYTHING, tmp_path / "b.csv")
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()


# --- import: rows, references, all or nothing -------------------------------


def test_import_creates_missing_users_contacts_and_opportunities(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "new.csv",
        [
            list(COLUMNS),
            row(
                type="Llamada",
                contact_code="C-900",
                contact_name="Nuevo S.A.",
                opportunity_code="OP-900",
                opportunity_title="Primer pedido",
                user="nuria",
                status="Pendiente",
                occurred_at="2026-11-20 09:30",
                tags="Norte, vip",
            ),
            row(
                type="email",
                contact_code="C-900",
                opportunity_code="OP-900",
                created_by="pablo",
                internal="sí",
            ),
            row(type="note", contact_code="C-001", user="luis"),
        ],
    )
    report = import_file(path, actor=world.admin)
    assert report.errors == ()
    assert (report.rows_read, report.created) == (3, 3)
    assert (report.users_created, report.contacts_created, report.opportunities_created) == (
        2,
        1,
        1,
    )
    assert users.get_user("nuria").role == "agent"
    assert users.get_user("nuria").display_name == "nuria"
    records = {record.subject + record.type.code: record for record in iter_interactions()}
    call = records["call"]
    assert (call.contact_name, call.opportunity_title) == ("Nuevo S.A.", "Primer pedido")
    assert call.user == "nuria" and call.created_by == "ana"  # empty created_by: the importer
    assert call.status == "pending" and call.tags == ("norte", "vip")
    assert call.occurred_at == datetime(2026, 11, 20, 9, 30)
    email = records["email"]
    assert email.internal and email.user is None and email.created_by == "pablo"
    assert records["note"].occurred_at == datetime(2026, 11, 23, 10, 0)  # empty: now
    events = history.list_history(interaction_id=call.id)
    assert [(e.action, e.actor, e.details) for e in events] == [
        ("imported", "ana", {"file": "new.csv", "line": 2})
    ]
    contact_events = history.list_history(contact_id=call.contact_id)
    assert "contact_created" in {e.action for e in contact_events}
    assert "opportunity_created" in {e.action for e in contact_events}
    # The import's own event names the new contact and opportunity by their real ids.
    assert "imported" in {e.action for e in contact_events}
    opportunity_events = history.list_history(opportunity_id=call.opportunity_id)
    assert "imported" in {e.action for e in opportunity_events}


def test_one_bad_row_writes_nothing_and_names_its_line(world: World, tmp_path: Path) -> None:
    before = table_counts()
    path = write_csv(
        tmp_path / "bad.csv",
        [
            list(COLUMNS),
            row(type="call", contact_code="C-001", user="newbie"),
            row(type="call", contact_code="C-777", contact_name="Nuevo"),
            row(
                type="fax",
                contact_code="C-001",
                starts_at="2026-11-24 10:00",
                ends_at="2026-11-24 09:00",
            ),
            row(type="call", contact_code="C-002", subject="fine"),
        ],
    )
    report = import_file(path, actor=world.admin)
    assert not report.ok
    assert report.created == report.users_created == report.contacts_created == 0
    assert {line for line, _ in report.errors} == {4}
    lines = report.error_lines()
    assert "line 4: type: unknown interaction type 'fax'" in lines[0]
    assert any(
        "line 4: ends_at: the end (2026-11-24 09:00) is before the start" in text for text in lines
    )
    assert report.summary() == "rows read: 4, with errors: 1; nothing was imported"
    assert table_counts() == before


def test_every_problem_of_every_row_is_reported_at_once(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "many.csv",
        [
            list(COLUMNS),
            row(type="", contact_code="", subject="no type, no contact"),
            row(type="call", contact_code="C-404"),
            row(type="call", contact_code="C-001", opportunity_code="OP-002"),
            row(type="call", contact_code="C-001", opportunity_code="OP-404"),
            row(type="call", contact_code="C-001", occurred_at="23/11/2026", internal="maybe"),
            row(
                type="call",
                contact_code="C-001",
                status="finished",
                outcome="nope",
                ends_at="2026-11-24 09:00",
            ),
            row(type="call", contact_code="C-001", user="no spaces allowed"),
            row(type="call", contact_code="C" * 65, contact_name="N" * 201),
        ],
    )
    report = import_file(path, actor=world.admin)
    errors = dict.fromkeys(report.error_lines())
    expected = [
        "line 2: type: type is required",
        "line 2: contact_code: contact is required",
        "line 3: contact_name: contact 'C-404' does not exist yet: give its contact_name",
        "line 4: opportunity_code: opportunity 'OP-002' belongs to another contact",
        "line 5: opportunity_title: opportunity 'OP-404' does not exist yet",
        "line 6: occurred_at: '23/11/2026' is not a date",
        "line 6: internal: unknown internal 'maybe'",
        "line 7: status: unknown status 'finished'",
        "line 7: outcome: unknown call outcome 'nope'",
        "line 7: ends_at: an end needs a start",
        "line 8: user: unknown user name 'no spaces allowed'",
        "line 9: contact_code: code is 65 characters long; the limit is 64",
        "line 9: contact_name: name is 201 characters long; the limit is 200",
    ]
    for text in expected:
        assert any(line.startswith(text) for line in errors), (text, list(errors))
    assert len(errors) == len(expected)


def test_dry_run_counts_what_it_would_create_and_writes_nothing(
    world: World, tmp_path: Path
) -> None:
    before = table_counts()
    path = write_csv(
        tmp_path / "dry.csv",
        [
            list(COLUMNS),
            row(type="call", contact_code="C-901", contact_name="Uno", user="eva"),
            row(
                type="call",
                contact_code="C-901",
                opportunity_code="OP-901",
                opportunity_title="Trato",
            ),
        ],
    )
    report = import_file(path, actor=world.admin, dry_run=True)
    assert report == ImportReport(
        rows_read=2,
        created=2,
        skipped_existing=(),
        errors=(),
        users_created=1,
        contacts_created=1,
        opportunities_created=1,
        dry_run=True,
    )
    assert report.summary().startswith(
        "dry run, nothing written: rows read: 2; would create: interactions 2"
    )
    assert table_counts() == before
    assert import_file(path, actor=world.admin).created == 2  # the real run does it


def test_known_ids_are_skipped_unknown_ids_kept_repeated_ids_refused(
    world: World, tmp_path: Path
) -> None:
    existing = create_interaction(
        InteractionDraft(type="call", contact="C-001", created_by="luis", note="original")
    )
    kept_uid = "0190f0e0-0000-7000-8000-000000000001"
    path = write_csv(
        tmp_path / "ids.csv",
        [
            list(COLUMNS),
            row(id=existing.uid, type="call", contact_code="C-001", note="changed"),
            row(id=kept_uid, type="email", contact_code="C-001"),
            row(type="email", contact_code="C-002"),
        ],
    )
    report = import_file(path, actor=world.admin)
    assert report.ok and report.created == 2
    assert report.skipped_existing == ((2, existing.uid),)
    assert get_interaction(existing.uid).note == "original"
    assert get_interaction(kept_uid).type.code == "email"
    again = import_file(path, actor=world.admin)
    assert [line for line, _ in again.skipped_existing] == [2, 3]
    assert again.created == 1  # a row without an id is new every time

    repeated = write_csv(
        tmp_path / "twice.csv",
        [list(COLUMNS), *[row(id="same-id", type="call", contact_code="C-001")] * 2],
    )
    report = import_file(repeated, actor=world.admin)
    assert report.error_lines() == ["line 3: id: id 'same-id' is also on line 2"]


def test_header_in_any_order_and_case_with_optional_columns_left_out(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "short.csv",
        [[" Contact_Code", "TYPE", "note"], ["C-001", "visit", "en persona"]],
        delimiter=";",
        bom=False,
    )
    report = import_file(path, actor=world.admin)
    assert report.ok and report.created == 1
    record = next(iter_interactions())
    assert (record.type.code, record.note, record.user) == ("visit", "en persona", None)


def test_header_problems_are_named(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [["id", "tipo", "Type", "type", "extra"], ["x"]])
    report = import_file(path, actor=world.admin)
    lines = report.error_lines()
    assert lines[0].startswith("line 1: unknown columns: tipo, extra; the columns are: id, type")
    assert "line 1: columns named twice: type" in lines
    assert "line 1: missing columns: contact_code" in lines
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    assert (
        import_file(empty, actor=world.admin)
        .error_lines()[0]
        .startswith("line 1: the file has no header row")
    )


def test_line_numbers_count_the_lines_of_multi_line_cells(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lines.csv",
        [
            list(COLUMNS),
            row(type="call", contact_code="C-001", note="uno\ndos\ntres"),
            [],
            row(type="call", contact_code="C-001", note="a\nb"),
            row(type="bad", contact_code="C-001"),
            [*row(type="call", contact_code="C-001"), "stray"],
        ],
    )
    report = import_file(path, actor=world.admin)
    assert [line for line, _ in report.errors] == [8, 9]
    assert "the row has 22 cells but the header names 21 columns" in report.errors[1][1]
    assert report.rows_read == 4  # the blank line is not a row


def test_xlsx_typed_cells_are_read_as_a_person_meant_them(world: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["type", "contact_code", "contact_name", "occurred_at", "internal", "subject"])
    sheet.append(["call", 1001, "Numérico", datetime(2026, 11, 2, 8, 15), True, 42])
    sheet.append(["call", "C-001", None, "2026-11-03 08:15", "no", 2.5])
    sheet.append([None] * 6)
    workbook.save(tmp_path / "typed.xlsx")
    report = import_file(tmp_path / "typed.xlsx", actor=world.admin)
    assert report.ok and report.created == 2 and report.rows_read == 2
    records = sorted(iter_interactions(), key=lambda record: record.occurred_at)
    assert [r.contact_code for r in records] == ["1001", "C-001"]
    assert [r.subject for r in records] == ["42", "2.5"]
    assert records[0].internal and not records[1].internal
    assert records[0].occurred_at == datetime(2026, 11, 2, 8, 15)


def test_xlsx_reading_finds_the_sheet_and_keeps_row_numbers(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904  # a workbook from an old Mac Excel
    workbook.active.title = "notes"
    workbook.active["A1"] = "not this sheet"
    sheet = workbook.create_sheet("interactions")
    sheet["A1"], sheet["C1"] = "type", "occurred_at"
    sheet["A3"], sheet["B3"], sheet["C3"] = "call", False, datetime(2026, 11, 24, 9, 30)
    sheet["A5"] = "=1+1 as text"
    workbook.save(tmp_path / "mac.xlsx")

    assert list(xlsx_format.read_rows(tmp_path / "mac.xlsx")) == [
        (1, ["type", "", "occurred_at"]),
        (3, ["call", "no", datetime(2026, 11, 24, 9, 30)]),
        (5, ["=1+1 as text"]),
    ]


def _rewritten(source: Path, target: Path, part: str, change: Callable[[str], str]) -> Path:
    """A copy of a workbook with one part's XML changed."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == part:
                data = change(data.decode()).encode()
            copy.writestr(info, data)
    return target


def test_xlsx_reading_takes_a_formula_s_computed_value_and_refuses_damaged_xml(
    tmp_path: Path,
) -> None:
    sheet = Sheet(
        title="interactions", header=("type", "subject"), rows=[("call", "x")], widths=(9, 9)
    )
    xlsx_format.write_workbook(tmp_path / "plain.xlsx", [sheet])
    formula = _rewritten(
        tmp_path / "plain.xlsx",
        tmp_path / "formula.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            '<c r="B2" t="inlineStr"><is><t>x</t></is></c>',
            '<c r="B2" t="str"><f>UPPER("shown")</f><v>SHOWN</v></c>',
        ),
    )
    assert list(xlsx_format.read_rows(formula))[1] == (2, ["call", "SHOWN"])

    damaged = _rewritten(
        tmp_path / "plain.xlsx",
        tmp_path / "damaged.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml[: len(xml) // 2],
    )
    with pytest.raises(CrmError) as raised:
        list(xlsx_format.read_rows(damaged))
    assert "is not an .xlsx workbook" in raised.value.message()


def test_files_that_cannot_be_read_give_one_clear_message(world: World, tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.csv": "cannot read",
        write_bytes(
            tmp_path / "latin1.csv", "type,contact_code\ncall,Peña\n".encode("latin-1")
        ): "is not UTF-8 text; save it as CSV UTF-8",
        write_bytes(tmp_path / "fake.xlsx", b"not a zip"): "is not an .xlsx workbook",
        write_bytes(
            tmp_path / "huge.csv", b'type,contact_code,note\ncall,C-001,"' + b"x" * 200_000 + b'"'
        ): "huge.csv, line 2: field larger than field limit",
        write_bytes(
            tmp_path / "renamed.xls", b"not a workbook"
        ): "is not an Excel 97–2003 (.xls) workbook",
        tmp_path / "notes.txt": "cannot read or write '.txt' files; use one of: .csv, .xlsx, .xls",
    }
    for path, message in cases.items():
        with pytest.raises(CrmError) as raised:
            import_file(path, actor=world.admin)
        assert message in raised.value.message(), path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_messages_follow_the_language(world: World, tmp_path: Path) -> None:
    from crm_tui import i18n

    i18n.set_language("es")
    path = write_csv(tmp_path / "es.csv", [list(COLUMNS), row(type="fax", contact_code="C-001")])
    report = import_file(path, actor=world.admin)
    assert report.error_lines()[0].startswith("línea 2: type: tipo de interacción desconocido")
    assert report.summary() == "filas leídas: 1, con errores: 1; no se importó nada"


# --- export: formats, safety of the file at the path -------------------------


def test_export_follows_the_filter_and_reports_progress(world: World, tmp_path: Path) -> None:
    for index in range(7):
        create_interaction(
            InteractionDraft(
                type="call" if index % 2 else "email", contact="C-001", created_by="luis"
            )
        )
    seen: list[int] = []
    count = export_interactions(
        InteractionFilter(types=("call",)), tmp_path / "calls.csv", progress=seen.append
    )
    assert count == 3 and seen[-1] == 3
    assert [cells[1] for cells in csv_rows(tmp_path / "calls.csv")[1:]] == ["call"] * 3


def test_unsupported_formats_and_bad_folders_are_refused(world: World, tmp_path: Path) -> None:
    cases = {
        tmp_path / "a.pdf": "cannot read or write '.pdf' files; use one of: .xlsx, .xls, .csv,",
        tmp_path / "a.XLSX.txt": "cannot read or write '.txt' files",
        tmp_path / "nowhere" / "a.csv": "the folder " + str(tmp_path / "nowhere") + " does not",
        tmp_path: "cannot read or write",
    }
    for path, message in cases.items():
        with pytest.raises(CrmError) as raised:
            export_interactions(EVERYTHING, path)
        assert message in raised.value.message(), path


def test_an_unwritable_folder_is_a_clear_error(world: World, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if _can_write(locked):
            # Root writes through permissions; sysfs refuses even root.
            locked = Path("/sys/kernel")
        with pytest.raises(CrmError) as raised:
            export_interactions(EVERYTHING, locked / "out.csv")
        assert raised.value.message().startswith(f"cannot write {locked / 'out.csv'}")
    finally:
        (tmp_path / "locked").chmod(0o700)


def _can_write(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_cancelled_export_leaves_the_previous_file_untouched(
    world: World, tmp_path: Path, suffix: str
) -> None:
    for _ in range(3):
        create_interaction(InteractionDraft(type="call", contact="C-001", created_by="luis"))
    folder = tmp_path / "reports"
    folder.mkdir()
    path = folder / f"report{suffix}"
    path.write_bytes(b"the previous report")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled) as raised:
        export_interactions(EVERYTHING, path, cancel=cancel)
    assert raised.value.message() == "export cancelled; no file was written"
    assert path.read_bytes() == b"the previous report"
    assert list(folder.iterdir()) == [path]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_failing_export_leaves_no_file(world: World, tmp_path: Path, suffix: str) -> None:
    create_interaction(InteractionDraft(type="call", contact="C-001", created_by="luis"))
    folder = tmp_path / "reports"
    folder.mkdir()
    with pytest.raises(CrmError) as raised:
        export_interactions(InteractionFilter(users=("nobody",)), folder / f"out{suffix}")
    assert raised.value.message() == "unknown user 'nobody'"
    assert list(folder.iterdir()) == []


def test_exchange_modules_do_not_import_openpyxl_until_used() -> None:
    probe = (
        "import sys, crm_tui.exchange.exporter, crm_tui.exchange.importer; "
        "print(sorted(m for m in sys.modules if m.startswith('openpyxl')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_a_large_import_is_searchable_and_listed_like_any_other(
    sqlite_target: store_db.Target, tmp_path: Path
) -> None:
    """5,000 rows take the bulk path (indexes and full-text search rebuilt
    once); a small import afterwards keeps them up to date row by row."""
    actor = users.add_user("ana", role="admin")
    big = [list(COLUMNS)] + [
        row(
            type="call",
            contact_code=f"C-{i % 50}",
            contact_name=f"Cliente {i % 50}",
            subject=f"presupuesto {i}",
            occurred_at=f"2026-{1 + i % 12:02d}-01 09:00",
        )
        for i in range(5_000)
    ]
    assert import_file(write_csv(tmp_path / "big.csv", big), actor=actor).created == 5_000
    small = [list(COLUMNS), row(type="visit", contact_code="C-1", subject="mantenimiento anual")]
    assert import_file(write_csv(tmp_path / "small.csv", small), actor=actor).created == 1

    def found(text: str) -> list[str]:
        return [r.subject for r in iter_interactions(InteractionFilter(search=text))]

    assert found("presupuesto 4999") == ["presupuesto 4999"]
    assert found("mantenimiento") == ["mantenimiento anual"]
    indexes = {
        row[0]
        for row in store_db.current()
        .execute_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        .fetchall()
    }
    assert "ix_interaction_occurred" in indexes
    newest = next(iter_interactions(InteractionFilter(contacts=("C-0",))))
    assert newest.occurred_at == datetime(2026, 11, 1, 9, 0)  # C-0: rows 0, 50, 100...
