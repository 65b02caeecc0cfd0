"""Log an outcome: what happened (a call outcome, chosen with the arrows)
and a note, which is added to the item's note; saving marks it done."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, TextArea
from textual.widgets.option_list import Option

from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.triage import LoggedOutcome, item_name
from crm_tui.services.errors import FieldError
from crm_tui.services.records import InteractionRecord
from crm_tui.services.text import COMMENT_LIMIT, check_length, clean_text
from crm_tui.services.vocab import OUTCOME
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.outcome.title": ("Log outcome · {item}", "Registrar resultado · {item}"),
        "ui.outcome.label": ("Outcome", "Resultado"),
        "ui.outcome.note": ("Note", "Nota"),
        "ui.outcome.save": ("Save, mark done", "Guardar y completar"),
        "ui.outcome.cancel": ("Cancel", "Cancelar"),
        "ui.outcome.key.save": ("Save, mark done", "Guardar y completar"),
        "ui.outcome.key.cancel": ("Cancel", "Cancelar"),
    }
)


class OutcomeDialog(DialogScreen[LoggedOutcome | None]):
    """Dismissed with the outcome and note, or None when cancelled. The
    outcome list starts on the item's outcome, if it has one."""

    DEFAULT_CSS = """
    OutcomeDialog #outcome-dialog {
        max-width: 70;
    }
    OutcomeDialog #outcome-choice {
        height: auto;
    }
    OutcomeDialog #outcome-note {
        height: 5;
    }
    OutcomeDialog #outcome-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    OutcomeDialog #outcome-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+s never reaches some terminals (XON/XOFF flow control): F2 too,
        # as in the interaction form. Priority: the note box takes keys first.
        # F2 first: the footer shows one key per action, and terminals may
        # swallow ctrl+s (XON/XOFF); both keys work.
        Binding("f2", "save", "ui.outcome.key.save", priority=True, id="outcome_save_f2"),
        Binding("ctrl+s", "save", "ui.outcome.key.save", priority=True, id="outcome_save"),
        Binding("escape", "cancel", "ui.outcome.key.cancel", id="outcome_cancel"),
    ]

    AUTO_FOCUS = "#outcome-choice"

    def __init__(self, record: InteractionRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.record = record

    def compose(self) -> ComposeResult:
        lang = language()
        with Vertical(id="outcome-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(
                t("ui.outcome.title", item=item_name(self.record))
            )
            choices = OptionList(
                *(
                    Option(safe.plain_line(term.label(lang)), id=term.code)
                    for term in OUTCOME.terms
                ),
                id="outcome-choice",
            )
            yield FormField(t("ui.outcome.label"), choices)
            yield FormField(t("ui.outcome.note"), TextArea(id="outcome-note"))
            with Horizontal(id="outcome-buttons"):
                yield Button(
                    safe.plain_line(t("ui.outcome.save")),
                    variant="primary",
                    compact=True,
                    id="outcome-ok",
                )
                yield Button(safe.plain_line(t("ui.outcome.cancel")), compact=True, id="outcome-no")
        yield KeyFooter()

    def on_mount(self) -> None:
        codes = OUTCOME.codes
        self.choices.highlighted = (
            codes.index(self.record.outcome) if self.record.outcome in codes else 0
        )

    @property
    def choices(self) -> OptionList:
        return self.query_one("#outcome-choice", OptionList)

    @on(OptionList.OptionSelected, "#outcome-choice")
    def _chosen(self) -> None:
        self.query_one("#outcome-note", TextArea).focus()

    @on(Button.Pressed, "#outcome-ok")
    def action_save(self) -> None:
        index = self.choices.highlighted
        outcome = OUTCOME.codes[index if index is not None else 0]
        note = clean_text(self.query_one("#outcome-note", TextArea).text).strip()
        errors: list[FieldError] = []
        # The note is kept as a report, a comment: the comment limit applies.
        check_length("note", note, COMMENT_LIMIT, errors)
        self.query_one("#outcome-note-field", FormField).show_errors(
            [error.message() for error in errors]
        )
        if not errors:
            self.dismiss(LoggedOutcome(outcome, note))

    @on(Button.Pressed, "#outcome-no")
    def action_cancel(self) -> None:
        self.dismiss(None)
