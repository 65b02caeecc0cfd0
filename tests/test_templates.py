"""Task templates and the tasks they propose, on SQLite and PostgreSQL,
with the templates the program ships."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm_tui.services.errors import ValidationError
from crm_tui.services.interactions import create_interaction
from crm_tui.services.queue import list_queue
from crm_tui.services.templates import TemplateRecord, draft_from_template, list_templates
from crm_tui.store.models import TaskTemplate

from .conftest import World

# Monday 23 November 2026.
NOW = datetime(2026, 11, 23, 10, 17, 42)
SHIPPED = {
    # name: (type, priority, due)
    "Enviar oferta por correo": ("email", "normal", datetime(2026, 11, 24, 10, 17)),
    "Llamada de seguimiento": ("call", "normal", datetime(2026, 11, 30, 9, 0)),
    "Primera llamada al cliente": ("call", "high", datetime(2026, 11, 23, 11, 17)),
    "Revisar documentación del cliente": ("task", "normal", datetime(2026, 11, 25, 10, 17)),
    "Visita comercial": ("visit", "high", datetime(2026, 11, 30, 10, 17)),
}


def by_name(name: str) -> TemplateRecord:
    return next(t for t in list_templates() if t.name == name)


def test_shipped_templates_by_name(world: World) -> None:
    templates = list_templates()
    assert [t.name for t in templates] == sorted(SHIPPED)
    first = by_name("Primera llamada al cliente")
    assert (first.type.code, first.default_priority, first.due_offset) == ("call", "high", "+1h")
    assert first.description.startswith("Presentarse")
    assert first.active


def test_inactive_templates_are_left_out_unless_asked_for(world: World) -> None:
    TaskTemplate.update(active=False).where(TaskTemplate.name == "Visita comercial").execute()
    assert "Visita comercial" not in [t.name for t in list_templates()]
    everything = list_templates(active_only=False)
    assert len(everything) == len(SHIPPED)
    assert not next(t for t in everything if t.name == "Visita comercial").active


def test_a_template_proposes_a_pending_task_for_whoever_uses_it(world: World) -> None:
    template = by_name("Primera llamada al cliente")
    draft = draft_from_template(
        template, contact="C-001", opportunity="OP-001", created_by="luis", now=NOW
    )
    assert (draft.type, draft.kind, draft.status, draft.priority) == (
        "call",
        "task",
        "pending",
        "high",
    )
    assert (draft.subject, draft.note) == (template.name, template.description)
    assert (draft.contact, draft.opportunity, draft.created_by, draft.user) == (
        "C-001",
        "OP-001",
        "luis",
        "luis",
    )
    assert draft.follow_up_at == datetime(2026, 11, 23, 11, 17)
    assert draft.starts_at is None  # a task, not an event


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_template_makes_a_task_in_my_queue_when_due(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW.isoformat())
    type_code, priority, due = SHIPPED[name]
    draft = draft_from_template(by_name(name), contact="C-001", opportunity=None, created_by="luis")
    task = create_interaction(draft)
    assert (task.type.code, task.priority, task.kind, task.status) == (
        type_code,
        priority,
        "task",
        "pending",
    )
    assert task.due_at == task.follow_up_at == due
    assert task.user == "luis" and task.opportunity_code is None
    queue = list_queue("luis").items
    assert [(item.id, item.due_at) for item in queue] == [(task.id, due)]


def test_a_template_without_offset_is_due_at_once(world: World) -> None:
    template = TemplateRecord(**{**vars(by_name("Visita comercial")), "due_offset": ""})
    draft = draft_from_template(template, contact="C-001", opportunity=None, created_by="ana")
    assert draft.follow_up_at is None  # due when it is recorded


def test_an_unreadable_offset_names_the_follow_up_field(world: World) -> None:
    template = TemplateRecord(**{**vars(by_name("Visita comercial")), "due_offset": "pronto"})
    with pytest.raises(ValidationError) as raised:
        draft_from_template(template, contact="C-001", opportunity=None, created_by="ana", now=NOW)
    assert [error.field for error in raised.value.errors] == ["follow_up_at"]
