"""Settings › Task templates ("tareas preconfiguradas"): the tasks
"Create" offers, by name, with their type as lists show it, priority and
due offset. A role with manage-settings adds (`n`), edits (`e`, Enter),
deactivates and reactivates (space) and deletes (`delete`, after
confirming) templates; the tasks already made from one stay as they are.
Others read (see `SettingsListScreen`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rich.text import Text

from crm_tui.i18n import register, t
from crm_tui.screens.settings import SettingsListScreen
from crm_tui.screens.template_form import TemplateForm
from crm_tui.services.records import TypeRecord
from crm_tui.services.templates import (
    TemplateRecord,
    delete_template,
    list_templates,
    set_template_active,
)
from crm_tui.services.types import list_types
from crm_tui.services.vocab import PRIORITY
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.interaction_table import type_label
from crm_tui.widgets.paged_table import Column

register(
    {
        "ui.templates_settings.heading": (
            "Settings › Task templates",
            "Ajustes › Tareas preconfiguradas",
        ),
        "ui.templates_settings.column.name": ("Name", "Nombre"),
        "ui.templates_settings.column.type": ("Type", "Tipo"),
        "ui.templates_settings.column.priority": ("Priority", "Prioridad"),
        "ui.templates_settings.column.due": ("Due", "Vence"),
        "ui.templates_settings.column.active": ("State", "Estado"),
        "ui.templates_settings.at_once": ("at once", "en el momento"),
        "ui.templates_settings.delete_question": (
            "Delete the task template “{name}”? The tasks already made from it stay.",
            "¿Eliminar la tarea preconfigurada «{name}»? Las tareas ya creadas con ella se quedan.",
        ),
    }
)


def _style(template: TemplateRecord) -> str:
    return "" if template.active else "dim"


def name_cell(template: TemplateRecord, lang: str, now: datetime) -> Text:
    return safe.cell(template.name, _style(template))


def type_cell(template: TemplateRecord, lang: str, now: datetime) -> Text:
    return type_label(template.type, lang)


def priority_cell(template: TemplateRecord, lang: str, now: datetime) -> Text:
    return safe.cell(PRIORITY.label(template.default_priority, lang), _style(template))


def due_cell(template: TemplateRecord, lang: str, now: datetime) -> Text:
    """The offset as the supervisor wrote it (the rule, not one instant)."""
    return safe.cell(
        template.due_offset or t("ui.templates_settings.at_once", lang), _style(template)
    )


def active_cell(template: TemplateRecord, lang: str, now: datetime) -> Text:
    if template.active:
        return safe.cell(t("ui.settings.active", lang))
    return safe.cell(t("ui.settings.inactive", lang), "dim italic")


TemplateColumn = Column[TemplateRecord]

TEMPLATE_COLUMNS = (
    TemplateColumn(
        "name",
        "ui.templates_settings.column.name",
        name_cell,
        max_width=None,
        min_width=12,
        weight=1,
    ),
    TemplateColumn("type", "ui.templates_settings.column.type", type_cell, max_width=14),
    TemplateColumn("priority", "ui.templates_settings.column.priority", priority_cell, max_width=9),
    TemplateColumn("due", "ui.templates_settings.column.due", due_cell, max_width=18),
    TemplateColumn("active", "ui.templates_settings.column.active", active_cell, max_width=9),
)


class TemplatesSettingsScreen(SettingsListScreen[TemplateRecord]):
    heading = "ui.templates_settings.heading"

    def __init__(self) -> None:
        super().__init__(TEMPLATE_COLUMNS)
        self.types: list[TypeRecord] | None = None  # the active ones, for the form

    def fetch(self) -> list[TemplateRecord]:
        return list_templates(active_only=False)

    def load_data(self, *, first: bool) -> None:
        super().load_data(first=first)
        run_db(
            self,
            partial(list_types, active_only=True),
            done=self._types_loaded,
            group="settings-template-types",
        )

    def _types_loaded(self, types: list[TypeRecord]) -> None:
        self.types = types

    def action_new(self) -> None:
        if self.types is not None:
            self.open_form(TemplateForm(self.actor, self.types))

    def action_edit(self) -> None:
        template = self.selected()
        if template is not None and self.types is not None:
            self.open_form(TemplateForm(self.actor, self.types, template))

    def action_toggle_active(self) -> None:
        template = self.selected()
        if template is not None:
            self.change(
                partial(set_template_active, template.id, not template.active, actor=self.actor)
            )

    def action_delete(self) -> None:
        template = self.selected()
        if template is None:
            return
        self.ask_then(
            t("ui.templates_settings.delete_question", name=template.name),
            t("ui.settings.key.delete"),
            partial(self.change, partial(delete_template, template.id, actor=self.actor)),
        )
