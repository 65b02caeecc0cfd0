"""Interaction types as configured in settings (shipped: call, email,
meeting, visit, message, task, note). Input matches the code or either
label, in any case, with or without accents.

Roles with manage-settings change them in settings: code, labels, channel, colour, glyph,
order, active. A type in use keeps its code and is deactivated rather than
deleted, so old interactions keep showing it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from peewee import fn

from crm_tui.formatting import normalise_colour
from crm_tui.i18n import register
from crm_tui.services.errors import (
    CrmError,
    FieldError,
    FieldName,
    NotFound,
    ValidationError,
)
from crm_tui.services.permissions import MANAGE_SETTINGS, requires
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.services.text import check_length, clean_line
from crm_tui.services.vocab import CHANNEL, fold
from crm_tui.store.db import writes
from crm_tui.store.models import Interaction, InteractionType, TaskTemplate


def type_record(row: InteractionType) -> TypeRecord:
    return TypeRecord(
        id=row.id,
        code=row.code,
        label_es=row.label_es,
        label_en=row.label_en,
        channel=row.channel,
        colour=row.colour,
        glyph=row.glyph,
        active=bool(row.active),
        position=row.position,
    )


def list_types(*, active_only: bool = False) -> list[TypeRecord]:
    query = InteractionType.select().order_by(InteractionType.position, InteractionType.id)
    if active_only:
        query = query.where(InteractionType.active == True)  # noqa: E712 (SQL, not Python)
    return [type_record(row) for row in query]


class TypeIndex:
    """All types in memory, for resolving many rows (import, filters)."""

    def __init__(self, types: list[TypeRecord]) -> None:
        self.types = types
        self._by_spelling: dict[str, TypeRecord] = {}
        for record in types:
            for spelling in (record.code, record.label_es, record.label_en):
                self._by_spelling.setdefault(fold(spelling), record)

    @classmethod
    def load(cls) -> TypeIndex:
        return cls(list_types())

    def resolve(self, value: str, field_id: str = "type") -> TypeRecord:
        record = self._by_spelling.get(fold(value))
        if record is None:
            raise ValidationError.single(
                field_id,
                "error.unknown_type",
                value=value,
                choices=", ".join(t.code for t in self.types if t.active),
            )
        return record

    def by_id(self, type_id: int) -> TypeRecord:
        return next(t for t in self.types if t.id == type_id)


# --- settings: changing the types (manage-settings) ----------------------------------

register(
    {
        "field.type_code": ("code", "código"),
        "field.type_label_es": ("Spanish label", "etiqueta en español"),
        "field.type_label_en": ("English label", "etiqueta en inglés"),
        "field.type_channel": ("channel", "canal"),
        "field.type_colour": ("colour", "color"),
        "field.type_glyph": ("glyph", "símbolo"),
        "error.unknown_type_id": (
            "the interaction type no longer exists",
            "el tipo de interacción ya no existe",
        ),
        "error.bad_type_code": (
            "{value!r} is not a code: use lower-case letters, digits, _ and - (at most 32)",
            "{value!r} no es un código: use minúsculas, dígitos, _ y - (32 como máximo)",
        ),
        "error.type_code_in_use": (
            "interactions already use the code {value!r}, so it cannot change",
            "hay interacciones con el código {value!r}, así que no puede cambiar",
        ),
        "error.type_spelling_taken": (
            "{value!r} is already the code or a label of the type {other!r}",
            "{value!r} ya es el código o una etiqueta del tipo {other!r}",
        ),
        "error.bad_colour": (
            "{value!r} is not a colour: use a name such as green or bright_blue, or #rrggbb",
            "{value!r} no es un color: use un nombre como green o bright_blue, o #rrggbb",
        ),
        "error.glyph_too_wide": (
            "the glyph {value!r} is {cells} cells wide; at most {limit}",
            "el símbolo {value!r} ocupa {cells} celdas; como máximo {limit}",
        ),
        "error.type_in_use": (
            "{count:,} interactions use this type, so it cannot be deleted; deactivate it instead",
            "{count:,} interacciones usan este tipo, así que no se puede eliminar; "
            "desactívelo en su lugar",
        ),
        "error.type_has_templates": (
            "the task templates {names} use this type; change or deactivate them first",
            "las plantillas de tareas {names} usan este tipo; cámbielas o desactívelas antes",
        ),
    }
)

TYPE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
LABEL_LIMIT = 64  # the columns' size
GLYPH_CELLS = 2  # a glyph sits in front of the label in narrow list columns
GLYPH_LIMIT = 8  # the column's size, in characters


@dataclass(frozen=True)
class TypeInput:
    """A type as typed in its form; the services check and clean it."""

    code: str
    label_es: str
    label_en: str
    channel: str
    colour: str
    glyph: str = ""


def _type_row(type_id: int) -> InteractionType:
    row = InteractionType.get_or_none(InteractionType.id == type_id)
    if row is None:
        raise NotFound("error.unknown_type_id")
    return row


def type_in_use(type_id: int) -> bool:
    """Whether any interaction has this type (then its code is fixed and
    it can only be deactivated)."""
    return bool(Interaction.select().where(Interaction.type == type_id).exists())


@dataclass(frozen=True)
class TypeUsage:
    """A type and whether interactions use it, as settings list it."""

    type: TypeRecord
    in_use: bool

    @property
    def id(self) -> int:
        return self.type.id


def types_with_usage() -> list[TypeUsage]:
    """Every type in order, each with whether it is in use (one indexed
    existence check per type: there are a handful of types)."""
    return [TypeUsage(kind, type_in_use(kind.id)) for kind in list_types()]


def check_required(field_id: str, value: str, errors: list[FieldError]) -> bool:
    """Whether `value` is there; if not, the `error.required` of the field."""
    if value:
        return True
    errors.append(FieldError(field_id, "error.required", {"field": FieldName(f"field.{field_id}")}))
    return False


def _check_spellings(fields: dict[str, str], type_id: int | None, errors: list[FieldError]) -> None:
    """Code and labels are how people and files name a type (`TypeIndex`),
    so none may already name another type."""
    taken: dict[str, str] = {}
    for other in InteractionType.select().where(InteractionType.id != (type_id or 0)):
        for spelling in (other.code, other.label_es, other.label_en):
            taken.setdefault(fold(spelling), other.code)
    for field_id in ("type_code", "type_label_es", "type_label_en"):
        other_code = taken.get(fold(fields[field_id]))
        if fields[field_id] and other_code is not None:
            errors.append(
                FieldError(
                    field_id,
                    "error.type_spelling_taken",
                    {"value": fields[field_id], "other": other_code},
                )
            )


def validate_type(data: TypeInput, current: InteractionType | None) -> dict[str, str]:
    """The type's columns, cleaned; a ValidationError naming every wrong
    field. `current`: the type being edited (None for a new one)."""
    from rich.cells import cell_len  # only settings need it; the CLI starts without

    errors: list[FieldError] = []
    code = clean_line(data.code).lower()
    if check_required("type_code", code, errors) and not TYPE_CODE.fullmatch(code):
        errors.append(FieldError("type_code", "error.bad_type_code", {"value": code}))
    elif current is not None and code != current.code and type_in_use(current.id):
        errors.append(FieldError("type_code", "error.type_code_in_use", {"value": current.code}))
    fields = {"type_code": code}
    for field_id, typed in (("type_label_es", data.label_es), ("type_label_en", data.label_en)):
        label = clean_line(typed)
        if check_required(field_id, label, errors):
            check_length(field_id, label, LABEL_LIMIT, errors)
        fields[field_id] = label
    _check_spellings(fields, current.id if current else None, errors)
    channel = ""
    if check_required("type_channel", clean_line(data.channel), errors):
        try:
            channel = CHANNEL.parse(data.channel, "type_channel")
        except ValidationError as exc:
            errors.extend(exc.errors)
    colour = clean_line(data.colour)
    if check_required("type_colour", colour, errors):
        canonical = normalise_colour(colour)
        if canonical is None:
            errors.append(FieldError("type_colour", "error.bad_colour", {"value": colour}))
        colour = canonical or colour
    glyph = clean_line(data.glyph)
    if cell_len(glyph) > GLYPH_CELLS:
        errors.append(
            FieldError(
                "type_glyph",
                "error.glyph_too_wide",
                {"value": glyph, "cells": cell_len(glyph), "limit": GLYPH_CELLS},
            )
        )
    else:
        check_length("type_glyph", glyph, GLYPH_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "code": code,
        "label_es": fields["type_label_es"],
        "label_en": fields["type_label_en"],
        "channel": channel,
        "colour": colour,
        "glyph": glyph,
    }


@requires(MANAGE_SETTINGS)
@writes
def create_type(data: TypeInput, *, actor: UserRecord) -> TypeRecord:
    """A new active type, last in the order."""
    columns = validate_type(data, None)
    last = InteractionType.select(fn.MAX(InteractionType.position)).scalar()
    row = InteractionType.create(position=(last or 0) + 1, active=True, **columns)
    return type_record(row)


@requires(MANAGE_SETTINGS)
@writes
def update_type(type_id: int, data: TypeInput, *, actor: UserRecord) -> TypeRecord:
    row = _type_row(type_id)
    for name, value in validate_type(data, row).items():
        setattr(row, name, value)
    row.save()
    return type_record(row)


@requires(MANAGE_SETTINGS)
@writes
def set_type_active(type_id: int, active: bool, *, actor: UserRecord) -> TypeRecord:
    """Deactivated, a type stays on the interactions that have it but is
    no longer offered for new ones. A type that active task templates
    propose cannot be deactivated: they would propose it still."""
    row = _type_row(type_id)
    if not active:
        _refuse_with_templates(row, active_only=True)
    row.active = active
    row.save()
    return type_record(row)


@requires(MANAGE_SETTINGS)
@writes
def delete_type(type_id: int, *, actor: UserRecord) -> None:
    """Only a type nothing uses can go; one in use is deactivated instead."""
    row = _type_row(type_id)
    count = Interaction.select().where(Interaction.type == row.id).count()
    if count:
        raise CrmError("error.type_in_use", count=count)
    _refuse_with_templates(row, active_only=False)
    row.delete_instance()


def _refuse_with_templates(row: InteractionType, *, active_only: bool) -> None:
    query = TaskTemplate.select(TaskTemplate.name).where(TaskTemplate.type == row.id)
    if active_only:
        query = query.where(TaskTemplate.active == True)  # noqa: E712 (SQL, not Python)
    names = sorted(template.name for template in query.limit(NAMED_TEMPLATES + 1))
    if names:
        shown = ", ".join(f"«{name}»" for name in names[:NAMED_TEMPLATES])
        if len(names) > NAMED_TEMPLATES:
            shown += ", …"
        raise CrmError("error.type_has_templates", names=shown)


NAMED_TEMPLATES = 3  # a message names a few, not a hundred


@requires(MANAGE_SETTINGS)
@writes
def move_type(type_id: int, step: int, *, actor: UserRecord) -> list[TypeRecord]:
    """Move a type `step` places (-1 up, +1 down) in the order lists and
    choices show; returns every type in the new order. At either end it
    stays where it is."""
    rows = list(InteractionType.select().order_by(InteractionType.position, InteractionType.id))
    index = next((i for i, row in enumerate(rows) if row.id == type_id), None)
    if index is None:
        raise NotFound("error.unknown_type_id")
    target = min(max(index + step, 0), len(rows) - 1)
    rows.insert(target, rows.pop(index))
    # Renumbered from 0, so equal positions (older data) end up distinct.
    for position, row in enumerate(rows):
        if row.position != position:
            InteractionType.update(position=position).where(InteractionType.id == row.id).execute()
            row.position = position
    return [type_record(row) for row in rows]
