"""Interaction types as configured in settings (shipped: call, email,
meeting, visit, message, task, note). Input matches the code or either
label, in any case, with or without accents."""

from __future__ import annotations

from crm_tui.services.errors import ValidationError
from crm_tui.services.records import TypeRecord
from crm_tui.services.vocab import fold
from crm_tui.store.models import InteractionType


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
