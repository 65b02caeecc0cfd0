"""One field of a form: its label, its control, and the line under it
where the field's error shows. Every form lays its fields out this way, so
a message always sits next to what it is about.

Also what a date input shows beside itself as the person types: the
instant the text is understood as ("→ Tue 24 Nov 10:00 (in 1 day)"), so a
natural date ("mañana 10:00", "+2d", "lunes") is never a surprise after
saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from crm_tui.formatting import relative_phrase, short_datetime
from crm_tui.i18n import register, t
from crm_tui.services.dates import parse_when
from crm_tui.services.errors import ValidationError
from crm_tui.widgets import safe

register(
    {
        "ui.form_field.not_a_date": ("not a date yet", "aún no es una fecha"),
    }
)


class FormField(Widget):
    """`label` and `control` on one line (plus an optional `aside`, such as
    a date hint, after the control), the error line under them, shown only
    while there is an error. Its id is the control's id + "-field"."""

    DEFAULT_CSS = """
    FormField {
        height: auto;
    }
    FormField > .form-row {
        height: auto;
    }
    FormField .form-label {
        width: 14;
        padding-right: 1;
        color: $text-muted;
        text-style: bold;
    }
    FormField .form-control {
        width: 1fr;
    }
    /* Which field has the keyboard, in any theme, 16 colours or none. */
    FormField.-focused .form-label {
        color: $accent;
        text-style: bold underline;
    }
    FormField .form-aside {
        width: 1fr;
        padding-left: 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    FormField .form-error {
        display: none;
        width: 1fr;
        margin-left: 14;
        color: $error;
        text-style: bold;
    }
    FormField.-invalid .form-error {
        display: block;
    }
    """

    def __init__(self, label: str, control: Widget, *, aside: Widget | None = None) -> None:
        super().__init__(id=f"{control.id}-field")
        self.label = label
        self.control = control
        self.aside = aside
        control.add_class("form-control")
        if aside is not None:
            aside.add_class("form-aside")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label(safe.plain_line(self.label), classes="form-label")
            yield self.control
            if self.aside is not None:
                yield self.aside
        yield Label(classes="form-error")

    # A class rather than `:focus-within`: Textual restyles the label when
    # its own ancestor's class changes, not when that ancestor's
    # focus-within state does.
    def on_descendant_focus(self, _event: events.DescendantFocus) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self, _event: events.DescendantBlur) -> None:
        self.remove_class("-focused")

    def show_errors(self, messages: Sequence[str]) -> None:
        """Show these messages (they may quote what was typed) under the
        field, one a line; none hides the line."""
        self.query_one(".form-error", Label).update(safe.plain("\n".join(messages)))
        self.set_class(bool(messages), "-invalid")

    @property
    def has_error(self) -> bool:
        return self.has_class("-invalid")


def date_hint(text: str, lang: str, now: datetime) -> str:
    """What a date input's text means, for beside the input: "" while it
    is empty, the instant it is understood as, or that it is not a date yet."""
    if not text.strip():
        return ""
    try:
        value = parse_when(text, now=now).value
    except ValidationError:
        return t("ui.form_field.not_a_date", lang)
    return f"→ {short_datetime(value, lang, now)} ({relative_phrase(value, lang, now)})"


def show_problems(form: Widget, messages: Sequence[str]) -> None:
    """Messages that belong to no field, on the form's `#form-problem` line
    (hidden when there are none)."""
    problem = form.query_one("#form-problem", Label)
    problem.update(safe.plain("\n".join(messages)))
    problem.set_class(bool(messages), "-shown")


def show_validation(form: Widget, error: ValidationError) -> None:
    """Each message under its field (by the control's id); a message about
    something the form does not show goes on its `#form-problem` line. The
    first wrong field comes into view, with the focus when it can take it."""
    by_field: dict[str, list[str]] = {}
    for problem in error.errors:
        by_field.setdefault(problem.field, []).append(problem.message())
    first_wrong: FormField | None = None
    for field in form.query(FormField):
        messages = by_field.pop(field.control.id or "", [])
        field.show_errors(messages)
        if messages and first_wrong is None:
            first_wrong = field
    show_problems(form, [message for messages in by_field.values() for message in messages])
    if first_wrong is not None:
        if first_wrong.control.focusable:
            first_wrong.control.focus()
        first_wrong.scroll_visible()
