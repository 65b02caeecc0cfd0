"""Creating an interaction starts here: log one, schedule a future event
(which may repeat), or start from a preconfigured task template (its
type, priority and due date filled in). Each way the form opens, and what
it saves is this screen's result."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.interaction_form import InteractionFormScreen
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.templates import TemplateRecord, draft_from_template, list_templates
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.new.title": ("New interaction", "Nueva interacción"),
        "ui.new.log": ("Log an interaction", "Registrar una interacción"),
        "ui.new.event": ("Schedule an event", "Programar un evento"),
        "ui.new.loading": ("Loading task templates…", "Cargando plantillas de tareas…"),
        "ui.new.template": ("{name} · {type} · due {due}", "{name} · {type} · vence {due}"),
    }
)

LOG_OPTION = "log"
EVENT_OPTION = "event"


def template_text(template: TemplateRecord, lang: str) -> str:
    """`Primera llamada al cliente · ☎ Call · due in 1 hour`; a due offset
    that names a time of day reads as the instant: `due Mon 30 Nov 09:00`."""
    from crm_tui.screens.template_form import due_when

    kind = f"{template.type.glyph} {template.type.label(lang)}"
    due = due_when(template.due_offset, lang, clock.now())
    return t("ui.new.template", lang, name=template.name, type=kind, due=due)


class NewInteractionScreen(DialogScreen[InteractionRecord | None]):
    """Choose how to create an interaction of `contact` (and `opportunity`);
    dismissed with the saved record, or None."""

    DEFAULT_CSS = """
    NewInteractionScreen #new-interaction {
        max-width: 90;
    }
    NewInteractionScreen #new-choices {
        height: auto;
        max-height: 20;
        border: none;
        padding: 0;
    }
    NewInteractionScreen #new-status {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "ui.key.close", id="close"),
        Binding("j", "move('down')", "ui.key.down", show=False, id="down_j"),
        Binding("k", "move('up')", "ui.key.up", show=False, id="up_k"),
    ]

    def __init__(self, actor: UserRecord, *, contact: str, opportunity: str | None) -> None:
        super().__init__()
        localise_bindings(self)
        self.actor = actor
        self.contact = contact
        self.opportunity = opportunity
        self.templates: dict[str, TemplateRecord] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="new-interaction", classes="dialog-frame") as frame:
            frame.border_title = t("ui.new.title")
            yield OptionList(
                Option(safe.plain_line(t("ui.new.log")), id=LOG_OPTION),
                Option(safe.plain_line(t("ui.new.event")), id=EVENT_OPTION),
                id="new-choices",
            )
            yield Label(t("ui.new.loading"), id="new-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        run_db(
            self,
            partial(list_templates, active_only=True),
            done=self._show_templates,
            failed=self._templates_failed,
            group="new-templates",
        )

    def _show_templates(self, templates: list[TemplateRecord]) -> None:
        self.query_one("#new-status", Label).display = False
        lang = language()
        self.templates = {f"template-{template.id}": template for template in templates}
        self.query_one(OptionList).add_options(
            Option(safe.plain_line(template_text(template, lang)), id=key)
            for key, template in self.templates.items()
        )

    def _templates_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        # Logging an interaction still works without the templates.
        self.query_one("#new-status", Label).display = False
        safe.notify(self.app, reason, severity="error")

    def action_move(self, direction: str) -> None:
        choices = self.query_one(OptionList)
        if direction == "down":
            choices.action_cursor_down()
        else:
            choices.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == EVENT_OPTION:
            form = InteractionFormScreen.for_event(
                self.actor, contact=self.contact, opportunity=self.opportunity
            )
            self.app.push_screen(form, callback=self._finish)
            return
        template = self.templates.get(event.option_id or "")
        if template is None:
            self._open_form(None)
            return
        run_db(
            self,
            partial(
                draft_from_template,
                template,
                contact=self.contact,
                opportunity=self.opportunity,
                created_by=self.actor.username,
            ),
            done=self._open_form,
            group="new-draft",
        )

    def _open_form(self, draft: InteractionDraft | None) -> None:
        form = InteractionFormScreen.for_new(
            self.actor, contact=self.contact, opportunity=self.opportunity, draft=draft
        )
        self.app.push_screen(form, callback=self._finish)

    def _finish(self, record: InteractionRecord | None) -> None:
        self.dismiss(record)
