"""Settings driven as a person drives them (Pilot) on a real database: the
hub opens its sections; a supervisor creates, edits, reorders, deactivates
and deletes types and templates, each wrong field named under it with what
was typed kept; an agent sees the lists read-only; "Create" says when a
template's task falls due in words. Snapshots at 80x24 of the hub, the
types list and the template form with an error.

The data set is the snapshot sales floor (`app_helpers.build_floor`): ana
(admin), marta (supervisor), luis (agent), the shipped types and templates,
and calls, e-mails, visits... logged (so those types are in use)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Select

from crm_tui.app import CrmApp
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.new_interaction import template_text
from crm_tui.screens.settings import SettingsForm, SettingsScreen
from crm_tui.screens.template_form import TemplateForm, due_when
from crm_tui.screens.templates_settings import TemplatesSettingsScreen
from crm_tui.screens.type_form import TypeForm
from crm_tui.screens.types_settings import TypesSettingsScreen
from crm_tui.services.templates import list_templates
from crm_tui.services.types import list_types
from crm_tui.store import db as store_db
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import NOW, make_app, make_floor, settle, shown

SHIPPED_ORDER = ["call", "email", "meeting", "visit", "message", "task", "note"]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


def stored(target: store_db.Target, query: Any) -> Any:
    store_db.connect(target)
    try:
        return query()
    finally:
        store_db.close()


async def open_settings(pilot: Pilot[None]) -> None:
    app = pilot.app
    await settle(pilot, lambda: app.actor is not None)  # type: ignore[attr-defined]
    await app.push_screen(SettingsScreen())
    await settle(pilot, lambda: isinstance(app.screen, SettingsScreen))


async def open_section(pilot: Pilot[None], downs: int, screen: type) -> None:
    await open_settings(pilot)
    await pilot.press(*(["down"] * downs), "enter")
    await settle(pilot, lambda: isinstance(pilot.app.screen, screen))


def rows(app: CrmApp) -> list[list[str]]:
    table: PagedTable[Any] = app.screen.query_one(PagedTable)
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


def cursor_row(app: CrmApp) -> list[str]:
    table: PagedTable[Any] = app.screen.query_one(PagedTable)
    return [cell.plain for cell in table.get_row_at(table.cursor_row)]


async def form_open(pilot: Pilot[None], form: type) -> SettingsForm[Any]:
    await settle(pilot, lambda: isinstance(pilot.app.screen, form))
    screen = pilot.app.screen
    assert isinstance(screen, SettingsForm)
    return screen


async def type_into(pilot: Pilot[None], field_id: str, text: str) -> None:
    """Focus an input, empty it, and type `text` as a person would."""
    control = pilot.app.screen.query_one(f"#{field_id}", Input)
    control.focus()
    control.value = ""
    await pilot.press(*text)
    await pilot.pause()


def error_under(screen: SettingsForm[Any], field_id: str) -> str:
    return shown(screen.query_one(f"#{field_id}-field .form-error", Label))


def toasts(app: CrmApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def read_only_shown(app: CrmApp) -> bool:
    return bool(app.screen.query_one("#settings-read-only", Label).display)


def footer_keys(app: CrmApp) -> set[str]:
    return {binding.action for (_, binding, enabled, _) in app.active_bindings.values() if enabled}


# --- the hub -------------------------------------------------------------------------------


async def test_the_hub_lists_the_sections_and_opens_them(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        sections = app.screen.query_one(OptionList)
        assert [sections.get_option_at_index(i).id for i in range(sections.option_count)] == [
            "types",
            "templates",
            "rules",
            "activities",
        ]
        assert not read_only_shown(app)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TypesSettingsScreen))
        await pilot.press("q")
        await settle(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("j", "enter")
        await settle(pilot, lambda: isinstance(app.screen, TemplatesSettingsScreen))


async def test_the_hub_speaks_spanish(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis", lang="es")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        sections = app.screen.query_one(OptionList)
        texts = [str(sections.get_option_at_index(i).prompt) for i in range(3)]
        assert texts[0].startswith("Tipos de interacción")
        assert texts[1].startswith("Tareas preconfiguradas")
        assert texts[2].startswith("Reglas automáticas")
        assert read_only_shown(app)
        assert shown(app.screen.query_one("#settings-read-only", Label)) == (
            "Solo los roles con 'manage-settings' pueden cambiar estos ajustes;"
            " usted puede consultarlos."
        )


# --- types -------------------------------------------------------------------------------


async def test_the_types_list_previews_each_type_in_order(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        assert rows(app)[:2] == [
            ["☎ Call", "call", "Call", "green", "yes", "active"],
            ["✉ E-mail", "email", "E-mail", "blue", "yes", "active"],
        ]
        assert rows(app)[-1] == ["¶ Note", "note", "Note", "white", "no", "active"]
        preview = app.screen.query_one(PagedTable).get_row_at(0)[0]
        assert "green" in str(preview.style)  # in its colour


async def test_a_supervisor_creates_a_type_fixing_what_was_refused(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("n")
        form = await form_open(pilot, TypeForm)
        await type_into(pilot, "type_code", "Whats App")
        await type_into(pilot, "type_label_es", "WhatsApp")
        await type_into(pilot, "type_colour", "verde")
        form.query_one("#type_glyph", Input).value = "✆"
        await pilot.press("f2")
        await settle(pilot, lambda: error_under(form, "type_code") != "")
        assert error_under(form, "type_code") == (
            "'whats app' is not a code: use lower-case letters, digits, _ and - (at most 32)"
        )
        assert error_under(form, "type_label_en") == "English label is required"
        assert error_under(form, "type_channel") == "channel is required"
        assert error_under(form, "type_colour") == (
            "'verde' is not a colour: use a name such as green or bright_blue, or #rrggbb"
        )
        assert error_under(form, "type_label_es") == ""
        # What was typed is still there, and the first wrong field has the keyboard.
        assert form.query_one("#type_label_es", Input).value == "WhatsApp"
        assert app.focused is form.query_one("#type_code", Input)
        await type_into(pilot, "type_code", "whatsapp")
        assert error_under(form, "type_code") == ""  # corrected: its message goes
        await type_into(pilot, "type_label_en", "WhatsApp")
        await type_into(pilot, "type_colour", "bright_green")
        form.query_one("#type_channel", Select).value = "message"
        await pilot.pause()
        assert shown(form.query_one("#type-preview", Label)) == "→ ✆ WhatsApp"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, TypesSettingsScreen))
        assert rows(app)[-1] == [
            "✆ WhatsApp",
            "whatsapp",
            "Message",
            "bright_green",
            "no",
            "active",
        ]
    assert [kind.code for kind in stored(floor, list_types)] == [*SHIPPED_ORDER, "whatsapp"]


async def test_a_type_in_use_keeps_its_code_and_its_labels_change(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("enter")  # on "call", which interactions use
        form = await form_open(pilot, TypeForm)
        assert form.query_one("#type_code", Input).disabled
        assert app.focused is form.query_one("#type_label_es", Input)
        await type_into(pilot, "type_label_en", "Phone call")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, TypesSettingsScreen))
        assert cursor_row(app)[:2] == ["☎ Phone call", "call"]


async def test_space_deactivates_and_reactivates_a_type(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("G")  # "note": no template proposes it
        await pilot.press("space")
        await settle(pilot, lambda: cursor_row(app)[-1] == "inactive")
        assert "note" not in [k.code for k in stored(floor, lambda: list_types(active_only=True))]
        await pilot.press("space")
        await settle(pilot, lambda: cursor_row(app)[-1] == "active")


async def test_deactivating_a_type_templates_propose_is_refused_in_words(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("space")  # "call"
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [
            "the task templates «Llamada de seguimiento», «Primera llamada al cliente» use "
            "this type; change or deactivate them first"
        ]
        assert cursor_row(app)[-1] == "active"


async def test_types_move_up_and_down_and_the_cursor_follows(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("J")
        await settle(pilot, lambda: rows(app)[1][1] == "call")
        assert cursor_row(app)[1] == "call"
        await pilot.press("alt+down")
        await settle(pilot, lambda: rows(app)[2][1] == "call")
        await pilot.press("K")
        await settle(pilot, lambda: rows(app)[1][1] == "call")
        assert [kind.code for kind in stored(floor, list_types)] == [
            "email",
            "call",
            *SHIPPED_ORDER[2:],
        ]


async def test_a_type_in_use_is_not_deleted(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        await pilot.press("delete")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: bool(toasts(app)))
        assert "cannot be deleted; deactivate it instead" in toasts(app)[0]
        assert len(rows(app)) == len(SHIPPED_ORDER)


# --- templates ----------------------------------------------------------------------------


async def test_a_supervisor_creates_edits_and_deletes_a_template(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 1, TemplatesSettingsScreen)
        assert rows(app)[0] == ["Enviar oferta por correo", "✉ E-mail", "Normal", "+1d", "active"]
        await pilot.press("n")
        form = await form_open(pilot, TemplateForm)
        await type_into(pilot, "template_name", "Confirmar cita")
        form.query_one("#template_type", Select).value = "meeting"
        await type_into(pilot, "template_due", "mañana 9:30")
        assert shown(form.query_one("#template-due-hint", Label)) == "→ Tue 24 Nov 09:30"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, TemplatesSettingsScreen))
        assert ["Confirmar cita", "◆ Meeting", "Normal", "mañana 9:30", "active"] in rows(app)
        # Edit it: Enter on its row.
        index = [row[0] for row in rows(app)].index("Confirmar cita")
        await pilot.press("g", *(["j"] * index), "enter")
        form = await form_open(pilot, TemplateForm)
        assert form.query_one("#template_name", Input).value == "Confirmar cita"
        await type_into(pilot, "template_due", "")
        assert shown(form.query_one("#template-due-hint", Label)) == "→ at once"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, TemplatesSettingsScreen))
        assert cursor_row(app) == ["Confirmar cita", "◆ Meeting", "Normal", "at once", "active"]
        # Deactivate, then delete after confirming.
        await pilot.press("space")
        await settle(pilot, lambda: cursor_row(app)[-1] == "inactive")
        await pilot.press("delete")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: "Confirmar cita" not in [row[0] for row in rows(app)])
    names = [t.name for t in stored(floor, lambda: list_templates(active_only=False))]
    assert "Confirmar cita" not in names


async def test_a_template_error_is_shown_under_its_field(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 1, TemplatesSettingsScreen)
        await pilot.press("n")
        form = await form_open(pilot, TemplateForm)
        await type_into(pilot, "template_name", "Visita comercial")
        await type_into(pilot, "template_due", "someday")
        assert shown(form.query_one("#template-due-hint", Label)) == "→ “someday” (not a date)"
        await pilot.press("f2")
        await settle(pilot, lambda: error_under(form, "template_name") != "")
        assert error_under(form, "template_name") == "name 'Visita comercial' already exists"
        assert error_under(form, "template_type") == "type is required"
        assert error_under(form, "template_due").startswith("'someday' is not a date")
        assert form.query_one("#template_due", Input).value == "someday"
        # Escape with something typed asks first; "n" keeps the form.
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, TemplateForm))


# --- agents ------------------------------------------------------------------------------


async def test_an_agent_sees_the_lists_read_only(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        assert read_only_shown(app)
        assert not {"new", "edit", "toggle_active", "delete", "move"} & footer_keys(app)
        await pilot.press("n", "enter", "space", "J", "delete")
        await settle(pilot)
        assert isinstance(app.screen, TypesSettingsScreen)
        assert rows(app)[0][1] == "call"
        assert rows(app)[0][-1] == "active"
        await pilot.press("q")
        await settle(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("j", "enter")
        await settle(pilot, lambda: isinstance(app.screen, TemplatesSettingsScreen))
        assert read_only_shown(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesSettingsScreen)


async def test_a_supervisor_demoted_meanwhile_is_refused(floor: store_db.Target) -> None:
    from crm_tui.store.models import User

    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, 0, TypesSettingsScreen)
        stored(floor, lambda: User.update(role="agent").where(User.username == "marta").execute())
        await pilot.press("G", "space")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [
            "Only roles with 'manage-settings' can change the settings"
            " (types, templates, rules, mail); you are an agent"
        ]
        assert cursor_row(app)[-1] == "active"


# --- "Create" says when a template's task falls due ---------------------------------------


@pytest.mark.parametrize(
    ("offset", "lang", "expected"),
    [
        ("+2d", "en", "in 2 days"),
        ("+2d", "es", "dentro de 2 días"),
        ("+1h", "en", "in 1 hour"),
        ("tomorrow", "es", "dentro de 1 día"),
        ("next monday 09:00", "en", "Mon 30 Nov 09:00"),
        ("next monday 09:00", "es", "lun 30 nov 09:00"),
        ("", "en", "at once"),
        ("", "es", "en el momento"),
        ("whenever", "es", "«whenever» (no es una fecha)"),
    ],
)
def test_a_due_offset_reads_in_words(offset: str, lang: str, expected: str) -> None:
    assert due_when(offset, lang, datetime(2026, 11, 23, 10, 17, 42)) == expected


def test_create_offers_each_template_with_when_it_falls_due(
    floor: store_db.Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = {t.name: t for t in stored(floor, list_templates)}
    assert template_text(templates["Revisar documentación del cliente"], "es") == (
        "Revisar documentación del cliente · ✓ Tarea · vence dentro de 2 días"
    )
    assert template_text(templates["Llamada de seguimiento"], "en") == (
        "Llamada de seguimiento · ☎ Call · due Mon 30 Nov 09:00"
    )
    assert NOW.weekday() == 0  # Monday: "next monday" is a week away


# --- snapshots ----------------------------------------------------------------------------


async def on_the_hub(pilot: Pilot[None]) -> None:
    await open_settings(pilot)


async def on_the_types(pilot: Pilot[None]) -> None:
    await open_section(pilot, 0, TypesSettingsScreen)
    await pilot.press("j")


async def on_a_template_form_with_an_error(pilot: Pilot[None]) -> None:
    await open_section(pilot, 1, TemplatesSettingsScreen)
    await pilot.press("n")
    form = await form_open(pilot, TemplateForm)
    await type_into(pilot, "template_name", "Visita comercial")
    form.query_one("#template_type", Select).value = "visit"
    await type_into(pilot, "template_due", "+3d")
    await pilot.press("f2")
    await settle(pilot, lambda: error_under(form, "template_name") != "")


def test_hub_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    assert snap_compare(make_app(floor, user="luis"), terminal_size=(80, 24), run_before=on_the_hub)


def test_types_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_types)


def test_template_form_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_a_template_form_with_an_error)
