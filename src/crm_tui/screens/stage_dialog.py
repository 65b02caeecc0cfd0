"""Move an opportunity to another stage (etapa): a stage from the list and
a sub-stage as free text. Saving records the change, old → new, in the
opportunity's history and fires the stage rules, in one transaction; a
refusal shows under its field and keeps what was chosen."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.services.contacts import STAGE, change_stage
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.records import OpportunityRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from crm_tui.app import CrmApp
    from crm_tui.screens.base import CrmScreen

register(
    {
        "ui.stage.title": ("Stage of {code}", "Etapa de {code}"),
        "ui.stage.stage": ("Stage", "Etapa"),
        "ui.stage.sub_stage": ("Sub-stage", "Subetapa"),
        "ui.stage.save": ("Save", "Guardar"),
        "ui.stage.cancel": ("Cancel", "Cancelar"),
        "ui.stage.key.save": ("Save", "Guardar"),
        "ui.stage.key.cancel": ("Cancel", "Cancelar"),
        "ui.stage.saved": ("Stage changed", "Etapa cambiada"),
    }
)


class StageDialog(DialogScreen[OpportunityRecord | None]):
    """Dismissed with the opportunity as saved, or None when cancelled."""

    DEFAULT_CSS = """
    StageDialog #stage-dialog {
        max-width: 64;
        /* Taller than the screen, it scrolls with the screen: the buttons stay in reach. */
        max-height: initial;
    }
    StageDialog #stage-message {
        color: $error;
    }
    StageDialog #stage-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    StageDialog #stage-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "ui.stage.key.save", priority=True, id="stage_save"),
        Binding("escape", "cancel", "ui.stage.key.cancel", id="stage_cancel"),
    ]

    AUTO_FOCUS = "#stage"

    def __init__(self, opportunity: OpportunityRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.opportunity = opportunity
        self.saving = False

    def compose(self) -> ComposeResult:
        lang = language()
        options = [(term.label(lang), term.code) for term in STAGE.terms]
        current = self.opportunity.stage if self.opportunity.stage in STAGE else Select.NULL
        with Vertical(id="stage-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(t("ui.stage.title", code=self.opportunity.code))
            yield FormField(
                t("ui.stage.stage"), Select(options, value=current, id="stage", compact=True)
            )
            yield FormField(
                t("ui.stage.sub_stage"),
                Input(self.opportunity.sub_stage, id="sub_stage", compact=True),
            )
            yield Label(id="stage-message")
            with Horizontal(id="stage-buttons"):
                yield Button(
                    safe.plain_line(t("ui.stage.save")),
                    variant="primary",
                    compact=True,
                    id="stage-ok",
                )
                yield Button(safe.plain_line(t("ui.stage.cancel")), compact=True, id="stage-no")
        yield KeyFooter()

    @on(Input.Submitted, "#sub_stage")
    @on(Button.Pressed, "#stage-ok")
    def action_save(self) -> None:
        if self.saving:
            return
        chosen = self.query_one("#stage", Select).value
        stage = "" if chosen is Select.NULL else str(chosen)
        sub_stage = self.query_one("#sub_stage", Input).value
        actor = cast("CrmApp", self.app).actor
        assert actor is not None, "the database is not open yet"
        self.saving = True
        run_db(
            self,
            partial(change_stage, self.opportunity.code, stage, sub_stage, actor=actor),
            done=self.dismiss,
            failed=self._refused,
            group="stage-change",
        )

    def _refused(self, error: CrmError | DatabaseError, reason: str) -> None:
        self.saving = False
        if isinstance(error, ValidationError):
            for field_id in ("stage", "sub_stage"):
                self.query_one(f"#{field_id}-field", FormField).show_errors(
                    error.for_field(field_id)
                )
            reason = "; ".join(
                e.message() for e in error.errors if e.field not in ("stage", "sub_stage")
            )
        self.query_one("#stage-message", Label).update(safe.plain(reason))

    @on(Button.Pressed, "#stage-no")
    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)


def open_stage_dialog(screen: CrmScreen[Any], opportunity: OpportunityRecord) -> None:
    """Open the dialog on `opportunity`; once saved, every screen shows the
    new stage."""

    def closed(result: OpportunityRecord | None) -> None:
        if result is None:
            return
        screen.crm.data_changed()
        safe.notify(screen.app, t("ui.stage.saved"))
        screen.refresh_if_stale()

    screen.app.push_screen(StageDialog(opportunity), closed)
