"""The files attached to one comment: open one with the system's program
for it, or save a copy in a folder.

Opening needs a desktop: `xdg-open` (or macOS's `open`), started detached,
without a shell, with the stored file as its one argument. Over SSH there
is no display to show anything on, so the dialog says so and points at
saving a copy instead. Names are data: shown as typed, never markup, and
never a path (a copy gets a cleaned name, `attachments.save_copy`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from crm_tui import clock
from crm_tui.formatting import file_size
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.services.attachments import existing_stored_path, save_copy
from crm_tui.services.comments import CommentRecord
from crm_tui.services.errors import CrmError
from crm_tui.services.records import AttachmentRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import short_datetime
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.path_input import PathInput, matches_text

register(
    {
        "ui.attachments.title": ("Attachments · {author}, {when}", "Adjuntos · {author}, {when}"),
        "ui.attachments.column.name": ("Name", "Nombre"),
        "ui.attachments.column.size": ("Size", "Tamaño"),
        "ui.attachments.column.type": ("Type", "Tipo"),
        "ui.attachments.none": (
            "This comment has no attachments.",
            "Este comentario no tiene adjuntos.",
        ),
        "ui.attachments.save_in": (
            "Save a copy of {name} in this folder (Tab completes, Enter saves, Escape goes back):",
            "Guardar una copia de {name} en esta carpeta (Tab completa, Intro guarda, "
            "Escape vuelve):",
        ),
        "ui.attachments.folder": ("Folder", "Carpeta"),
        "ui.attachments.no_match": ("No folder matches", "Ninguna carpeta coincide"),
        "ui.attachments.saved": ("Copy saved: {path}", "Copia guardada: {path}"),
        "ui.attachments.opening": ("Opening {name}…", "Abriendo {name}…"),
        "ui.attachments.no_display": (
            "Files cannot be opened here: there is no graphical display (DISPLAY and "
            "WAYLAND_DISPLAY are not set, as over SSH). Press s to save a copy instead.",
            "Aquí no se pueden abrir archivos: no hay pantalla gráfica (DISPLAY y "
            "WAYLAND_DISPLAY no están definidas, como por SSH). Pulse s para guardar una "
            "copia.",
        ),
        "ui.attachments.no_opener": (
            "Files cannot be opened here: there is no {program} to open them with. "
            "Press s to save a copy instead.",
            "Aquí no se pueden abrir archivos: no hay {program} con el que abrirlos. "
            "Pulse s para guardar una copia.",
        ),
        "ui.attachments.open_failed": (
            "The file could not be opened ({reason}). Press s to save a copy instead.",
            "No se pudo abrir el archivo ({reason}). Pulse s para guardar una copia.",
        ),
        "ui.attachments.key.open": ("Open", "Abrir"),
        "ui.attachments.key.save": ("Save a copy", "Guardar una copia"),
        "ui.attachments.key.close": ("Close", "Cerrar"),
    }
)

NAME_WIDTH = 35
"""Wide enough for most names while the three columns fit in 80 columns;
longer names end in "…"."""

"""Folder names listed under the folder input after Tab; the rest are "more"."""


class CannotOpen(CrmError):
    """This computer has no way to show a file (no display, no opener)."""


def system_opener() -> str:
    """The program that opens a file with the desktop's choice of
    application. Raises CannotOpen when there is none, or no display to
    show anything on (a Linux terminal over SSH)."""
    if sys.platform == "darwin":
        program = "open"
    else:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise CannotOpen("ui.attachments.no_display")
        program = "xdg-open"
    found = shutil.which(program)
    if found is None:
        raise CannotOpen("ui.attachments.no_opener", program=program)
    return found


def open_attachment(attachment: AttachmentRecord) -> None:
    """Start the system's opener, detached (its own session, no terminal),
    without a shell, on a copy in a private temporary folder: the copy has
    the file's own name and extension, which is how macOS `open` and some
    desktop associations choose the program, and a viewer that edits in
    place never changes the shared store."""
    existing_stored_path(attachment)  # a missing file says so before anything else
    opener = system_opener()
    path = save_copy(attachment, Path(tempfile.mkdtemp(prefix="crm-tui-open-")))
    try:
        subprocess.Popen(
            [opener, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise CannotOpen("ui.attachments.open_failed", reason=exc.strerror or str(exc)) from exc


def default_folder() -> str:
    """Where copies go unless told otherwise: ~/Downloads if there is one,
    else the current folder; written ready for a name to be completed."""
    if (Path.home() / "Downloads").is_dir():
        return "~/Downloads/"
    current = str(Path.cwd())
    return current if current.endswith("/") else current + "/"


class AttachmentsDialog(DialogScreen[None]):
    """The attachments of `comment`, one row each: name, size, media type."""

    DEFAULT_CSS = """
    AttachmentsDialog #attachments-dialog {
        max-width: 80;
    }
    AttachmentsDialog #attachments-table {
        height: auto;
        max-height: 12;
    }
    AttachmentsDialog #attachments-save {
        height: auto;
        display: none;
        margin-top: 1;
    }
    AttachmentsDialog #attachments-save.-shown {
        display: block;
    }
    AttachmentsDialog Label {
        width: 1fr;
    }
    AttachmentsDialog .attachments-note {
        color: $text-muted;
    }
    AttachmentsDialog #attachments-message {
        margin-top: 1;
    }
    AttachmentsDialog #attachments-message.-empty {
        display: none;
    }
    AttachmentsDialog #attachments-message.-problem {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open", "ui.attachments.key.open", id="attachments_open"),
        Binding("s", "save", "ui.attachments.key.save", id="attachments_save"),
        Binding("escape", "close", "ui.attachments.key.close", id="attachments_close"),
    ]

    AUTO_FOCUS = "#attachments-table"

    def __init__(self, comment: CommentRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.comment = comment
        self.attachments = comment.attachments

    def compose(self) -> ComposeResult:
        lang = language()
        with Vertical(id="attachments-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(
                t(
                    "ui.attachments.title",
                    author=self.comment.author_name or self.comment.author,
                    when=short_datetime(self.comment.created_at, lang, clock.now()),
                )
            )
            if self.attachments:
                yield self._table(lang)
            else:
                yield Label(safe.plain_line(t("ui.attachments.none")), classes="attachments-note")
            with Vertical(id="attachments-save"):
                yield Label(id="attachments-save-label")
                yield PathInput(
                    placeholder=t("ui.attachments.folder"),
                    directories_only=True,
                    id="attachments-folder",
                )
                yield Label(id="attachments-matches", classes="attachments-note")
            yield Label(id="attachments-message", classes="-empty")
        yield KeyFooter()

    def _table(self, lang: str) -> DataTable[object]:
        table: DataTable[object] = DataTable(
            id="attachments-table", cursor_type="row", zebra_stripes=False
        )
        table.add_column(t("ui.attachments.column.name"), width=NAME_WIDTH, key="name")
        table.add_column(t("ui.attachments.column.size"), width=8, key="size")
        table.add_column(t("ui.attachments.column.type"), width=21, key="type")
        for attachment in self.attachments:
            table.add_row(
                safe.cell(attachment.file_name),
                safe.cell(file_size(attachment.size, lang), justify="right"),
                safe.cell(attachment.media_type, "dim"),
            )
        return table

    @property
    def highlighted(self) -> AttachmentRecord | None:
        if not self.attachments:
            return None
        row = self.query_one("#attachments-table", DataTable).cursor_row
        return self.attachments[row] if 0 <= row < len(self.attachments) else None

    @property
    def saving(self) -> bool:
        return self.query_one("#attachments-save").has_class("-shown")

    # -- open ------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#attachments-table")
    def action_open(self) -> None:
        attachment = self.highlighted
        if attachment is None:
            return
        self._say(t("ui.attachments.opening", name=attachment.file_name))
        run_db(
            self,
            lambda: open_attachment(attachment),
            done=lambda _: None,
            failed=lambda _error, reason: self._say(reason, problem=True),
            group="attachments-open",
        )

    # -- save a copy -----------------------------------------------------------------

    def action_save(self) -> None:
        attachment = self.highlighted
        if attachment is None:
            return
        self.query_one("#attachments-save-label", Label).update(
            safe.plain_line(t("ui.attachments.save_in", name=attachment.file_name))
        )
        folder = self.query_one("#attachments-folder", PathInput)
        if not self.saving:
            folder.value = default_folder()
        self.query_one("#attachments-save").add_class("-shown")
        self.query_one("#attachments-matches", Label).update("")
        self._say("")
        folder.focus()
        folder.cursor_position = len(folder.value)

    @on(PathInput.Matches, "#attachments-folder")
    def _matches(self, event: PathInput.Matches) -> None:
        text = matches_text(event.names, event.more, nothing_key="ui.attachments.no_match")
        self.query_one("#attachments-matches", Label).update(safe.plain_line(text))

    @on(PathInput.Changed, "#attachments-folder")
    def _typed(self) -> None:
        self.query_one("#attachments-matches", Label).update("")

    @on(PathInput.Submitted, "#attachments-folder")
    def _save_here(self, event: PathInput.Submitted) -> None:
        event.stop()
        attachment = self.highlighted
        if attachment is None:
            return
        folder = Path(os.path.expanduser(event.value.strip() or "."))
        run_db(
            self,
            lambda: save_copy(attachment, folder),
            done=self._saved,
            failed=lambda _error, reason: self._say(reason, problem=True),
            group="attachments-save",
        )

    def _saved(self, path: Path) -> None:
        safe.notify(self.app, t("ui.attachments.saved", path=str(path)))
        self._close_save()
        self._say(t("ui.attachments.saved", path=str(path)))

    def _close_save(self) -> None:
        self.query_one("#attachments-save").remove_class("-shown")
        if self.attachments:
            self.query_one("#attachments-table").focus()

    # -- close -----------------------------------------------------------------------

    def action_close(self) -> None:
        """Escape leaves the folder question first, then the dialog."""
        if self.saving:
            self._close_save()
            self._say("")
        else:
            self.dismiss(None)

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#attachments-message", Label)
        message.update(safe.plain(text))
        message.set_class(problem, "-problem")
        message.set_class(not text, "-empty")
