"""Every field of one interaction, read-only, over the list it came from.

A first step: the full detail screen (comments, history, actions) replaces
this modal; `detail_fields` is what both show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from crm_tui import clock
from crm_tui.formatting import detail_datetime, textual_colour
from crm_tui.i18n import language, t
from crm_tui.services.records import InteractionRecord
from crm_tui.services.vocab import DIRECTION, KIND, OUTCOME, PRIORITY, STATUS
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_table import type_parts

EMPTY = "—"


def _field_name(key: str) -> str:
    name = t(key)
    return name[:1].upper() + name[1:]


def _code_and_name(code: str | None, name: str | None) -> str:
    return f"{code} · {name}" if code else ""


def detail_fields(record: InteractionRecord, lang: str, now: datetime) -> list[tuple[str, Content]]:
    """(label, value) for every field of the record, in reading order;
    empty values show as a dash."""

    def text(value: str | None) -> Content:
        return safe.plain(value) if value and value.strip() else Content(EMPTY)

    def when(value: datetime | None) -> Content:
        return text(detail_datetime(value, lang, now))

    def number(value: int | None) -> Content:
        return text(str(value) if value is not None else None)

    def term(label: Callable[[str, str], str], code: str | None) -> Content:
        return text(label(code, lang) if code else None)

    label, colour = type_parts(record.type, lang)
    type_content = safe.plain_line(label, textual_colour(colour))
    responsible = (
        f"{record.user_name or record.user} ({record.user})" if record.user else t("ui.pool", lang)
    )
    return [
        (_field_name("ui.detail.id"), text(str(record.id))),
        (_field_name("field.type"), type_content),
        (_field_name("field.kind"), term(KIND.label, record.kind)),
        (_field_name("field.status"), term(STATUS.label, record.status)),
        (_field_name("field.priority"), term(PRIORITY.label, record.priority)),
        (_field_name("field.direction"), term(DIRECTION.label, record.direction)),
        (_field_name("field.internal"), text(t("ui.yes" if record.internal else "ui.no", lang))),
        (_field_name("field.subject"), text(record.subject)),
        (_field_name("field.note"), text(record.note)),
        (_field_name("field.outcome"), term(OUTCOME.label, record.outcome)),
        (
            _field_name("field.contact"),
            text(_code_and_name(record.contact_code, record.contact_name)),
        ),
        (
            _field_name("field.opportunity"),
            text(_code_and_name(record.opportunity_code, record.opportunity_title)),
        ),
        (_field_name("ui.detail.responsible"), text(responsible)),
        (_field_name("field.created_by"), text(record.created_by)),
        (_field_name("field.entry_name"), text(record.entry_name)),
        (_field_name("field.occurred_at"), when(record.occurred_at)),
        (_field_name("field.starts_at"), when(record.starts_at)),
        (_field_name("field.ends_at"), when(record.ends_at)),
        (_field_name("field.follow_up_at"), when(record.follow_up_at)),
        (_field_name("ui.detail.due_at"), when(record.due_at)),
        (_field_name("field.location"), text(record.location)),
        (_field_name("field.tags"), text(", ".join(record.tags))),
        (_field_name("ui.detail.recurrence"), text(record.recurrence)),
        (_field_name("ui.detail.campaign"), number(record.campaign_id)),
        (_field_name("ui.detail.rule"), number(record.rule_id)),
        (_field_name("ui.detail.created_at"), when(record.created_at)),
        (_field_name("ui.detail.updated_at"), when(record.updated_at)),
        (_field_name("ui.detail.version"), number(record.version)),
        (_field_name("ui.detail.uid"), text(record.uid)),
    ]


class InteractionDetailScreen(ModalScreen[None]):
    """One interaction's fields; Escape or q goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "ui.key.close", id="close")
    ]

    def __init__(self, record: InteractionRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.record = record

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail") as frame:
            frame.border_title = t("ui.detail.title", id=self.record.id)
            with Grid(id="detail-fields"):
                for name, value in detail_fields(self.record, language(), clock.now()):
                    yield Label(safe.plain_line(name), classes="field-name")
                    yield Static(value, classes="field-value")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
