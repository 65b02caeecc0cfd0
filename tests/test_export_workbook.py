"""The exported workbook as a person opens it: every sheet read back with
openpyxl (not read-only, so frozen panes, filters and widths are seen)
and compared cell by cell with the database; the export sheet in English
and Spanish; one interaction with its comments, reports and history;
texts too long for one cell continued over rows; `crm-tui export --id`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_tui import i18n
from crm_tui.exchange.columns import COLUMNS, Cell, record_cells
from crm_tui.exchange.export_sheets import (
    COLUMN_WIDTHS,
    ExportInfo,
    continued_rows,
    export_sheet,
    filter_lines,
)
from crm_tui.exchange.exporter import (
    FORMATS,
    ExportCancelled,
    export_interaction,
    export_interactions,
)
from crm_tui.exchange.importer import import_file
from crm_tui.exchange.sheets import CELL_LIMIT, Sheet
from crm_tui.exchange.xlsx_format import write_workbook, xml_safe
from crm_tui.services import defaults, users
from crm_tui.services.attachments import store_file
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft, create_interaction, edit_interaction
from crm_tui.services.listing import get_interaction, iter_interactions
from crm_tui.services.records import InteractionFilter, InteractionRecord
from crm_tui.store import db as store_db
from tests import test_cli, test_exchange
from tests.test_cli import Crm, on
from tests.test_exchange import NOW, varied_interactions

from .conftest import World

# Fixtures shared with those modules: `crm-tui` run in-process, a fixed clock.
crm = test_cli.crm
clock_fixed = test_exchange.clock_fixed
EVERYTHING = InteractionFilter()
EXPORTED_AT = datetime.fromisoformat(NOW)


def load(path: Path) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)


def values(sheet: Any) -> list[tuple[object, ...]]:
    return list(sheet.iter_rows(values_only=True))


def expected_cell(cell: Cell | None) -> object:
    """What openpyxl reads back for a cell the exporter wrote."""
    if cell is None or cell == "":
        return None
    return cell if isinstance(cell, datetime) else xml_safe(cell)


def assert_row_matches(cells: tuple[Any, ...], record: InteractionRecord) -> None:
    """One written row against its interaction, cell by cell and by type:
    dates are date cells shown to the minute, text is always text."""
    for column, written, wanted in zip(COLUMNS, cells, record_cells(record), strict=True):
        assert written.value == expected_cell(wanted), (record.uid, column)
        if isinstance(wanted, datetime):
            assert written.number_format == "yyyy-mm-dd hh:mm", column
        elif written.value is not None:
            assert written.data_type == "s", (column, written.value)


# --- the list: interactions and the export sheet ------------------------------------


def test_every_cell_of_the_xlsx_matches_the_database(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    varied_interactions(world)
    path = tmp_path / "all.xlsx"
    written = export_interactions(EVERYTHING, path)

    workbook = load(path)
    assert workbook.sheetnames == ["interactions", "export"]
    sheet = workbook["interactions"]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    records = list(iter_interactions(EVERYTHING))
    assert len(records) == written == sheet.max_row - 1
    for cells, record in zip(sheet.iter_rows(min_row=2), records, strict=True):
        assert_row_matches(cells, record)
    formulas = {cell.value for row in sheet.iter_rows(min_row=2) for cell in row}
    assert {"=1+1", "@SUM(A1)", "#N/A", "-5"} <= formulas  # as text, checked above

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{written + 1}"
    for number, column in enumerate(COLUMNS):
        letter = chr(ord("A") + number)
        assert sheet.column_dimensions[letter].width == COLUMN_WIDTHS[column], column
    assert COLUMN_WIDTHS["note"] == 60 and COLUMN_WIDTHS["subject"] == 40
    assert COLUMN_WIDTHS["occurred_at"] == 17

    # Created and modified are the export time, which the file holds in UTC.
    utc = EXPORTED_AT.astimezone(UTC).replace(tzinfo=None)
    assert workbook.properties.creator == "crm-tui"
    assert workbook.properties.created == workbook.properties.modified == utc


def test_the_export_sheet_says_when_who_how_many_where_and_which_filter(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    for index in range(5):
        create_interaction(
            InteractionDraft(
                type="call" if index % 2 else "email",
                contact="C-001",
                created_by="luis",
                status="pending",
                occurred_at=datetime(2026, 11, 10 + index, 9, 0),
            )
        )
    chosen = InteractionFilter(
        types=("call", "Reunión"),
        statuses=("pending", "En curso"),
        since=datetime(2026, 11, 1),
        search="  ",  # blank: no filter at all
        internal=False,
    )
    path = tmp_path / "calls.xlsx"
    count = export_interactions(
        chosen, path, by="Ana Ruiz (ana)", database="/srv/crm/crm.db", lang="en"
    )
    assert count == 2
    sheet = load(path)["export"]
    assert values(sheet) == [
        ("Field", "Value"),
        ("Exported at", EXPORTED_AT),
        ("Exported by", "Ana Ruiz (ana)"),
        ("Interactions", "2"),
        ("Database", "/srv/crm/crm.db"),
        ("Filter: types", "call, Reunión"),
        ("Filter: statuses", "Pending, In progress"),
        ("Filter: since", datetime(2026, 11, 1)),
        ("Filter: internal", "no"),
    ]
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    # Notes about the export, not a table: nothing frozen, no filter.
    assert sheet.freeze_panes is None and sheet.auto_filter.ref is None

    i18n.set_language("es")
    export_interactions(EVERYTHING, path)
    workbook = load(path)
    assert workbook.sheetnames == ["interactions", "exportación"]
    assert values(workbook["exportación"]) == [
        ("Campo", "Valor"),
        ("Exportado el", EXPORTED_AT),
        ("Interacciones", "5"),
        ("Filtro", "sin filtro: todas las interacciones"),
    ]


def test_every_filter_field_has_a_line_in_both_languages() -> None:
    every = InteractionFilter(
        ids=("7",),
        types=("call",),
        users=("luis",),
        statuses=("done",),
        directions=("inbound",),
        kinds=("scheduled",),
        tags=("vip", "norte"),
        opportunities=("OP-001",),
        contacts=("C-001",),
        since=datetime(2026, 1, 1),
        until=datetime(2026, 12, 31, 23, 59),
        search="renovación",
        internal=True,
        unassigned=True,
    )
    english = filter_lines(every, "en")
    spanish = filter_lines(every, "es")
    assert len(english) == len(spanish) == 14
    assert english[0] == ("Filter: Ids", "7")
    assert ("Filter: tags", "vip, norte") in english
    assert ("Filter: directions", "Inbound") in english
    assert ("Filter: in the shared pool", "yes") in english
    assert ("Filtro: estados", "Completo") in spanish
    assert ("Filtro: clases", "Programada") in spanish
    assert ("Filtro: internas", "sí") in spanish
    assert ("Filtro: búsqueda", "renovación") in spanish
    assert all(label.startswith("Filtro: ") for label, _ in spanish)
    assert filter_lines(EVERYTHING, "en") == [("Filter", "no filter: every interaction")]


def test_the_row_count_is_read_after_the_rows_are_written(tmp_path: Path) -> None:
    counted: list[int] = []

    def rows() -> Any:
        for number in range(3):
            counted.append(number)
            yield (f"row {number}",)

    info = ExportInfo(at=EXPORTED_AT, filter=EVERYTHING)
    sheets = [
        Sheet(title="interactions", header=("subject",), rows=rows(), widths=(10,)),
        export_sheet(info, lambda: len(counted), "en"),
    ]
    write_workbook(tmp_path / "counted.xlsx", sheets)
    assert ("Interactions", "3") in values(load(tmp_path / "counted.xlsx")["export"])


def test_the_formats_and_their_files(world: World, clock_fixed: None, tmp_path: Path) -> None:
    assert FORMATS == (".xlsx", ".xls", ".csv", ".ics")
    create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="luis",
            subject="=visita",
            starts_at=datetime(2030, 3, 4, 10, 0),
        )
    )
    create_interaction(InteractionDraft(type="call", contact="C-002", created_by="luis"))
    assert export_interactions(EVERYTHING, tmp_path / "all.csv") == 2
    assert export_interactions(EVERYTHING, tmp_path / "all.ics") == 1  # only the meeting
    assert export_interactions(EVERYTHING, tmp_path / "all.xls") == 2

    import xlrd

    book = xlrd.open_workbook(str(tmp_path / "all.xls"))
    assert book.sheet_names() == ["interactions", "export"]
    assert book.sheet_by_index(0).row_values(0) == list(COLUMNS)
    assert "=visita" in book.sheet_by_index(0).col_values(COLUMNS.index("subject"))
    assert book.sheet_by_index(1).row_values(2) == ["Interactions", "2"]


# --- one interaction ----------------------------------------------------------------


def discussed_meeting(world: World, folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A meeting luis logged at 09:00; at 10:00 his comment with a file;
    at 11:00 marta's report; at 12:00 ana changes its subject and status."""
    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(folder / "store"))
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-20T09:00:00")
    meeting = create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="luis",
            user="luis",
            status="pending",
            subject="Visita",
        )
    )
    source = folder / "oferta, v2.pdf"
    source.write_bytes(b"%PDF-1.4\n")
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-20T10:00:00")
    add_comment(
        CommentTarget(interaction_id=meeting.id),
        "=SUM(A1) is not a formula\n@marta mira la oferta",
        actor=world.agent,
        files=(store_file(source),),
    )
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-20T11:00:00")
    add_comment(
        CommentTarget(interaction_id=meeting.id),
        "Cliente conforme.",
        actor=world.supervisor,
        kind="report",
    )
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-20T12:00:00")
    edit_interaction(meeting.id, {"subject": "Visita técnica", "status": "done"}, actor=world.admin)
    monkeypatch.setenv("CRM_TUI_NOW", NOW)
    return meeting.id


def test_one_interaction_with_its_comments_reports_and_history(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = discussed_meeting(world, tmp_path, monkeypatch)
    record = get_interaction(meeting)
    path = tmp_path / "one.xlsx"
    seen: list[int] = []
    assert export_interaction(record.uid, path, progress=seen.append) == 1
    assert seen == [1]

    workbook = load(path)
    assert workbook.sheetnames == ["interaction", "comments", "history"]
    interaction = workbook["interaction"]
    assert [cell.value for cell in interaction[1]] == list(COLUMNS)
    assert interaction.max_row == 2
    assert_row_matches(tuple(interaction[2]), record)

    comments = workbook["comments"]
    assert values(comments) == [
        ("When", "Kind", "Author", "Part", "Text", "Attachments"),
        (datetime(2026, 11, 20, 11, 0), "Report", "Marta Vidal", None, "Cliente conforme.", None),
        (
            datetime(2026, 11, 20, 10, 0),
            "Comment",
            "Luis Gómez",
            None,
            "=SUM(A1) is not a formula\n@marta mira la oferta",
            "oferta, v2.pdf",
        ),
    ]
    assert comments["E3"].data_type == "s"
    assert comments["A2"].number_format == "yyyy-mm-dd hh:mm"

    history = workbook["history"]
    assert values(history) == [
        ("When", "Who", "Part", "What happened"),
        (
            datetime(2026, 11, 20, 12, 0),
            "Ana Ruiz",
            None,
            "Ana Ruiz changed the status from Pending to Done",
        ),
        (datetime(2026, 11, 20, 12, 0), "Ana Ruiz", None, "Ana Ruiz changed the subject"),
        (datetime(2026, 11, 20, 11, 0), "Marta Vidal", None, "Marta Vidal added a report"),
        (datetime(2026, 11, 20, 10, 0), "Luis Gómez", None, "Luis Gómez added a comment"),
        (datetime(2026, 11, 20, 9, 0), "Luis Gómez", None, "Luis Gómez created the interaction"),
    ]
    for sheet, filtered in ((interaction, "A1:U2"), (comments, "A1:F3"), (history, "A1:D6")):
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == filtered


def test_one_interaction_in_spanish(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = discussed_meeting(world, tmp_path, monkeypatch)
    path = tmp_path / "una.xlsx"
    export_interaction(meeting, path, lang="es")
    workbook = load(path)
    assert workbook.sheetnames == ["interaction", "comentarios", "historial"]
    assert values(workbook["comentarios"])[0] == (
        "Cuándo",
        "Clase",
        "Autor",
        "Parte",
        "Texto",
        "Adjuntos",
    )
    assert values(workbook["comentarios"])[1][1] == "Reporte"
    history = values(workbook["historial"])
    assert history[0] == ("Cuándo", "Quién", "Parte", "Qué pasó")
    assert history[1][3] == "Ana Ruiz cambió el estado de Pendiente a Completo"
    assert history[-1][3] == "Luis Gómez creó la interacción"


def test_one_interaction_in_csv_is_its_row_of_the_list(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    varied_interactions(world)
    record = next(iter_interactions(EVERYTHING))
    assert export_interaction(record.id, tmp_path / "one.csv") == 1
    export_interactions(InteractionFilter(ids=(record.uid,)), tmp_path / "list.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "list.csv").read_bytes()


def test_one_interaction_in_ics_is_its_event_if_it_has_one(
    world: World, clock_fixed: None, tmp_path: Path
) -> None:
    from icalendar import Calendar

    meeting = create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="luis",
            subject="Revisión",
            starts_at=datetime(2030, 3, 4, 10, 0),
        )
    )
    call = create_interaction(InteractionDraft(type="call", contact="C-001", created_by="luis"))
    assert export_interaction(meeting.id, tmp_path / "meeting.ics") == 1
    events = Calendar.from_ical((tmp_path / "meeting.ics").read_bytes()).walk("VEVENT")
    assert [str(event["UID"]) for event in events] == [meeting.uid]
    assert export_interaction(call.uid, tmp_path / "call.ics") == 0
    assert Calendar.from_ical((tmp_path / "call.ics").read_bytes()).walk("VEVENT") == []


def test_an_unknown_or_cancelled_interaction_writes_nothing(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(CrmError) as raised:
        export_interaction("12345", folder / "x.xlsx")
    assert raised.value.message() == "no interaction with id '12345'"
    with pytest.raises(CrmError) as raised:
        export_interaction("12345", folder / "x.pdf")
    assert "cannot read or write '.pdf' files" in raised.value.message()

    call = create_interaction(InteractionDraft(type="call", contact="C-001", created_by="luis"))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelled):
        export_interaction(call.id, folder / "x.xlsx", cancel=cancel)
    assert list(folder.iterdir()) == []


def test_a_one_interaction_workbook_imports_into_an_empty_database(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = discussed_meeting(world, tmp_path, monkeypatch)
    path = tmp_path / "one.xlsx"
    export_interaction(meeting, path)
    row = record_cells(get_interaction(meeting))

    store_db.close()
    store_db.connect(store_db.Target("sqlite", str(tmp_path / "empty.db")))
    defaults.install_defaults()
    report = import_file(path, actor=users.add_user("importer", role="admin"))
    assert report.errors == () and report.created == 1
    assert record_cells(next(iter_interactions(EVERYTHING))) == row


# --- texts longer than a cell -------------------------------------------------------


def test_a_long_text_goes_on_over_rows_that_join_back_exactly() -> None:
    text = "".join(chr(0x41 + index % 26) for index in range(40_000)) + "ñ🎉"
    when = datetime(2026, 11, 20, 10, 0)
    rows = list(continued_rows((when, "Luis"), (text, "a.pdf")))
    assert [row[:3] for row in rows] == [(when, "Luis", "1/2"), (when, "Luis", "2/2")]
    assert len(rows[0][3]) == CELL_LIMIT
    assert "".join(row[3] for row in rows) == text
    assert [row[4] for row in rows] == ["a.pdf", None]
    assert list(continued_rows((when,), ("short",))) == [(when, None, "short")]


def test_a_long_history_text_in_the_workbook_joins_back(tmp_path: Path) -> None:
    text = "Ana cambió " + "x" * 80_000 + " fin"
    when = datetime(2026, 11, 20, 10, 0)
    sheet = Sheet(
        title="history",
        header=("When", "Who", "Part", "What happened"),
        rows=continued_rows((when, "Ana Ruiz"), (text,)),
        widths=(17, 24, 7, 80),
    )
    write_workbook(tmp_path / "long.xlsx", [sheet])
    rows = values(load(tmp_path / "long.xlsx")["history"])[1:]
    assert [row[2] for row in rows] == ["1/3", "2/3", "3/3"]
    assert all(row[:2] == (when, "Ana Ruiz") for row in rows)
    assert "".join(str(row[3]) for row in rows) == text


def test_a_text_too_long_for_one_cell_is_refused_naming_where(tmp_path: Path) -> None:
    sheet = Sheet(
        title="interactions",
        header=("subject", "note"),
        rows=[("ok", "fine"), ("ok", "x" * (CELL_LIMIT + 1))],
        widths=(10, 10),
    )
    with pytest.raises(CrmError) as raised:
        write_workbook(tmp_path / "cut.xlsx", [sheet])
    assert raised.value.message().startswith(
        "sheet interactions, row 3, column note: 32768 characters do not fit"
    )
    assert not (tmp_path / "cut.xlsx").exists()


# --- the command line ---------------------------------------------------------------


def test_export_id_on_the_command_line(
    crm: Crm, db: store_db.Target, world: World, tmp_path: Path
) -> None:
    meeting = create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="luis",
            starts_at=datetime(2030, 3, 4, 10, 0),
        )
    )
    out = tmp_path / "one.xlsx"
    result = crm("export", *on(db), "--id", meeting.uid, "--out", str(out), "--by", "luis")
    assert (result.code, result.out) == (0, f"1 interactions written to {out}\n"), result.err
    assert load(out).sheetnames == ["interaction", "comments", "history"]

    ics = tmp_path / "one.ics"
    result = crm("export", *on(db), "--id", str(meeting.id), "--out", str(ics), "--by", "luis")
    assert (result.code, result.out) == (0, f"1 events written to {ics}\n"), result.err

    listed = tmp_path / "all.xlsx"
    assert crm("--user", "ana", "export", *on(db), "--out", str(listed)).code == 0
    info = dict(values(load(listed)["export"])[1:])
    assert info["Exported by"] == "Ana Ruiz (ana)"
    assert info["Database"] == db.describe()
    assert "password" not in str(info["Database"])


def test_export_id_refuses_filters_and_a_second_id(
    crm: Crm, db: store_db.Target, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "x.xlsx"
    mixed = crm(
        "export", *on(db), "--id", "1", "--type", "call", "--since", "monday", "--out", str(out)
    )
    assert mixed.code == 1
    assert mixed.err == (
        "crm-tui: --id exports one interaction, without filters: leave out --type, --since, "
        "or leave out --id to export the filtered list\n"
    )
    twice = crm("export", *on(db), "--id", "1", "--id", "2", "--out", str(out))
    assert twice.code == 1 and "--id takes one interaction" in twice.err
    unknown = crm("export", *on(db), "--id", "999", "--out", str(out), "--by", "ana")
    assert (unknown.code, unknown.err) == (1, "crm-tui: no interaction with id '999'\n")
    spanish = crm(
        "--lang", "es", "export", *on(db), "--id", "1", "--user", "ana", "--out", str(out)
    )
    assert spanish.err.startswith(
        "crm-tui: --id exporta una interacción, sin filtros: quite --user"
    )
    assert not out.exists()
