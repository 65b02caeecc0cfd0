"""Choose a file to attach: a path typed with Tab completion, and the
entries of the folder it is in listed below it, narrowed as the name is
typed. Up/Down move in the list; Enter on a folder goes into it, Enter on
a file (or on the path of an existing file, typed) takes it; Escape
cancels.

The folder is read in a thread, once per folder (typing a name only
narrows what was read), and at most `READ_CAP` entries are read, so a huge
folder or a slow network share never freezes the screen. Names are data:
shown as typed, never parsed as markup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.path_input import PathInput, is_folder, shown_name, split_typed

register(
    {
        "ui.file_picker.title": ("Attach a file", "Adjuntar un archivo"),
        "ui.file_picker.placeholder": ("Path of the file", "Ruta del archivo"),
        "ui.file_picker.reading": ("Reading the folder…", "Leyendo la carpeta…"),
        "ui.file_picker.empty": ("Nothing here matches", "Aquí no coincide nada"),
        "ui.file_picker.unreadable": (
            "This folder cannot be read: {reason}",
            "No se puede leer esta carpeta: {reason}",
        ),
        "ui.file_picker.shown_of": (
            "The first {shown} of {count} entries; type to narrow",
            "Las primeras {shown} de {count} entradas; escriba para acotar",
        ),
        "ui.file_picker.read_cap": (
            "Only the first {count} entries of this folder were read; type the name",
            "Solo se leyeron las primeras {count} entradas de esta carpeta; escriba el nombre",
        ),
        "ui.file_picker.not_found": ("No such file: {path}", "No existe el archivo: {path}"),
        "ui.file_picker.pick_one": (
            "Type a file's name or pick one with ↓",
            "Escriba el nombre de un archivo o elija uno con ↓",
        ),
        "ui.file_picker.key.choose": ("Open / choose", "Abrir / elegir"),
        "ui.file_picker.key.cancel": ("Cancel", "Cancelar"),
        "ui.file_picker.key.next": ("Next entry", "Entrada siguiente"),
        "ui.file_picker.key.previous": ("Previous entry", "Entrada anterior"),
    }
)

LAST_FOLDER = "file-picker-folder"
"""`CrmApp.view_state` key: the folder of the last file chosen."""

SHOWN_CAP = 300
READ_CAP = 20_000


@dataclass(frozen=True)
class Entry:
    name: str
    is_dir: bool


@dataclass(frozen=True)
class Listing:
    """A folder as read: its entries (folders first, then files, each by
    name), whether reading stopped at `READ_CAP`, or why it failed."""

    folder: Path
    entries: tuple[Entry, ...] = ()
    capped: bool = False
    problem: str | None = None


def read_folder(folder: Path, cap: int = READ_CAP) -> Listing:
    entries: list[Entry] = []
    capped = False
    try:
        with os.scandir(folder) as found:
            for entry in found:
                if len(entries) == cap:
                    capped = True
                    break
                entries.append(Entry(entry.name, is_folder(entry)))
    except OSError as error:
        return Listing(folder, problem=error.strerror or str(error))
    entries.sort(key=lambda entry: (not entry.is_dir, entry.name.casefold(), entry.name))
    return Listing(folder, tuple(entries), capped)


def matching(entries: tuple[Entry, ...], partial: str) -> list[Entry]:
    """The entries whose name starts with `partial` (as Tab completes);
    hidden ones only when `partial` starts with a dot."""
    show_hidden = partial.startswith(".")
    return [
        entry
        for entry in entries
        if entry.name.startswith(partial) and (show_hidden or not entry.name.startswith("."))
    ]


def as_typed(folder: Path) -> str:
    """A folder as the input shows it, ready for a name to be typed."""
    text = str(folder)
    return text if text.endswith(os.sep) else text + os.sep


def start_folder(app: App[Any]) -> Path:
    """The folder of the last file chosen while the app runs, else the
    current folder."""
    remembered = getattr(app, "view_state", {}).get(LAST_FOLDER)
    if isinstance(remembered, Path) and remembered.is_dir():
        return remembered
    return Path.cwd()


def _entry_label(entry: Entry) -> Content:
    name = shown_name(entry.name)
    if entry.is_dir:
        return safe.plain_line(name + "/", "bold")
    return safe.plain_line(name)


class FilePickerDialog(DialogScreen[Path | None]):
    """Dismissed with the chosen file (an absolute path), or None."""

    DEFAULT_CSS = """
    FilePickerDialog #file-picker {
        max-width: 80;
        margin: 1 2;
    }
    FilePickerDialog #file-picker-entries {
        height: auto;
        max-height: 14;
        border: none;
    }
    FilePickerDialog #file-picker-note {
        color: $text-muted;
    }
    FilePickerDialog #file-picker-note.-problem {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "ui.file_picker.key.next", show=False, id="file_next"),
        Binding("up", "move(-1)", "ui.file_picker.key.previous", show=False, id="file_previous"),
        # Priority: the path input would take Enter as "submitted".
        Binding("enter", "choose", "ui.file_picker.key.choose", priority=True, id="file_choose"),
        Binding("escape", "cancel", "ui.file_picker.key.cancel", id="file_cancel"),
    ]

    AUTO_FOCUS = "#file-picker-path"

    def __init__(self, start: Path) -> None:
        super().__init__()
        localise_bindings(self)
        self.start = start
        self.listing: Listing | None = None
        self.shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="file-picker", classes="dialog-frame") as frame:
            frame.border_title = t("ui.file_picker.title")
            yield PathInput(
                as_typed(self.start),
                placeholder=t("ui.file_picker.placeholder"),
                id="file-picker-path",
            )
            yield OptionList(id="file-picker-entries")
            yield Label(id="file-picker-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.path_input.cursor_position = len(self.path_input.value)
        self._typed()

    @property
    def path_input(self) -> PathInput:
        return self.query_one("#file-picker-path", PathInput)

    @property
    def entries(self) -> OptionList:
        return self.query_one("#file-picker-entries", OptionList)

    # -- listing -------------------------------------------------------------------

    @on(PathInput.Changed, "#file-picker-path")
    def _typed(self) -> None:
        folder, partial = split_typed(self.path_input.value)
        if self.listing is not None and self.listing.folder == folder:
            self._show(partial)
            return
        self.listing = None
        self.entries.clear_options()
        self._note(t("ui.file_picker.reading"))
        self._read(folder)

    @work(thread=True, exclusive=True, group="file-picker-folder")
    def _read(self, folder: Path) -> None:
        listing = read_folder(folder)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._listed, listing)

    def _listed(self, listing: Listing) -> None:
        folder, partial = split_typed(self.path_input.value)
        if folder != listing.folder:
            return  # typed on into another folder meanwhile
        self.listing = listing
        self._show(partial)

    def _show(self, partial: str) -> None:
        listing = self.listing
        assert listing is not None
        found = matching(listing.entries, partial)
        self.shown = found[:SHOWN_CAP]
        self.entries.set_options(Option(_entry_label(entry)) for entry in self.shown)
        # A typed name picks its best match; nothing is picked for Enter
        # to act on until a name is typed or an entry moved to.
        self.entries.highlighted = 0 if partial and self.shown else None
        if listing.problem is not None:
            self._note(t("ui.file_picker.unreadable", reason=listing.problem), problem=True)
        elif listing.capped:
            self._note(t("ui.file_picker.read_cap", count=format_count(READ_CAP, language())))
        elif len(found) > SHOWN_CAP:
            lang = language()
            self._note(
                t(
                    "ui.file_picker.shown_of",
                    shown=format_count(SHOWN_CAP, lang),
                    count=format_count(len(found), lang),
                )
            )
        elif not found:
            self._note(t("ui.file_picker.empty"))
        else:
            self._note("")

    def _note(self, text: str, *, problem: bool = False) -> None:
        note = self.query_one("#file-picker-note", Label)
        note.update(safe.plain_line(text))
        note.set_class(problem, "-problem")

    # -- keys ------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if step > 0:
            self.entries.action_cursor_down()
        else:
            self.entries.action_cursor_up()

    def action_choose(self) -> None:
        typed = self.path_input.value
        path = Path(os.path.expanduser(typed)).absolute() if typed else None
        index = self.entries.highlighted
        if path is not None and path.is_file():
            self._take(path)
        elif index is not None and index < len(self.shown) and self.listing is not None:
            self._open(self.listing.folder.absolute() / self.shown[index].name)
        elif path is not None and path.is_dir():
            if typed.endswith("/"):
                self._note(t("ui.file_picker.pick_one"), problem=True)
            else:
                self._open(path)
        else:
            self._note(t("ui.file_picker.not_found", path=typed), problem=True)

    @on(OptionList.OptionSelected, "#file-picker-entries")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if self.listing is not None and event.option_index < len(self.shown):
            self._open(self.listing.folder.absolute() / self.shown[event.option_index].name)

    def _open(self, path: Path) -> None:
        """Go into a folder; take a file."""
        if path.is_dir():
            self.path_input.value = as_typed(path)
            self.path_input.cursor_position = len(self.path_input.value)
        else:
            self._take(path)

    def _take(self, path: Path) -> None:
        view_state = getattr(self.app, "view_state", None)
        if isinstance(view_state, dict):
            view_state[LAST_FOLDER] = path.parent
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
