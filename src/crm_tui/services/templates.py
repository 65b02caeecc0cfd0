"""Preconfigured task templates ("Primera llamada al cliente", ...), and
the task a template proposes for a contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_tui import clock
from crm_tui.services.dates import parse_offset
from crm_tui.services.interactions import InteractionDraft
from crm_tui.services.records import TypeRecord
from crm_tui.services.types import type_record
from crm_tui.services.vocab import fold
from crm_tui.store.models import InteractionType, TaskTemplate


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


def list_templates(*, active_only: bool = True) -> list[TemplateRecord]:
    """The templates by name (accents and case aside, as people read it)."""
    query = TaskTemplate.select(TaskTemplate, InteractionType).join(
        InteractionType, on=(TaskTemplate.type == InteractionType.id)
    )
    if active_only:
        query = query.where(TaskTemplate.active == True)  # noqa: E712 (SQL, not Python)
    records = [
        TemplateRecord(
            id=row.id,
            uid=row.uid,
            name=row.name,
            type=type_record(row.type),
            default_priority=row.default_priority,
            due_offset=row.due_offset,
            description=row.description,
            active=bool(row.active),
        )
        for row in query
    ]
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
