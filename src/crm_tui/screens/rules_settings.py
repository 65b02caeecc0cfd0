"""Settings › Automatic rules (reglas automáticas): each rule with the
sentence that says what it does ("When a call ends with no answer or busy
→ call again 2 h later in working hours, same user"), the full sentence of
the highlighted one under the list. A role with manage-settings adds
(`n`), edits (`e`, Enter), switches on and off (space) and deletes
(`delete`) rules; a shipped rule can be switched off and edited, not
deleted. Others read (see `SettingsListScreen`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Label

from crm_tui.i18n import language, register, t
from crm_tui.screens.rule_form import RuleForm
from crm_tui.screens.settings import ReadOnlyNote, SettingsListScreen
from crm_tui.services.records import TypeRecord
from crm_tui.services.rules import StoredRule, delete_rule, describe_rule, list_rules, set_active
from crm_tui.services.types import list_types
from crm_tui.widgets import safe
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Column, PagedTable

register(
    {
        "ui.rules_settings.heading": ("Settings › Automatic rules", "Ajustes › Reglas automáticas"),
        "ui.rules_settings.column.name": ("Rule", "Regla"),
        "ui.rules_settings.column.does": ("What it does", "Qué hace"),
        "ui.rules_settings.column.active": ("State", "Estado"),
        "ui.rules_settings.builtin": ("shipped", "de fábrica"),
        "ui.rules_settings.unreadable": (
            "This rule cannot be read: {reason}",
            "Esta regla no se puede leer: {reason}",
        ),
        "ui.rules_settings.delete_question": (
            "Delete the rule «{name}»? What it created stays.",
            "¿Eliminar la regla «{name}»? Lo que creó se queda.",
        ),
        "ui.rules_settings.builtin_kept": (
            "A shipped rule cannot be deleted: switch it off with space",
            "Una regla de fábrica no se puede borrar: desactívela con espacio",
        ),
    }
)


@dataclass(frozen=True)
class RuleRow:
    stored: StoredRule
    sentence: str  # what it does, in the user's language (holds user text)

    @property
    def id(self) -> int:
        """The table keeps the cursor on the same rule across reloads by it."""
        return self.stored.id


def _style(row: RuleRow) -> str:
    return "" if row.stored.active else "dim"


def active_cell(row: RuleRow, lang: str, now: datetime) -> Text:
    if row.stored.active:
        return safe.cell(t("ui.settings.active", lang))
    return safe.cell(t("ui.settings.inactive", lang), "dim italic")


def name_cell(row: RuleRow, lang: str, now: datetime) -> Text:
    return safe.cell(row.stored.name, f"bold {_style(row)}".strip())


def does_cell(row: RuleRow, lang: str, now: datetime) -> Text:
    return safe.cell(row.sentence, _style(row))


RuleColumn = Column[RuleRow]

RULE_COLUMNS = (
    RuleColumn("active", "ui.rules_settings.column.active", active_cell, max_width=9),
    RuleColumn("name", "ui.rules_settings.column.name", name_cell, max_width=26),
    RuleColumn("does", "ui.rules_settings.column.does", does_cell, max_width=None, weight=1),
)


class RulesSettingsScreen(SettingsListScreen[RuleRow]):
    DEFAULT_CSS = """
    RulesSettingsScreen #rule-sentence {
        width: 1fr;
        height: auto;
        max-height: 4;
        padding: 0 1;
        border-top: solid $primary-muted;
    }
    """

    heading = "ui.rules_settings.heading"

    def __init__(self) -> None:
        super().__init__(RULE_COLUMNS)
        self.types: tuple[TypeRecord, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t(self.heading), id="list-heading")
        yield PagedTable(self.columns, id="settings-table")
        yield Label(id="rule-sentence")
        yield ReadOnlyNote()
        yield KeyFooter()

    def fetch(self) -> list[RuleRow]:
        lang = language()
        types = tuple(list_types())
        self.types = tuple(record for record in types if record.active)
        labels = {record.code: record.label(lang) for record in types}
        rows = []
        for stored in list_rules():
            if stored.rule is None:
                sentence = t("ui.rules_settings.unreadable", lang, reason=stored.problem)
            else:
                sentence = describe_rule(stored.rule, lang, labels)
            if stored.builtin:
                sentence = f"{sentence} ({t('ui.rules_settings.builtin', lang)})"
            rows.append(RuleRow(stored, sentence))
        return rows

    @on(DataTable.RowHighlighted)
    def _show_sentence(self) -> None:
        row = self.selected()
        text = "" if row is None else f"{row.stored.name}: {row.sentence}"
        self.query_one("#rule-sentence", Label).update(safe.plain(text))

    def action_new(self) -> None:
        self.open_form(RuleForm(self.actor, self.types))

    def action_edit(self) -> None:
        row = self.selected()
        if row is None or row.stored.rule is None:
            return
        self.open_form(RuleForm(self.actor, self.types, row.stored.rule, row.stored.active))

    def action_toggle_active(self) -> None:
        row = self.selected()
        if row is not None:
            self.change(partial(set_active, row.stored.id, not row.stored.active, actor=self.actor))

    def action_delete(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.stored.builtin:
            safe.notify(self.app, t("ui.rules_settings.builtin_kept"), severity="warning")
            return
        question = t("ui.rules_settings.delete_question", name=row.stored.name)
        self.ask_then(
            question,
            t("ui.settings.key.delete"),
            partial(self.change, partial(delete_rule, row.stored.id, actor=self.actor)),
        )
