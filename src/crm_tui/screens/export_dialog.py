"""Export to a file: what an interaction list shows (`x` on the list), or
one interaction with its comments and history (`x` on its detail).

The dialog says what will be written (the list's rows are counted in a
worker), offers the formats (↑↓, a click, or simply typing the suffix),
a switch that leaves internal interactions out, for a file meant for a
customer (ctrl+t, or Space on it; the count follows and the export sheet
says so), and the path, with Tab completion, starting in the documents
folder. Enter writes: an existing file is replaced only once confirmed;
a missing folder or an unknown suffix is said in the dialog, keeping what
was typed.

The export runs in a thread worker with a progress bar; Escape cancels it
and the exporter leaves nothing behind (a file that was already there
stays as it was). Done, the dialog closes and a notification names the
file. Paths and names are data: shown as typed, never as markup.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Checkbox, Label, ProgressBar, Static

from crm_tui import clock
from crm_tui.exchange import exporter
from crm_tui.exchange.exporter import FORMATS, ExportCancelled
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.reassign_dialog import person_label
from crm_tui.services.errors import CrmError
from crm_tui.services.listing import count_interactions
from crm_tui.services.records import InteractionFilter
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.path_input import PathInput, matches_text

if TYPE_CHECKING:
    from crm_tui.app import CrmApp

register(
    {
        "ui.export.title": ("Export", "Exportar"),
        "ui.export.counting": ("Counting the interactions…", "Contando las interacciones…"),
        "ui.export.what_many": (
            "{count} interactions: what the list shows",
            "{count} interacciones: lo que muestra la lista",
        ),
        "ui.export.what_one_row": (
            "1 interaction: what the list shows",
            "1 interacción: lo que muestra la lista",
        ),
        "ui.export.what_none": (
            "Nothing matches what the list shows: the file will only name the columns",
            "Nada coincide con lo que muestra la lista: el archivo solo nombrará las columnas",
        ),
        "ui.export.what_unknown": (
            "What the list shows (it could not be counted: {reason})",
            "Lo que muestra la lista (no se pudo contar: {reason})",
        ),
        "ui.export.what_internal_only": (
            "The list shows only internal interactions: leaving them out leaves nothing to write",
            "La lista solo muestra interacciones internas: sin ellas no queda nada que escribir",
        ),
        "ui.export.no_internal": (
            "Leave internal interactions out (a file for a customer)",
            "Dejar fuera las interacciones internas (un archivo para un cliente)",
        ),
        "ui.export.what_single": (
            "Interaction {id} with its comments and history",
            "La interacción {id} con sus comentarios e historial",
        ),
        "ui.export.format": ("Format", "Formato"),
        "ui.export.file": ("File (Tab completes)", "Archivo (Tab completa)"),
        "ui.export.note.xlsx": ("Excel workbook", "Libro de Excel"),
        "ui.export.note.xlsx_single": (
            "Excel workbook: the interaction, its comments and its history on their own sheets",
            "Libro de Excel: la interacción, sus comentarios y su historial en hojas propias",
        ),
        "ui.export.note.xls": (
            "Excel 97-2003 workbook, for older spreadsheet programs",
            "Libro de Excel 97-2003, para programas de hojas de cálculo antiguos",
        ),
        "ui.export.note.xls_single": (
            "Excel 97-2003 workbook: the interaction, its comments and its history",
            "Libro de Excel 97-2003: la interacción, sus comentarios y su historial",
        ),
        "ui.export.note.csv": (
            "Text separated by commas (UTF-8), one row per interaction",
            "Texto separado por comas (UTF-8), una fila por interacción",
        ),
        "ui.export.note.csv_single": (
            "Text separated by commas: only the interaction's row (comments and history "
            "need .xlsx or .xls)",
            "Texto separado por comas: solo la fila de la interacción (los comentarios y el "
            "historial necesitan .xlsx o .xls)",
        ),
        "ui.export.note.ics": (
            "Calendar: only scheduled events (those with a start or due time)",
            "Calendario: solo los eventos programados (con inicio o vencimiento)",
        ),
        "ui.export.note.ics_single": (
            "Calendar: the interaction only if it is a scheduled event",
            "Calendario: la interacción solo si es un evento programado",
        ),
        "ui.export.file_many": ("crm-interactions-{date}", "crm-interacciones-{date}"),
        "ui.export.file_single": ("crm-interaction-{id}", "crm-interaccion-{id}"),
        "ui.export.error.no_name": (
            "Type the path of the file to write, e.g. {example}",
            "Escriba la ruta del archivo que se va a escribir, p. ej. {example}",
        ),
        "ui.export.error.is_folder": (
            "{path} is a folder: add the file's name, e.g. {example}",
            "{path} es una carpeta: añada el nombre del archivo, p. ej. {example}",
        ),
        "ui.export.error.unknown_suffix": (
            "{name}: the name must end in {choices}",
            "{name}: el nombre debe terminar en {choices}",
        ),
        "ui.export.error.no_folder": (
            "The folder {folder} does not exist: create it first, or type another folder",
            "La carpeta {folder} no existe: créela antes o escriba otra carpeta",
        ),
        "ui.export.replace_question": (
            "{path} already exists. Replace it with this export?",
            "{path} ya existe. ¿Reemplazarlo con esta exportación?",
        ),
        "ui.export.replace": ("Replace", "Reemplazar"),
        "ui.export.running": ("Exporting… Escape cancels", "Exportando… Escape cancela"),
        "ui.export.cancelling": ("Cancelling…", "Cancelando…"),
        "ui.export.cancelled": (
            "Export cancelled: no file was written",
            "Exportación cancelada: no se escribió ningún archivo",
        ),
        "ui.export.cancelled_kept": (
            "Export cancelled: nothing was written; {path} is as it was",
            "Exportación cancelada: no se escribió nada; {path} sigue como estaba",
        ),
        "ui.export.done_many": (
            "{count} interactions exported to {path}",
            "{count} interacciones exportadas a {path}",
        ),
        "ui.export.done_one_row": (
            "1 interaction exported to {path}",
            "1 interacción exportada a {path}",
        ),
        "ui.export.done_events": (
            "{count} events exported to {path}",
            "{count} eventos exportados a {path}",
        ),
        "ui.export.done_one_event": ("1 event exported to {path}", "1 evento exportado a {path}"),
        "ui.export.done_single": (
            "Interaction {id} exported to {path}",
            "Interacción {id} exportada a {path}",
        ),
        "ui.export.done_not_event": (
            "Interaction {id} is not a scheduled event: {path} has no events",
            "La interacción {id} no es un evento programado: {path} no tiene eventos",
        ),
        "ui.export.key.start": ("Export", "Exportar"),
        "ui.export.key.next_format": ("Next format", "Formato siguiente"),
        "ui.export.key.previous_format": ("Previous format", "Formato anterior"),
        "ui.export.key.no_internal": ("Internal out", "Sin internas"),
        "ui.export.key.cancel": ("Cancel", "Cancelar"),
    }
)

ExportSubject = InteractionFilter | int
"""What a dialog exports: the rows a filter selects, or one interaction by id."""

CALENDAR = ".ics"

PROGRESS_SECONDS = 0.1
"""At most this often the worker hands the progress to the screen: a fast
export then costs a few repaints, not one per batch of rows."""


# --- names and paths ----------------------------------------------------------------


def default_folder() -> Path:
    """The user's documents folder when there is one, else the current folder."""
    from platformdirs import user_documents_dir

    documents = Path(user_documents_dir())
    return documents if documents.is_dir() else Path.cwd()


def typed_folder(folder: Path) -> str:
    """A folder as a person would type it: under the home folder with `~`,
    ending in "/" for a name to follow."""
    home = Path.home()
    if folder == home:
        return "~/"
    if folder.is_relative_to(home):
        return f"~/{folder.relative_to(home).as_posix()}/"
    text = folder.as_posix()
    return text if text.endswith("/") else text + "/"


def default_name(subject: ExportSubject, suffix: str) -> str:
    """`crm-interactions-2026-11-24.xlsx` (today's date, in the user's
    language) or `crm-interaction-19726.xlsx`."""
    if isinstance(subject, int):
        return t("ui.export.file_single", id=subject) + suffix
    return t("ui.export.file_many", date=clock.now().date().isoformat()) + suffix


def format_of(typed: str) -> str | None:
    """The format a typed path's name ends in (any case), if a known one."""
    name = typed.rpartition("/")[2]
    stem, dot, ending = name.rpartition(".")
    suffix = f".{ending.lower()}"
    return suffix if dot and stem and suffix in FORMATS else None


def with_format(typed: str, suffix: str) -> str:
    """`typed` with its name ending in `suffix`: a known format's ending is
    replaced, anything else is kept and the suffix added (a folder, with no
    name yet, stays as it is)."""
    folder, slash, name = typed.rpartition("/")
    if not name:
        return typed
    if format_of(name) is not None:
        name = name.rpartition(".")[0]
    return f"{folder}{slash}{name}{suffix}"


def target_file(typed: str, example: str) -> Path | str:
    """The file a typed path names (absolute, `~` expanded), or what is
    wrong with it: nothing typed, a folder, an unknown suffix, a folder
    that does not exist. `example` is a name to suggest."""
    typed = typed.strip()
    if not typed:
        return t("ui.export.error.no_name", example=example)
    path = Path(os.path.expanduser(typed)).absolute()
    if typed.endswith("/") or path.is_dir():
        return t("ui.export.error.is_folder", path=typed, example=example)
    if path.suffix.lower() not in FORMATS:
        return t("ui.export.error.unknown_suffix", name=path.name, choices=", ".join(FORMATS))
    if not path.parent.is_dir():
        return t("ui.export.error.no_folder", folder=str(path.parent))
    return path


def format_line(chosen: str) -> Content:
    """`Format  .xlsx  .xls  .csv  .ics`, the chosen one highlighted; each
    can be clicked."""
    parts = [Content.styled(t("ui.export.format") + "  ", "bold")]
    for suffix in FORMATS:
        style = "reverse bold" if suffix == chosen else ""
        parts.append(
            Content.from_markup(f"[{style} @click=screen.choose_format('{suffix}')] {suffix} [/]")
        )
        parts.append(Content(" "))
    return Content.assemble(*parts)


def without_internal(f: InteractionFilter) -> InteractionFilter | None:
    """What a list export leaving internal interactions out writes, as the
    exporter reads it; None when the list shows only internal ones (the
    exporter refuses that: there is nothing to write)."""
    if f.internal:
        return None
    return replace(f, internal=False)


def format_note(suffix: str, single: bool) -> str:
    key = f"ui.export.note.{suffix.lstrip('.')}"
    return t(f"{key}_single" if single else key)


def what_text(count: int) -> str:
    """What a list export holds, once counted."""
    if count == 0:
        return t("ui.export.what_none")
    if count == 1:
        return t("ui.export.what_one_row")
    return t("ui.export.what_many", count=format_count(count, language()))


def done_text(subject: ExportSubject, suffix: str, written: int, path: Path) -> str:
    """The notification once the file is there."""
    where = str(path)
    if isinstance(subject, int):
        if suffix == CALENDAR and written == 0:
            return t("ui.export.done_not_event", id=subject, path=where)
        return t("ui.export.done_single", id=subject, path=where)
    if suffix == CALENDAR:
        if written == 1:
            return t("ui.export.done_one_event", path=where)
        return t("ui.export.done_events", count=format_count(written, language()), path=where)
    if written == 1:
        return t("ui.export.done_one_row", path=where)
    return t("ui.export.done_many", count=format_count(written, language()), path=where)


# --- the dialog ---------------------------------------------------------------------


class ExportDialog(DialogScreen[Path | None]):
    """Dismissed with the file written, or None when closed without one.
    `subject`: a filter (what a list shows) or an interaction's id."""

    DEFAULT_CSS = """
    ExportDialog #export-dialog {
        max-width: 80;
        margin: 1 2;
    }
    ExportDialog #export-what {
        text-style: bold;
        margin-bottom: 1;
    }
    ExportDialog #export-dialog > Label {
        width: 1fr;
    }
    ExportDialog .export-note {
        color: $text-muted;
    }
    ExportDialog #export-no-internal {
        margin-top: 1;
    }
    ExportDialog #export-file-label {
        margin-top: 1;
    }
    ExportDialog #export-message.-empty {
        display: none;
    }
    ExportDialog #export-message.-problem {
        color: $error;
    }
    ExportDialog #export-progress {
        height: 1;
        display: none;
    }
    ExportDialog .-running #export-progress {
        display: block;
    }
    ExportDialog #export-bar {
        width: auto;
    }
    ExportDialog #export-rows {
        width: auto;
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the path input would take Enter as "submitted", and
        # shadows the arrows with its (here useless) scrolling.
        Binding("enter", "start", "ui.export.key.start", priority=True, id="export_start"),
        Binding(
            "down",
            "next_format(1)",
            "ui.export.key.next_format",
            key_display="↓",
            priority=True,
            id="export_next_format",
        ),
        Binding(
            "up",
            "next_format(-1)",
            "ui.export.key.previous_format",
            show=False,
            priority=True,
            id="export_previous_format",
        ),
        # Priority: the path input takes the keys a person types.
        Binding(
            "ctrl+t",
            "toggle_internal",
            "ui.export.key.no_internal",
            priority=True,
            id="export_no_internal",
        ),
        Binding("escape", "cancel", "ui.export.key.cancel", id="export_cancel"),
    ]

    AUTO_FOCUS = "#export-path"

    def __init__(self, subject: ExportSubject) -> None:
        super().__init__()
        localise_bindings(self)
        self.subject = subject
        self.suffix = FORMATS[0]
        self.total: int | None = None
        """The rows a list export writes, once counted."""
        self.exclude_internal = False
        """Leave internal interactions out: a file meant for a customer."""
        self._cancel: threading.Event | None = None
        """Set while an export runs; setting it stops the export."""
        self._replacing: Path | None = None
        """The file an export replaces, said to be untouched when cancelled."""
        self._last_progress = 0.0

    @property
    def single(self) -> bool:
        return isinstance(self.subject, int)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def compose(self) -> ComposeResult:
        typed = typed_folder(default_folder()) + default_name(self.subject, self.suffix)
        with Vertical(id="export-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = t("ui.export.title")
            yield Label(safe.plain_line(self._what()), id="export-what")
            yield Static(format_line(self.suffix), id="export-formats")
            yield Label(
                safe.plain_line(format_note(self.suffix, self.single)),
                id="export-format-note",
                classes="export-note",
            )
            yield Checkbox(
                safe.plain_line(t("ui.export.no_internal")), compact=True, id="export-no-internal"
            )
            yield Label(t("ui.export.file"), id="export-file-label", classes="export-note")
            yield PathInput(typed, id="export-path")
            yield Label(id="export-message", classes="-empty")
            with Horizontal(id="export-progress"):
                yield ProgressBar(show_eta=False, id="export-bar")
                yield Label(id="export-rows")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.path_input.cursor_position = len(self.path_input.value)
        self._count()

    def on_unmount(self) -> None:
        # The app is closing (or the dialog went) with an export running:
        # stop it, so that no half-written file is left behind.
        if self._cancel is not None:
            self._cancel.set()

    @property
    def path_input(self) -> PathInput:
        return self.query_one("#export-path", PathInput)

    @property
    def bar(self) -> ProgressBar:
        return self.query_one("#export-bar", ProgressBar)

    # -- what is exported -------------------------------------------------------------

    def _what(self) -> str:
        if isinstance(self.subject, int):
            return t("ui.export.what_single", id=self.subject)
        return t("ui.export.counting")

    def _count(self) -> None:
        """Count what a list export writes, internal interactions left out
        or not (a newer count drops an older one)."""
        if not isinstance(self.subject, InteractionFilter):
            return
        exported = without_internal(self.subject) if self.exclude_internal else self.subject
        if exported is None:
            self.total = 0
            self._show_what(t("ui.export.what_internal_only"))
            return
        self.total = None
        self._show_what(t("ui.export.counting"))
        run_db(
            self,
            partial(count_interactions, exported),
            done=self._counted,
            failed=self._count_failed,
            group="export-count",
        )

    def _counted(self, count: int) -> None:
        self.total = count
        self._show_what(what_text(count))
        if self.running:
            self.bar.update(total=count)

    def _count_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self._show_what(t("ui.export.what_unknown", reason=reason))

    def _show_what(self, text: str) -> None:
        self.query_one("#export-what", Label).update(safe.plain_line(text))

    def action_toggle_internal(self) -> None:
        self.query_one("#export-no-internal", Checkbox).toggle()

    @on(Checkbox.Changed, "#export-no-internal")
    def _internal_switched(self, event: Checkbox.Changed) -> None:
        self.exclude_internal = event.value
        self._count()

    # -- format and path --------------------------------------------------------------

    def action_next_format(self, step: int) -> None:
        index = (FORMATS.index(self.suffix) + step) % len(FORMATS)
        self.action_choose_format(FORMATS[index])

    def action_choose_format(self, suffix: str) -> None:
        if self.running or suffix not in FORMATS:
            return
        self._show_format(suffix)
        changed = with_format(self.path_input.value, suffix)
        if changed != self.path_input.value:
            self.path_input.value = changed
            self.path_input.cursor_position = len(changed)

    def _show_format(self, suffix: str) -> None:
        self.suffix = suffix
        self.query_one("#export-formats", Static).update(format_line(suffix))
        note = format_note(suffix, self.single)
        self.query_one("#export-format-note", Label).update(safe.plain_line(note))

    @on(PathInput.Changed, "#export-path")
    def _typed(self, event: PathInput.Changed) -> None:
        typed_format = format_of(event.value)
        if typed_format is not None and typed_format != self.suffix:
            self._show_format(typed_format)
        if not self.running:
            self._say("")

    @on(PathInput.Matches, "#export-path")
    def _matches(self, event: PathInput.Matches) -> None:
        self._say(matches_text(event.names, event.more))

    # -- starting ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"start", "next_format", "choose_format", "toggle_internal"}:
            return not self.running
        return True

    def action_start(self) -> None:
        path = self._checked_path()
        if path is None:
            return
        if not path.exists():
            self._start(path)
            return
        question = t("ui.export.replace_question", path=str(path))
        confirm = ConfirmScreen(question, confirm_label=t("ui.export.replace"), danger=True)

        def answered(replace: bool | None) -> None:
            if replace:
                self._start(path)

        self.app.push_screen(confirm, answered)

    def _checked_path(self) -> Path | None:
        """The file the typed path names, or None after saying what is wrong
        with it (the text stays as typed, to be corrected)."""
        checked = target_file(self.path_input.value, default_name(self.subject, self.suffix))
        if isinstance(checked, Path):
            return checked
        self._say(checked, problem=True)
        self.path_input.focus()
        return None

    def _start(self, path: Path) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        self._replacing = path if path.exists() else None
        self._last_progress = float("-inf")
        self.bar.update(total=None if self.single else self.total, progress=0)
        self._show_rows(0)
        self.query_one("#export-dialog").add_class("-running")
        self.path_input.disabled = True
        self.query_one("#export-no-internal", Checkbox).disabled = True
        self._say(t("ui.export.running"))
        self.refresh_bindings()
        subject, lang = self.subject, language()
        # The exporter refuses (with its message, said here) a role without
        # the export permission, and logs the attempt.
        crm = cast("CrmApp", self.app)
        job: Callable[[], int]
        if isinstance(subject, int):
            job = partial(
                exporter.export_interaction,
                subject,
                path,
                progress=self._progressed,
                cancel=cancel,
                lang=lang,
                actor=crm.actor,
                exclude_internal=self.exclude_internal,
            )
        else:
            job = partial(
                exporter.export_interactions,
                subject,
                path,
                progress=self._progressed,
                cancel=cancel,
                lang=lang,
                by=person_label(crm.actor) if crm.actor is not None else None,
                database=crm.options.target.describe(),
                actor=crm.actor,
                exclude_internal=self.exclude_internal,
            )
        run_db(
            self,
            job,
            done=partial(self._exported, path),
            failed=self._failed,
            group="export-file",
        )

    # -- running ----------------------------------------------------------------------

    def _progressed(self, rows: int) -> None:
        """The exporter's progress callback: runs in the worker's thread."""
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_SECONDS:
            return
        self._last_progress = now
        # RuntimeError: the app closed meanwhile; the cancel flag stops the export.
        with suppress(RuntimeError):
            self.app.call_from_thread(self._show_progress, rows)

    def _show_progress(self, rows: int) -> None:
        if self.running:
            self.bar.update(progress=rows)
            self._show_rows(rows)

    def _show_rows(self, rows: int) -> None:
        lang = language()
        text = format_count(rows, lang)
        if self.total is not None and not self.single:
            text += f" / {format_count(self.total, lang)}"
        self.query_one("#export-rows", Label).update(text)

    def _exported(self, path: Path, written: int) -> None:
        self._cancel = None
        safe.notify(self.app, done_text(self.subject, path.suffix.lower(), written, path))
        self.dismiss(path)

    def _failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self._cancel = None
        self.query_one("#export-dialog").remove_class("-running")
        self.path_input.disabled = False
        self.query_one("#export-no-internal", Checkbox).disabled = False
        self.path_input.focus()
        self.refresh_bindings()
        if isinstance(error, ExportCancelled):
            kept = self._replacing
            self._say(
                t("ui.export.cancelled_kept", path=str(kept))
                if kept is not None
                else t("ui.export.cancelled")
            )
        else:
            self._say(reason, problem=True)

    def action_cancel(self) -> None:
        """Escape: stop a running export (the dialog stays, to say so), or close."""
        if self._cancel is not None:
            self._cancel.set()
            self._say(t("ui.export.cancelling"))
        else:
            self.dismiss(None)

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#export-message", Label)
        message.update(safe.plain(text))
        message.set_class(problem, "-problem")
        message.set_class(not text, "-empty")
