"""My queue, the start screen: the actor's pending and in-progress items,
overdue first, then by due time, worked through one key at a time.

Each triage key acts on the row under the cursor and moves the cursor on
at once, so the next key press is for the next item while the change is
written in a worker. When the write is done, an item that left the queue
(done, cancelled, given to someone else) disappears and one that stays
(snoozed, status changed) shows its new state in place. Every change is
pushed on an undo stack: `u` undoes the latest, pressed again the one
before.

`P` takes the next item of the shared pool (the oldest-due unassigned
pending one): it becomes the actor's and shows in its place, under the
cursor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Label
from textual.widgets.data_table import RowDoesNotExist

from crm_tui import clock
from crm_tui.formatting import list_date, preview
from crm_tui.i18n import register, t
from crm_tui.screens import triage
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.comment_dialog import interaction_comment_title, open_comment_box
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.comments import CommentTarget
from crm_tui.services.errors import Conflict, CrmError, NotFound
from crm_tui.services.pool import claim_next
from crm_tui.services.queue import QueueCursor, TriageUndo, is_overdue, list_queue
from crm_tui.services.records import InteractionRecord
from crm_tui.services.text import clean_text
from crm_tui.services.vocab import PRIORITY
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.interaction_table import (
    CONTACT_COLUMN,
    PAGE_SIZE,
    PREVIEW_CELLS,
    STATUS_COLUMN,
    TYPE_COLUMN,
    ColumnSpec,
    InteractionTable,
    RecordPage,
)
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.queue.heading": ("My queue", "Mi cola"),
        "ui.queue.column.due": ("Due", "Vence"),
        "ui.queue.column.priority": ("Priority", "Prioridad"),
        "ui.queue.overdue": ("! {count} overdue ·", "! {count} vencidas ·"),
        "ui.queue.none_overdue": ("nothing overdue ·", "nada vencido ·"),
        "ui.queue.none": ("nothing to do", "nada que hacer"),
        "ui.queue.shown": ("{count} shown", "{count} mostradas"),
        "ui.queue.more": ("{count} shown · more below", "{count} mostradas · hay más"),
        "ui.queue.empty": (
            "Your queue is empty: nothing pending or in progress is yours.",
            "Su cola está vacía: no tiene nada pendiente ni en curso.",
        ),
        "ui.queue.nothing_to_undo": ("Nothing to undo", "Nada que deshacer"),
        "ui.queue.key.snooze_hour": ("Snooze 1h", "Posponer 1 h"),
        "ui.queue.key.snooze_day": ("Snooze 1 day", "Posponer 1 día"),
        "ui.queue.key.snooze_to": ("Snooze to…", "Posponer a…"),
        "ui.queue.key.reassign": ("Reassign", "Reasignar"),
        "ui.queue.key.outcome": ("Log outcome", "Resultado"),
        "ui.queue.key.undo": ("Undo", "Deshacer"),
        "ui.queue.key.refresh": ("Refresh", "Actualizar"),
        "ui.queue.key.comment": ("Comment", "Comentar"),
        "ui.queue.key.claim": ("Take from the pool", "Tomar de la bolsa"),
        "ui.queue.claimed": ("Taken from the pool: {item}", "Tomado de la bolsa: {item}"),
        "ui.queue.pool_empty": (
            "The shared pool is empty: nothing to take.",
            "La bolsa común está vacía: no hay nada que tomar.",
        ),
    }
)

UNDO_KEY = "u"
# Enough undo for a morning's triage; older changes stay in the history.
UNDO_DEPTH = 100
OVERDUE_MARK = "!"  # reads without colour (NO_COLOR, monochrome terminals)

# A glyph as well as a colour, so urgency reads without colour too.
PRIORITY_LOOKS: dict[str, tuple[str, str]] = {
    "urgent": ("↑↑ ", "bold red"),
    "high": ("↑ ", "bold yellow"),
    "normal": ("", ""),
    "low": ("↓ ", "dim"),
}


# --- cells -------------------------------------------------------------------------


def due_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    """When it is due, per the list date rule; overdue ones marked."""
    when = list_date(record.due_at, lang, now)
    if is_overdue(record, now):
        return safe.cell(f"{OVERDUE_MARK} {when}", "bold red")
    cell = safe.cell(when)
    cell.pad_left(len(OVERDUE_MARK) + 1)  # dates line up with the marked ones
    return cell


def priority_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    glyph, style = PRIORITY_LOOKS.get(record.priority, ("", ""))
    return safe.cell(f"{glyph}{PRIORITY.label(record.priority, lang)}", style)


def work_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    """The subject and a preview of the note, however old: in a queue the
    note says what is to be done."""
    text = safe.cell(record.subject)
    note = clean_text(record.note)
    if note.strip():
        if text.plain:
            text.append(" — ", style="dim")
        text.append(preview(note, PREVIEW_CELLS), style="italic")
    return text


DUE_COLUMN = ColumnSpec("due", "ui.queue.column.due", due_cell, max_width=14)
PRIORITY_COLUMN = ColumnSpec("priority", "ui.queue.column.priority", priority_cell, max_width=12)
WORK_COLUMN = ColumnSpec(
    "subject", "ui.column.subject", work_cell, max_width=None, min_width=12, weight=4
)

QUEUE_COLUMNS = (
    DUE_COLUMN,
    PRIORITY_COLUMN,
    TYPE_COLUMN,
    STATUS_COLUMN,
    CONTACT_COLUMN,
    WORK_COLUMN,
)


def no_rows_status(state: InteractionTable.StateChanged) -> str:
    """Why the queue shows no rows (a message id)."""
    if state.loading:
        return "ui.status.loading"
    if state.failed:
        return "ui.status.failed"
    return "ui.queue.none"


# --- the screen -------------------------------------------------------------------


class QueueScreen(CrmScreen[None]):
    """The actor's open items, soonest due first, with one key per triage
    action and `u` to undo."""

    DEFAULT_CSS = """
    QueueScreen #queue-empty {
        display: none;
        padding: 1 2;
        color: $text-muted;
    }
    QueueScreen #queue-empty.-shown {
        display: block;
    }
    QueueScreen #queue-overdue {
        width: auto;
        padding-left: 2;
        color: $text-muted;
    }
    QueueScreen #queue-status {
        width: auto;
        padding-left: 1;
        color: $text-muted;
    }
    QueueScreen #queue-overdue.-late {
        color: $error;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer has room for the keys used most; help and the command
        # palette list them all.
        *triage.status_bindings(in_footer=("done",)),
        Binding("s", "snooze(1)", "ui.queue.key.snooze_hour", id="snooze_hour"),
        Binding("S", "snooze(24)", "ui.queue.key.snooze_day", show=False, id="snooze_day"),
        Binding("t", "snooze_to", "ui.queue.key.snooze_to", show=False, id="snooze_to"),
        Binding("a", "reassign", "ui.queue.key.reassign", show=False, id="reassign"),
        Binding("o", "log_outcome", "ui.queue.key.outcome", id="log_outcome"),
        Binding(UNDO_KEY, "undo", "ui.queue.key.undo", id="undo"),
        Binding("c", "comment", "ui.queue.key.comment", show=False, id="comment"),
        Binding("r", "refresh", "ui.queue.key.refresh", show=False, id="refresh"),
        Binding("P", "claim", "ui.queue.key.claim", show=False, id="claim"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._undo: list[TriageUndo] = []
        self._busy: set[int] = set()
        """Items with a change on its way: another key on them waits."""
        self._focus_after_load: int | None = None
        self._state: InteractionTable.StateChanged | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(t("ui.queue.heading")), id="list-heading")
            yield Label(id="queue-overdue")
            yield Label(safe.plain_line(t("ui.status.opening")), id="queue-status")
        yield Label(safe.plain_line(t("ui.queue.empty")), id="queue-empty")
        yield InteractionTable(QUEUE_COLUMNS, id="queue")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> InteractionTable:
        return self.query_one(InteractionTable)

    def load_data(self, *, first: bool) -> None:
        if not first:
            self.table.reload()
            return
        username = self.actor.username

        def page(after: QueueCursor | None) -> RecordPage:
            return list_queue(username, after=after, limit=PAGE_SIZE)

        self.table.load(page)

    def belongs(self, record: InteractionRecord) -> bool:
        """Whether the item is (still) in this queue."""
        return record.is_open and record.user == self.actor.username

    # -- the status line ---------------------------------------------------------

    @on(InteractionTable.StateChanged)
    def _state_changed(self, state: InteractionTable.StateChanged) -> None:
        self._state = state
        if not state.loading and self._focus_after_load is not None:
            self._move_to(self._focus_after_load)
            self._focus_after_load = None
        self._show_state()

    def _show_state(self) -> None:
        """The status line: how many overdue among the rows loaded (all
        of them when the queue has no more) and how many rows, or why
        there are none."""
        state = self._state
        if state is None:
            return
        now = clock.now()
        overdue = sum(is_overdue(record, now) for record in self.table.loaded_records())
        late = self.query_one("#queue-overdue", Label)
        if state.loaded:
            late.update(
                safe.plain_line(
                    t("ui.queue.overdue", count=overdue) if overdue else t("ui.queue.none_overdue")
                )
            )
            text = t("ui.queue.more" if state.more else "ui.queue.shown", count=state.loaded)
        else:
            late.update("")
            text = t(no_rows_status(state))
        late.set_class(overdue > 0, "-late")
        self.query_one("#queue-status", Label).update(safe.plain_line(text))
        empty = not state.loaded and not state.loading and not state.failed
        self.query_one("#queue-empty", Label).set_class(empty, "-shown")

    # -- rows ------------------------------------------------------------------------

    def _target(self) -> InteractionRecord | None:
        """The item under the cursor, unless a change to it is on its way."""
        record = self.table.record_at_cursor()
        if record is not None and record.id in self._busy:
            safe.notify(self.app, t("ui.triage.busy"), severity="warning")
            return None
        return record

    def _move_to(self, record_id: int) -> None:
        try:
            row = self.table.get_row_index(str(record_id))
        except RowDoesNotExist:
            return
        self.table.move_cursor(row=row, animate=False)

    def _show_record(self, record: InteractionRecord) -> None:
        """Show the item as it is now: in place while it belongs to the
        queue, else gone, the cursor staying on the item it was on."""
        if self.belongs(record):
            self.table.replace_record(record)
            self._show_state()
        else:
            self._remove(record.id)

    def _remove(self, record_id: int) -> None:
        """Drop a row, the cursor staying on the item it was on (or, when
        on this one, moving to the next)."""
        under_cursor = self.table.record_at_cursor()
        self.table.remove_record(record_id)
        if under_cursor is not None and under_cursor.id != record_id:
            self._move_to(under_cursor.id)

    def _hooks(self, record: InteractionRecord) -> triage.TriageHooks:
        def started() -> None:
            self._busy.add(record.id)
            under_cursor = self.table.record_at_cursor()
            if under_cursor is not None and under_cursor.id == record.id:
                self.table.action_cursor_down()

        def failed(_error: CrmError | DatabaseError) -> None:
            self._busy.discard(record.id)

        def stale(current: InteractionRecord | None) -> None:
            if current is None:
                self._remove(record.id)
            else:
                self._show_record(current)

        return triage.TriageHooks(started, failed, stale, undo_key=UNDO_KEY)

    def _done(self, after: InteractionRecord, undo: TriageUndo) -> None:
        self._busy.discard(after.id)
        self._undo = [*self._undo, undo][-UNDO_DEPTH:]
        self.caught_up()
        self._show_record(after)

    # -- actions -----------------------------------------------------------------------

    def action_set_status(self, status: str) -> None:
        if record := self._target():
            triage.change_status(self, record, status, self._done, self._hooks(record))

    def action_snooze(self, hours: int) -> None:
        if record := self._target():
            triage.snooze(self, record, self._done, self._hooks(record), by=timedelta(hours=hours))

    def action_snooze_to(self) -> None:
        if record := self._target():
            triage.ask_snooze(self, record, self._done, self._hooks(record))

    def action_reassign(self) -> None:
        if record := self._target():
            triage.ask_reassign(self, record, self._done, self._hooks(record))

    def action_log_outcome(self) -> None:
        if record := self._target():
            triage.ask_outcome(self, record, self._done, self._hooks(record))

    def action_comment(self) -> None:
        record = self.table.record_at_cursor()
        if record is None:
            return
        # A comment changes nothing the queue shows: no reload, the
        # cursor stays where it is.
        open_comment_box(
            self,
            CommentTarget(interaction_id=record.id),
            interaction_comment_title(record),
            lambda _comment: self.caught_up(),
        )

    def action_undo(self) -> None:
        if not self._undo:
            safe.notify(self.app, t("ui.queue.nothing_to_undo"))
            return
        change = self._undo[-1]
        if change.before.id in self._busy:
            safe.notify(self.app, t("ui.triage.busy"), severity="warning")
            return
        self._undo.pop()
        triage.undo(self, change, partial(self._undone, change), self._undo_hooks(change))

    def _undo_hooks(self, change: TriageUndo) -> triage.TriageHooks:
        record_id = change.before.id

        def started() -> None:
            self._busy.add(record_id)

        def failed(error: CrmError | DatabaseError) -> None:
            self._busy.discard(record_id)
            if not isinstance(error, Conflict | NotFound):
                self._undo.append(change)  # nothing happened: it can be tried again

        def stale(current: InteractionRecord | None) -> None:
            if current is not None and self.table.has_record(record_id):
                self._show_record(current)

        return triage.TriageHooks(started, failed, stale)

    def _undone(self, change: TriageUndo, restored: InteractionRecord) -> None:
        record_id = restored.id
        self._busy.discard(record_id)
        self.caught_up()
        # An older change to the same item left it as this undo found it;
        # only the version moved on (the undo is an edit too).
        self._undo = [
            replace(older, after_version=restored.version)
            if older.before.id == record_id and older.after_version == change.before.version
            else older
            for older in self._undo
        ]
        if self.table.has_record(record_id):
            self._show_record(restored)
            self._move_to(record_id)
        else:
            # It had left the queue: back in its place in due order.
            self._focus_after_load = record_id
            self.table.reload()

    def action_claim(self) -> None:
        """Take the next item of the shared pool: it joins the queue in its
        place by due time, with the cursor on it."""
        actor = self.actor
        # Not exclusive: each key press claims an item, and each is shown.
        run_db(self, lambda: claim_next(actor), done=self._claimed, group="claim", exclusive=False)

    def _claimed(self, record: InteractionRecord | None) -> None:
        if record is None:
            safe.notify(self.app, t("ui.queue.pool_empty"))
            return
        self.crm.data_changed()
        self.caught_up()
        safe.notify(self.app, t("ui.queue.claimed", item=triage.item_name(record)))
        self._focus_after_load = record.id
        self.table.reload()

    def action_refresh(self) -> None:
        self.table.reload()

    @on(InteractionTable.Opened)
    def _open(self, event: InteractionTable.Opened) -> None:
        open_interaction(self.app, event.record)
