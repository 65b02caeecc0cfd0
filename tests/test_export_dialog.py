"""Exporting from the TUI, driven with Pilot on the real app and database
(the snapshot sales floor): `x` on All interactions exports exactly what
the filtered list shows, read back from the file, and on a timeline its
interactions; the formats and the file's suffix follow each other; Tab
completes the path; the progress bar moves before the end; Escape cancels
and leaves an existing file as it was; replacing a file asks first; a
missing folder or an unknown suffix is said in the dialog, keeping what
was typed; an exporter's error shows in the dialog; leaving internal
interactions out (ctrl+t, or Space on the switch) counts and writes only
the others and says so on the export sheet; `x` on the detail writes one
interaction with its sheets. Then snapshots of the dialog at
80x24 and 120x40, and in Spanish.

To watch an export half-way, the exporter reports every 2 rows and the
test holds the worker inside its progress callback until the screen has
shown the bar moving (`held_export`)."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Label, ProgressBar
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.exchange import exporter
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.export_dialog import ExportDialog, format_of, with_format
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.errors import CrmError
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.choice_list import ChoiceList
from crm_tui.widgets.path_input import PathInput

from .app_helpers import (
    NOW,
    NOW_ENV,
    build_floor,
    column_texts,
    log,
    make_app,
    settle,
    shown,
    table_of,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
CALL = 7  # "Llamada entrante" of the snapshot floor
COMMENT = "Envío la oferta revisada mañana."
TODAY = "2026-11-23"  # the floor's fixed clock


@dataclass(frozen=True)
class Floor:
    target: store_db.Target
    documents: Path


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Floor:
    """The snapshot floor, with a comment on interaction 7; a home folder
    of the test's own whose Documents is the documents folder."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    home = tmp_path / "home"
    documents = home / "Documents"
    documents.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(documents))
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    store_db.connect(target)
    try:
        add_comment(CommentTarget(interaction_id=CALL), COMMENT, actor=get_user("luis"))
    finally:
        store_db.close()
    return Floor(target, documents)


@dataclass(frozen=True)
class Gate:
    """`reached`: the worker is held in the exporter's progress callback;
    `release` lets it go on."""

    reached: threading.Event
    release: threading.Event


@pytest.fixture
def held_export(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """List exports report every 2 rows and stop at the first report until
    the test releases them."""
    monkeypatch.setattr(exporter, "PROGRESS_EVERY", 2)
    gate = Gate(threading.Event(), threading.Event())
    real = exporter.export_interactions

    def held(*args: Any, progress: Callable[[int], None] | None = None, **options: Any) -> int:
        def report(rows: int) -> None:
            if progress is not None:
                progress(rows)
            if not gate.reached.is_set():
                gate.reached.set()
                gate.release.wait(timeout=15)

        return real(*args, progress=report, **options)

    monkeypatch.setattr(exporter, "export_interactions", held)
    yield gate
    gate.release.set()  # never leave a worker waiting after a failed test


# --- driving and reading ------------------------------------------------------------


async def open_list(pilot: Pilot[Any]) -> None:
    """All interactions (the app starts on My queue)."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


async def open_export(pilot: Pilot[Any]) -> ExportDialog:
    await pilot.press("x")
    await settle(pilot)
    return dialog_of(pilot.app)


async def open_export_of_the_list(pilot: Pilot[Any]) -> None:
    await open_list(pilot)
    await open_export(pilot)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    """While a worker is held `settle` would wait for it: poll instead."""
    deadline = time.monotonic() + 15
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the screen did not get there within 15 s")
        await pilot.pause(0.02)


def dialog_of(app: CrmApp) -> ExportDialog:
    screen = app.screen
    assert isinstance(screen, ExportDialog), f"in front: {screen!r}"
    return screen


def text_of(app: CrmApp, selector: str) -> str:
    return shown(app.screen.query_one(selector, Label))


def message(app: CrmApp) -> str:
    return text_of(app, "#export-message")


def path_typed(app: CrmApp) -> str:
    return app.screen.query_one("#export-path", PathInput).value


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def type_path(pilot: Pilot[Any], text: str) -> None:
    """Clear the path and type `text`, as a person does."""
    await pilot.press("end", "ctrl+u", *text)
    await pilot.pause()


async def export_and_wait(pilot: Pilot[Any]) -> None:
    await pilot.press("enter")
    await settle(pilot, until=lambda: not isinstance(pilot.app.screen, ExportDialog))


def uid(number: int) -> str:
    """The global id (the interchange `id` column) of the floor's
    interaction `number`: `build_floor` fixes them."""
    return f"00000000-0000-4000-8000-{number:012d}"


def sheet_rows(path: Path, sheet: int = 0) -> list[list[Any]]:
    """The rows of one of the workbook's sheets (the first: header first)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


async def tick_type(pilot: Pilot[Any], label: str) -> None:
    """In the filter sidebar (`f`), tick the interaction type `label`."""
    await pilot.press("f")
    await settle(pilot)
    types = pilot.app.screen.query_one("#filter-types", ChoiceList)
    types.focus()

    def lines() -> list[str]:
        return [types.render_line(y).text for y in range(types.option_count)]

    # The options can come before their first paint: wait for the label.
    await settle(pilot, lambda: any(label in line for line in lines()))
    types.highlighted = next(index for index, line in enumerate(lines()) if label in line)
    await pilot.press("space")
    await settle(pilot)
    await pilot.press("f")  # back to the list
    await settle(pilot)


# --- names and formats --------------------------------------------------------------


def test_a_format_replaces_a_known_suffix_and_is_added_to_anything_else() -> None:
    assert with_format("~/Documents/lista.xlsx", ".csv") == "~/Documents/lista.csv"
    assert with_format("~/Documents/lista.CSV", ".ics") == "~/Documents/lista.ics"
    assert with_format("informe.2026.11", ".xls") == "informe.2026.11.xls"
    assert with_format("~/Documents/", ".xls") == "~/Documents/"
    assert format_of("/tmp/Lista.XLSX") == ".xlsx"
    assert format_of("/tmp/lista.pdf") is None
    assert format_of("/tmp/.csv") is None  # a hidden file's name, not a suffix
    assert format_of("/tmp/datos.csv/") is None  # a folder


# --- exporting a list ---------------------------------------------------------------


async def test_x_on_the_filtered_list_exports_exactly_its_rows(floor: Floor) -> None:
    app = make_app(floor.target)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await open_list(pilot)
        await tick_type(pilot, "Call")
        await pilot.press("slash", *"llamada", "enter")
        await settle(pilot)
        ids_shown = [int(text) for text in column_texts(table_of(app), "id")]
        assert ids_shown == [7, 3]

        await open_export(pilot)
        assert text_of(app, "#export-what") == "2 interactions: what the list shows"
        assert path_typed(app) == f"~/Documents/crm-interactions-{TODAY}.xlsx"
        await export_and_wait(pilot)

        written = floor.documents / f"crm-interactions-{TODAY}.xlsx"
        assert toasts(app) == [f"2 interactions exported to {written}"]
        header, *rows = sheet_rows(written)
        assert header[0] == "id"
        assert [row[0] for row in rows] == [uid(number) for number in ids_shown]


async def test_x_on_an_opportunitys_timeline_exports_its_interactions(floor: Floor) -> None:
    app = make_app(floor.target, opportunity="OP-001")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        ids_shown = [int(text) for text in column_texts(table_of(app), "id")]
        assert ids_shown == [7, 3]
        await open_export(pilot)
        assert text_of(app, "#export-what") == "2 interactions: what the list shows"
        await export_and_wait(pilot)

        written = floor.documents / f"crm-interactions-{TODAY}.xlsx"
        _header, *rows = sheet_rows(written)
        assert [row[0] for row in rows] == [uid(number) for number in ids_shown]


async def test_typing_a_suffix_chooses_the_format_and_the_keys_change_the_suffix(
    floor: Floor,
) -> None:
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_list(pilot)
        every_id = [int(text) for text in column_texts(table_of(app), "id")]
        dialog = await open_export(pilot)
        assert text_of(app, "#export-what") == "7 interactions: what the list shows"
        assert text_of(app, "#export-format-note") == "Excel workbook"

        await pilot.press("down", "down", "down")
        assert dialog.suffix == ".ics"
        assert path_typed(app) == f"~/Documents/crm-interactions-{TODAY}.ics"
        assert text_of(app, "#export-format-note") == (
            "Calendar: only scheduled events (those with a start or due time)"
        )
        await pilot.press("up")
        assert path_typed(app) == f"~/Documents/crm-interactions-{TODAY}.csv"

        await type_path(pilot, "~/Documents/todas.xls")
        assert dialog.suffix == ".xls"
        await pilot.press(*"x")
        assert dialog.suffix == ".xlsx"
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"csv")
        assert dialog.suffix == ".csv"
        await export_and_wait(pilot)

        written = floor.documents / "todas.csv"
        assert toasts(app) == [f"7 interactions exported to {written}"]
        with written.open(encoding="utf-8-sig", newline="") as file:
            header, *rows = list(csv.reader(file))
        assert header[0] == "id"
        assert [row[0] for row in rows] == [uid(number) for number in every_id]


async def test_tab_completes_the_path_and_lists_the_names_it_could_be(floor: Floor) -> None:
    reports = floor.documents / "Informes"
    reports.mkdir()
    for name in ("semana-1.xlsx", "semana-2.xlsx"):
        (reports / name).write_bytes(b"")
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_export_of_the_list(pilot)
        await type_path(pilot, "~/Documents/Inf")
        await pilot.press("tab")
        await settle(pilot)
        assert path_typed(app) == "~/Documents/Informes/"

        await pilot.press(*"sem", "tab")
        await settle(pilot)
        assert path_typed(app) == "~/Documents/Informes/semana-"
        assert message(app) == "Matching: semana-1.xlsx  semana-2.xlsx"

        await pilot.press(*"3.csv")
        assert dialog_of(app).suffix == ".csv"
        assert message(app) == ""


async def test_the_progress_bar_moves_before_the_export_ends(
    floor: Floor, held_export: Gate
) -> None:
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_export_of_the_list(pilot)
        await pilot.press("enter")
        bar = app.screen.query_one("#export-bar", ProgressBar)
        await wait_until(pilot, lambda: bar.progress == 2)

        assert held_export.reached.is_set()
        assert bar.total == 7
        assert text_of(app, "#export-rows") == "2 / 7"
        assert message(app) == "Exporting… Escape cancels"
        assert app.screen.query_one("#export-path", PathInput).disabled

        held_export.release.set()
        await settle(pilot, until=lambda: not isinstance(app.screen, ExportDialog))
        written = floor.documents / f"crm-interactions-{TODAY}.xlsx"
        assert len(sheet_rows(written)) == 1 + 7


async def test_escape_cancels_and_the_file_already_there_stays_as_it_was(
    floor: Floor, held_export: Gate
) -> None:
    existing = floor.documents / f"crm-interactions-{TODAY}.xlsx"
    existing.write_bytes(b"last week's export")
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_export_of_the_list(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, held_export.reached.is_set)

        await pilot.press("escape")
        assert message(app) == "Cancelling…"
        held_export.release.set()
        await settle(pilot)

        assert message(app) == (f"Export cancelled: nothing was written; {existing} is as it was")
        assert existing.read_bytes() == b"last week's export"
        assert sorted(path.name for path in floor.documents.iterdir()) == [existing.name]
        assert not app.screen.query_one("#export-path", PathInput).disabled
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportDialog)


async def test_replacing_a_file_asks_first(floor: Floor) -> None:
    existing = floor.documents / "semana.xlsx"
    existing.write_bytes(b"keep me")
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_export_of_the_list(pilot)
        await type_path(pilot, "~/Documents/semana.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert question.question == f"{existing} already exists. Replace it with this export?"
        await pilot.press("n")
        await settle(pilot)
        dialog_of(app)
        assert existing.read_bytes() == b"keep me"

        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, until=lambda: not isinstance(app.screen, ExportDialog))
        assert len(sheet_rows(existing)) == 1 + 7


async def test_a_missing_folder_or_an_unknown_suffix_is_said_keeping_the_path(
    floor: Floor,
) -> None:
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_export_of_the_list(pilot)

        await type_path(pilot, "~/Documents/2027/lista.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app) == (
            f"The folder {floor.documents / '2027'} does not exist: create it first, "
            "or type another folder"
        )
        assert app.screen.query_one("#export-message").has_class("-problem")
        assert path_typed(app) == "~/Documents/2027/lista.xlsx"

        await type_path(pilot, "~/Documents/lista.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app) == "lista.pdf: the name must end in .xlsx, .xls, .csv, .ics"
        assert path_typed(app) == "~/Documents/lista.pdf"

        await type_path(pilot, "~/Documents")
        await pilot.press("enter")
        await settle(pilot)
        assert message(app) == (
            f"~/Documents is a folder: add the file's name, e.g. crm-interactions-{TODAY}.xlsx"
        )
        assert list(floor.documents.iterdir()) == []
        dialog_of(app)


async def test_an_exporter_error_is_shown_in_the_dialog_and_names_are_data(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_options: Any) -> int:
        raise CrmError("exchange.error.cannot_write", path="[b]x[/b]", reason="disk full")

    app = make_app(floor.target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_export_of_the_list(pilot)
        await type_path(pilot, "~/Documents/[@click=app.quit]lista.csv")
        with monkeypatch.context() as patched:
            patched.setattr(exporter, "export_interactions", refuse)
            await pilot.press("enter")
            await settle(pilot)
        assert message(app) == "cannot write [b]x[/b]: disk full"
        assert not app.screen.query_one("#export-path", PathInput).disabled

        await export_and_wait(pilot)
        written = floor.documents / "[@click=app.quit]lista.csv"
        assert toasts(app) == [f"7 interactions exported to {written}"]
        assert written.is_file()


async def test_internal_interactions_can_be_left_out_of_the_file(floor: Floor) -> None:
    """OP-001's timeline: two interactions, and one internal note added here."""
    store_db.connect(floor.target)
    try:
        internal = log(
            "Nota interna: margen", NOW, opportunity="OP-001", internal=True, note="Solo equipo."
        ).id
    finally:
        store_db.close()
    app = make_app(floor.target, opportunity="OP-001")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert [int(text) for text in column_texts(table_of(app), "id")] == [internal, 7, 3]

        await open_export(pilot)
        switch = app.screen.query_one("#export-no-internal", Checkbox)
        assert not switch.value
        assert text_of(app, "#export-what") == "3 interactions: what the list shows"
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert switch.value
        assert text_of(app, "#export-what") == "2 interactions: what the list shows"
        await type_path(pilot, "~/Documents/cliente.xlsx")
        await export_and_wait(pilot)

        for_customer = floor.documents / "cliente.xlsx"
        assert toasts(app) == [f"2 interactions exported to {for_customer}"]
        _header, *rows = sheet_rows(for_customer)
        assert [row[0] for row in rows] == [uid(7), uid(3)]
        assert ["Filter: internal", "no"] in sheet_rows(for_customer, sheet=1)

        # Off again, from the keyboard too: Shift+Tab from the path, Space.
        await open_export(pilot)
        await pilot.press("shift+tab")
        assert app.screen.focused is app.screen.query_one("#export-no-internal", Checkbox)
        await pilot.press("space")
        await settle(pilot)
        assert text_of(app, "#export-what") == "2 interactions: what the list shows"
        await pilot.press("space", "tab")
        await settle(pilot)
        assert text_of(app, "#export-what") == "3 interactions: what the list shows"
        await type_path(pilot, "~/Documents/equipo.xlsx")
        await export_and_wait(pilot)
        _header, *rows = sheet_rows(floor.documents / "equipo.xlsx")
        assert len(rows) == 3


# --- one interaction, from its detail -------------------------------------------------


async def test_x_on_the_detail_exports_the_interaction_with_its_sheets(floor: Floor) -> None:
    app = make_app(floor.target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_list(pilot)
        table = table_of(app)
        table.move_cursor(row=column_texts(table, "id").index(str(CALL)))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InteractionDetailScreen)

        await open_export(pilot)
        assert text_of(app, "#export-what") == "Interaction 7 with its comments and history"
        assert path_typed(app) == "~/Documents/crm-interaction-7.xlsx"
        await export_and_wait(pilot)

        written = floor.documents / "crm-interaction-7.xlsx"
        assert toasts(app) == [f"Interaction 7 exported to {written}"]
        assert isinstance(app.screen, InteractionDetailScreen)
        _header, *rows = sheet_rows(written)
        assert [row[0] for row in rows] == [uid(CALL)]
        workbook = openpyxl.load_workbook(written, read_only=True)
        try:
            assert len(workbook.worksheets) > 1
            texts = {
                str(value)
                for sheet in workbook.worksheets[1:]
                for row in sheet.iter_rows(values_only=True)
                for value in row
            }
        finally:
            workbook.close()
        assert COMMENT in texts


# --- snapshots ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare: Any, floor: Floor, size: tuple[int, int]) -> None:
    app = make_app(floor.target)
    assert snap_compare(app, terminal_size=size, run_before=open_export_of_the_list)


def test_export_dialog_in_spanish(snap_compare: Any, floor: Floor) -> None:
    app = make_app(floor.target, lang="es")
    assert snap_compare(app, terminal_size=(120, 40), run_before=open_export_of_the_list)
