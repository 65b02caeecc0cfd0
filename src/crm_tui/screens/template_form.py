"""The form of one task template: name, type, default priority, due
offset and description. Beside the offset, what it means if the task were
made now ("in 2 days", "Mon 30 Nov 09:00"), following what is typed; the
same words tell "Create" when each template's task falls due."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial

from textual.widgets import Input, Label, Select, TextArea

from crm_tui import clock
from crm_tui.formatting import relative_phrase
from crm_tui.i18n import language, register, t
from crm_tui.screens.settings import FormValues, SettingsForm
from crm_tui.services.dates import parse_offset
from crm_tui.services.errors import ValidationError
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.services.templates import (
    TemplateInput,
    TemplateRecord,
    create_template,
    update_template,
)
from crm_tui.services.vocab import PRIORITY
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField, short_datetime
from crm_tui.widgets.interaction_table import type_parts

register(
    {
        "ui.template_form.title_new": ("New task template", "Nueva tarea preconfigurada"),
        "ui.template_form.title_edit": ("Task template", "Tarea preconfigurada"),
        "ui.template_form.name": ("Name", "Nombre"),
        "ui.template_form.type": ("Type", "Tipo"),
        "ui.template_form.priority": ("Priority", "Prioridad"),
        "ui.template_form.due": ("Due", "Vence"),
        "ui.template_form.description": ("Description", "Descripción"),
        "ui.template_form.choose_type": ("choose a type", "elija un tipo"),
        "ui.template_form.due_placeholder": (
            "+2d, +4h, next monday 09:00; empty: at once",
            "+2d, +4h, lunes 09:00; vacío: en el momento",
        ),
        "ui.template_form.at_once": ("at once", "en el momento"),
        "ui.template_form.unreadable": ("“{offset}” (not a date)", "«{offset}» (no es una fecha)"),
    }
)


MINUTE = timedelta(minutes=1)


def due_when(offset: str, lang: str, now: datetime) -> str:
    """When a task made now from a template with this due offset falls
    due: "in 2 days" for an offset from the moment it is made (`+2d`,
    `tomorrow`), "Mon 30 Nov 09:00" for one that names a time of day
    (`next monday 09:00`), "at once" for none."""
    if not offset.strip():
        return t("ui.template_form.at_once", lang)
    try:
        due = parse_offset(offset, now)
        # Relative to the moment it is made if a minute later moves it too.
        relative = parse_offset(offset, now.replace(second=0, microsecond=0) + MINUTE) != due
    except ValidationError:
        return t("ui.template_form.unreadable", lang, offset=offset)
    return relative_phrase(due, lang, now) if relative else short_datetime(due, lang, now)


class TemplateForm(SettingsForm[TemplateRecord]):
    """A new template (`template` None) or one to edit; `types` are the
    active types it may propose."""

    DEFAULT_CSS = """
    TemplateForm #template_description {
        height: 4;
    }
    TemplateForm #template_due {
        width: 30;
    }
    """

    def __init__(
        self, actor: UserRecord, types: list[TypeRecord], template: TemplateRecord | None = None
    ) -> None:
        key = "ui.template_form.title_new" if template is None else "ui.template_form.title_edit"
        super().__init__(t(key))
        self.actor = actor
        self.types = types
        self.template = template

    def fields(self) -> Iterator[FormField]:
        lang = language()
        template = self.template
        types = self.types
        if template is not None and all(kind.id != template.type.id for kind in types):
            types = [*types, template.type]  # inactive now: shown, and refused on saving
        type_options = []
        for kind in types:
            label, colour = type_parts(kind, lang)
            type_options.append((safe.cell(label, colour), kind.code))
        yield FormField(
            t("ui.template_form.name"),
            Input(template.name if template else "", compact=True, id="template_name"),
        )
        type_choice: Select[str] = Select(
            type_options,
            prompt=t("ui.template_form.choose_type"),
            value=template.type.code if template else Select.NULL,
            compact=True,
            id="template_type",
        )
        yield FormField(t("ui.template_form.type"), type_choice)
        priority: Select[str] = Select(
            [(safe.plain_line(PRIORITY.label(code, lang)), code) for code in PRIORITY.codes],
            value=template.default_priority if template else "normal",
            allow_blank=False,
            compact=True,
            id="template_priority",
        )
        yield FormField(t("ui.template_form.priority"), priority)
        yield FormField(
            t("ui.template_form.due"),
            Input(
                template.due_offset if template else "",
                placeholder=t("ui.template_form.due_placeholder"),
                compact=True,
                id="template_due",
            ),
            aside=Label(id="template-due-hint"),
        )
        yield FormField(
            t("ui.template_form.description"),
            TextArea(
                template.description if template else "",
                soft_wrap=True,
                compact=True,
                id="template_description",
            ),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.value_changed("template_due", self.values())

    def value_changed(self, name: str, values: FormValues) -> None:
        if name == "template_due":
            hint = due_when(values["template_due"], language(), clock.now())
            self.query_one("#template-due-hint", Label).update(safe.plain_line(f"→ {hint}"))

    def save_call(self, values: FormValues) -> Callable[[], TemplateRecord]:
        data = TemplateInput(
            name=values["template_name"],
            type=values["template_type"],
            priority=values["template_priority"],
            due_offset=values["template_due"],
            description=values["template_description"],
        )
        if self.template is None:
            return partial(create_template, data, actor=self.actor)
        return partial(update_template, self.template.id, data, actor=self.actor)
