"""Settings › Activities by stage: each opportunity stage and whether an
opportunity in it shows its activities (its interactions and upcoming
events) on its timeline. Space switches the stage under the cursor (needs
manage-settings). With none chosen every stage shows them, which is how a
new database starts; so the last stage that shows them stays on, and
hiding the activities from a role altogether is a permission
(see-activities-opportunity-tab, Settings › Permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from crm_tui.i18n import register, t
from crm_tui.screens.settings import SettingsListScreen
from crm_tui.services.activities_tab import (
    activities_stages,
    set_activities_stages,
    shows_activities,
)
from crm_tui.services.contacts import STAGE
from crm_tui.widgets import safe
from crm_tui.widgets.paged_table import Column

register(
    {
        "ui.activities_settings.heading": (
            "Settings › Activities by stage",
            "Ajustes › Actividades por etapa",
        ),
        "ui.activities_settings.column.stage": ("Stage", "Etapa"),
        "ui.activities_settings.column.activities": ("Activities", "Actividades"),
        "ui.activities_settings.shown": ("shown", "se muestran"),
        "ui.activities_settings.hidden": ("hidden", "ocultas"),
        "ui.activities_settings.key.toggle": ("Show / hide", "Mostrar / ocultar"),
        "ui.activities_settings.keep_one": (
            "At least one stage shows the activities. To hide them from a role, take "
            "away 'see-activities-opportunity-tab' in Settings › Permissions.",
            "Al menos una etapa muestra las actividades. Para ocultárselas a un rol, "
            "quítele 'see-activities-opportunity-tab' en Ajustes › Permisos.",
        ),
    }
)


@dataclass(frozen=True)
class StageRow:
    id: int  # the stage's place in the order: the table's key
    code: str
    shown: bool


def stage_rows(stages: frozenset[str]) -> list[StageRow]:
    return [
        StageRow(number, code, shows_activities(code, stages))
        for number, code in enumerate(STAGE.codes)
    ]


def stage_cell(row: StageRow, lang: str, now: datetime) -> Text:
    return safe.cell(STAGE.label(row.code, lang), "" if row.shown else "dim")


def shown_cell(row: StageRow, lang: str, now: datetime) -> Text:
    if row.shown:
        return safe.cell(t("ui.activities_settings.shown", lang))
    return safe.cell(t("ui.activities_settings.hidden", lang), "dim italic")


STAGE_COLUMNS = (
    Column[StageRow]("stage", "ui.activities_settings.column.stage", stage_cell, max_width=24),
    Column[StageRow](
        "activities", "ui.activities_settings.column.activities", shown_cell, max_width=14
    ),
)


def switched(rows: list[StageRow], code: str) -> frozenset[str] | None:
    """The stages that show the activities once `code` is switched; None
    when that would leave none (which would mean every stage)."""
    wanted = {row.code for row in rows if row.shown} ^ {code}
    return frozenset(wanted) if wanted else None


class ActivitiesSettingsScreen(SettingsListScreen[StageRow]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Here space shows or hides, rather than (de)activating a record.
        Binding(
            "space", "toggle_active", "ui.activities_settings.key.toggle", id="settings_toggle"
        ),
    ]

    heading = "ui.activities_settings.heading"
    change_actions: ClassVar[frozenset[str]] = frozenset({"toggle_active"})

    def __init__(self) -> None:
        super().__init__(STAGE_COLUMNS)

    def fetch(self) -> list[StageRow]:
        return stage_rows(activities_stages())

    def action_toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        wanted = switched(self.table.loaded_records(), row.code)
        if wanted is None:
            safe.notify(self.app, t("ui.activities_settings.keep_one"), severity="warning")
            return
        self.change(partial(set_activities_stages, wanted, actor=self.actor))
