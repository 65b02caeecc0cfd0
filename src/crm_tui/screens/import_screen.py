"""Import interactions from a file (`I` on All interactions).

The path is typed with Tab completion. Enter checks the file: a dry run
of the importer in a thread worker, with a progress bar, which writes
nothing. Then the screen shows the importer's summary, what it would
create, and either the problems that stop the import (line, column and
message, the highlighted one in full below the table; nothing can be
imported until the file is fixed and checked again) or the first rows as
they will be written (new contacts and opportunities marked "+").
Enter or Ctrl+S then imports for real, again with a progress bar; when it
is done a notification counts the interactions and every list reloads.

Escape stops a check or an import that is running (nothing is written:
the import is all or nothing), and otherwise goes back. A file that cannot
be read is said under the path, which stays as typed. Everything the file
holds is data: shown as text, never as markup.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Header, Label, ProgressBar, Static

from crm_tui.exchange.importer import (
    CHECKING,
    READING,
    WRITING,
    ImportCancelled,
    ImportProblem,
    ImportReport,
    PreviewRow,
    import_file,
)
from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.file_picker import as_typed, start_folder
from crm_tui.services.dates import format_interchange
from crm_tui.services.errors import CrmError
from crm_tui.services.vocab import STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.interaction_table import STATUS_STYLES, type_label
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Column, PagedTable, PageSource, keyset_source
from crm_tui.widgets.path_input import PathInput, matches_text

register(
    {
        "ui.import.file": (
            "File to import: .csv or Excel (Tab completes the name)",
            "Archivo a importar: .csv o Excel (Tab completa el nombre)",
        ),
        "ui.import.placeholder": ("Path of the file", "Ruta del archivo"),
        "ui.import.hint": (
            "Enter checks the file and shows what it would import; nothing is written yet",
            "Enter revisa el archivo y muestra lo que importaría; aún no se escribe nada",
        ),
        "ui.import.no_path": (
            "Type the path of the file to import",
            "Escriba la ruta del archivo a importar",
        ),
        "ui.import.is_folder": (
            "{path} is a folder: type the name of a file in it (Tab completes)",
            "{path} es una carpeta: escriba el nombre de un archivo suyo (Tab completa)",
        ),
        "ui.import.reading": ("Reading the file: {rows} rows", "Leyendo el archivo: {rows} filas"),
        "ui.import.checking": (
            "Checking: {rows} of {total} rows",
            "Revisando: {rows} de {total} filas",
        ),
        "ui.import.writing": (
            "Importing: {rows} of {total} interactions",
            "Importando: {rows} de {total} interacciones",
        ),
        "ui.import.cancelling": ("Stopping…", "Deteniendo…"),
        "ui.import.ready": (
            "Enter or Ctrl+S imports these rows; Escape goes back without importing",
            "Enter o Ctrl+S importa estas filas; Escape vuelve sin importar",
        ),
        "ui.import.nothing_to_import": (
            "Nothing to import: the file has no new interactions",
            "Nada que importar: el archivo no trae interacciones nuevas",
        ),
        "ui.import.fix_and_check": (
            "Nothing can be imported: fix these lines in the file, then press Enter to "
            "check it again",
            "No se puede importar nada: corrija estas líneas en el archivo y pulse Enter "
            "para revisarlo de nuevo",
        ),
        "ui.import.count.interactions": ("Interactions to create", "Interacciones a crear"),
        "ui.import.count.users": ("New users", "Usuarios nuevos"),
        "ui.import.count.contacts": ("New contacts", "Clientes nuevos"),
        "ui.import.count.opportunities": ("New opportunities", "Oportunidades nuevas"),
        "ui.import.count.skipped": (
            "Already in the database, skipped",
            "Ya en la base de datos, se omiten",
        ),
        "ui.import.skipped_lines": ("lines {lines}", "líneas {lines}"),
        "ui.import.preview_title": (
            "The first rows as they will be written (+ new: the import creates it)",
            "Las primeras filas tal como se escribirán (+ nuevo: lo crea la importación)",
        ),
        "ui.import.problems_title": ("Problems", "Problemas"),
        "ui.import.line": ("Line {line}", "Línea {line}"),
        "ui.import.column.line": ("Line", "Línea"),
        "ui.import.column.column": ("Column", "Columna"),
        "ui.import.column.problem": ("Problem", "Problema"),
        "ui.import.column.subject": ("Subject", "Asunto"),
        "ui.import.done": ("{count} interactions imported", "{count} interacciones importadas"),
        "ui.import.done_one": ("1 interaction imported", "1 interacción importada"),
        "ui.import.key.check": ("Check the file", "Revisar el archivo"),
        "ui.import.key.import": ("Import", "Importar"),
        "ui.import.key.back": ("Back / stop", "Volver / detener"),
    }
)

NEW_MARK = "+ "
NEW_STYLE = "bold green"
SKIPPED_LINES_SHOWN = 8


# --- the tables -----------------------------------------------------------------------

Item = TypeVar("Item")


@dataclass(frozen=True)
class Listed(Generic[Item]):
    """An item of a list held in memory, numbered for the table (PagedTable
    keys its rows by a record's `id`)."""

    id: int
    item: Item


def in_memory(items: tuple[Item, ...]) -> PageSource[Listed[Item]]:
    """Pages of a tuple: a report may hold thousands of problems, and a
    table shows a page at a time."""

    def fetch(after: int | None, limit: int) -> list[Listed[Item]]:
        start = 0 if after is None else after + 1
        return [
            Listed(index, items[index]) for index in range(start, min(start + limit, len(items)))
        ]

    return keyset_source(fetch, lambda listed: listed.id)


def _with_mark(text: str, new: bool) -> Text:
    cell = safe.cell("")
    if new:
        cell.append(NEW_MARK, NEW_STYLE)
    cell.append(safe.cell(text))
    return cell


def _line_cell(row: Listed[Any], lang: str, now: datetime) -> Text:
    return safe.cell(str(row.item.line), justify="right")


def _type_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    return type_label(row.item.type, lang)


def _status_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    status = row.item.status
    return safe.cell(STATUS.label(status, lang), STATUS_STYLES.get(status, ""))


def _when_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    return safe.cell(list_date(row.item.when, lang, now))


def _user_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    if row.item.user is None:
        return safe.cell(t("ui.pool", lang), "italic dim")
    return safe.cell(row.item.user)


def _contact_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    preview = row.item
    return _with_mark(f"{preview.contact_code} {preview.contact_name}", preview.new_contact)


def _opportunity_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    preview = row.item
    return _with_mark(preview.opportunity_code or "", preview.new_opportunity)


def _subject_cell(row: Listed[PreviewRow], lang: str, now: datetime) -> Text:
    return safe.cell(row.item.subject)


def _column_cell(row: Listed[ImportProblem], lang: str, now: datetime) -> Text:
    return safe.cell(row.item.column or "—", "" if row.item.column else "dim")


def _message_cell(row: Listed[ImportProblem], lang: str, now: datetime) -> Text:
    return safe.cell(row.item.message)


LINE_COLUMN = Column[Any]("line", "ui.import.column.line", _line_cell, max_width=7)
PREVIEW_COLUMNS: tuple[Column[Listed[PreviewRow]], ...] = (
    LINE_COLUMN,
    Column("type", "ui.column.type", _type_cell, max_width=14),
    Column("status", "ui.column.status", _status_cell, max_width=12),
    Column("when", "ui.column.date", _when_cell, max_width=13),
    Column("user", "ui.column.user", _user_cell, max_width=18, min_width=5, weight=1),
    Column("contact", "ui.column.contact", _contact_cell, max_width=30, min_width=8, weight=3),
    Column(
        "opportunity",
        "ui.column.opportunity",
        _opportunity_cell,
        max_width=14,
        min_width=5,
        weight=1,
    ),
    Column("subject", "ui.import.column.subject", _subject_cell, max_width=None, weight=4),
)
PROBLEM_COLUMNS: tuple[Column[Listed[ImportProblem]], ...] = (
    LINE_COLUMN,
    Column("column", "ui.import.column.column", _column_cell, max_width=18),
    Column("problem", "ui.import.column.problem", _message_cell, max_width=None, weight=1),
)


class PreviewTable(PagedTable[Listed[PreviewRow]]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(PREVIEW_COLUMNS, id=id)


class ProblemsTable(PagedTable[Listed[ImportProblem]]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(PROBLEM_COLUMNS, id=id)


# --- what the screen says ------------------------------------------------------------


def counts_line(report: ImportReport, lang: str) -> Content:
    """What the import creates, and skips: `Label: N` pairs, the numbers in
    bold (no plural forms to get wrong)."""
    counts = [
        ("ui.import.count.interactions", report.created),
        ("ui.import.count.users", report.users_created),
        ("ui.import.count.contacts", report.contacts_created),
        ("ui.import.count.opportunities", report.opportunities_created),
    ]
    skipped = report.skipped_existing
    if skipped:
        counts.append(("ui.import.count.skipped", len(skipped)))
    parts: list[Content | str | tuple[str, str]] = []
    for label, number in counts:
        if parts:
            parts.append(" · ")
        parts += [f"{t(label)}: ", (format_count(number, lang), "bold")]
    if skipped:
        lines = ", ".join(str(line) for line, _ in skipped[:SKIPPED_LINES_SHOWN])
        if len(skipped) > SKIPPED_LINES_SHOWN:
            lines += ", …"
        parts.append(f" ({t('ui.import.skipped_lines', lines=lines)})")
    return Content.assemble(*parts)


def preview_detail(preview: PreviewRow) -> Content:
    """The highlighted row in full: its exact time and the names the
    narrow columns cut."""
    parts = [
        t("ui.import.line", line=preview.line),
        format_interchange(preview.when),
        f"{preview.contact_code} {preview.contact_name}",
        preview.opportunity_code or "",
        preview.subject,
    ]
    return safe.plain_line(" · ".join(part for part in parts if part))


def problem_detail(problem: ImportProblem) -> Content:
    where = t("ui.import.line", line=problem.line)
    if problem.column:
        where += f", {problem.column}"
    return safe.plain_line(f"{where}: {problem.message}")


def done_text(report: ImportReport) -> str:
    if report.created == 1:
        return t("ui.import.done_one")
    return t("ui.import.done", count=format_count(report.created, language()))


@dataclass(frozen=True)
class Checked:
    """A check that found rows to import, for the path as it was typed."""

    typed: str
    path: Path
    report: ImportReport


def read_path(typed: str) -> Path:
    """The file a typed path names (`~` is home); a folder is refused with
    a message, as the importer refuses a missing or unreadable file."""
    path = Path(os.path.expanduser(typed))
    if path.is_dir():
        raise CrmError("ui.import.is_folder", path=typed)
    return path


# --- the screen -------------------------------------------------------------------


class ImportScreen(CrmScreen[None]):
    """Check a file, look at what it would import, then import it."""

    DEFAULT_CSS = """
    ImportScreen #import {
        height: 1fr;
        padding: 0 1;
    }
    ImportScreen #import-path {
        border-title-color: $text-muted;
    }
    ImportScreen #import-message {
        width: 1fr;
        color: $text-muted;
    }
    ImportScreen #import-message.-problem {
        color: $error;
    }
    ImportScreen #import-progress {
        height: 1;
        display: none;
    }
    ImportScreen .-running #import-progress {
        display: block;
    }
    ImportScreen #import-bar {
        width: auto;
    }
    ImportScreen #import-rows {
        width: auto;
        margin-left: 2;
    }
    ImportScreen #import-summary {
        width: 1fr;
        text-style: bold;
    }
    ImportScreen #import-counts {
        width: 1fr;
        color: $text-muted;
    }
    ImportScreen #import-table-title {
        width: 1fr;
        margin-top: 1;
        text-style: bold;
        color: $text-accent;
    }
    ImportScreen #import-preview, ImportScreen #import-problems,
    ImportScreen #import-table-title, ImportScreen #import-detail {
        display: none;
    }
    ImportScreen .-preview #import-preview, ImportScreen .-problems #import-problems,
    ImportScreen .-preview #import-table-title, ImportScreen .-problems #import-table-title,
    ImportScreen .-preview #import-detail, ImportScreen .-problems #import-detail {
        display: block;
    }
    ImportScreen #import-detail {
        width: 1fr;
        height: auto;
        max-height: 3;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the path input would take Enter as "submitted" and a
        # table as "open the row". Only one of the two Enters is active.
        Binding("enter", "check", "ui.import.key.check", priority=True, id="import_check"),
        Binding(
            "enter",
            "run_import",
            "ui.import.key.import",
            show=False,
            priority=True,
            id="import_run_enter",
        ),
        Binding("ctrl+s", "run_import", "ui.import.key.import", id="import_run"),
        Binding("escape", "leave", "ui.import.key.back", id="import_back"),
    ]

    AUTO_FOCUS = "#import-path"

    class Progressed(Message, bubble=False):
        """The importer's progress, sent from its thread."""

        def __init__(self, stage: str, rows: int) -> None:
            super().__init__()
            self.stage = stage
            self.rows = rows

        def can_replace(self, message: Message) -> bool:
            # The last count of each stage matters: reading's is the total
            # that checking counts up to.
            return isinstance(message, ImportScreen.Progressed) and message.stage == self.stage

    def __init__(self) -> None:
        super().__init__()
        self.checked: Checked | None = None
        self._cancel: threading.Event | None = None
        """Set while the importer runs; setting it stops the importer."""
        self._rows_read = 0

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="import"):
            path_input = PathInput(
                as_typed(start_folder(self.app)),
                placeholder=t("ui.import.placeholder"),
                id="import-path",
            )
            path_input.border_title = t("ui.import.file")
            yield path_input
            yield Label(id="import-message")
            with Horizontal(id="import-progress"):
                yield ProgressBar(show_eta=False, id="import-bar")
                yield Label(id="import-rows")
            yield Static(id="import-summary")
            yield Static(id="import-counts")
            yield Label(id="import-table-title")
            yield PreviewTable(id="import-preview")
            yield ProblemsTable(id="import-problems")
            yield Static(id="import-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.path_input.cursor_position = len(self.path_input.value)

    def on_unmount(self) -> None:
        # Left by any way (q, the app closing) while the importer runs: stop
        # it; all or nothing, so nothing is left half-imported.
        if self._cancel is not None:
            self._cancel.set()

    @property
    def path_input(self) -> PathInput:
        return self.query_one("#import-path", PathInput)

    @property
    def bar(self) -> ProgressBar:
        return self.query_one("#import-bar", ProgressBar)

    @property
    def preview_table(self) -> PreviewTable:
        return self.query_one(PreviewTable)

    @property
    def problems_table(self) -> ProblemsTable:
        return self.query_one(ProblemsTable)

    # -- the path ----------------------------------------------------------------------

    @on(PathInput.Changed, "#import-path")
    def _typed(self, event: PathInput.Changed) -> None:
        if self.checked is not None and event.value != self.checked.typed:
            # Another file: what was checked is not what Enter would import.
            self.checked = None
            self._show_result(None)
            self.refresh_bindings()
        if not self.running:
            self._say(t("ui.import.hint"))  # in place of what was said of the old path

    @on(PathInput.Matches, "#import-path")
    def _matches(self, event: PathInput.Matches) -> None:
        names = matches_text(event.names, event.more)
        if names:  # none when Tab completed the one name there was
            self._say(names)

    # -- keys --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "check":
            return not self.running and self.checked is None
        if action == "run_import":
            return not self.running and self.checked is not None
        return True

    def action_check(self) -> None:
        typed = self.path_input.value.strip()
        if not typed:
            self._say(t("ui.import.no_path"), problem=True)
            return
        if not self.is_ready:
            return
        self._show_result(None)
        cancel = self._start(t("ui.import.reading", rows=0))
        job = partial(self._check_file, typed, self.actor, cancel)
        run_db(self, job, done=self._checked, failed=self._failed, group="import-check")

    def _check_file(self, typed: str, actor: Any, cancel: threading.Event) -> Checked:
        """In the worker: the dry run of the file `typed` names."""
        path = read_path(typed)
        report = import_file(
            path, actor=actor, dry_run=True, progress=self._progressed, cancel=cancel
        )
        return Checked(typed, path, report)

    def action_run_import(self) -> None:
        checked = self.checked
        if checked is None:
            return
        cancel = self._start(t("ui.import.reading", rows=0))
        job = partial(
            import_file,
            checked.path,
            actor=self.actor,
            progress=self._progressed,
            cancel=cancel,
        )
        # On the app, not the screen: what happened is told (and the lists
        # reload) even when the screen was left meanwhile.
        run_db(self.app, job, done=self._imported, failed=self._failed, group="import-write")

    def action_leave(self) -> None:
        """Escape: stop what runs (the screen stays, to say so), or go back."""
        if self._cancel is not None:
            self._cancel.set()
            self._say(t("ui.import.cancelling"))
        else:
            self.dismiss(None)

    # -- running -----------------------------------------------------------------------

    def _start(self, first_words: str) -> threading.Event:
        cancel = threading.Event()
        self._cancel = cancel
        self._rows_read = 0
        self.bar.update(total=None, progress=0)
        self.query_one("#import-rows", Label).update(first_words)
        self.query_one("#import").add_class("-running")
        self.path_input.disabled = True
        self._say("")
        self.refresh_bindings()
        return cancel

    def _stop(self) -> None:
        self._cancel = None
        self.query_one("#import").remove_class("-running")
        self.path_input.disabled = False
        self.refresh_bindings()

    def _progressed(self, stage: str, rows: int) -> None:
        """The importer's progress callback: runs in the worker's thread."""
        self.post_message(self.Progressed(stage, rows))

    @on(Progressed)
    def _show_progress(self, message: Progressed) -> None:
        if not self.running:
            return
        lang = language()
        rows = format_count(message.rows, lang)
        if message.stage == READING:
            self._rows_read = message.rows
            text = t("ui.import.reading", rows=rows)
        elif message.stage == CHECKING:
            self.bar.update(total=self._rows_read, progress=message.rows)
            text = t("ui.import.checking", rows=rows, total=format_count(self._rows_read, lang))
        elif message.stage == WRITING and self.checked is not None:
            total = self.checked.report.created
            self.bar.update(total=total, progress=message.rows)
            text = t("ui.import.writing", rows=rows, total=format_count(total, lang))
        else:
            return
        self.query_one("#import-rows", Label).update(text)

    def _checked(self, checked: Checked) -> None:
        self._stop()
        report = checked.report
        importable = report.ok and report.created > 0
        self.checked = checked if importable else None
        self.refresh_bindings()
        self._show_result(report)
        if importable:
            self._say(t("ui.import.ready"))
            self.preview_table.focus()
        elif report.ok:
            self._say(t("ui.import.nothing_to_import"))
        else:
            self._say(t("ui.import.fix_and_check"), problem=True)
            self.problems_table.focus()

    def _imported(self, report: ImportReport) -> None:
        if self.is_attached:
            self._stop()
        if report.ok:
            if report.created:
                self.crm.data_changed()
            safe.notify(self.app, done_text(report))
            if self.is_current:
                self.dismiss(None)
            return
        # The file changed after its check: nothing was written.
        if self.is_attached:
            self.checked = None
            self.refresh_bindings()
            self._show_result(report)
            self._say(t("ui.import.fix_and_check"), problem=True)
        else:
            safe.notify(self.app, report.summary(), severity="error")

    def _failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        if not self.is_attached:
            if not isinstance(error, ImportCancelled):
                safe.notify(self.app, reason, severity="error")
            return
        self._stop()
        self._say(reason, problem=not isinstance(error, ImportCancelled))
        self.path_input.focus()

    # -- showing a report ----------------------------------------------------------------

    def _show_result(self, report: ImportReport | None) -> None:
        """The report of a check (or of an import that found problems);
        None clears it."""
        frame = self.query_one("#import")
        frame.remove_class("-preview", "-problems")
        summary = self.query_one("#import-summary", Static)
        counts = self.query_one("#import-counts", Static)
        detail = self.query_one("#import-detail", Static)
        detail.update("")
        if report is None:
            summary.update("")
            counts.update("")
            return
        summary.update(safe.plain(report.summary()))
        counts.update(counts_line(report, language()) if report.ok else "")
        title = self.query_one("#import-table-title", Label)
        if not report.ok:
            title.update(Content(t("ui.import.problems_title")))
            frame.add_class("-problems")
            self.problems_table.load(in_memory(report.problems))
        elif report.preview:
            title.update(Content(t("ui.import.preview_title")))
            frame.add_class("-preview")
            self.preview_table.load(in_memory(report.preview))

    @on(DataTable.RowHighlighted, "#import-preview")
    def _preview_highlighted(self) -> None:
        listed = self.preview_table.record_at_cursor()
        if listed is not None:
            self.query_one("#import-detail", Static).update(preview_detail(listed.item))

    @on(DataTable.RowHighlighted, "#import-problems")
    def _problem_highlighted(self) -> None:
        listed = self.problems_table.record_at_cursor()
        if listed is not None:
            self.query_one("#import-detail", Static).update(problem_detail(listed.item))

    @on(PagedTable.Opened)
    def _row_opened(self, event: PagedTable.Opened) -> None:
        # Enter on a row belongs to the screen's bindings (check / import).
        event.stop()

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#import-message", Label)
        message.update(safe.plain_line(text))
        message.set_class(problem, "-problem")
