"""The attachments of a comment in the TUI, driven with Pilot on the real
app and database: saving a copy (really written, never over another file,
in a folder chosen with Tab completion), opening with the system's opener
(a real program put on PATH) or saying why it cannot be opened (no
display over SSH, no opener), a stored file deleted from the disk, and
snapshots of the dialog. Then the path input on its own: Tab completion
from the file system, capped for huge folders, with no database at all."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Label
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.attachments_dialog import AttachmentsDialog
from crm_tui.services.attachments import store_file, stored_path
from crm_tui.services.comments import CommentRecord, CommentTarget, add_comment, get_comment
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.path_input import MATCH_CAP, Completion, PathInput, complete_path

from .app_helpers import NOW_ENV, build_floor, make_app, settle, shown

CALL = 7  # "Llamada entrante" of the snapshot floor
FILES = {
    "[@click=app.quit]Oferta.pdf": b"%PDF-1.4 oferta",
    "foto del horno 📷.jpg": b"\xff\xd8\xff\xe0" + bytes(2_516_582),
    "notas.txt": b"medidas: 120 x 80\n",
}


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[store_db.Target, int]:
    """The snapshot floor with one comment carrying three files; the id of
    that comment. Home is a folder of the test's own, with Downloads."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "Downloads").mkdir(parents=True)
    (tmp_path / "home" / "Documents").mkdir()
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    sources = tmp_path / "sources"
    sources.mkdir()
    store_db.connect(target)
    try:
        stored = [store_file(_write(sources / name, data)) for name, data in FILES.items()]
        comment = add_comment(
            CommentTarget(interaction_id=CALL),
            "Adjunto la oferta y las fotos",
            actor=get_user("luis"),
            files=stored,
        )
    finally:
        store_db.close()
    return target, comment.id


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def open_dialog(pilot: Pilot[Any], comment_id: int) -> AttachmentsDialog:
    await settle(pilot)
    comment: CommentRecord = get_comment(comment_id)
    dialog = AttachmentsDialog(comment)
    await pilot.app.push_screen(dialog)
    await pilot.pause()
    return dialog


async def until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    await settle(pilot, until=condition)


def message(app: CrmApp) -> str:
    return shown(app.screen.query_one("#attachments-message", Label))


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def test_the_dialog_lists_names_as_data_with_sizes_and_types(
    floor: tuple[store_db.Target, int],
) -> None:
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        table = dialog.query_one("#attachments-table", DataTable)
        rows = [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]
        assert rows == [
            ["[@click=app.quit]Oferta.pdf", "15 B", "application/pdf"],
            ["foto del horno 📷.jpg", "2.4 MB", "image/jpeg"],
            ["notas.txt", "18 B", "text/plain"],
        ]
        assert "Attachments · Luis Gómez, Mon 23 Nov 10:00" in str(
            dialog.query_one("#attachments-dialog").border_title
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AttachmentsDialog)


async def test_saving_a_copy_writes_it_in_downloads_and_never_over_another(
    floor: tuple[store_db.Target, int], tmp_path: Path
) -> None:
    target, comment_id = floor
    downloads = tmp_path / "home" / "Downloads"
    (downloads / "[@click=app.quit]Oferta.pdf").write_bytes(b"mine")
    app = make_app(target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        await pilot.press("s")
        folder = dialog.query_one("#attachments-folder", PathInput)
        assert folder.has_focus
        assert folder.value == "~/Downloads/"
        await pilot.press("enter")
        # The name as it was, markup-like text and all; never over "mine".
        written = downloads / "[@click=app.quit]Oferta (1).pdf"
        await until(pilot, written.exists)
        assert written.read_bytes() == FILES["[@click=app.quit]Oferta.pdf"]
        assert (downloads / "[@click=app.quit]Oferta.pdf").read_bytes() == b"mine"
        await until(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [f"Copy saved: {written}"]
        assert dialog.query_one("#attachments-table").has_focus  # back to the list

        await pilot.press("down", "s")
        folder.value = str(tmp_path / "home" / "Docu")
        await pilot.press("tab")
        await until(pilot, lambda: folder.value.endswith("/Documents/"))
        await pilot.press("enter")
        photo = tmp_path / "home" / "Documents" / "foto del horno 📷.jpg"
        await until(pilot, photo.exists)
        assert photo.read_bytes() == FILES["foto del horno 📷.jpg"]


async def test_tab_says_which_folders_match(floor: tuple[store_db.Target, int]) -> None:
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        await pilot.press("s")
        folder = dialog.query_one("#attachments-folder", PathInput)
        folder.value = "~/D"
        await pilot.press("tab")
        matches = dialog.query_one("#attachments-matches", Label)
        await until(pilot, lambda: bool(shown(matches)))
        assert shown(matches) == "Matching: Documents/  Downloads/"
        assert folder.value == "~/Do"  # their common beginning
        folder.value = "~/Nada"
        await pilot.press("tab")
        await until(pilot, lambda: bool(shown(matches)))
        assert shown(matches) == "No folder matches"
        await pilot.press("escape")  # leaves the folder question, not the dialog
        await pilot.pause()
        assert app.screen is dialog
        assert not dialog.saving


async def test_saving_into_a_missing_folder_says_so_and_keeps_what_was_typed(
    floor: tuple[store_db.Target, int], tmp_path: Path
) -> None:
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        await pilot.press("s")
        folder = dialog.query_one("#attachments-folder", PathInput)
        folder.value = str(tmp_path / "no-such-folder")
        await pilot.press("enter")
        await until(pilot, lambda: bool(message(app)))
        assert message(app) == f"{tmp_path / 'no-such-folder'} is not a folder"
        assert dialog.saving
        assert folder.value == str(tmp_path / "no-such-folder")


async def test_without_a_display_it_says_so_and_suggests_a_copy(
    floor: tuple[store_db.Target, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, comment_id)
        await pilot.press("o")
        await until(pilot, lambda: "display" in message(app))
        assert message(app) == (
            "Files cannot be opened here: there is no graphical display (DISPLAY and "
            "WAYLAND_DISPLAY are not set, as over SSH). Press s to save a copy instead."
        )


async def test_without_an_opener_it_says_so(
    floor: tuple[store_db.Target, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_dialog(pilot, comment_id)
        await pilot.press("enter")
        await until(pilot, lambda: "xdg-open" in message(app))
        assert message(app) == (
            "Files cannot be opened here: there is no xdg-open to open them with. "
            "Press s to save a copy instead."
        )


async def test_the_opener_gets_a_private_copy_under_its_own_name(
    floor: tuple[store_db.Target, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A stand-in xdg-open that writes down the arguments it was given.
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    told = tmp_path / "opened.txt"
    opener = bin_folder / "xdg-open"
    opener.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$#" "$1" > "{told}.part"\nmv "{told}.part" "{told}"\n'
    )
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        await pilot.press("o")
        await until(pilot, told.exists)
        count, path = told.read_text().splitlines()
        assert count == "1"
        copy = Path(path)
        assert copy.name == "[@click=app.quit]Oferta.pdf"  # its extension picks the program
        assert copy.read_bytes() == stored_path(dialog.attachments[0]).read_bytes()
        assert copy.parent != stored_path(dialog.attachments[0]).parent
        assert message(app) == "Opening [@click=app.quit]Oferta.pdf…"


async def test_content_deleted_from_the_disk_is_a_clear_message(
    floor: tuple[store_db.Target, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    target, comment_id = floor
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = await open_dialog(pilot, comment_id)
        stored_path(dialog.attachments[0]).unlink()
        gone = (
            "the content of [@click=app.quit]Oferta.pdf is missing from the attachment folder "
            "(was it deleted from the disk?)"
        )
        await pilot.press("o")
        await until(pilot, lambda: message(app) == gone)
        await pilot.press("s", "enter")
        await until(pilot, lambda: message(app) == gone)
        assert app.is_running


# --- snapshots ----------------------------------------------------------------------


def test_attachments_dialog_snapshot(snap_compare: Any, floor: tuple[store_db.Target, int]) -> None:
    target, comment_id = floor

    async def show(pilot: Pilot[Any]) -> None:
        await open_dialog(pilot, comment_id)

    assert snap_compare(make_app(target), terminal_size=(80, 24), run_before=show)


def test_attachments_save_snapshot(snap_compare: Any, floor: tuple[store_db.Target, int]) -> None:
    target, comment_id = floor

    async def ask_where(pilot: Pilot[Any]) -> None:
        dialog = await open_dialog(pilot, comment_id)
        await pilot.press("down", "s")
        dialog.query_one("#attachments-folder", PathInput).value = "~/D"
        await pilot.press("tab")
        matches = dialog.query_one("#attachments-matches", Label)
        await until(pilot, lambda: bool(shown(matches)))

    assert snap_compare(make_app(target), terminal_size=(80, 24), run_before=ask_where)


# --- the path input (works without a database) ----------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """home/{Documents/, Downloads/, .config/, notes.txt}, as the home folder."""
    home = tmp_path / "home"
    for folder in ("Documents", "Downloads", ".config"):
        (home / folder).mkdir(parents=True)
    (home / "notes.txt").write_text("x")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    return home


@pytest.mark.parametrize(
    ("typed", "value", "names"),
    [
        ("~/Doc", "~/Documents/", ("Documents/",)),  # one folder: completed, with "/"
        ("~/D", "~/Do", ("Documents/", "Downloads/")),  # several: their common beginning
        ("~/n", "~/notes.txt", ("notes.txt",)),
        ("~/", "~/", ("Documents/", "Downloads/", "notes.txt")),  # no hidden names…
        ("~/.c", "~/.config/", (".config/",)),  # …unless a dot is typed
        ("Dow", "Downloads/", ("Downloads/",)),  # relative to the current folder
        ("~/x", "~/x", ()),
        ("~", "~/", ()),
    ],
)
def test_tab_completes_the_last_part_of_a_path(
    tree: Path, typed: str, value: str, names: tuple[str, ...]
) -> None:
    assert complete_path(typed) == Completion(value, names)


def test_folders_only_and_unreadable_folders(tree: Path) -> None:
    assert complete_path("~/", directories_only=True).names == ("Documents/", "Downloads/")
    assert complete_path(str(tree / "notes.txt" / "x")) == Completion(
        str(tree / "notes.txt" / "x"), ()
    )


def test_a_huge_folder_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    for number in range(MATCH_CAP + 50):
        (tmp_path / f"file{number:04d}").touch()
    completion = complete_path(f"{tmp_path}/file")
    assert completion.more
    assert len(completion.names) == MATCH_CAP
    # The common beginning of some matches is not that of all: unchanged.
    assert completion.value == f"{tmp_path}/file"


class PathApp(App[None]):
    """Only a path input: no database anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[PathInput.Matches] = []

    def compose(self) -> ComposeResult:
        yield PathInput(placeholder="Path", directories_only=True, id="path")

    def on_path_input_matches(self, event: PathInput.Matches) -> None:
        self.matches.append(event)


async def test_the_path_input_completes_with_tab_and_reports_matches(tree: Path) -> None:
    app = PathApp()
    async with app.run_test() as pilot:
        path = app.query_one(PathInput)
        await pilot.press("~", "/", "D", "tab")
        await until(pilot, lambda: bool(app.matches))
        assert path.value == "~/Do"
        assert app.matches[-1].names == ("Documents/", "Downloads/")
        await pilot.press("w", "tab")
        await until(pilot, lambda: path.value == "~/Downloads/")
        assert path.cursor_position == len("~/Downloads/")
        assert path.has_focus  # Tab completes; it does not move the focus
