"""Importing a file from the TUI, driven with Pilot on the real app and a
real database: `I` on All interactions, the path typed, Enter checks (the
summary, the counts and a preview; nothing written), Enter imports and the
list shows the rows; a file with mistakes lists them by line and column
and can never be imported; a file that cannot be read is said under the
path, which stays as typed. Then snapshots of the preview and of the
problems, at 80x24 and 120x40, one in Spanish."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Static
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.exchange.columns import COLUMNS
from crm_tui.screens.import_screen import ImportScreen, PreviewTable, ProblemsTable
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact, Interaction, User
from crm_tui.widgets.paged_table import PagedTable
from crm_tui.widgets.path_input import PathInput

from .app_helpers import NOW_ENV, build_floor, column_texts, make_app, settle, shown, table_of
from .test_exchange import row, write_csv

GOOD_ROWS = [
    row(
        type="Llamada",
        contact_code="C-001",
        user="luis",
        subject="Confirmar la entrega",
        occurred_at="2026-11-20 09:30",
    ),
    row(
        type="meeting",
        contact_code="C-900",
        contact_name="Talleres [bold]Norte[/]",
        opportunity_code="OP-900",
        opportunity_title="Flota nueva",
        user="nuria",
        subject="[@click=app.quit]Presentación[/]",
        starts_at="2026-11-26 11:00",
        ends_at="2026-11-26 12:00",
    ),
    row(type="email", contact_code="C-002", subject="Catálogo enviado"),
]
BAD_ROWS = [
    row(type="call", contact_code="C-001", subject="bien"),
    row(type="fax", contact_code="C-001", occurred_at="23/11/2026"),
    row(type="call", contact_code="C-404"),
    row(
        type="meeting",
        contact_code="C-001",
        starts_at="2026-11-24 10:00",
        ends_at="2026-11-24 09:00",
    ),
]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The snapshot floor, in the current folder with the files to import."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "good.csv", [list(COLUMNS), *GOOD_ROWS])
    write_csv(tmp_path / "bad.csv", [list(COLUMNS), *BAD_ROWS])
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    return target


async def open_import(pilot: Pilot[Any]) -> ImportScreen:
    """All interactions (the app starts on My queue), then `I`."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("I")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def check(pilot: Pilot[Any], path: str) -> ImportScreen:
    """Type `path` over what the input holds, and Enter."""
    screen = await open_import(pilot)
    await pilot.press("ctrl+u", *path, "enter")
    await settle(
        pilot, until=lambda: not screen.running and bool(text_of(screen, "#import-summary"))
    )
    return screen


def text_of(screen: ImportScreen, selector: str) -> str:
    return shown(screen.query_one(selector, Static))


def rows_of(table: PagedTable[Any]) -> list[list[str]]:
    return [[cell.plain for cell in table.get_row_at(index)] for index in range(table.row_count)]


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


def interaction_count() -> int:
    return int(Interaction.select().count())


async def until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    await settle(pilot, until=condition)


# --- a good file ---------------------------------------------------------------------


async def test_a_good_file_is_checked_then_imported_and_listed(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        before = interaction_count()
        screen = await open_import(pilot)
        path_input = screen.query_one(PathInput)
        assert path_input.value == f"{Path.cwd()}/"  # the current folder, ready for a name
        await pilot.press("ctrl+u", "g", "tab")  # good.csv is the only name starting with g
        await until(pilot, lambda: path_input.value == "good.csv")
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running and screen.checked is not None)
        assert text_of(screen, "#import-summary") == (
            "dry run, nothing written: rows read: 3; would create: interactions 3, users 1, "
            "contacts 1, opportunities 1; already there, would skip: 0"
        )
        assert text_of(screen, "#import-counts") == (
            "Interactions to create: 3 · New users: 1 · New contacts: 1 · New opportunities: 1"
        )
        preview = screen.query_one(PreviewTable)
        assert preview.has_focus
        # User text shown as typed: markup-like names are data, not styles or actions.
        assert rows_of(preview) == [
            ["2", "☎ Call", "Done", "Nov 20", "Luis Gómez", "C-001 Ferretería López", "",
             "Confirmar la entrega"],
            ["3", "◆ Meeting", "Pending", "Nov 26", "nuria", "+ C-900 Talleres [bold]Norte[/]",
             "+ OP-900", "[@click=app.quit]Presentación[/]"],
            ["4", "✉ E-mail", "Done", "10:00", "pool", "C-002 Panadería Sol", "",
             "Catálogo enviado"],
        ]  # fmt: skip
        assert text_of(screen, "#import-detail") == (
            "Line 2 · 2026-11-20 09:30 · C-001 Ferretería López · Confirmar la entrega"
        )
        await pilot.press("down")
        assert text_of(screen, "#import-detail") == (
            "Line 3 · 2026-11-26 11:00 · C-900 Talleres [bold]Norte[/] · OP-900 · "
            "[@click=app.quit]Presentación[/]"
        )
        assert interaction_count() == before  # a check writes nothing

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        await until(pilot, lambda: "Confirmar la entrega" in column_texts(table_of(app), "subject"))
        assert interaction_count() == before + 3
        assert toasts(app) == ["3 interactions imported"]
        subjects = column_texts(table_of(app), "subject")
        assert {"[@click=app.quit]Presentación[/]", "Catálogo enviado"} <= set(subjects)
        assert User.get(User.username == "nuria").role == "agent"
        assert Contact.get(Contact.code == "C-900").name == "Talleres [bold]Norte[/]"


async def test_ctrl_s_imports_and_a_changed_path_must_be_checked_again(
    floor: store_db.Target, tmp_path: Path
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        before = interaction_count()
        screen = await check(pilot, "good.csv")
        path_input = screen.query_one(PathInput)
        path_input.focus()  # which selects the whole path: "end" keeps it
        # "good.cs" is another file: the check no longer stands, even once
        # "good.csv" is typed again.
        await pilot.press("end", "backspace", "v")
        await pilot.pause()
        assert text_of(screen, "#import-summary") == ""
        await pilot.press("ctrl+s")  # nothing checked: nothing to import
        await pilot.pause()
        assert app.screen is screen and interaction_count() == before
        await pilot.press("backspace", "v", "enter")
        await until(pilot, lambda: not screen.running and screen.checked is not None)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        assert interaction_count() == before + 3


async def test_escape_stops_a_running_import_and_nothing_is_written(
    floor: store_db.Target, tmp_path: Path
) -> None:
    many = [row(type="call", contact_code="C-001", subject=f"fila {n}") for n in range(20_000)]
    write_csv(tmp_path / "many.csv", [list(COLUMNS), *many])
    app = make_app(floor)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        before = interaction_count()
        screen = await check(pilot, "many.csv")
        assert screen.checked is not None and screen.checked.report.created == 20_000
        # The importer waits, once it begins writing, until Escape is in:
        # 20,000 rows may otherwise be written before the key arrives.
        escaped = threading.Event()
        report_progress = screen._progressed

        def held(stage: str, rows: int) -> None:
            report_progress(stage, rows)
            if stage == "writing":
                escaped.wait(10)

        screen._progressed = held  # type: ignore[method-assign]
        await pilot.press("enter")
        assert screen.running
        await pilot.press("escape")
        escaped.set()
        said = screen.query_one("#import-message", Label)
        await until(pilot, lambda: not screen.running)
        assert shown(said) == "import cancelled; nothing was written"
        assert app.screen is screen and interaction_count() == before
        await pilot.press("escape")  # nothing runs: back to the list
        await pilot.pause()
        assert isinstance(app.screen, InteractionsScreen)


async def test_the_list_offers_import_in_help_and_the_palette(floor: store_db.Target) -> None:
    from crm_tui.screens.help import KeyHelp, key_map

    app = make_app(floor)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        keys = [key for section in key_map(app.screen) for key in section.keys]
        assert KeyHelp("I", "Import from a file") in keys
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Import from a file" in commands


# --- a file with mistakes ------------------------------------------------------------


async def test_a_bad_file_lists_its_problems_by_line_and_writes_nothing(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        before = interaction_count()
        screen = await check(pilot, "bad.csv")
        assert text_of(screen, "#import-summary") == (
            "rows read: 4, with errors: 3; nothing was imported"
        )
        problems = screen.query_one(ProblemsTable)
        assert problems.has_focus
        assert [cells[:2] for cells in rows_of(problems)] == [
            ["3", "occurred_at"],
            ["3", "type"],
            ["4", "contact_name"],
            ["5", "ends_at"],
        ]
        assert rows_of(problems)[0][2].startswith("'23/11/2026' is not a date; write it as")
        assert text_of(screen, "#import-detail") == (
            "Line 3, occurred_at: '23/11/2026' is not a date; write it as YYYY-MM-DD HH:MM, "
            "e.g. 2026-11-23 14:05"
        )
        assert screen.query_one(PreviewTable).display is False
        # Enter checks again; no key imports a file with problems.
        await pilot.press("ctrl+s")
        await pilot.press("enter")
        await until(pilot, lambda: not screen.running)
        assert app.screen is screen
        assert rows_of(problems)[0][:2] == ["3", "occurred_at"]
        assert interaction_count() == before
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InteractionsScreen)


# --- files that cannot be read -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "cannot read missing.csv: No such file or directory"),
        ("latin1.csv", "call,Peña".encode("latin-1"), "latin1.csv is not UTF-8 text; save it as"),
        ("fake.xlsx", b"not a zip", "fake.xlsx is not an .xlsx workbook"),
        ("notes.txt", b"hola", "cannot read or write '.txt' files; use one of: .csv"),
    ],
    ids=["missing", "not-utf8", "not-a-workbook", "unknown-format"],
)  # fmt: skip
async def test_a_file_that_cannot_be_read_is_said_and_the_path_kept(
    floor: store_db.Target, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_import(pilot)
        await pilot.press("ctrl+u", *name, "enter")
        said = screen.query_one("#import-message", Label)
        await until(pilot, lambda: not screen.running and message in shown(said))
        assert said.has_class("-problem")
        path_input = screen.query_one(PathInput)
        assert path_input.value == name and path_input.has_focus
        assert text_of(screen, "#import-summary") == ""


async def test_a_folder_is_not_a_file(floor: store_db.Target, tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_import(pilot)
        await pilot.press("ctrl+u", *"exports/", "enter")
        said = screen.query_one("#import-message", Label)
        await until(pilot, lambda: bool(shown(said)) and not screen.running)
        assert shown(said) == "exports/ is a folder: type the name of a file in it (Tab completes)"


# --- snapshots -------------------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def checked(path: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await check(pilot, path)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_preview_snapshot(snap_compare: Any, floor: store_db.Target, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(floor), terminal_size=size, run_before=checked("good.csv"))


def test_problems_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    assert snap_compare(make_app(floor), terminal_size=(80, 24), run_before=checked("bad.csv"))


def test_problems_snapshot_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    assert snap_compare(app, terminal_size=(120, 40), run_before=checked("bad.csv"))
