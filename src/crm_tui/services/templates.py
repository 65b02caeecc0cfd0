"""Preconfigured task templates ("Primera llamada al cliente", ...), and
the task a template proposes for a contact.

Roles with manage-settings change them in settings: name, type, default priority, due
offset, description, active; a template nobody needs can also be deleted
(the tasks made from it are ordinary interactions and stay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import fn

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services.dates import parse_offset
from crm_tui.services.errors import FieldError, FieldName, NotFound, ValidationError
from crm_tui.services.interactions import InteractionDraft
from crm_tui.services.permissions import MANAGE_SETTINGS, requires
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.services.text import NAME_LIMIT, NOTE_LIMIT, check_length, clean_line, clean_text
from crm_tui.services.types import (
    TypeIndex,
    check_required,
    list_types,
    type_record,
)
from crm_tui.services.vocab import PRIORITY, fold
from crm_tui.store.db import writes
from crm_tui.store.models import InteractionType, TaskTemplate

register(
    {
        "field.template_name": ("name", "nombre"),
        "field.template_type": ("type", "tipo"),
        "field.template_priority": ("default priority", "prioridad por defecto"),
        "field.template_due": ("due offset", "plazo"),
        "field.template_description": ("description", "descripción"),
        "error.unknown_template": (
            "the task template no longer exists",
            "la plantilla de tareas ya no existe",
        ),
        "error.inactive_type": (
            "the type {value!r} is not active; choose an active one or reactivate it",
            "el tipo {value!r} no está activo; elija uno activo o reactívelo",
        ),
        "error.due_offset_past": (
            "{value!r} falls in the past; a task is due now or later (e.g. +2d)",
            "{value!r} cae en el pasado; una tarea vence ahora o después (p. ej. +2d)",
        ),
    }
)

DUE_OFFSET_LIMIT = 64  # the column's size


@dataclass(frozen=True)
class TemplateRecord:
    id: int
    uid: str
    name: str
    type: TypeRecord
    default_priority: str
    due_offset: str  # "+1h", "+2d", "next monday 09:00"; "" for due at once
    description: str
    active: bool


@dataclass(frozen=True)
class TemplateInput:
    """A template as typed in its form; the services check and clean it.
    `type` and `priority` are codes or labels."""

    name: str
    type: str
    priority: str
    due_offset: str = ""
    description: str = ""


def _with_type() -> Any:
    """Templates and their types, in one query."""
    return TaskTemplate.select(TaskTemplate, InteractionType).join(
        InteractionType, on=(TaskTemplate.type == InteractionType.id)
    )


def template_record(row: TaskTemplate) -> TemplateRecord:
    return TemplateRecord(
        id=row.id,
        uid=row.uid,
        name=row.name,
        type=type_record(row.type),
        default_priority=row.default_priority,
        due_offset=row.due_offset,
        description=row.description,
        active=bool(row.active),
    )


def list_templates(*, active_only: bool = True) -> list[TemplateRecord]:
    """The templates by name (accents and case aside, as people read it)."""
    query = _with_type()
    if active_only:
        query = query.where(TaskTemplate.active == True)  # noqa: E712 (SQL, not Python)
    records = [template_record(row) for row in query]
    return sorted(records, key=lambda record: (fold(record.name), record.name))


def draft_from_template(
    template: TemplateRecord,
    *,
    contact: str,
    opportunity: str | None,
    created_by: str,
    now: datetime | None = None,
) -> InteractionDraft:
    """A pending task for `created_by` as the template describes it, due
    `due_offset` after `now`. The due time is its follow-up date: that is
    where a task's due time lives (a start would make it an event), so it
    comes up in My queue at that time. Raises the `error.bad_date`
    ValidationError (field `follow_up_at`) for an offset it cannot read."""
    follow_up_at = None
    if template.due_offset.strip():
        follow_up_at = parse_offset(
            template.due_offset, now or clock.now(), field_id="follow_up_at"
        )
    return InteractionDraft(
        type=template.type.code,
        contact=contact,
        opportunity=opportunity,
        created_by=created_by,
        user=created_by,
        kind="task",
        status="pending",
        priority=template.default_priority,
        subject=template.name,
        note=template.description,
        follow_up_at=follow_up_at,
    )


def get_template(template_id: int) -> TemplateRecord:
    row = _with_type().where(TaskTemplate.id == template_id).first()
    if row is None:
        raise NotFound("error.unknown_template")
    return template_record(row)


def validate_template(
    data: TemplateInput, current: TaskTemplate | None, now: datetime
) -> dict[str, Any]:
    """The template's columns, cleaned; a ValidationError naming every
    wrong field. `current`: the template being edited (None for a new one);
    `now`: what the due offset is tried against."""
    errors: list[FieldError] = []
    name = clean_line(data.name)
    if check_required("template_name", name, errors):
        check_length("template_name", name, NAME_LIMIT, errors)
        same_name = TaskTemplate.select().where(fn.LOWER(TaskTemplate.name) == name.lower())
        if current is not None:
            same_name = same_name.where(TaskTemplate.id != current.id)
        if same_name.exists():
            errors.append(
                FieldError(
                    "template_name",
                    "error.duplicate",
                    {"field": FieldName("field.template_name"), "value": name},
                )
            )
    type_id = None
    if check_required("template_type", clean_line(data.type), errors):
        try:
            kind = TypeIndex(list_types()).resolve(data.type, "template_type")
        except ValidationError as exc:
            errors.extend(exc.errors)
        else:
            if kind.active:
                type_id = kind.id
            else:
                errors.append(
                    FieldError("template_type", "error.inactive_type", {"value": kind.code})
                )
    priority = ""
    if check_required("template_priority", clean_line(data.priority), errors):
        try:
            priority = PRIORITY.parse(data.priority, "template_priority")
        except ValidationError as exc:
            errors.extend(exc.errors)
    due_offset = clean_line(data.due_offset)
    if due_offset:
        check_length("template_due", due_offset, DUE_OFFSET_LIMIT, errors)
        try:
            due = parse_offset(due_offset, now, field_id="template_due")
        except ValidationError as exc:
            errors.extend(exc.errors)
        else:
            if due < now.replace(second=0, microsecond=0):
                errors.append(
                    FieldError("template_due", "error.due_offset_past", {"value": due_offset})
                )
    description = clean_text(data.description).strip()
    check_length("template_description", description, NOTE_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "type": type_id,
        "default_priority": priority,
        "due_offset": due_offset,
        "description": description,
    }


def _template_row(template_id: int) -> TaskTemplate:
    row = TaskTemplate.get_or_none(TaskTemplate.id == template_id)
    if row is None:
        raise NotFound("error.unknown_template")
    return row


@requires(MANAGE_SETTINGS)
@writes
def create_template(data: TemplateInput, *, actor: UserRecord) -> TemplateRecord:
    """A new active template."""
    row = TaskTemplate.create(active=True, **validate_template(data, None, clock.now()))
    return get_template(row.id)


@requires(MANAGE_SETTINGS)
@writes
def update_template(template_id: int, data: TemplateInput, *, actor: UserRecord) -> TemplateRecord:
    row = _template_row(template_id)
    for name, value in validate_template(data, row, clock.now()).items():
        setattr(row, name, value)
    row.save()
    return get_template(row.id)


@requires(MANAGE_SETTINGS)
@writes
def set_template_active(template_id: int, active: bool, *, actor: UserRecord) -> TemplateRecord:
    """An inactive template is not offered by "Create"; it can only be
    reactivated while its type is active."""
    row = _template_row(template_id)
    kind = row.type
    if active and not kind.active:
        raise ValidationError.single("template_type", "error.inactive_type", value=kind.code)
    row.active = active
    row.save()
    return get_template(row.id)


@requires(MANAGE_SETTINGS)
@writes
def delete_template(template_id: int, *, actor: UserRecord) -> None:
    """The tasks made from the template are not linked to it and stay."""
    _template_row(template_id).delete_instance()
