"""The form of one automatic rule: its name, what starts it (trigger) and
what it does (action). Choosing a trigger or an action shows only the
fields that one needs; each control's id is the service's field id, so a
refusal puts each message under its field and keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.widgets import Input, Select

from crm_tui.formatting import stage_label
from crm_tui.i18n import language, register, t
from crm_tui.screens.settings import FormValues, SettingsForm
from crm_tui.services.contacts import STAGE_CODES
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.services.rules import (
    ACTION_KINDS,
    ASSIGNEES,
    RECIPIENTS,
    TRIGGER_KINDS,
    CallOutcome,
    CreateInteraction,
    NoContact,
    Notify,
    RuleRecord,
    StageChange,
    StatusChange,
    save_rule,
)
from crm_tui.services.vocab import OUTCOME, PRIORITY, STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField

register(
    {
        "ui.rule_form.title_new": ("New automatic rule", "Nueva regla automática"),
        "ui.rule_form.title_edit": ("Edit the rule", "Editar la regla"),
        "ui.rule_form.name": ("Name", "Nombre"),
        "ui.rule_form.trigger": ("When", "Cuando"),
        "ui.rule_form.outcomes": ("Outcomes", "Resultados"),
        "ui.rule_form.outcomes_placeholder": ("no answer, busy", "sin respuesta, ocupado"),
        "ui.rule_form.trigger_type": ("Of type", "Del tipo"),
        "ui.rule_form.any_type": ("any type", "cualquier tipo"),
        "ui.rule_form.from_status": ("From status", "Desde estado"),
        "ui.rule_form.to_status": ("To status", "A estado"),
        "ui.rule_form.from_stage": ("From stage", "Desde etapa"),
        "ui.rule_form.to_stage": ("To stage", "A etapa"),
        "ui.rule_form.any": ("any", "cualquiera"),
        "ui.rule_form.days": ("Days", "Días"),
        "ui.rule_form.action": ("Then", "Entonces"),
        "ui.rule_form.type": ("Create a", "Crear"),
        "ui.rule_form.assignee": ("For", "Para"),
        "ui.rule_form.user": ("User", "Usuario"),
        "ui.rule_form.user_placeholder": ("user name", "nombre de usuario"),
        "ui.rule_form.due_offset": ("Due", "Vence"),
        "ui.rule_form.due_placeholder": ("+2h, +1d, next monday 09:00", "+2h, +1d, lunes 09:00"),
        "ui.rule_form.working_hours": ("Work hours", "Horario"),
        "ui.rule_form.priority": ("Priority", "Prioridad"),
        "ui.rule_form.subject": ("Subject", "Asunto"),
        "ui.rule_form.subject_placeholder": (
            "empty: the rule's name",
            "vacío: el nombre de la regla",
        ),
        "ui.rule_form.to": ("Notify", "Avisar a"),
        "ui.rule_form.text": ("Text", "Texto"),
        "ui.rule_form.text_placeholder": ("empty: what happened", "vacío: lo que ocurrió"),
        "ui.rule_form.choose_type": ("choose a type", "elija un tipo"),
        "ui.rule_form.trigger.call_outcome": (
            "a call ends with an outcome",
            "una llamada termina con un resultado",
        ),
        "ui.rule_form.trigger.status_change": (
            "an interaction changes status",
            "una interacción cambia de estado",
        ),
        "ui.rule_form.trigger.stage_change": (
            "an opportunity changes stage",
            "una oportunidad cambia de etapa",
        ),
        "ui.rule_form.trigger.no_contact": (
            "a contact has no contact for N days",
            "un cliente lleva N días sin contacto",
        ),
        "ui.rule_form.trigger.overdue": (
            "a scheduled event is overdue",
            "un evento programado ha vencido",
        ),
        "ui.rule_form.action.create_interaction": (
            "create an interaction",
            "crear una interacción",
        ),
        "ui.rule_form.action.notify": ("notify someone", "avisar a alguien"),
        "ui.rule_form.assignee.same": ("the same user", "el mismo usuario"),
        "ui.rule_form.assignee.owner": ("the owner", "el propietario"),
        "ui.rule_form.assignee.user": ("a named user", "un usuario concreto"),
        "ui.rule_form.to.assignee": ("the assignee", "el responsable"),
        "ui.rule_form.to.owner": ("the owner", "el propietario"),
        "ui.rule_form.to.user": ("a named user", "un usuario concreto"),
        "ui.rule_form.yes": ("move into working hours", "mover al horario laboral"),
        "ui.rule_form.no": ("any time", "a cualquier hora"),
    }
)

# The fields each trigger kind and action kind shows (besides the name and
# the two kind choices, always shown).
TRIGGER_FIELDS = {
    "call_outcome": ("outcomes", "trigger_type"),
    "status_change": ("from_status", "to_status", "trigger_type"),
    "stage_change": ("from_stage", "to_stage"),
    "no_contact": ("days",),
    "overdue": (),
}
ACTION_FIELDS = {
    "create_interaction": (
        "type",
        "assignee",
        "due_offset",
        "working_hours",
        "priority",
        "subject",
    ),
    "notify": ("to", "text"),
}
OPTIONAL_FIELDS = {
    "user": ("assignee", "user"),  # shown when `assignee` is "user"
    "notify_user": ("to", "user"),
}


def shown_fields(values: FormValues) -> set[str]:
    """The ids of the fields these values call for."""
    shown = {"name", "trigger", "action"}
    shown.update(TRIGGER_FIELDS.get(values.get("trigger", ""), ()))
    shown.update(ACTION_FIELDS.get(values.get("action", ""), ()))
    for field_id, (chooser, choice) in OPTIONAL_FIELDS.items():
        if chooser in shown and values.get(chooser) == choice:
            shown.add(field_id)
    return shown


def rule_json(values: FormValues) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values as the trigger and action the service reads."""
    trigger = {
        "on": values.get("trigger", ""),
        "outcomes": values.get("outcomes", ""),
        "type": values.get("trigger_type", ""),
        "days": values.get("days", ""),
    }
    if trigger["on"] == "status_change":
        trigger.update(to=values.get("to_status", ""), **{"from": values.get("from_status", "")})
    elif trigger["on"] == "stage_change":
        trigger.update(to=values.get("to_stage", ""), **{"from": values.get("from_stage", "")})
    action: dict[str, Any]
    if values.get("action") == "notify":
        action = {
            "do": "notify",
            "to": values.get("to", ""),
            "user": values.get("notify_user", ""),
            "text": values.get("text", ""),
        }
    else:
        action = {
            "do": values.get("action", ""),
            "type": values.get("type", ""),
            "assignee": values.get("assignee", ""),
            "user": values.get("user", ""),
            "due_offset": values.get("due_offset", ""),
            "working_hours": values.get("working_hours") == "yes",
            "priority": values.get("priority", ""),
            "subject": values.get("subject", ""),
        }
    return trigger, action


def initial_values(rule: RuleRecord | None, lang: str) -> FormValues:
    """What the form starts with: the rule's values, or a new rule's."""
    values: FormValues = {
        "trigger": "call_outcome",
        "action": "create_interaction",
        "assignee": "same",
        "due_offset": "+1d",
        "working_hours": "yes",
        "priority": "normal",
        "to": "assignee",
    }
    if rule is None:
        return values
    values["name"] = rule.name
    trigger, action = rule.trigger, rule.action
    values["trigger"] = {
        CallOutcome: "call_outcome",
        StatusChange: "status_change",
        StageChange: "stage_change",
        NoContact: "no_contact",
    }.get(type(trigger), "overdue")
    if isinstance(trigger, CallOutcome):
        values["outcomes"] = ", ".join(OUTCOME.label(code, lang) for code in trigger.outcomes)
        values["trigger_type"] = trigger.type or ""
    elif isinstance(trigger, StatusChange):
        values.update(to_status=trigger.to, from_status=trigger.from_ or "")
        values["trigger_type"] = trigger.type or ""
    elif isinstance(trigger, StageChange):
        values.update(to_stage=trigger.to, from_stage=trigger.from_ or "")
    elif isinstance(trigger, NoContact):
        values["days"] = str(trigger.days)
    if isinstance(action, CreateInteraction):
        values.update(
            action="create_interaction",
            type=action.type,
            assignee=action.assignee,
            user=action.user or "",
            due_offset=action.due_offset,
            working_hours="yes" if action.working_hours else "no",
            priority=action.priority,
            subject=action.subject,
        )
    elif isinstance(action, Notify):
        values.update(
            action="notify", to=action.to, notify_user=action.user or "", text=action.text
        )
    return values


class RuleForm(SettingsForm[RuleRecord]):
    """A new rule (`rule` None) or one to edit; `types` are the active
    interaction types to choose from."""

    def __init__(
        self,
        actor: UserRecord,
        types: tuple[TypeRecord, ...],
        rule: RuleRecord | None = None,
        active: bool = True,
    ) -> None:
        title = t("ui.rule_form.title_new" if rule is None else "ui.rule_form.title_edit")
        super().__init__(title)
        self.actor = actor
        self.types = types
        self.rule = rule
        self.active = active

    def fields(self) -> Iterator[FormField]:
        lang = language()
        start = initial_values(self.rule, lang)

        def text(name: str, placeholder: str = "") -> FormField:
            control = Input(start.get(name, ""), placeholder=placeholder, compact=True, id=name)
            return FormField(t(f"ui.rule_form.{name}"), control)

        def choice(
            name: str, options: list[tuple[str, str]], blank: str | None = None
        ) -> FormField:
            value = start.get(name, "")
            known = value in {code for _label, code in options}
            control: Select[str] = Select(
                [(safe.plain_line(label), code) for label, code in options],
                prompt=blank or "",
                allow_blank=blank is not None,
                value=value if known else (Select.NULL if blank is not None else options[0][1]),
                compact=True,
                id=name,
            )
            return FormField(t(f"ui.rule_form.{name}"), control)

        type_options = [(record.label(lang), record.code) for record in self.types]
        statuses = [(term.label(lang), term.code) for term in STATUS.terms]
        stages = [(stage_label(code, lang), code) for code in STAGE_CODES]
        any_label = t("ui.rule_form.any")
        yield text("name")
        yield choice(
            "trigger", [(t(f"ui.rule_form.trigger.{kind}"), kind) for kind in TRIGGER_KINDS]
        )
        yield text("outcomes", t("ui.rule_form.outcomes_placeholder"))
        yield choice("trigger_type", type_options, t("ui.rule_form.any_type"))
        yield choice("from_status", statuses, any_label)
        yield choice("to_status", statuses)
        yield choice("from_stage", stages, any_label)
        yield choice("to_stage", stages)
        yield text("days")
        yield choice("action", [(t(f"ui.rule_form.action.{kind}"), kind) for kind in ACTION_KINDS])
        yield choice("type", type_options, t("ui.rule_form.choose_type"))
        yield choice("assignee", [(t(f"ui.rule_form.assignee.{who}"), who) for who in ASSIGNEES])
        yield text("user", t("ui.rule_form.user_placeholder"))
        yield text("due_offset", t("ui.rule_form.due_placeholder"))
        yield choice(
            "working_hours",
            [(t("ui.rule_form.yes"), "yes"), (t("ui.rule_form.no"), "no")],
        )
        yield choice("priority", [(term.label(lang), term.code) for term in PRIORITY.terms])
        yield text("subject", t("ui.rule_form.subject_placeholder"))
        yield choice("to", [(t(f"ui.rule_form.to.{who}"), who) for who in RECIPIENTS])
        notify_user = Input(
            start.get("notify_user", ""),
            placeholder=t("ui.rule_form.user_placeholder"),
            compact=True,
            id="notify_user",
        )
        yield FormField(t("ui.rule_form.user"), notify_user)
        yield text("text", t("ui.rule_form.text_placeholder"))

    def on_mount(self) -> None:
        super().on_mount()
        self.value_changed("", self.values())

    def value_changed(self, name: str, values: FormValues) -> None:
        shown = shown_fields(values)
        for field in self.query(FormField):
            field.display = (field.control.id or "") in shown

    def save_call(self, values: FormValues) -> Callable[[], RuleRecord]:
        trigger, action = rule_json(values)
        return partial(
            save_rule,
            values.get("name", ""),
            trigger,
            action,
            actor=self.actor,
            rule_id=self.rule.id if self.rule is not None else None,
            active=self.active,
        )
