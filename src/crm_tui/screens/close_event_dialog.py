"""Close an event with a report: write what happened; saving marks the
event done and keeps the text as a report on it (services.events
.close_event), both in one transaction.

Enter adds a line; `ctrl+j` or F2 saves (terminals differ in which they
deliver). A refusal (someone else changed the event, a report over the
limit, a busy database) is said inside the dialog and the text stays.
Escape leaves at once when nothing is written; otherwise it asks first,
as leaving throws the text away.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, TextArea

from crm_tui.i18n import register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.comment_dialog import describe_refusal
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.triage import item_name
from crm_tui.services.comments import clean_body
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.events import close_event
from crm_tui.services.records import InteractionRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from crm_tui.app import CrmApp
    from crm_tui.screens.base import CrmScreen

register(
    {
        "ui.close_event.title": ("Done with a report · {item}", "Completar con reporte · {item}"),
        "ui.close_event.placeholder": ("What happened?", "¿Qué ha pasado?"),
        "ui.close_event.empty": (
            "Write what happened before closing the event.",
            "Escriba qué ha pasado antes de cerrar el evento.",
        ),
        "ui.close_event.saving": ("Closing the event…", "Cerrando el evento…"),
        "ui.close_event.closed": ("Event closed with a report", "Evento cerrado con reporte"),
        "ui.close_event.discard": (
            "Throw away the report you wrote? The event stays open.",
            "¿Descartar el reporte escrito? El evento sigue abierto.",
        ),
        "ui.close_event.discard_yes": ("Discard", "Descartar"),
        "ui.close_event.key.open": ("Done with a report", "Completar con reporte"),
        "ui.close_event.key.save": ("Save, mark done", "Guardar y completar"),
        "ui.close_event.key.cancel": ("Cancel", "Cancelar"),
    }
)


class CloseEventDialog(DialogScreen[InteractionRecord | None]):
    """Dismissed with the closed event, or None when cancelled."""

    DEFAULT_CSS = """
    CloseEventDialog #close-event-dialog {
        max-width: 76;
    }
    CloseEventDialog #close-event-text {
        height: 8;
    }
    CloseEventDialog #close-event-message {
        width: 1fr;
        height: auto;
        color: $text-muted;
    }
    CloseEventDialog #close-event-message.-problem {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the text box would take these keys first (ctrl+j as Enter).
        Binding(
            "ctrl+j,f2", "save", "ui.close_event.key.save", priority=True, id="close_event_save"
        ),
        Binding("escape", "cancel", "ui.close_event.key.cancel", id="close_event_cancel"),
    ]

    AUTO_FOCUS = "#close-event-text"

    def __init__(self, record: InteractionRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.record = record
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="close-event-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(
                t("ui.close_event.title", item=item_name(self.record))
            )
            yield TextArea(
                id="close-event-text",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=t("ui.close_event.placeholder"),
            )
            yield Label(id="close-event-message")
        yield KeyFooter()

    @property
    def editor(self) -> TextArea:
        return self.query_one(TextArea)

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#close-event-message", Label)
        message.update(safe.plain(text))
        message.set_class(problem, "-problem")

    def action_save(self) -> None:
        # A priority key arrives before the letters typed just before it
        # have reached the text box: save from the box's queue, after them.
        self.editor.call_later(self._save)

    def _save(self) -> None:
        if self.saving:
            return
        text = self.editor.text
        if not clean_body(text):
            self._say(t("ui.close_event.empty"), problem=True)
            return
        actor = cast("CrmApp", self.app).actor
        assert actor is not None, "the database is not open yet"
        self.saving = True
        self._say(t("ui.close_event.saving"))
        run_db(
            self,
            partial(
                close_event, self.record.id, text, actor=actor, expected_version=self.record.version
            ),
            done=self.dismiss,
            failed=self._refused,
            group="close-event",
        )

    def _refused(self, error: CrmError | DatabaseError, reason: str) -> None:
        self.saving = False
        if isinstance(error, ValidationError):
            reason = "\n".join(describe_refusal(field_error) for field_error in error.errors)
        self._say(reason, problem=True)

    def action_cancel(self) -> None:
        if self.saving:
            return  # the answer is on its way; leaving now would hide it
        if not clean_body(self.editor.text):
            self.dismiss(None)
            return
        question = ConfirmScreen(
            t("ui.close_event.discard"), confirm_label=t("ui.close_event.discard_yes"), danger=True
        )
        self.app.push_screen(question, self._discard_answered)

    def _discard_answered(self, discard: bool | None) -> None:
        if discard:
            self.dismiss(None)


def open_close_event(screen: CrmScreen[Any], record: InteractionRecord) -> None:
    """Open the dialog on `record`; once closed, toast it and have every
    screen (this one first) show the event done."""

    def closed(result: InteractionRecord | None) -> None:
        if result is None:
            return
        screen.crm.data_changed()
        safe.notify(screen.app, t("ui.close_event.closed"))
        screen.refresh_if_stale()

    screen.app.push_screen(CloseEventDialog(record), closed)
