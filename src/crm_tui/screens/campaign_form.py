"""The form a supervisor schedules a call campaign with: a name, the type
of the calls, which contacts (a contact search and owner, or the contacts
of the list it was opened from), the agents or the shared pool, the first
slot, the slot length, calls per day and working hours.

While it is filled in, a line under the fields says what the plan would
schedule ("1234 contacts → 1234 calls, last on Fri 4 Dec 17:30"), read by
the service itself without writing anything, so the numbers shown are the
numbers scheduled. Scheduling runs in a worker; each problem shows under
its field, everything typed is kept, and a summary follows the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.services.campaigns import (
    DEFAULT_HOURS,
    DEFAULT_SLOT_MINUTES,
    CampaignPlan,
    CampaignPreview,
    CampaignRecord,
    ContactSearch,
    preview_campaign,
    schedule_campaign,
)
from crm_tui.services.errors import CrmError, FieldError, ValidationError
from crm_tui.services.permissions import SCHEDULE_CAMPAIGN, require
from crm_tui.services.records import InteractionFilter, TypeRecord, UserRecord
from crm_tui.services.types import list_types
from crm_tui.services.users import list_users
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.form_field import (
    FormField,
    date_hint,
    short_datetime,
    show_problems,
    show_validation,
)
from crm_tui.widgets.interaction_table import type_parts
from crm_tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from crm_tui.app import CrmApp

register(
    {
        "ui.campaign_form.title": ("New call campaign", "Nueva campaña de llamadas"),
        "ui.campaign_form.key.schedule": ("Schedule", "Programar"),
        "ui.campaign_form.key.cancel": ("Cancel", "Cancelar"),
        "ui.campaign_form.loading": ("Loading…", "Cargando…"),
        "ui.campaign_form.label.name": ("Name", "Nombre"),
        "ui.campaign_form.label.type": ("Type", "Tipo"),
        "ui.campaign_form.label.contacts": ("Contacts", "Clientes"),
        "ui.campaign_form.label.owner": ("Owner", "Comercial"),
        "ui.campaign_form.label.agents": ("Agents", "Agentes"),
        "ui.campaign_form.label.pool": ("Or", "O bien"),
        "ui.campaign_form.label.start": ("Start", "Inicio"),
        "ui.campaign_form.label.slot": ("Slot minutes", "Minutos/franja"),
        "ui.campaign_form.label.per_day": ("Per day", "Por día"),
        "ui.campaign_form.label.hours": ("Hours", "Horario"),
        "ui.campaign_form.contacts_placeholder": (
            "search code, name, company or phone; empty: every contact",
            "buscar código, nombre, empresa o teléfono; vacío: todos",
        ),
        "ui.campaign_form.any_owner": ("any owner", "cualquier comercial"),
        "ui.campaign_form.pool": ("the shared pool, unassigned", "la bolsa común, sin asignar"),
        "ui.campaign_form.per_day_placeholder": ("empty: no limit", "vacío: sin límite"),
        "ui.campaign_form.hours_hint": ("Monday to Friday", "de lunes a viernes"),
        "ui.campaign_form.default_start": ("tomorrow 09:00", "mañana 09:00"),
        "ui.campaign_form.from_list": (
            "the contacts of the current filtered list",
            "los clientes de la lista filtrada actual",
        ),
        "ui.campaign_form.from_search": (
            "the contacts matching “{text}”",
            "los clientes que coinciden con «{text}»",
        ),
        "ui.campaign_form.every_contact": ("every contact", "todos los clientes"),
        "ui.campaign_form.counting": ("Counting…", "Contando…"),
        "ui.campaign_form.preview": (
            "{contacts} contacts → {calls} calls, last on {last}",
            "{contacts} clientes → {calls} llamadas, la última el {last}",
        ),
        "ui.campaign_form.not_whole": (
            "write a whole number, such as {example}",
            "escriba un número entero, como {example}",
        ),
        "ui.campaign_form.done": (
            "Campaign {name}: {calls} calls scheduled, the last on {last}",
            "Campaña {name}: {calls} llamadas programadas, la última el {last}",
        ),
    }
)

# Typing pauses this long before the count is asked for.
PREVIEW_DEBOUNCE_SECONDS = 0.3
DEFAULT_TYPE = "call"


@dataclass(frozen=True)
class CampaignChoices:
    types: list[TypeRecord]  # the active ones
    users: list[UserRecord]  # the active ones


def load_choices() -> CampaignChoices:
    """(Queries: call it from a worker.)"""
    return CampaignChoices(list_types(active_only=True), list_users(active_only=True))


def open_campaign_form(
    node: DOMNode,
    actor: UserRecord,
    *,
    selection: InteractionFilter | None = None,
    contact_search: ContactSearch | None = None,
) -> None:
    """Open the form for `actor`, or say (and log) that their role may not
    schedule campaigns: the role as the database has it now."""

    def open_form(_allowed: None) -> None:
        node.app.push_screen(
            CampaignFormScreen(actor, selection=selection, contact_search=contact_search)
        )

    def refused(_error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(node.app, reason, severity="warning")

    check = partial(
        require, actor, SCHEDULE_CAMPAIGN, attempted=t("permission.action.schedule-campaign", "en")
    )
    run_db(node, check, done=open_form, failed=refused, group="campaign-permission")


def whole_number(text: str) -> int | None:
    """`text` as a whole number; None when it is not one."""
    try:
        return int(text.strip())
    except ValueError:
        return None


class CampaignFormScreen(DialogScreen[CampaignRecord | None]):
    """Dismissed with the scheduled campaign, or None when cancelled. The
    contacts are `selection` (the interactions list's filter) or
    `contact_search` (the contacts list's) when the form was opened from a
    list; otherwise the form asks for a contact search and an owner."""

    DEFAULT_CSS = """
    CampaignFormScreen #campaign-frame {
        max-width: 100;
        height: 1fr;
        max-height: 30;
        background: $panel;
        margin: 0;
    }
    CampaignFormScreen #campaign-fields {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    CampaignFormScreen SelectionList#agents {
        height: auto;
        max-height: 5;
    }
    CampaignFormScreen Input.short-input {
        width: 16;
    }
    CampaignFormScreen Input.date-input {
        width: 26;
    }
    CampaignFormScreen #campaign-preview {
        height: auto;
        text-style: bold;
    }
    CampaignFormScreen #campaign-loading.-failed, CampaignFormScreen #form-problem {
        color: $error;
        text-style: bold;
    }
    CampaignFormScreen #form-problem {
        display: none;
        height: auto;
    }
    CampaignFormScreen #form-problem.-shown {
        display: block;
    }
    CampaignFormScreen #campaign-buttons {
        height: 1;
        align-horizontal: right;
    }
    CampaignFormScreen #campaign-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # F2 first: ctrl+s never reaches some terminals (XON/XOFF).
        Binding(
            "f2", "schedule", "ui.campaign_form.key.schedule", priority=True, id="campaign_save_f2"
        ),
        Binding(
            "ctrl+s", "schedule", "ui.campaign_form.key.schedule", priority=True, id="campaign_save"
        ),
        Binding("escape", "cancel", "ui.campaign_form.key.cancel", id="campaign_cancel"),
    ]

    def __init__(
        self,
        actor: UserRecord,
        *,
        selection: InteractionFilter | None = None,
        contact_search: ContactSearch | None = None,
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.actor = actor
        self.selection = selection
        self.contact_search = contact_search
        self.choices: CampaignChoices | None = None
        self.preview: CampaignPreview | None = None
        self._preview_timer: Timer | None = None
        self._scheduling = False

    @property
    def from_list(self) -> bool:
        return self.selection is not None or self.contact_search is not None

    # --- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="campaign-frame", classes="dialog-frame") as frame:
            frame.border_title = t("ui.campaign_form.title")
            if self.choices is None:
                yield Label(t("ui.campaign_form.loading"), id="campaign-loading")
            else:
                with VerticalScroll(id="campaign-fields"):
                    yield from self._fields(self.choices)
                yield Label(t("ui.campaign_form.counting"), id="campaign-preview")
                yield Label(id="form-problem")
                with Horizontal(id="campaign-buttons"):
                    yield Button(
                        t("ui.campaign_form.key.schedule"),
                        variant="primary",
                        compact=True,
                        id="campaign-save",
                    )
                    yield Button(
                        t("ui.campaign_form.key.cancel"), compact=True, id="campaign-cancel"
                    )
        yield KeyFooter()

    def on_mount(self) -> None:
        run_db(
            self,
            load_choices,
            done=self._choices_loaded,
            failed=self._choices_failed,
            group="campaign-choices",
        )

    def _choices_loaded(self, choices: CampaignChoices) -> None:
        self.choices = choices
        self.call_next(self._show_fields)

    async def _show_fields(self) -> None:
        await self.recompose()
        self.query_one("#name").focus()
        self._preview_now()

    def _choices_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        loading = self.query_one("#campaign-loading", Label)
        loading.update(safe.plain(reason))
        loading.add_class("-failed")

    def _selection_text(self) -> str:
        if self.selection is not None:
            return t("ui.campaign_form.from_list")
        if self.contact_search is not None and self.contact_search.text.strip():
            return t("ui.campaign_form.from_search", text=self.contact_search.text.strip())
        return t("ui.campaign_form.every_contact")

    def _fields(self, choices: CampaignChoices) -> ComposeResult:
        lang = language()

        def label(name: str) -> str:
            return t(f"ui.campaign_form.label.{name}")

        def text(name: str, value: str = "", placeholder: str = "", classes: str = "") -> FormField:
            control = Input(value, placeholder=placeholder, compact=True, id=name, classes=classes)
            return FormField(label(name), control)

        yield text("name")
        type_options = []
        for kind in choices.types:
            glyph_and_label, colour = type_parts(kind, lang)
            type_options.append((safe.cell(glyph_and_label, colour), kind.code))
        default_type = DEFAULT_TYPE if any(k.code == DEFAULT_TYPE for k in choices.types) else None
        yield FormField(
            label("type"),
            Select(
                type_options,
                allow_blank=default_type is None,
                value=default_type or Select.NULL,
                compact=True,
                id="type",
            ),
        )
        if self.from_list:
            yield FormField(
                label("contacts"), Static(safe.plain_line(self._selection_text()), id="contacts")
            )
        else:
            yield text("contacts", placeholder=t("ui.campaign_form.contacts_placeholder"))
            owners = [
                (safe.cell(f"{user.display_name} ({user.username})"), user.username)
                for user in choices.users
            ]
            yield FormField(
                label("owner"),
                Select(owners, prompt=t("ui.campaign_form.any_owner"), compact=True, id="owner"),
            )
        yield FormField(
            label("agents"),
            SelectionList[str](
                *(
                    Selection(
                        safe.plain_line(f"{user.display_name} ({user.username})"), user.username
                    )
                    for user in choices.users
                ),
                compact=True,
                id="agents",
            ),
        )
        yield FormField(
            label("pool"),
            Checkbox(safe.plain_line(t("ui.campaign_form.pool")), compact=True, id="pool"),
        )
        start = t("ui.campaign_form.default_start")
        yield FormField(
            label("start"),
            Input(start, compact=True, id="start", classes="date-input"),
            aside=Label(safe.plain_line(date_hint(start, lang, clock.now())), id="start-hint"),
        )
        yield text("slot", str(DEFAULT_SLOT_MINUTES), classes="short-input")
        yield text(
            "per_day", placeholder=t("ui.campaign_form.per_day_placeholder"), classes="short-input"
        )
        yield FormField(
            label("hours"),
            Input(DEFAULT_HOURS, compact=True, id="hours", classes="short-input"),
            aside=Label(safe.plain_line(t("ui.campaign_form.hours_hint"))),
        )

    # --- reading ----------------------------------------------------------------------------

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def _plan(self) -> tuple[CampaignPlan | None, list[FieldError]]:
        """The plan the fields describe, or what the form itself can tell
        is wrong (numbers that are not numbers)."""
        problems: list[FieldError] = []
        slot = whole_number(self._value("slot"))
        if slot is None:
            problems.append(FieldError("slot", "ui.campaign_form.not_whole", {"example": 15}))
        per_day_text = self._value("per_day").strip()
        per_day = whole_number(per_day_text) if per_day_text else None
        if per_day_text and per_day is None:
            problems.append(FieldError("per_day", "ui.campaign_form.not_whole", {"example": 40}))
        if problems or slot is None:
            return None, problems
        pool = self.query_one("#pool", Checkbox).value
        agents = () if pool else tuple(self.query_one("#agents", SelectionList).selected)
        return (
            CampaignPlan(
                name=self._value("name"),
                type=str(self.query_one("#type", Select).selection or ""),
                start=self._value("start"),
                selection=self.selection,
                contact_search=self._contact_search(),
                agents=agents,
                pool=pool,
                slot_minutes=slot,
                per_day=per_day,
                hours=self._value("hours"),
            ),
            [],
        )

    def _contact_search(self) -> ContactSearch | None:
        if self.selection is not None:
            return None
        if self.contact_search is not None:
            return self.contact_search
        owner = self.query_one("#owner", Select).selection
        return ContactSearch(self._value("contacts"), str(owner) if owner else None)

    # --- the live count ---------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _edited(self, event: Any) -> None:
        """A field being corrected loses its message; the start shows what
        it means; the count follows after a pause."""
        control: Widget = event.control
        field = next((node for node in control.ancestors if isinstance(node, FormField)), None)
        if field is not None and field.has_error:
            field.show_errors([])
        if isinstance(control, Input) and control.id == "start":
            hint = self.query_one("#start-hint", Label)
            hint.update(safe.plain_line(date_hint(control.value, language(), clock.now())))
        if isinstance(control, Checkbox) and control.id == "pool":
            self.query_one("#agents", SelectionList).disabled = control.value
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DEBOUNCE_SECONDS, self._preview_now)

    def _preview_now(self) -> None:
        self._preview_timer = None
        plan, problems = self._plan()
        if plan is None:
            self._show_preview(problems[0].message())
            return
        self.preview = None
        self._show_preview(t("ui.campaign_form.counting"))
        run_db(
            self,
            partial(preview_campaign, plan),
            done=self._previewed,
            failed=lambda _error, reason: self._show_preview(reason),
            group="campaign-preview",
        )

    def _previewed(self, preview: CampaignPreview) -> None:
        self.preview = preview
        lang = language()
        last = short_datetime(preview.last, lang, clock.now()) if preview.last else "-"
        self._show_preview(
            t(
                "ui.campaign_form.preview",
                contacts=format_count(preview.contacts, lang),
                calls=format_count(preview.calls, lang),
                last=last,
            )
        )

    def _show_preview(self, text: str) -> None:
        self.query_one("#campaign-preview", Label).update(safe.plain_line(text))

    @on(Input.Submitted)
    def _next_field(self) -> None:
        """Enter in a one-line field moves on, as in a paper form."""
        self.focus_next()

    # --- scheduling -------------------------------------------------------------------------

    @on(Button.Pressed, "#campaign-save")
    def action_schedule(self) -> None:
        if self.choices is None or self._scheduling:
            return
        show_problems(self, [])
        plan, problems = self._plan()
        if plan is None:
            show_validation(self, ValidationError(problems))
            return
        self._set_scheduling(True)
        run_db(
            self,
            partial(schedule_campaign, plan, actor=self.actor),
            done=self._scheduled,
            failed=self._schedule_failed,
            group="campaign-save",
        )

    def _set_scheduling(self, scheduling: bool) -> None:
        self._scheduling = scheduling
        self.query_one("#campaign-save", Button).disabled = scheduling

    def _scheduled(self, campaign: CampaignRecord) -> None:
        cast("CrmApp", self.app).data_changed()
        lang = language()
        last = short_datetime(campaign.last, lang, clock.now()) if campaign.last else "-"
        summary = t(
            "ui.campaign_form.done",
            name=campaign.name,
            calls=format_count(campaign.total, lang),
            last=last,
        )
        safe.notify(self.app, summary, timeout=10)
        self.dismiss(campaign)

    def _schedule_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self._set_scheduling(False)
        if isinstance(error, ValidationError):
            show_validation(self, error)
        else:
            show_problems(self, [reason])

    @on(Button.Pressed, "#campaign-cancel")
    def action_cancel(self) -> None:
        if not self._scheduling:  # under way, its answer decides what happens
            self.dismiss(None)
