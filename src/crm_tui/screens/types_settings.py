"""Settings › Interaction types: every type in the order lists and
choices show them, each previewed as lists show it (glyph and label in its
colour). A role with manage-settings adds (`n`), edits (`e`, Enter),
deactivates and reactivates (space), reorders (`K`/`J`, alt+up/down) and
deletes (`delete`) types; a type in use is deactivated, not deleted.
Others read (see `SettingsListScreen`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from crm_tui.i18n import language, register, t
from crm_tui.screens.settings import SettingsListScreen
from crm_tui.screens.type_form import TypeForm
from crm_tui.services.types import (
    TypeUsage,
    delete_type,
    move_type,
    set_type_active,
    types_with_usage,
)
from crm_tui.services.vocab import CHANNEL
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_table import type_label
from crm_tui.widgets.paged_table import Column

register(
    {
        "ui.types_settings.heading": (
            "Settings › Interaction types",
            "Ajustes › Tipos de interacción",
        ),
        "ui.types_settings.column.preview": ("Shown as", "Se ve así"),
        "ui.types_settings.column.code": ("Code", "Código"),
        "ui.types_settings.column.channel": ("Channel", "Canal"),
        "ui.types_settings.column.colour": ("Colour", "Color"),
        "ui.types_settings.column.in_use": ("In use", "En uso"),
        "ui.types_settings.column.active": ("State", "Estado"),
        "ui.types_settings.key.move_up": ("Move up", "Subir"),
        "ui.types_settings.key.move_down": ("Move down", "Bajar"),
        "ui.types_settings.delete_question": (
            "Delete the interaction type “{label}”? A type that interactions use "
            "cannot be deleted: deactivate it instead.",
            "¿Eliminar el tipo de interacción «{label}»? Un tipo que usan las interacciones "
            "no se puede eliminar: desactívelo en su lugar.",
        ),
    }
)


def _style(usage: TypeUsage) -> str:
    return "" if usage.type.active else "dim"


def preview_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    return type_label(usage.type, lang)


def code_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    return safe.cell(usage.type.code, _style(usage))


def channel_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    return safe.cell(CHANNEL.label(usage.type.channel, lang), _style(usage))


def colour_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    return safe.cell(usage.type.colour, _style(usage))


def in_use_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    return safe.cell(t("ui.yes" if usage.in_use else "ui.no", lang), _style(usage))


def active_cell(usage: TypeUsage, lang: str, now: datetime) -> Text:
    if usage.type.active:
        return safe.cell(t("ui.settings.active", lang))
    return safe.cell(t("ui.settings.inactive", lang), "dim italic")


TypeColumn = Column[TypeUsage]

TYPE_COLUMNS = (
    TypeColumn("preview", "ui.types_settings.column.preview", preview_cell, max_width=24),
    TypeColumn("code", "ui.types_settings.column.code", code_cell, max_width=16),
    TypeColumn("channel", "ui.types_settings.column.channel", channel_cell, max_width=10),
    TypeColumn("colour", "ui.types_settings.column.colour", colour_cell, max_width=14),
    TypeColumn("in_use", "ui.types_settings.column.in_use", in_use_cell, max_width=7),
    TypeColumn("active", "ui.types_settings.column.active", active_cell, max_width=9),
)


class TypesSettingsScreen(SettingsListScreen[TypeUsage]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("K,alt+up", "move(-1)", "ui.types_settings.key.move_up", id="type_move_up"),
        Binding("J,alt+down", "move(1)", "ui.types_settings.key.move_down", id="type_move_down"),
    ]

    heading = "ui.types_settings.heading"

    def __init__(self) -> None:
        super().__init__(TYPE_COLUMNS)

    def fetch(self) -> list[TypeUsage]:
        return types_with_usage()

    def action_new(self) -> None:
        self.open_form(TypeForm(self.actor))

    def action_edit(self) -> None:
        usage = self.selected()
        if usage is not None:
            self.open_form(TypeForm(self.actor, usage))

    def action_toggle_active(self) -> None:
        usage = self.selected()
        if usage is not None:
            self.change(partial(set_type_active, usage.id, not usage.type.active, actor=self.actor))

    def action_move(self, step: int) -> None:
        usage = self.selected()
        if usage is not None:
            self.change(partial(move_type, usage.id, step, actor=self.actor))

    def action_delete(self) -> None:
        usage = self.selected()
        if usage is None:
            return
        question = t("ui.types_settings.delete_question", label=usage.type.label(language()))
        self.ask_then(
            question,
            t("ui.settings.key.delete"),
            partial(self.change, partial(delete_type, usage.id, actor=self.actor)),
        )
