"""A yes/no question over the current screen: y or Enter confirms, n or
Escape cancels, and both answers are buttons for the mouse."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from crm_tui.i18n import register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.confirm.key.yes": ("Yes", "Sí"),
        "ui.confirm.key.no": ("No", "No"),
        "ui.confirm.title": ("Confirm", "Confirmar"),
        "ui.confirm.cancel": ("Cancel", "Cancelar"),
    }
)


class ConfirmScreen(DialogScreen[bool]):
    """Dismissed with True when confirmed, False otherwise. `question` may
    quote user text (a subject): it is shown as typed. `danger` colours the
    confirm button as a destructive action."""

    DEFAULT_CSS = """
    ConfirmScreen #confirm-dialog {
        max-width: 70;
        /* Taller than the screen, it scrolls with the screen: the buttons stay in reach. */
        max-height: initial;
        padding: 1 2 0 2;
    }
    ConfirmScreen #confirm-dialog.-danger {
        border: round $error;
        border-title-color: $error;
    }
    ConfirmScreen #confirm-question {
        width: 1fr;
        height: auto;
        max-height: 10;
    }
    ConfirmScreen #confirm-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    ConfirmScreen #confirm-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "ui.confirm.key.yes", id="confirm_yes"),
        # Enter presses the focused button; with none focused, it confirms.
        Binding("enter", "confirm", "ui.confirm.key.yes", show=False, id="confirm_enter"),
        Binding("n,escape", "cancel", "ui.confirm.key.no", id="confirm_no"),
    ]

    AUTO_FOCUS = "#confirm-yes"

    def __init__(self, question: str, *, confirm_label: str, danger: bool = False) -> None:
        super().__init__()
        localise_bindings(self)
        self.question = question
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(
            id="confirm-dialog", classes="dialog-frame -danger" if self.danger else "dialog-frame"
        ) as dialog:
            dialog.border_title = t("ui.confirm.title")
            yield Static(safe.plain(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    safe.plain_line(self.confirm_label),
                    variant="error" if self.danger else "primary",
                    compact=True,
                    id="confirm-yes",
                )
                yield Button(safe.plain_line(t("ui.confirm.cancel")), compact=True, id="confirm-no")
        yield KeyFooter()

    @on(Button.Pressed, "#confirm-yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
