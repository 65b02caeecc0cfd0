"""Triage: the one-key actions on an open item (set its status, snooze it,
reassign it, log an outcome) and undoing them, shared by My queue and the
detail of an interaction.

Every action writes in a worker with the version the screen showed, so a
change someone else made in between is refused (Conflict) rather than
overwritten. On success it tells the app that data changed, toasts what
happened, and hands the screen the record as it is now together with the
`TriageUndo` that puts it back. On a refusal it toasts why and, when the
item changed or went away, reads it again for the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from peewee import DatabaseError
from textual.binding import Binding, BindingType

from crm_tui import clock
from crm_tui.formatting import truncate
from crm_tui.i18n import language, register, t
from crm_tui.services import interactions, queue
from crm_tui.services.errors import Conflict, CrmError, NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.queue import TriageUndo
from crm_tui.services.vocab import OUTCOME, STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import short_datetime

if TYPE_CHECKING:
    from textual.screen import Screen

    from crm_tui.app import CrmApp
    from crm_tui.screens.reassign_dialog import Assignee
    from crm_tui.services.records import InteractionRecord, UserRecord

register(
    {
        "ui.triage.key.pending": ("Pending", "Pendiente"),
        "ui.triage.key.in_progress": ("In progress", "En curso"),
        "ui.triage.key.done": ("Done", "Completo"),
        "ui.triage.key.cancelled": ("Cancel it", "Cancelar"),
        "ui.triage.status_set": ("{status}: {item}", "{status}: {item}"),
        "ui.triage.already": ("Already {status}: {item}", "Ya está {status}: {item}"),
        "ui.triage.snoozed": ("Snoozed: {item} → {when}", "Pospuesta: {item} → {when}"),
        "ui.triage.assigned": ("Given to {user}: {item}", "Asignada a {user}: {item}"),
        "ui.triage.pooled": (
            "Back in the shared pool: {item}",
            "Devuelta a la bolsa compartida: {item}",
        ),
        "ui.triage.outcome_logged": (
            "Outcome “{outcome}” logged, done: {item}",
            "Resultado «{outcome}» registrado, completada: {item}",
        ),
        "ui.triage.undone": ("Undone: {item}", "Deshecho: {item}"),
        "ui.triage.undo_hint": ("{undo_key} undoes it.", "{undo_key} lo deshace."),
        "ui.triage.busy": (
            "Still saving the last change to this item…",
            "Aún se guarda el último cambio de este elemento…",
        ),
    }
)

# How much of a subject a toast quotes.
ITEM_CELLS = 60

TriageDone = Callable[["InteractionRecord", TriageUndo], None]
"""Called on the UI thread after an action: the item as it is now, and
what puts it back as it was."""

StaleItem = Callable[["InteractionRecord | None"], None]
"""Called when an action was refused because the item changed or went
away since the screen read it: the item as it is now (None: deleted)."""


@dataclass(frozen=True)
class TriageHooks:
    """What a screen wants besides the result. `started`: the action is
    on its way (after any dialog), so a list can move on to the next
    item; `failed`: nothing was written (the toast says why); `stale`: see
    `StaleItem`; `undo_key`: the key that undoes, named in the toast
    (None: the screen has no undo)."""

    started: Callable[[], None] | None = None
    failed: Callable[[CrmError | DatabaseError], None] | None = None
    stale: StaleItem | None = None
    undo_key: str | None = None


NO_HOOKS = TriageHooks()


@dataclass(frozen=True)
class LoggedOutcome:
    """What happened: an OUTCOME code, and a note to add to the item's."""

    outcome: str
    note: str


# `X` for cancelled: `c` is "comment" on every screen that triages.
STATUS_KEYS = (("p", "pending"), ("w", "in_progress"), ("d", "done"), ("X", "cancelled"))


def status_bindings(*, in_footer: Collection[str] = STATUS.codes) -> list[BindingType]:
    """The status keys of the app's key map (`p` pending, `w` in progress,
    `d` done, `X` cancelled) for a screen that triages: it defines
    `action_set_status(status)`. `in_footer`: the statuses whose key the
    footer shows (all are in help and the command palette)."""
    return [
        Binding(
            key,
            f"set_status('{status}')",
            f"ui.triage.key.{status}",
            show=status in in_footer,
            id=f"status_{status}",
        )
        for key, status in STATUS_KEYS
    ]


STATUS_BINDINGS = status_bindings()
"""All four status keys, each shown in the footer."""


def item_name(record: InteractionRecord) -> str:
    """How a toast names an item: its subject, else its type and contact."""
    lang = language()
    name = record.subject.strip() or f"{record.type.label(lang)} · {record.contact_name}"
    return truncate(name, ITEM_CELLS)


# --- the actions ----------------------------------------------------------------


def change_status(
    screen: Screen[Any],
    record: InteractionRecord,
    status: str,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Set the item's status. Asking for the status it already has writes
    nothing and says so."""
    label = STATUS.label(status, language())
    if record.status == status:
        safe.notify(screen.app, t("ui.triage.already", status=label, item=item_name(record)))
        return
    _apply(
        screen,
        record,
        lambda actor: interactions.set_status(
            record.id, status, actor=actor, expected_version=record.version
        ),
        lambda _after: t("ui.triage.status_set", status=label, item=item_name(record)),
        on_done=on_done,
        hooks=hooks,
    )


def snooze(
    screen: Screen[Any],
    record: InteractionRecord,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
    *,
    by: timedelta | None = None,
    until: datetime | None = None,
) -> None:
    """Due `by` later (counted from now when it is already overdue), or at
    `until`."""
    _apply(
        screen,
        record,
        lambda actor: queue.snooze(
            record.id, actor=actor, by=by, until=until, expected_version=record.version
        ),
        _snoozed(record),
        on_done=on_done,
        hooks=hooks,
    )


def reassign(
    screen: Screen[Any],
    record: InteractionRecord,
    username: str | None,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Give the item to `username`, or to the shared pool with None."""

    def describe(after: InteractionRecord) -> str:
        if after.user is None:
            return t("ui.triage.pooled", item=item_name(record))
        return t("ui.triage.assigned", user=after.user_name or after.user, item=item_name(record))

    _apply(
        screen,
        record,
        lambda actor: interactions.assign(
            record.id, username, actor=actor, expected_version=record.version
        ),
        describe,
        on_done=on_done,
        hooks=hooks,
    )


def log_outcome(
    screen: Screen[Any],
    record: InteractionRecord,
    logged: LoggedOutcome,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Record what happened (a call outcome, and the note as a report on
    the item) and mark it done; its undo also takes the report back."""
    label = OUTCOME.label(logged.outcome, language())
    _apply(
        screen,
        record,
        lambda actor: queue.log_outcome(
            record.id,
            outcome=logged.outcome,
            note=logged.note,
            actor=actor,
            expected_version=record.version,
        ),
        lambda _after: t("ui.triage.outcome_logged", outcome=label, item=item_name(record)),
        on_done=on_done,
        hooks=hooks,
    )


def undo(
    screen: Screen[Any],
    change: TriageUndo,
    on_done: Callable[[InteractionRecord], None],
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Put the item back as it was before `change`; refused (Conflict)
    when someone changed it since."""
    record = change.before
    _apply(
        screen,
        record,
        lambda actor: queue.undo_triage(change, actor=actor),
        lambda _after: t("ui.triage.undone", item=item_name(record)),
        on_done=lambda after, _undo: on_done(after),
        # The toast of an undo offers no further undo.
        hooks=replace(hooks, undo_key=None),
    )


# --- the actions that ask first --------------------------------------------------


def ask_snooze(
    screen: Screen[Any],
    record: InteractionRecord,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Ask when (natural input, "mañana 10:00"), then snooze to it."""
    from crm_tui.screens.snooze_dialog import SnoozeDialog

    def chosen(until: datetime | None) -> None:
        if until is not None:
            snooze(screen, record, on_done, hooks, until=until)

    screen.app.push_screen(SnoozeDialog(record), chosen)


def ask_reassign(
    screen: Screen[Any],
    record: InteractionRecord,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Ask to whom (a person or the shared pool), then reassign."""
    from crm_tui.screens.reassign_dialog import ReassignDialog

    def chosen(assignee: Assignee | None) -> None:
        if assignee is not None:
            reassign(screen, record, assignee.username, on_done, hooks)

    screen.app.push_screen(ReassignDialog(record), chosen)


def ask_outcome(
    screen: Screen[Any],
    record: InteractionRecord,
    on_done: TriageDone,
    hooks: TriageHooks = NO_HOOKS,
) -> None:
    """Ask what happened (outcome and note), then log it and mark it done."""
    from crm_tui.screens.outcome_dialog import OutcomeDialog

    def chosen(logged: LoggedOutcome | None) -> None:
        if logged is not None:
            log_outcome(screen, record, logged, on_done, hooks)

    screen.app.push_screen(OutcomeDialog(record), chosen)


# --- running them ---------------------------------------------------------------


def _snoozed(record: InteractionRecord) -> Callable[[InteractionRecord], str]:
    def describe(after: InteractionRecord) -> str:
        when = short_datetime(after.due_at, language(), clock.now())
        return t("ui.triage.snoozed", when=when, item=item_name(record))

    return describe


def _crm(screen: Screen[Any]) -> CrmApp:
    return cast("CrmApp", screen.app)


def _apply(
    screen: Screen[Any],
    record: InteractionRecord,
    change: Callable[[UserRecord], InteractionRecord | queue.OutcomeLogged],
    describe: Callable[[InteractionRecord], str],
    *,
    on_done: TriageDone,
    hooks: TriageHooks,
) -> None:
    actor = _crm(screen).actor
    assert actor is not None, "triage needs the database open"

    def done(result: InteractionRecord | queue.OutcomeLogged) -> None:
        after, report_id = (
            (result.record, result.report_id)
            if isinstance(result, queue.OutcomeLogged)
            else (result, None)
        )
        _crm(screen).data_changed()
        message = describe(after)
        if hooks.undo_key:
            message = f"{message}\n{t('ui.triage.undo_hint', undo_key=hooks.undo_key)}"
        safe.notify(screen.app, message)
        on_done(after, TriageUndo(before=record, after_version=after.version, report_id=report_id))

    def failed(error: CrmError | DatabaseError, reason: str) -> None:
        changed = isinstance(error, Conflict | NotFound)
        safe.notify(screen.app, reason, severity="warning" if changed else "error")
        if hooks.failed is not None:
            hooks.failed(error)
        if changed and hooks.stale is not None:
            _read_again(screen, record.id, hooks.stale)

    if hooks.started is not None:
        hooks.started()
    run_db(
        screen,
        lambda: change(actor),
        done=done,
        failed=failed,
        group=f"triage-{record.id}",
        exclusive=False,
    )


def _read_again(screen: Screen[Any], record_id: int, stale: StaleItem) -> None:
    def current() -> InteractionRecord | None:
        try:
            return get_interaction(record_id)
        except NotFound:
            return None

    run_db(screen, current, done=stale, group=f"triage-reread-{record_id}")
