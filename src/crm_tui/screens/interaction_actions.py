"""Creating, editing and deleting an interaction from any screen: the
timeline, a contact, the detail and the lists call these, so every screen
asks the same questions and reports the same way.

The dialogs are imported inside the functions: a screen that offers these
actions costs nothing more at start-up until one is used.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from crm_tui.formatting import truncate
from crm_tui.i18n import register, t
from crm_tui.services.event_series import cancel_rest_of_series, rest_of_series
from crm_tui.services.interactions import delete_interaction
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.text import clean_line
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db

if TYPE_CHECKING:
    from crm_tui.app import CrmApp

register(
    {
        "ui.actions.delete_question": (
            "Delete interaction {id} «{subject}»?",
            "¿Borrar la interacción {id} «{subject}»?",
        ),
        "ui.actions.delete_question_no_subject": (
            "Delete interaction {id}?",
            "¿Borrar la interacción {id}?",
        ),
        "ui.actions.delete": ("Delete", "Borrar"),
        "ui.actions.deleted": ("Interaction {id} deleted", "Interacción {id} borrada"),
        "ui.actions.deleted_many": (
            "{count} interactions deleted",
            "{count} interacciones borradas",
        ),
    }
)

Done = Callable[[InteractionRecord], None]

# A subject is quoted in the question up to this many characters.
QUOTED_SUBJECT_CELLS = 60


def _crm(screen: Screen[Any]) -> CrmApp:
    return cast("CrmApp", screen.app)


def _actor(screen: Screen[Any]) -> UserRecord:
    actor = _crm(screen).actor
    assert actor is not None, "the database is not open yet"
    return actor


def _when_saved(on_done: Done | None) -> Callable[[InteractionRecord | None], None]:
    def finish(record: InteractionRecord | None) -> None:
        if record is not None and on_done is not None:
            on_done(record)

    return finish


def start_new_interaction(
    screen: Screen[Any],
    *,
    contact: str,
    opportunity: str | None,
    on_done: Done | None = None,
) -> None:
    """Log an interaction of `contact` (and `opportunity`) or start one
    from a task template; `on_done` gets what was saved."""
    from crm_tui.screens.new_interaction import NewInteractionScreen

    chooser = NewInteractionScreen(_actor(screen), contact=contact, opportunity=opportunity)
    screen.app.push_screen(chooser, callback=_when_saved(on_done))


def start_edit(screen: Screen[Any], record: InteractionRecord, on_done: Done | None = None) -> None:
    """Edit `record` in the form; `on_done` gets the saved version."""
    from crm_tui.screens.interaction_form import InteractionFormScreen

    form = InteractionFormScreen.for_edit(_actor(screen), record)
    screen.app.push_screen(form, callback=_when_saved(on_done))


def delete_question(record: InteractionRecord) -> str:
    subject = truncate(clean_line(record.subject), QUOTED_SUBJECT_CELLS)
    if not subject:
        return t("ui.actions.delete_question_no_subject", id=record.id)
    return t("ui.actions.delete_question", id=record.id, subject=subject)


def confirm_delete(
    screen: Screen[Any], record: InteractionRecord, on_done: Done | None = None
) -> None:
    """Ask, then delete `record`; `on_done` gets the deleted record. An
    occurrence of a repeating event may take the open ones after it along
    (the question says how many), which ends the series early."""
    if not record.series_uid:
        _ask_delete(screen, record, rest=0, on_done=on_done)
        return
    run_db(
        screen,
        partial(rest_of_series, record),
        done=lambda rest: _ask_delete(screen, record, rest=rest, on_done=on_done),
        group="delete-interaction",
    )


def _ask_delete(
    screen: Screen[Any], record: InteractionRecord, *, rest: int, on_done: Done | None
) -> None:
    from crm_tui.screens.confirm import ConfirmScreen
    from crm_tui.screens.series_delete_dialog import SeriesDeleteScreen

    actor = _actor(screen)
    question: ConfirmScreen
    if rest > 1:
        question = SeriesDeleteScreen(delete_question(record), rest=rest)
    else:
        question = ConfirmScreen(
            delete_question(record), confirm_label=t("ui.actions.delete"), danger=True
        )

    def deleted(gone: list[InteractionRecord]) -> None:
        _crm(screen).data_changed()
        if len(gone) == 1:
            safe.notify(screen.app, t("ui.actions.deleted", id=gone[0].id))
        else:
            safe.notify(screen.app, t("ui.actions.deleted_many", count=len(gone)))
        if on_done is not None:
            on_done(record)

    def answered(confirmed: bool | None) -> None:
        if not confirmed:
            return
        if isinstance(question, SeriesDeleteScreen) and question.whole_rest:
            job = partial(cancel_rest_of_series, record, actor=actor)
        else:
            job = partial(_delete_one, record.id, actor)
        run_db(screen, job, done=deleted, group="delete-interaction")

    screen.app.push_screen(question, callback=answered)


def _delete_one(interaction_id: int, actor: UserRecord) -> list[InteractionRecord]:
    return [delete_interaction(interaction_id, actor=actor)]
