"""Settings services on SQLite and PostgreSQL: supervisors create, edit,
reorder, deactivate and delete interaction types and task templates; every
wrong field is named; a type in use keeps its code and cannot be deleted;
agents are refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm_tui.services.errors import CrmError, PermissionDenied, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import TypeRecord
from crm_tui.services.templates import (
    TemplateInput,
    TemplateRecord,
    create_template,
    delete_template,
    get_template,
    list_templates,
    set_template_active,
    update_template,
)
from crm_tui.services.types import (
    TypeInput,
    create_type,
    delete_type,
    list_types,
    move_type,
    set_type_active,
    type_in_use,
    update_type,
)
from crm_tui.services.users import add_user
from crm_tui.store.models import User

from .conftest import World

NOW = datetime(2026, 11, 23, 10, 0)
WHATSAPP = TypeInput("whatsapp", "WhatsApp", "WhatsApp", "mensaje", "Bright Green", "✆")
SHIPPED_ORDER = ["call", "email", "meeting", "visit", "message", "task", "note"]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW.isoformat())


def codes() -> list[str]:
    return [kind.code for kind in list_types()]


def by_code(code: str) -> TypeRecord:
    return next(kind for kind in list_types() if kind.code == code)


def template_named(name: str) -> TemplateRecord:
    return next(t for t in list_templates(active_only=False) if t.name == name)


def problems(error: ValidationError) -> dict[str, str]:
    return {problem.field: problem.message() for problem in error.errors}


def log_call(type_code: str) -> None:
    create_interaction(
        InteractionDraft(
            type=type_code, contact="C-001", opportunity=None, created_by="luis", subject="x"
        )
    )


# --- types ------------------------------------------------------------------------------


def test_a_supervisor_adds_a_type_last_in_the_order(world: World) -> None:
    created = create_type(WHATSAPP, actor=world.supervisor)
    assert (created.code, created.label_es, created.channel, created.colour, created.glyph) == (
        "whatsapp",
        "WhatsApp",
        "message",  # the channel as typed in Spanish
        "bright_green",  # the colour in its canonical spelling
        "✆",
    )
    assert created.active
    assert codes() == [*SHIPPED_ORDER, "whatsapp"]
    # Offered by name from now on, as the shipped ones are.
    log_call("WhatsApp")


def test_every_wrong_field_of_a_type_is_named(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        create_type(
            TypeInput("Llamada!", "", "x" * 65, "fax", "ultraviolet", "☎☎☎"),
            actor=world.admin,
        )
    assert problems(caught.value) == {
        "type_code": "'llamada!' is not a code: use lower-case letters, digits, _ and - "
        "(at most 32)",
        "type_label_es": "Spanish label is required",
        "type_label_en": "English label is 65 characters long; the limit is 64",
        "type_channel": "unknown channel 'fax'; use one of: call, email, meeting, visit, "
        "message, task, note",
        "type_colour": "'ultraviolet' is not a colour: use a name such as green or "
        "bright_blue, or #rrggbb",
        "type_glyph": "the glyph '☎☎☎' is 3 cells wide; at most 2",
    }
    assert codes() == SHIPPED_ORDER


def test_a_type_cannot_take_another_types_code_or_label(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        create_type(
            TypeInput("CALL", "reunion", "Fax", "call", "#00ff00", ""), actor=world.supervisor
        )
    assert problems(caught.value) == {
        "type_code": "'call' is already the code or a label of the type 'call'",
        "type_label_es": "'reunion' is already the code or a label of the type 'meeting'",
    }


def test_colours_are_rich_names_or_hex(world: World) -> None:
    created = create_type(
        TypeInput("fax", "Fax", "Fax", "message", "#A0B", ""), actor=world.supervisor
    )
    assert created.colour == "#aa00bb"
    assert created.glyph == ""


def test_an_unused_type_can_be_edited_whole(world: World) -> None:
    created = create_type(WHATSAPP, actor=world.supervisor)
    edited = update_type(
        created.id,
        TypeInput("wa", "Mensaje de WhatsApp", "WhatsApp message", "message", "cyan", "W"),
        actor=world.supervisor,
    )
    assert (edited.code, edited.label_es, edited.colour, edited.glyph) == (
        "wa",
        "Mensaje de WhatsApp",
        "cyan",
        "W",
    )


def test_a_type_in_use_keeps_its_code_but_its_labels_change(world: World) -> None:
    call = by_code("call")
    log_call("call")
    assert type_in_use(call.id)
    changed = TypeInput("phone", "Llamada telefónica", "Phone call", "call", "green", "☎")
    with pytest.raises(ValidationError) as caught:
        update_type(call.id, changed, actor=world.supervisor)
    assert problems(caught.value) == {
        "type_code": "interactions already use the code 'call', so it cannot change"
    }
    kept = update_type(
        call.id,
        TypeInput("call", "Llamada telefónica", "Phone call", "call", "green", "☎"),
        actor=world.supervisor,
    )
    assert (kept.code, kept.label_es) == ("call", "Llamada telefónica")


def test_a_type_in_use_is_deactivated_not_deleted(world: World) -> None:
    call = by_code("call")
    log_call("call")
    log_call("call")
    with pytest.raises(CrmError) as refused:
        delete_type(call.id, actor=world.supervisor)
    assert refused.value.message() == (
        "2 interactions use this type, so it cannot be deleted; deactivate it instead"
    )
    for template in list_templates():
        if template.type.code == "call":
            set_template_active(template.id, False, actor=world.supervisor)
    assert not set_type_active(call.id, False, actor=world.supervisor).active
    assert "call" not in [kind.code for kind in list_types(active_only=True)]
    assert "call" in codes()  # still there for the old interactions
    assert set_type_active(call.id, True, actor=world.supervisor).active


def test_a_type_active_templates_propose_stays_active(world: World) -> None:
    call = by_code("call")
    with pytest.raises(CrmError) as refused:
        set_type_active(call.id, False, actor=world.supervisor)
    assert refused.value.message() == (
        "the task templates «Llamada de seguimiento», «Primera llamada al cliente» use this "
        "type; change or deactivate them first"
    )
    assert by_code("call").active


def test_an_unused_type_can_be_deleted(world: World) -> None:
    created = create_type(WHATSAPP, actor=world.supervisor)
    delete_type(created.id, actor=world.supervisor)
    assert codes() == SHIPPED_ORDER
    note = by_code("note")
    delete_type(note.id, actor=world.supervisor)  # shipped, but nobody used it
    assert "note" not in codes()


def test_moving_a_type_changes_the_order_and_stops_at_the_ends(world: World) -> None:
    email = by_code("email")
    moved = move_type(email.id, -1, actor=world.supervisor)
    assert [kind.code for kind in moved] == ["email", "call", *SHIPPED_ORDER[2:]]
    move_type(email.id, -1, actor=world.supervisor)
    assert codes() == ["email", "call", *SHIPPED_ORDER[2:]]
    move_type(by_code("note").id, 1, actor=world.supervisor)
    assert codes()[-1] == "note"
    move_type(email.id, 1, actor=world.supervisor)
    assert codes() == SHIPPED_ORDER


# --- templates ----------------------------------------------------------------------------


def test_a_supervisor_adds_a_template_that_create_offers(world: World) -> None:
    created = create_template(
        TemplateInput(
            "Confirmar cita", "Reunión", "Alta", "mañana 09:30", "Llamar\r\npara confirmar."
        ),
        actor=world.supervisor,
    )
    assert (created.name, created.type.code, created.default_priority, created.due_offset) == (
        "Confirmar cita",
        "meeting",
        "high",
        "mañana 09:30",
    )
    assert created.description == "Llamar\npara confirmar."
    assert created.active
    assert "Confirmar cita" in [t.name for t in list_templates()]


def test_every_wrong_field_of_a_template_is_named(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        create_template(
            TemplateInput("primera LLAMADA al cliente", "fax", "muy alta", "someday", "x" * 20_001),
            actor=world.supervisor,
        )
    assert problems(caught.value) == {
        "template_name": "name 'primera LLAMADA al cliente' already exists",
        "template_type": "unknown interaction type 'fax'; use one of: call, email, meeting, "
        "visit, message, task, note",
        "template_priority": "unknown default priority 'muy alta'; use one of: low, normal, "
        "high, urgent",
        "template_due": "'someday' is not a date; write e.g. 2026-11-23, 2026-11-23 14:05, "
        "today, tomorrow 10:00, +2d or monday",
        "template_description": "description is 20,001 characters long; the limit is 20,000",
    }


def test_a_template_is_not_due_in_the_past_and_needs_its_fields(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        create_template(TemplateInput(" ", "", "", "-2d"), actor=world.supervisor)
    assert problems(caught.value) == {
        "template_name": "name is required",
        "template_type": "type is required",
        "template_priority": "default priority is required",
        "template_due": "'-2d' falls in the past; a task is due now or later (e.g. +2d)",
    }


def test_an_empty_offset_means_due_at_once(world: World) -> None:
    created = create_template(
        TemplateInput("Devolver llamada", "call", "urgent", "  "), actor=world.supervisor
    )
    assert created.due_offset == ""


def test_editing_a_template_keeps_its_identity(world: World) -> None:
    first = template_named("Primera llamada al cliente")
    edited = update_template(
        first.id,
        TemplateInput("Primera llamada", "call", "urgent", "+30m", first.description),
        actor=world.supervisor,
    )
    assert (edited.id, edited.uid) == (first.id, first.uid)
    assert (edited.name, edited.default_priority, edited.due_offset) == (
        "Primera llamada",
        "urgent",
        "+30m",
    )
    # Its own name, in another case, is not a duplicate of itself.
    update_template(
        first.id,
        TemplateInput("PRIMERA LLAMADA", "call", "urgent", "+30m"),
        actor=world.supervisor,
    )
    assert get_template(first.id).name == "PRIMERA LLAMADA"


def test_a_template_needs_an_active_type(world: World) -> None:
    created = create_type(WHATSAPP, actor=world.supervisor)
    set_type_active(created.id, False, actor=world.supervisor)
    with pytest.raises(ValidationError) as caught:
        create_template(TemplateInput("Escribir", "whatsapp", "normal"), actor=world.supervisor)
    assert problems(caught.value) == {
        "template_type": "the type 'whatsapp' is not active; choose an active one or reactivate it"
    }


def test_templates_are_deactivated_reactivated_and_deleted(world: World) -> None:
    visit = template_named("Visita comercial")
    assert not set_template_active(visit.id, False, actor=world.supervisor).active
    assert "Visita comercial" not in [t.name for t in list_templates()]
    assert set_template_active(visit.id, True, actor=world.supervisor).active
    delete_template(visit.id, actor=world.supervisor)
    assert "Visita comercial" not in [t.name for t in list_templates(active_only=False)]


def test_a_template_whose_type_was_deactivated_stays_inactive(world: World) -> None:
    created = create_type(WHATSAPP, actor=world.supervisor)
    template = create_template(
        TemplateInput("Escribir", "whatsapp", "normal"), actor=world.supervisor
    )
    set_template_active(template.id, False, actor=world.supervisor)
    set_type_active(created.id, False, actor=world.supervisor)
    with pytest.raises(ValidationError) as caught:
        set_template_active(template.id, True, actor=world.supervisor)
    assert caught.value.message() == (
        "the type 'whatsapp' is not active; choose an active one or reactivate it"
    )


# --- who may ------------------------------------------------------------------------------


def test_agents_cannot_change_settings(world: World) -> None:
    call = by_code("call")
    visit = template_named("Visita comercial")
    refusals = [
        lambda: create_type(WHATSAPP, actor=world.agent),
        lambda: update_type(call.id, WHATSAPP, actor=world.agent),
        lambda: set_type_active(call.id, False, actor=world.agent),
        lambda: move_type(call.id, 1, actor=world.agent),
        lambda: delete_type(call.id, actor=world.agent),
        lambda: create_template(TemplateInput("x", "call", "normal"), actor=world.agent),
        lambda: update_template(visit.id, TemplateInput("x", "call", "normal"), actor=world.agent),
        lambda: set_template_active(visit.id, False, actor=world.agent),
        lambda: delete_template(visit.id, actor=world.agent),
    ]
    for refused in refusals:
        with pytest.raises(PermissionDenied) as caught:
            refused()
        assert caught.value.message() == (
            "Only roles with 'manage-settings' can change the settings "
            "(types, templates, rules, mail); you are an agent"
        )
    assert codes() == SHIPPED_ORDER
    assert template_named("Visita comercial").active


def test_the_role_is_read_from_the_database_not_the_callers_record(world: World) -> None:
    demoted = add_user("pepe", "Pepe", role="supervisor")
    User.update(role="agent").where(User.id == demoted.id).execute()
    with pytest.raises(PermissionDenied):
        create_type(WHATSAPP, actor=demoted)
    User.update(active=False).where(User.id == world.supervisor.id).execute()
    with pytest.raises(PermissionDenied):
        create_type(WHATSAPP, actor=world.supervisor)
