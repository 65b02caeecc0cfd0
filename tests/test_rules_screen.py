"""The automatic rules settings and the stage dialog, driven as a person
drives them (Pilot) on the snapshot sales floor: a supervisor reads each
rule as a sentence, switches one off, creates one (the form shows only the
fields of the chosen trigger and action, names each wrong field and keeps
what was typed), and deletes it; a shipped rule is not deleted; an agent
reads only. On a timeline, `S` moves the opportunity to another stage.
Snapshots at 80x24 of the list, the form and the stage dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select

from crm_tui.app import CrmApp
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.navigation import open_opportunity
from crm_tui.screens.rule_form import RuleForm
from crm_tui.screens.rules_settings import RulesSettingsScreen
from crm_tui.screens.stage_dialog import StageDialog
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services import history
from crm_tui.services.contacts import get_opportunity
from crm_tui.services.rules import list_rules
from crm_tui.store import db as store_db
from crm_tui.store.models import Rule
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import NOW_ENV, build_floor, make_app, settle, shown

RETRY = "Reintentar llamada sin respuesta"


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    # The floor is built with the rules off (its rows stay as pictured);
    # here they are on again, as shipped: this is their screen.
    stored(target, lambda: Rule.update(active=True).execute())
    return target


def stored(target: store_db.Target, query: Any) -> Any:
    store_db.connect(target)
    try:
        return query()
    finally:
        store_db.close()


async def open_rules(pilot: Pilot[None]) -> None:
    app = pilot.app
    await settle(pilot, lambda: app.actor is not None)  # type: ignore[attr-defined]
    await app.push_screen(RulesSettingsScreen())
    await settle(pilot, lambda: isinstance(app.screen, RulesSettingsScreen))


def rows(app: CrmApp) -> list[list[str]]:
    table: PagedTable[Any] = app.screen.query_one(PagedTable)
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


def visible_fields(form: RuleForm) -> list[str]:
    return [field.control.id or "" for field in form.query(FormField) if field.display]


def error_under(form: RuleForm, field_id: str) -> str:
    return shown(form.query_one(f"#{field_id}-field .form-error", Label))


async def type_into(pilot: Pilot[None], field_id: str, text: str) -> None:
    control = pilot.app.screen.query_one(f"#{field_id}", Input)
    control.focus()
    control.value = ""
    await pilot.press(*text)


async def new_rule_form(pilot: Pilot[None]) -> RuleForm:
    await open_rules(pilot)
    await pilot.press("n")
    await settle(pilot, lambda: isinstance(pilot.app.screen, RuleForm))
    form = pilot.app.screen
    assert isinstance(form, RuleForm)
    return form


async def test_the_rules_read_as_sentences(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta", lang="es")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rules(pilot)
        names = [row[1] for row in rows(app)]
        assert names == ["Recordatorio de evento vencido", RETRY]
        await pilot.press("down")
        sentence = shown(app.screen.query_one("#rule-sentence", Label))
        assert sentence == (
            f"{RETRY}: Cuando una llamada termina sin respuesta u ocupado → llamar de nuevo"
            " 2 h después en horario laboral, mismo usuario (de fábrica)"
        )


async def test_space_switches_a_rule_off_and_a_shipped_one_is_not_deleted(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rules(pilot)
        await pilot.press("down", "space")
        await settle(pilot, lambda: rows(app)[1][0] == "inactive")
        await pilot.press("delete")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
    active = stored(floor, lambda: {s.name: s.active for s in list_rules()})
    assert active[RETRY] is False


async def test_a_supervisor_creates_a_rule_fixing_what_was_refused(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_rule_form(pilot)
        # A new rule starts as "a call ends" → "create an interaction".
        assert "outcomes" in visible_fields(form) and "days" not in visible_fields(form)
        form.query_one("#trigger", Select).value = "no_contact"
        form.query_one("#assignee", Select).value = "user"
        await pilot.pause()
        assert visible_fields(form) == [
            "name",
            "trigger",
            "days",
            "action",
            "type",
            "assignee",
            "user",
            "due_offset",
            "working_hours",
            "priority",
            "subject",
        ]
        await type_into(pilot, "name", "Sin contacto")
        await type_into(pilot, "days", "0")
        await type_into(pilot, "due_offset", "pronto")
        await pilot.press("f2")
        await settle(pilot, lambda: error_under(form, "days") != "")
        assert error_under(form, "days") == "'0' is not a number of days (1 or more)"
        assert error_under(form, "type") == "type is required"
        assert error_under(form, "user") == "name the user"
        assert "is not an offset" in error_under(form, "due_offset")
        assert form.query_one("#name", Input).value == "Sin contacto"  # kept
        await type_into(pilot, "days", "30")
        await type_into(pilot, "due_offset", "+1d")
        await type_into(pilot, "user", "ana")
        form.query_one("#type", Select).value = "call"
        await pilot.pause()
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, RulesSettingsScreen))
        assert ["active", "Sin contacto"] in [row[:2] for row in rows(app)]
        # And deleted again, after confirming.
        table = app.screen.query_one(PagedTable)
        table.move_cursor(row=[row[1] for row in rows(app)].index("Sin contacto"))
        await pilot.press("delete")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, RulesSettingsScreen))
        await settle(pilot, lambda: "Sin contacto" not in [row[1] for row in rows(app)])


async def test_a_notify_rule_shows_only_its_fields(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_rule_form(pilot)
        form.query_one("#trigger", Select).value = "stage_change"
        form.query_one("#action", Select).value = "notify"
        await pilot.pause()
        assert visible_fields(form) == [
            "name",
            "trigger",
            "from_stage",
            "to_stage",
            "action",
            "to",
            "text",
        ]


async def test_an_agent_reads_the_rules_only(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_rules(pilot)
        assert app.screen.query_one("#settings-read-only", Label).display
        await pilot.press("n", "space")
        await settle(pilot)
        assert isinstance(app.screen, RulesSettingsScreen)
    assert all(s.active for s in stored(floor, list_rules))


async def test_s_on_a_timeline_changes_the_stage(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        open_opportunity(app, "OP-001")
        await settle(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.press("S")
        await settle(pilot, lambda: isinstance(app.screen, StageDialog))
        app.screen.query_one("#stage", Select).value = "negotiation"
        await type_into(pilot, "sub_stage", "Esperando firma")
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TimelineScreen))
    moved = stored(floor, lambda: get_opportunity("OP-001"))
    assert (moved.stage, moved.sub_stage) == ("negotiation", "Esperando firma")
    events = stored(floor, lambda: history.list_history(opportunity_id=moved.id))
    assert events[0].action == history.STAGE_CHANGED


# --- snapshots ----------------------------------------------------------------------------


async def on_the_rules(pilot: Pilot[None]) -> None:
    await open_rules(pilot)
    await pilot.press("down")


async def on_a_rule_form_with_an_error(pilot: Pilot[None]) -> None:
    form = await new_rule_form(pilot)
    await type_into(pilot, "name", "Reintento")
    await pilot.press("f2")
    await settle(pilot, lambda: error_under(form, "outcomes") != "")


async def on_the_stage_dialog(pilot: Pilot[None]) -> None:
    app = pilot.app
    await settle(pilot, lambda: app.actor is not None)  # type: ignore[attr-defined]
    open_opportunity(app, "OP-001")  # type: ignore[arg-type]
    await settle(pilot, lambda: isinstance(app.screen, TimelineScreen))
    await pilot.press("S")
    await settle(pilot, lambda: isinstance(app.screen, StageDialog))


def test_rules_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_rules)


def test_rule_form_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_a_rule_form_with_an_error)


def test_stage_dialog_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_stage_dialog)
