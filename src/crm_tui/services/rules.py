"""Automatic rules (actividades automáticas): when something happens, the
program creates an interaction or notifies someone.

A rule is a trigger and an action, stored as JSON in `Rule.trigger` and
`Rule.action` and read into the frozen dataclasses below; the parsers name
the wrong field of anything malformed. Triggers:

- `call_outcome`: a call becomes done with one of `outcomes` (logged so, or
  closed so later);
- `status_change`: an interaction's status becomes `to` (from `from`);
  a new interaction counts as a change from nothing when `from` is unset;
- `stage_change`: an opportunity's stage becomes `to` (from `from`);
- `no_contact`: a contact with nothing done with them for `days` days;
- `overdue`: a scheduled event past its end (its start when it has no end)
  and still pending.

The first three run inside the transaction of the change that fires them
(`on_interaction_change`, `on_stage_change`): a rule that fails undoes the
change. The last two are time-based: `run_time_rules` looks for them (the
app once a minute, `crm-tui rules run` on demand).

What a rule creates is of kind "automatic", carries the rule, and its
history says "created by the rule «name»". What a rule does in reply to a
time-based trigger is remembered in the history (the marker is the entry
itself), so each event is reminded once and each silent contact gets one
action until someone contacts them again, however often the run repeats.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from peewee import fn

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.services import history
from crm_tui.services.campaigns import WorkingHours
from crm_tui.services.dates import parse_offset
from crm_tui.services.errors import (
    FieldError,
    FieldName,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_tui.services.notifications import notify
from crm_tui.services.outbox import queue_reminder
from crm_tui.services.permissions import MANAGE_SETTINGS, requires
from crm_tui.services.records import InteractionRecord, OpportunityRecord, UserRecord
from crm_tui.services.text import LINE_LIMIT, NAME_LIMIT, check_length, clean_line
from crm_tui.services.types import TypeIndex
from crm_tui.services.vocab import OUTCOME, PRIORITY, STATUS, fold
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import Contact, HistoryEvent, Interaction, Opportunity, Rule, User

register(
    {
        "field.rule_trigger": ("trigger", "disparador"),
        "field.rule_action": ("action", "acción"),
        "field.rule_user": ("user", "usuario"),
        "error.rule.unknown_choice": (
            "{value!r} is not a choice: {choices}",
            "{value!r} no es una opción: {choices}",
        ),
        "error.rule.outcomes_required": (
            "choose at least one call outcome",
            "elija al menos un resultado de llamada",
        ),
        "error.rule.days": (
            "{value!r} is not a number of days (1 or more)",
            "{value!r} no es un número de días (1 o más)",
        ),
        "error.rule.user_required": ("name the user", "indique el usuario"),
        "error.rule.bad_offset": (
            "{value!r} is not an offset: +2h, +1d, next monday 09:00",
            "{value!r} no es un desplazamiento: +2h, +1d, lunes 09:00",
        ),
        "error.rule.not_json": (
            "the stored rule is not readable: {reason}",
            "la regla guardada no se puede leer: {reason}",
        ),
        "error.rule.builtin": (
            "a shipped rule cannot be deleted; deactivate it instead",
            "una regla de fábrica no se puede borrar; desactívela",
        ),
        "error.rule.unknown": ("unknown rule {value!r}", "regla desconocida {value!r}"),
        # Sentences that describe a rule.
        "rules.when.call_outcome": (
            "When a call ends with {outcomes}",
            "Cuando una llamada termina {outcomes}",
        ),
        "rules.when.call_outcome_typed": (
            "When a call ({type}) ends with {outcomes}",
            "Cuando una llamada ({type}) termina {outcomes}",
        ),
        "rules.when.status_change": (
            "When an interaction{typed} changes to {to}",
            "Cuando una interacción{typed} pasa a {to}",
        ),
        "rules.when.status_change_from": (
            "When an interaction{typed} changes from {from_} to {to}",
            "Cuando una interacción{typed} pasa de {from_} a {to}",
        ),
        "rules.when.typed": (" ({type})", " ({type})"),
        "rules.when.stage_change": (
            "When an opportunity moves to {to}",
            "Cuando una oportunidad pasa a {to}",
        ),
        "rules.when.stage_change_from": (
            "When an opportunity moves from {from_} to {to}",
            "Cuando una oportunidad pasa de {from_} a {to}",
        ),
        "rules.when.no_contact": (
            "When a contact has not been contacted for {days} days",
            "Cuando un cliente lleva {days} días sin contacto",
        ),
        "rules.when.overdue": (
            "When a scheduled event is past its end and still pending",
            "Cuando un evento programado ha vencido y sigue pendiente",
        ),
        "rules.or": (" or ", " o "),
        "rules.do.call_again": ("call again {when}", "llamar de nuevo {when}"),
        "rules.do.create": ("create {type} {when}", "crear {type} {when}"),
        "rules.do.working_hours": (" in working hours", " en horario laboral"),
        "rules.do.same": ("same user", "mismo usuario"),
        "rules.do.owner": ("for the owner", "para el propietario"),
        "rules.do.user": ("for {user}", "para {user}"),
        "rules.do.notify_assignee": ("notify the assignee", "avisar al responsable"),
        "rules.do.notify_owner": ("notify the owner", "avisar al propietario"),
        "rules.do.notify_user": ("notify {user}", "avisar a {user}"),
        "rules.later.m": ("{n} min later", "{n} min después"),
        "rules.later.h": ("{n} h later", "{n} h después"),
        "rules.later.d": ("{n} day(s) later", "{n} día(s) después"),
        "rules.later.w": ("{n} week(s) later", "{n} semana(s) después"),
        "rules.at": ("at {when}", "el {when}"),
        "rules.overdue_text": (
            "Overdue since {when}: {subject}",
            "Vencido desde el {when}: {subject}",
        ),
        "rules.no_contact_text": (
            "{contact} has not been contacted for {days} days",
            "{contact} lleva {days} días sin contacto",
        ),
        "rules.stage_text": (
            "Opportunity {code} moved to {stage}",
            "La oportunidad {code} pasó a {stage}",
        ),
        "rules.no_subject": ("interaction {id}", "interacción {id}"),
    }
)

TRIGGER_KINDS = ("call_outcome", "status_change", "stage_change", "no_contact", "overdue")
ACTION_KINDS = ("create_interaction", "notify")
ASSIGNEES = ("same", "owner", "user")  # who a created interaction is for
RECIPIENTS = ("assignee", "owner", "user")  # who a notification goes to
NOTIFY_KINDS = ("reminder",)

# Working hours of what rules create, weekdays only.
WORKING_HOURS = WorkingHours(time(9), time(18))
# An event overdue for longer than this is left to the overdue group of
# Upcoming events: a first run on an old database does not flood anyone.
OVERDUE_LOOKBACK = timedelta(days=7)
# Likewise, a contact is acted on when their silence reaches the rule's days,
# or within this long after.
CATCH_UP = timedelta(days=7)
# At most this many actions per rule and run keep one run's transaction
# short; the rest follow in the next run.
RUN_LIMIT = 200
BATCH = 500


# -- the typed rules -------------------------------------------------------------------


@dataclass(frozen=True)
class CallOutcome:
    outcomes: tuple[str, ...]
    type: str | None = None  # a type code; None: any call


@dataclass(frozen=True)
class StatusChange:
    to: str
    from_: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class StageChange:
    to: str
    from_: str | None = None


@dataclass(frozen=True)
class NoContact:
    days: int


@dataclass(frozen=True)
class Overdue:
    pass


Trigger = CallOutcome | StatusChange | StageChange | NoContact | Overdue
TIME_TRIGGERS = (NoContact, Overdue)


@dataclass(frozen=True)
class CreateInteraction:
    type: str
    assignee: str = "same"
    user: str | None = None  # the username when `assignee` is "user"
    due_offset: str = "+1d"
    working_hours: bool = False
    priority: str = "normal"
    subject: str = ""  # empty: the rule's name


@dataclass(frozen=True)
class Notify:
    to: str = "assignee"
    user: str | None = None  # the username when `to` is "user"
    kind: str = "reminder"
    text: str = ""  # empty: a sentence about what fired the rule


Action = CreateInteraction | Notify


@dataclass(frozen=True)
class RuleRecord:
    id: int
    name: str
    trigger: Trigger
    action: Action
    active: bool
    builtin: bool


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return clean_line(str(value)) if value is not None else ""


def _choice(
    value: str, choices: Sequence[str], field_id: str, errors: list[FieldError]
) -> str | None:
    if value in choices:
        return value
    errors.append(
        FieldError(
            field_id, "error.rule.unknown_choice", {"value": value, "choices": ", ".join(choices)}
        )
    )
    return None


def _vocab_code(vocab: Any, value: str, field_id: str, errors: list[FieldError]) -> str | None:
    if not value:
        return None
    try:
        code: str = vocab.parse(value, field_id)
        return code
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _type_code(
    value: str, field_id: str, types: TypeIndex | None, errors: list[FieldError]
) -> str | None:
    if not value or types is None:
        return value or None
    try:
        return types.resolve(value, field_id).code
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _required(field_id: str, label: str, errors: list[FieldError]) -> None:
    errors.append(FieldError(field_id, "error.required", {"field": FieldName(label)}))


def _outcomes(data: Mapping[str, Any], errors: list[FieldError]) -> tuple[str, ...]:
    raw = data.get("outcomes") or ()
    items = raw.split(",") if isinstance(raw, str) else [str(item) for item in raw]
    codes = [_vocab_code(OUTCOME, clean_line(item), "outcomes", errors) for item in items]
    found = tuple(dict.fromkeys(code for code in codes if code))
    if not found and not any(error.field == "outcomes" for error in errors):
        errors.append(FieldError("outcomes", "error.rule.outcomes_required"))
    return found


def _days(data: Mapping[str, Any], errors: list[FieldError]) -> int:
    raw = str(data.get("days", "")).strip()
    days = int(raw) if raw.isdigit() else 0
    if days < 1:
        errors.append(FieldError("days", "error.rule.days", {"value": raw}))
    return days


def _stage(value: str, field_id: str, errors: list[FieldError]) -> str | None:
    # Imported here: contacts imports this module when a stage changes.
    from crm_tui.services.contacts import STAGE

    return _vocab_code(STAGE, value, field_id, errors)


def _build_trigger(
    data: Mapping[str, Any], types: TypeIndex | None, errors: list[FieldError]
) -> Trigger | None:
    kind = _choice(_text(data, "on"), TRIGGER_KINDS, "trigger", errors)
    if kind == "call_outcome":
        outcomes = _outcomes(data, errors)
        return CallOutcome(outcomes, _type_code(_text(data, "type"), "trigger_type", types, errors))
    if kind == "status_change":
        to = _vocab_code(STATUS, _text(data, "to"), "to_status", errors)
        if not _text(data, "to"):
            _required("to_status", "field.status", errors)
        from_ = _vocab_code(STATUS, _text(data, "from"), "from_status", errors)
        type_code = _type_code(_text(data, "type"), "trigger_type", types, errors)
        return StatusChange(to or "", from_, type_code)
    if kind == "stage_change":
        to = _stage(_text(data, "to"), "to_stage", errors)
        if not _text(data, "to"):
            _required("to_stage", "field.stage", errors)
        return StageChange(to or "", _stage(_text(data, "from"), "from_stage", errors))
    if kind == "no_contact":
        return NoContact(_days(data, errors))
    if kind == "overdue":
        return Overdue()
    return None


def _offset(data: Mapping[str, Any], errors: list[FieldError]) -> str:
    offset = _text(data, "due_offset") or "+1d"
    try:
        parse_offset(offset, datetime(2000, 1, 3, 9, 0))
    except ValidationError:
        errors.append(FieldError("due_offset", "error.rule.bad_offset", {"value": offset}))
    return offset


def _named_user(
    data: Mapping[str, Any], who: str | None, field_id: str, errors: list[FieldError]
) -> str | None:
    if who != "user":
        return None
    user = _text(data, "user")
    if not user:
        errors.append(FieldError(field_id, "error.rule.user_required"))
    return user or None


def _build_action(
    data: Mapping[str, Any], types: TypeIndex | None, errors: list[FieldError]
) -> Action | None:
    kind = _choice(_text(data, "do"), ACTION_KINDS, "action", errors)
    if kind == "create_interaction":
        type_code = _type_code(_text(data, "type"), "type", types, errors)
        if not _text(data, "type"):
            _required("type", "field.type", errors)
        assignee = _choice(_text(data, "assignee") or "same", ASSIGNEES, "assignee", errors)
        subject = _text(data, "subject")
        check_length("subject", subject, LINE_LIMIT, errors)
        return CreateInteraction(
            type=type_code or "",
            assignee=assignee or "same",
            user=_named_user(data, assignee, "user", errors),
            due_offset=_offset(data, errors),
            working_hours=bool(data.get("working_hours", False)),
            priority=_vocab_code(PRIORITY, _text(data, "priority") or "normal", "priority", errors)
            or "normal",
            subject=subject,
        )
    if kind == "notify":
        to = _choice(_text(data, "to") or "assignee", RECIPIENTS, "to", errors)
        text = _text(data, "text")
        check_length("text", text, LINE_LIMIT, errors)
        notify_kind = _choice(_text(data, "kind") or "reminder", NOTIFY_KINDS, "kind", errors)
        return Notify(
            to=to or "assignee",
            user=_named_user(data, to, "notify_user", errors),
            kind=notify_kind or "reminder",
            text=text,
        )
    return None


def parse_rule(
    trigger: Mapping[str, Any], action: Mapping[str, Any], *, types: TypeIndex | None = None
) -> tuple[Trigger, Action]:
    """The typed trigger and action of these JSON objects (or of a form's
    values in the same shape), or a ValidationError naming every wrong
    field. With `types`, type codes and labels are checked and become codes."""
    errors: list[FieldError] = []
    built_trigger = _build_trigger(trigger, types, errors)
    built_action = _build_action(action, types, errors)
    if errors or built_trigger is None or built_action is None:
        raise ValidationError(errors or [FieldError("trigger", "error.rule.not_json")])
    return built_trigger, built_action


def trigger_json(trigger: Trigger) -> dict[str, Any]:
    if isinstance(trigger, CallOutcome):
        return _compact(
            {"on": "call_outcome", "outcomes": list(trigger.outcomes), "type": trigger.type}
        )
    if isinstance(trigger, StatusChange):
        return _compact(
            {"on": "status_change", "to": trigger.to, "from": trigger.from_, "type": trigger.type}
        )
    if isinstance(trigger, StageChange):
        return _compact({"on": "stage_change", "to": trigger.to, "from": trigger.from_})
    if isinstance(trigger, NoContact):
        return {"on": "no_contact", "days": trigger.days}
    return {"on": "overdue"}


def action_json(action: Action) -> dict[str, Any]:
    if isinstance(action, CreateInteraction):
        return _compact(
            {
                "do": "create_interaction",
                "type": action.type,
                "assignee": action.assignee,
                "user": action.user,
                "due_offset": action.due_offset,
                "working_hours": action.working_hours,
                "priority": action.priority,
                "subject": action.subject,
            }
        )
    return _compact(
        {
            "do": "notify",
            "to": action.to,
            "user": action.user,
            "kind": action.kind,
            "text": action.text,
        }
    )


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Without the unset parts (None, empty text), as people write it."""
    return {key: value for key, value in data.items() if value is not None and value != ""}


def _decode(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError.single("trigger", "error.rule.not_json", reason=str(exc)) from exc
    if not isinstance(data, dict):
        raise ValidationError.single("trigger", "error.rule.not_json", reason=text[:40])
    return data


@functools.lru_cache(maxsize=256)
def _parsed(trigger_json: str, action_json: str) -> tuple[Trigger, Action]:
    # Every save of an interaction reads the active rules: the stored text
    # of a rule rarely changes, so it is parsed once per text, not per save.
    return parse_rule(_decode(trigger_json), _decode(action_json))


def rule_record(row: Rule) -> RuleRecord:
    """A stored rule, typed; a ValidationError when its JSON is wrong."""
    trigger, action = _parsed(row.trigger, row.action)
    return RuleRecord(row.id, row.name, trigger, action, bool(row.active), bool(row.builtin))


# -- reading and changing rules ------------------------------------------------------------

LIST_LIMIT = 500


@dataclass(frozen=True)
class StoredRule:
    """A rule as listed: typed when readable, else the reason it is not."""

    id: int
    name: str
    active: bool
    builtin: bool
    rule: RuleRecord | None
    problem: str = ""


def list_rules() -> list[StoredRule]:
    """Every rule by name (a team has a handful; capped all the same)."""
    listed = []
    for row in Rule.select().order_by(Rule.name, Rule.id).limit(LIST_LIMIT):
        try:
            listed.append(StoredRule(row.id, row.name, row.active, row.builtin, rule_record(row)))
        except ValidationError as exc:
            listed.append(
                StoredRule(row.id, row.name, row.active, row.builtin, None, exc.message())
            )
    return listed


def get_rule(rule_id: int) -> RuleRecord:
    row = Rule.get_or_none(Rule.id == rule_id)
    if row is None:
        raise NotFound("error.rule.unknown", value=str(rule_id))
    return rule_record(row)


def _check_user(username: str | None, field_id: str, errors: list[FieldError]) -> None:
    if username is None:
        return
    row = User.select(User.active).where(User.username == username).tuples().first()
    if row is None:
        errors.append(FieldError(field_id, "error.unknown_user", {"value": username}))
    elif not row[0]:
        errors.append(FieldError(field_id, "error.inactive_user", {"value": username}))


@requires(MANAGE_SETTINGS)
@writes
def save_rule(
    name: str,
    trigger: Mapping[str, Any],
    action: Mapping[str, Any],
    *,
    actor: UserRecord,
    rule_id: int | None = None,
    active: bool = True,
) -> RuleRecord:
    """Create a rule (or change rule `rule_id`) from JSON-shaped values;
    a ValidationError lists every wrong field at once."""
    errors: list[FieldError] = []
    name = clean_line(name)
    if not name:
        _required("name", "field.name", errors)
    check_length("name", name, NAME_LIMIT, errors)
    try:
        typed_trigger, typed_action = parse_rule(trigger, action, types=TypeIndex.load())
    except ValidationError as exc:
        errors.extend(exc.errors)
    else:
        user_field = "user" if isinstance(typed_action, CreateInteraction) else "notify_user"
        _check_user(typed_action.user, user_field, errors)
    taken = Rule.select(Rule.id).where(Rule.name == name)
    if rule_id is not None:
        taken = taken.where(Rule.id != rule_id)
    if name and taken.exists():
        errors.append(
            FieldError("name", "error.duplicate", {"field": FieldName("field.name"), "value": name})
        )
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name,
        "trigger": json.dumps(trigger_json(typed_trigger), ensure_ascii=False),
        "action": json.dumps(action_json(typed_action), ensure_ascii=False),
        "active": active,
    }
    if rule_id is None:
        rule_id = Rule.insert(created_at=clock.now(), builtin=False, **values).execute()
    elif Rule.update(**values).where(Rule.id == rule_id).execute() != 1:
        raise NotFound("error.rule.unknown", value=str(rule_id))
    return get_rule(rule_id)


@requires(MANAGE_SETTINGS)
@writes
def set_active(rule_id: int, active: bool, *, actor: UserRecord) -> None:
    if Rule.update(active=active).where(Rule.id == rule_id).execute() != 1:
        raise NotFound("error.rule.unknown", value=str(rule_id))


@requires(MANAGE_SETTINGS)
@writes
def delete_rule(rule_id: int, *, actor: UserRecord) -> None:
    """Delete a rule a user made; what it created stays (without its rule)."""
    row = Rule.get_or_none(Rule.id == rule_id)
    if row is None:
        raise NotFound("error.rule.unknown", value=str(rule_id))
    if row.builtin:
        raise PermissionDenied("error.rule.builtin")
    row.delete_instance()


def _active_rules() -> list[RuleRecord]:
    """The active rules that can be read; one whose JSON was broken by hand
    is skipped rather than blocking every change (the list shows why)."""
    found = []
    for row in Rule.select().where(Rule.active == True).order_by(Rule.id):  # noqa: E712
        try:
            found.append(rule_record(row))
        except ValidationError:
            continue
    return found


# -- describing a rule -----------------------------------------------------------------

_OFFSET = re.compile(r"^\+\s*(\d+)\s*([mhdw])$")


def _joined(words: Sequence[str], lang: str) -> str:
    """`a, b or c`; in Spanish "u" before a word that sounds like "o"."""
    if len(words) < 2:
        return "".join(words)
    last = words[-1]
    glue = t("rules.or", lang)
    if lang == "es" and fold(last).startswith(("o", "ho")):
        glue = " u "
    return ", ".join(words[:-1]) + glue + last


def _when_phrase(offset: str, lang: str) -> str:
    match = _OFFSET.match(offset.strip().lower())
    if match:
        return t(f"rules.later.{match.group(2)}", lang, n=int(match.group(1)))
    return t("rules.at", lang, when=offset)


def describe_trigger(trigger: Trigger, lang: str, type_labels: Mapping[str, str]) -> str:
    from crm_tui.formatting import stage_label

    if isinstance(trigger, CallOutcome):
        outcomes = _joined([OUTCOME.label(code, lang).lower() for code in trigger.outcomes], lang)
        if trigger.type:
            label = type_labels.get(trigger.type, trigger.type)
            return t("rules.when.call_outcome_typed", lang, type=label, outcomes=outcomes)
        return t("rules.when.call_outcome", lang, outcomes=outcomes)
    if isinstance(trigger, StatusChange):
        to = STATUS.label(trigger.to, lang)
        typed = ""
        if trigger.type:
            typed = t("rules.when.typed", lang, type=type_labels.get(trigger.type, trigger.type))
        if trigger.from_:
            from_ = STATUS.label(trigger.from_, lang)
            return t("rules.when.status_change_from", lang, typed=typed, from_=from_, to=to)
        return t("rules.when.status_change", lang, typed=typed, to=to)
    if isinstance(trigger, StageChange):
        to = stage_label(trigger.to, lang)
        if trigger.from_:
            from_ = stage_label(trigger.from_, lang)
            return t("rules.when.stage_change_from", lang, from_=from_, to=to)
        return t("rules.when.stage_change", lang, to=to)
    if isinstance(trigger, NoContact):
        return t("rules.when.no_contact", lang, days=trigger.days)
    return t("rules.when.overdue", lang)


def describe_action(
    action: Action, lang: str, type_labels: Mapping[str, str], *, after_call: bool
) -> str:
    if isinstance(action, Notify):
        if action.to == "user":
            return t("rules.do.notify_user", lang, user=action.user)
        return t(f"rules.do.notify_{action.to}", lang)
    when = _when_phrase(action.due_offset, lang)
    if action.working_hours:
        when += t("rules.do.working_hours", lang)
    if after_call and action.type == "call":
        text = t("rules.do.call_again", lang, when=when)
    else:
        text = t("rules.do.create", lang, type=type_labels.get(action.type, action.type), when=when)
    if action.assignee == "user":
        return f"{text}, {t('rules.do.user', lang, user=action.user)}"
    return f"{text}, {t(f'rules.do.{action.assignee}', lang)}"


def describe_rule(rule: RuleRecord, lang: str, type_labels: Mapping[str, str]) -> str:
    """ "When a call ends no answer or busy → call again 2 h later in working
    hours, same user". Holds user text (labels, names): show it as data."""
    after_call = isinstance(rule.trigger, CallOutcome)
    return (
        f"{describe_trigger(rule.trigger, lang, type_labels)} → "
        f"{describe_action(rule.action, lang, type_labels, after_call=after_call)}"
    )


# -- doing what a rule says ----------------------------------------------------------------


@dataclass(frozen=True)
class Occasion:
    """What fired a rule, as its action needs it."""

    contact_id: int
    opportunity_id: int | None
    responsible_id: int | None  # "same user" / "the assignee"
    actor_id: int | None
    about_id: int | None  # the interaction that fired it
    text: str  # what a notification says when the rule sets no text
    at: datetime  # the base of due offsets, and when markers are written


@dataclass(frozen=True)
class Done:
    interaction_id: int | None = None
    notification_id: int | None = None


# Set while a rule's action runs: what the action changes fires no rule
# (depth 1), so two rules cannot feed each other forever.
_acting: ContextVar[bool] = ContextVar("rules_acting", default=False)


@contextmanager
def _rule_action() -> Iterator[None]:
    token = _acting.set(True)
    try:
        yield
    finally:
        _acting.reset(token)


def _owner_id(occasion: Occasion) -> int | None:
    """The opportunity's owner, else the contact's."""
    if occasion.opportunity_id is not None:
        row = (
            Opportunity.select(Opportunity.owner)
            .where(Opportunity.id == occasion.opportunity_id)
            .tuples()
            .first()
        )
        if row and row[0] is not None:
            return int(row[0])
    row = Contact.select(Contact.owner).where(Contact.id == occasion.contact_id).tuples().first()
    return int(row[0]) if row and row[0] is not None else None


def _user_id(username: str | None) -> int | None:
    row = User.select(User.id).where(User.username == username).tuples().first()
    return int(row[0]) if row else None


def _recipient(who: str, username: str | None, occasion: Occasion) -> int | None:
    """Who the action is for: the named user; the owner; else the user
    responsible for what fired it, falling back to who made the change and
    then to the owner (a pool item has nobody responsible)."""
    if who == "user":
        return _user_id(username)
    if who == "owner":
        return _owner_id(occasion)
    return occasion.responsible_id or occasion.actor_id or _owner_id(occasion)


def _marker_details(rule: RuleRecord, occasion: Occasion) -> dict[str, object]:
    return {"rule": rule.name, "rule_id": rule.id, "about": occasion.about_id}


def _create(rule: RuleRecord, action: CreateInteraction, occasion: Occasion) -> Done:
    # Imported here: interactions calls back into this module on every change.
    from crm_tui.services.interactions import InteractionDraft, create_interaction

    assignee_id = _recipient(action.assignee, action.user, occasion)
    if assignee_id is None:
        return Done()
    creator_id = occasion.actor_id or assignee_id
    due = parse_offset(action.due_offset, occasion.at)
    if action.working_hours:
        due = WORKING_HOURS.opening(due)
    contact_code = Contact.get_by_id(occasion.contact_id).code
    opportunity_code = (
        Opportunity.get_by_id(occasion.opportunity_id).code if occasion.opportunity_id else None
    )
    draft = InteractionDraft(
        type=action.type,
        contact=contact_code,
        created_by=User.get_by_id(creator_id).username,
        opportunity=opportunity_code,
        user=User.get_by_id(assignee_id).username,
        kind="automatic",
        status="pending",
        priority=action.priority,
        subject=action.subject or rule.name,
        starts_at=due,
        rule_id=rule.id,
    )
    with _rule_action():
        created = create_interaction(draft)
    history.record_at(
        occasion.at,
        history.RULE_CREATED,
        actor_id=creator_id,
        interaction_id=created.id,
        contact_id=occasion.contact_id,
        opportunity_id=occasion.opportunity_id,
        details=_marker_details(rule, occasion),
    )
    return Done(interaction_id=created.id)


def _notify(rule: RuleRecord, action: Notify, occasion: Occasion) -> Done:
    user_id = _recipient(action.to, action.user, occasion)
    if user_id is None:
        return Done()
    text = action.text or occasion.text
    made = notify(
        user_id,
        action.kind,
        actor_id=occasion.actor_id,
        interaction_id=occasion.about_id,
        opportunity_id=occasion.opportunity_id,
        text=text,
        at=occasion.at,
    )
    if occasion.about_id is not None:
        queue_reminder(user_id, occasion.about_id, text)
    username = User.get_by_id(user_id).username
    history.record_at(
        occasion.at,
        history.RULE_NOTIFIED,
        actor_id=occasion.actor_id,
        interaction_id=occasion.about_id,
        contact_id=occasion.contact_id,
        opportunity_id=occasion.opportunity_id,
        details={**_marker_details(rule, occasion), "user": username},
    )
    return Done(notification_id=made.id)


def _act(rule: RuleRecord, occasion: Occasion) -> Done:
    if isinstance(rule.action, CreateInteraction):
        return _create(rule, rule.action, occasion)
    return _notify(rule, rule.action, occasion)


def _subject_of(record: InteractionRecord) -> str:
    return record.subject or t("rules.no_subject", language(), id=record.id)


def _fires(trigger: Trigger, before: InteractionRecord | None, after: InteractionRecord) -> bool:
    if isinstance(trigger, CallOutcome):
        if after.status != "done" or after.outcome not in trigger.outcomes:
            return False
        if trigger.type is not None and after.type.code != trigger.type:
            return False
        if trigger.type is None and after.type.channel != "call":
            return False
        # Once: when it becomes done with that outcome, not on each later edit.
        return before is None or (before.status, before.outcome) != ("done", after.outcome)
    if isinstance(trigger, StatusChange):
        if after.status != trigger.to or (trigger.type and after.type.code != trigger.type):
            return False
        if before is None:
            return trigger.from_ is None
        return before.status != after.status and trigger.from_ in (None, before.status)
    return False


def on_interaction_change(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    """Apply the active rules that `before` → `after` triggers, in the
    caller's transaction. Nothing fires while a rule's own action runs."""
    if _acting.get():
        return
    fired = [rule for rule in _active_rules() if _fires(rule.trigger, before, after)]
    if not fired:
        return
    responsible = _user_id(after.user) if after.user else None
    occasion = Occasion(
        contact_id=after.contact_id,
        opportunity_id=after.opportunity_id,
        responsible_id=responsible,
        actor_id=actor_id,
        about_id=after.id,
        text=_subject_of(after),
        at=clock.now(),
    )
    for rule in fired:
        _act(rule, occasion)


def on_stage_change(before: OpportunityRecord, after: OpportunityRecord, *, actor_id: int) -> None:
    """Apply the active stage rules that `before` → `after` triggers, in the
    caller's transaction."""
    from crm_tui.formatting import stage_label

    if _acting.get() or before.stage == after.stage:
        return
    fired = [
        rule
        for rule in _active_rules()
        if isinstance(rule.trigger, StageChange)
        and rule.trigger.to == after.stage
        and rule.trigger.from_ in (None, before.stage)
    ]
    if not fired:
        return
    text = t(
        "rules.stage_text", language(), code=after.code, stage=stage_label(after.stage, language())
    )
    occasion = Occasion(
        contact_id=after.contact_id,
        opportunity_id=after.id,
        responsible_id=actor_id,
        actor_id=actor_id,
        about_id=None,
        text=text,
        at=clock.now(),
    )
    for rule in fired:
        _act(rule, occasion)


# -- time-based rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRun:
    """What one rule did in a run."""

    rule_id: int
    rule: str
    interactions: tuple[int, ...]
    notifications: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.interactions) + len(self.notifications)


@dataclass(frozen=True)
class RulesRun:
    at: datetime
    rules: tuple[RuleRun, ...]  # every active time-based rule, by id

    @property
    def counts(self) -> dict[str, int]:
        return {run.rule: run.count for run in self.rules}

    @property
    def created_ids(self) -> tuple[int, ...]:
        return tuple(i for run in self.rules for i in run.interactions)

    @property
    def total(self) -> int:
        return sum(run.count for run in self.rules)


def _first_history_id(since: datetime) -> int:
    """About the id of the first history entry written at or after `since`
    (a day early, for entries committed out of order): entries are
    appended as things happen, so their times grow with their ids and a
    binary search over the primary key finds it in a few lookups."""
    since -= timedelta(days=1)
    low = HistoryEvent.select(fn.MIN(HistoryEvent.id)).scalar()
    high = HistoryEvent.select(fn.MAX(HistoryEvent.id)).scalar()
    if low is None or high is None:
        return 0
    high += 1
    while low < high:
        row = (
            HistoryEvent.select(HistoryEvent.id, HistoryEvent.at)
            .where(HistoryEvent.id >= (low + high) // 2)
            .order_by(HistoryEvent.id)
            .limit(1)
            .tuples()
            .first()
        )
        if row is None or row[1] >= since:
            high = (low + high) // 2 if row is None else min(high, row[0])
        else:
            low = row[0] + 1
    return int(low)


def _handled(
    rule_id: int, contact_ids: Sequence[int], since: datetime
) -> dict[tuple[int, int | None], datetime]:
    """When rule `rule_id` last acted on each (contact, interaction it was
    about) among these contacts, as far back as `since`: the markers its
    actions wrote in the history (a range of each contact's entries in the
    index on contact_id, id)."""
    rows = (
        HistoryEvent.select(HistoryEvent.contact, HistoryEvent.details, HistoryEvent.at)
        .where(
            HistoryEvent.contact.in_(list(contact_ids))
            & (HistoryEvent.id >= _first_history_id(since))
            & HistoryEvent.action.in_([history.RULE_CREATED, history.RULE_NOTIFIED])
            & (HistoryEvent.at >= since)
        )
        .tuples()
    )
    last: dict[tuple[int, int | None], datetime] = {}
    for contact_id, details, at in rows:
        data = json.loads(details or "{}")
        if data.get("rule_id") != rule_id:
            continue
        key = (contact_id, data.get("about"))
        last[key] = max(at, last.get(key, at))
    return last


def _overdue(rule: RuleRecord, now: datetime) -> Iterator[Occasion]:
    """Scheduled events that ended (or, without an end, started) before
    `now`, at most `OVERDUE_LOOKBACK` ago, still pending and not yet handled
    by `rule` since they became overdue."""
    overdue_at = fn.COALESCE(Interaction.ends_at, Interaction.starts_at, Interaction.due_at)
    after_id = 0
    while True:
        # A scheduled event's due time is its start, before its end: the
        # start range bounds the scan (index on status, occurred_at ~ start).
        rows = list(
            Interaction.select(
                Interaction.id,
                Interaction.contact,
                Interaction.opportunity,
                Interaction.user,
                Interaction.subject,
                overdue_at,
            )
            .where(
                (Interaction.status == "pending")
                & (Interaction.kind == "scheduled")
                & (Interaction.due_at >= now - OVERDUE_LOOKBACK)
                & (Interaction.due_at < now)
                & (overdue_at < now)
                & (overdue_at >= now - OVERDUE_LOOKBACK)
                & (Interaction.id > after_id)
            )
            .order_by(Interaction.id)
            .limit(BATCH)
            .tuples()
        )
        if not rows:
            return
        after_id = rows[-1][0]
        handled = _handled(rule.id, [row[1] for row in rows], now - OVERDUE_LOOKBACK)
        for interaction_id, contact_id, opportunity_id, user_id, subject, moment in rows:
            marked = handled.get((contact_id, interaction_id))
            if marked is not None and marked >= moment:
                continue
            named = subject or t("rules.no_subject", language(), id=interaction_id)
            yield Occasion(
                contact_id=contact_id,
                opportunity_id=opportunity_id,
                responsible_id=user_id,
                actor_id=None,
                about_id=interaction_id,
                text=t(
                    "rules.overdue_text",
                    language(),
                    when=f"{moment:%Y-%m-%d %H:%M}",
                    subject=named,
                ),
                at=now,
            )


def _silent_contacts(rule: RuleRecord, days: int, now: datetime) -> Iterator[Occasion]:
    """Contacts whose silence reached `days` days within the last
    `CATCH_UP`: nothing done with them since `days` ago, their last contact
    (or, never contacted, their creation) in the `CATCH_UP` before that;
    less what `rule` already acted on since that last contact.

    Starting from the interactions done in that week (one range of the
    index on status, occurred_at) keeps a run at a few milliseconds on a
    million interactions; a contact silent for much longer is not acted on
    all of a sudden when a rule is added (as with overdue events)."""
    cutoff = now - timedelta(days=days)
    window = cutoff - CATCH_UP
    done = Interaction.status == "done"
    contacted_since = Interaction.select(Interaction.id).where(
        (Interaction.contact == Contact.id) & (Interaction.occurred_at >= cutoff) & done
    )
    ever_contacted = Interaction.select(Interaction.id).where(
        (Interaction.contact == Contact.id) & done
    )
    silent = list(
        Interaction.select(Contact.id, Contact.name, fn.MAX(Interaction.occurred_at))
        .join(Contact, on=(Interaction.contact == Contact.id))
        .where(
            done
            & (Interaction.occurred_at >= window)
            & (Interaction.occurred_at < cutoff)
            & ~fn.EXISTS(contacted_since)
        )
        .group_by(Contact.id, Contact.name)
        .tuples()
    )
    never = list(
        Contact.select(Contact.id, Contact.name, Contact.created_at)
        .where(
            (Contact.created_at >= window)
            & (Contact.created_at <= cutoff)
            & ~fn.EXISTS(ever_contacted)
        )
        .tuples()
    )
    # (id, name, last contact or, never contacted, creation)
    candidates = sorted(silent + never)
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start : start + BATCH]
        handled = _handled(rule.id, [row[0] for row in batch], window)
        for contact_id, name, since in batch:
            marked = handled.get((contact_id, None))
            if marked is not None and marked >= since:
                continue
            yield Occasion(
                contact_id=contact_id,
                opportunity_id=None,
                responsible_id=None,
                actor_id=None,
                about_id=None,
                text=t("rules.no_contact_text", language(), contact=name, days=days),
                at=now,
            )


def _time_occasions(rule: RuleRecord, now: datetime) -> Iterator[Occasion]:
    if isinstance(rule.trigger, Overdue):
        return _overdue(rule, now)
    assert isinstance(rule.trigger, NoContact)
    return _silent_contacts(rule, rule.trigger.days, now)


@writes
def run_time_rules(now: datetime | None = None, *, actor: UserRecord | None = None) -> RulesRun:
    """Apply the active time-based rules (overdue, no contact) as of `now`;
    what each created. Running it again creates nothing new. With `actor`,
    what it creates is recorded as theirs (else as the assignee's)."""
    now = (now or clock.now()).replace(microsecond=0)
    if engine_of(current()) == "postgres":
        # SQLite's IMMEDIATE transaction lets one run in at a time; on
        # PostgreSQL two runs would both see "not handled yet": the second
        # waits here for the first to commit, then sees its markers.
        list(Rule.select(Rule.id).where(Rule.active == True).for_update().tuples())  # noqa: E712
    runs = []
    for rule in _active_rules():
        if not isinstance(rule.trigger, TIME_TRIGGERS):
            continue
        interactions: list[int] = []
        notifications: list[int] = []
        for occasion in _time_occasions(rule, now):
            done = _act(rule, occasion if actor is None else replace(occasion, actor_id=actor.id))
            if done.interaction_id is not None:
                interactions.append(done.interaction_id)
            if done.notification_id is not None:
                notifications.append(done.notification_id)
            if len(interactions) + len(notifications) >= RUN_LIMIT:
                break
        runs.append(RuleRun(rule.id, rule.name, tuple(interactions), tuple(notifications)))
    return RulesRun(now, tuple(runs))


def time_rules_active() -> bool:
    """Whether any active rule is time-based: the app's poller skips the run
    (and its write lock) otherwise."""
    return any(isinstance(rule.trigger, TIME_TRIGGERS) for rule in _active_rules())
