"""Snooze to a typed date: one input that takes natural dates ("mañana
10:00", "+2d", "lunes"), the instant it means shown under it while typing,
and a message under it when it is not a date, keeping what was typed.

The dialog answers with the instant it showed, so what is saved is what
the person saw. A day without a time keeps the item's time of day (the
rule of `services.queue.snooze`), and a snooze into the past is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from crm_tui import clock
from crm_tui.formatting import list_date, relative_phrase
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.triage import item_name
from crm_tui.services.errors import ValidationError
from crm_tui.services.queue import typed_snooze_target
from crm_tui.services.records import InteractionRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField, short_datetime
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.snooze.title": ("Snooze until…", "Posponer hasta…"),
        "ui.snooze.item": ("{item} · due {when}", "{item} · vence {when}"),
        "ui.snooze.label": ("When", "Cuándo"),
        "ui.snooze.placeholder": ("tomorrow 10:00, +2d, monday", "mañana 10:00, +2d, lunes"),
        "ui.snooze.not_yet": ("→ not a date yet", "→ aún no es una fecha"),
        "ui.snooze.past": (
            "{when} has already passed; snooze to a later time",
            "{when} ya pasó; posponga a un momento posterior",
        ),
        "ui.snooze.button": ("Snooze", "Posponer"),
        "ui.snooze.cancel": ("Cancel", "Cancelar"),
        "ui.snooze.key.cancel": ("Cancel", "Cancelar"),
    }
)

FIELD_ID = "snooze"


def snooze_target(record: InteractionRecord, text: str, now: datetime) -> datetime:
    """The instant `text` snoozes `record` to, or a ValidationError that
    says why it cannot (not a date, already past)."""
    target = typed_snooze_target(record, text, now)
    if target <= now:
        when = short_datetime(target, language(), now)
        raise ValidationError.single(FIELD_ID, "ui.snooze.past", when=when)
    return target


def describe_target(target: datetime, lang: str, now: datetime) -> str:
    """`→ Tue 24 Nov 10:00 (in 1 day)`."""
    return f"→ {short_datetime(target, lang, now)} ({relative_phrase(target, lang, now)})"


class SnoozeDialog(DialogScreen[datetime | None]):
    """Dismissed with the new due time, or None when cancelled."""

    DEFAULT_CSS = """
    SnoozeDialog #snooze-dialog {
        max-width: 70;
        /* Taller than the screen, it scrolls with the screen: the buttons stay in reach. */
        max-height: initial;
    }
    SnoozeDialog #snooze-item {
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        margin-bottom: 1;
    }
    SnoozeDialog #snooze-preview {
        margin-left: 14;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SnoozeDialog #snooze-preview.-hidden {
        display: none;
    }
    SnoozeDialog #snooze-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    SnoozeDialog #snooze-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "ui.snooze.key.cancel", id="snooze_cancel"),
    ]

    AUTO_FOCUS = "#snooze-when"

    def __init__(self, record: InteractionRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.record = record

    def compose(self) -> ComposeResult:
        now = clock.now()
        lang = language()
        with Vertical(id="snooze-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = t("ui.snooze.title")
            due = list_date(self.record.due_at, lang, now)
            yield Label(
                safe.plain_line(t("ui.snooze.item", item=item_name(self.record), when=due)),
                id="snooze-item",
            )
            yield FormField(
                t("ui.snooze.label"),
                Input(placeholder=t("ui.snooze.placeholder"), id="snooze-when", compact=True),
            )
            yield Label(id="snooze-preview")
            with Horizontal(id="snooze-buttons"):
                yield Button(
                    safe.plain_line(t("ui.snooze.button")),
                    variant="primary",
                    compact=True,
                    id="snooze-ok",
                )
                yield Button(safe.plain_line(t("ui.snooze.cancel")), compact=True, id="snooze-no")
        yield KeyFooter()

    @property
    def field(self) -> FormField:
        return self.query_one("#snooze-when-field", FormField)

    @property
    def text(self) -> str:
        return self.query_one("#snooze-when", Input).value

    @on(Input.Changed, "#snooze-when")
    def _typed(self) -> None:
        self.field.show_errors([])
        self._show_preview()

    def _show_preview(self) -> None:
        preview = self.query_one("#snooze-preview", Label)
        preview.set_class(self.field.has_error, "-hidden")
        if not self.text.strip():
            preview.update("")
            return
        now = clock.now()
        try:
            shown = describe_target(snooze_target(self.record, self.text, now), language(), now)
        except ValidationError:
            shown = t("ui.snooze.not_yet")
        preview.update(safe.plain_line(shown))

    @on(Input.Submitted, "#snooze-when")
    @on(Button.Pressed, "#snooze-ok")
    def action_snooze(self) -> None:
        try:
            target = snooze_target(self.record, self.text, clock.now())
        except ValidationError as error:
            self.field.show_errors(error.for_field(FIELD_ID) or [error.message()])
            self._show_preview()
            self.query_one("#snooze-when", Input).focus()
            return
        self.dismiss(target)

    @on(Button.Pressed, "#snooze-no")
    def action_cancel(self) -> None:
        self.dismiss(None)
