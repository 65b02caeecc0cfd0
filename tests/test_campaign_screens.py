"""The campaigns screen and the campaign form driven as a supervisor (and
an agent) drives them (Pilot) on a real SQLite file: the live count before
scheduling, each problem under its field with what was typed kept, the
summary after, the list with its counts and progress bars, the progress
by agent, `C` on the contacts and interactions lists, the refusal for
agents; and pictures at 80x24 of the list and of the form with an error.

The data set is the snapshot sales floor (`app_helpers.build_floor`): on
Monday 23 Nov 2026 at 10:00, Luis (agent), Marta (supervisor), Ana
(admin), contacts C-001 Ferretería López and C-002 Panadería Sol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label, SelectionList, Static

from crm_tui.app import CrmApp
from crm_tui.screens.campaign_form import CampaignFormScreen
from crm_tui.screens.campaigns import CampaignsScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.services.campaigns import CampaignPlan, schedule_campaign
from crm_tui.services.interactions import edit_interaction
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.store.models import Campaign, Interaction
from crm_tui.widgets.form_field import FormField

from .app_helpers import NOW, make_app, make_floor, settle, shown


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


def with_a_campaign(target: store_db.Target) -> None:
    """Marta's "Navidad": one call each for Luis and Ana; Luis's is done."""
    store_db.connect(target)
    try:
        schedule_campaign(
            CampaignPlan(
                name="Navidad",
                type="call",
                start=NOW,
                contacts=("C-001", "C-002"),
                agents=("luis", "ana"),
            ),
            actor=get_user("marta"),
        )
        luis_call = Interaction.get(
            Interaction.campaign.is_null(False), Interaction.user == get_user("luis").id
        )
        edit_interaction(luis_call.id, {"status": "done"}, actor=get_user("luis"))
    finally:
        store_db.close()


def toasts(app: CrmApp) -> list[str]:
    """The messages of the toasts on show (a screen pushed by the test has
    no toast rack of its own, so they are read from the app)."""
    return [notification.message for notification in app._notifications]


def preview(app: CrmApp) -> str:
    return shown(app.screen.query_one("#campaign-preview", Label))


def error_under(app: CrmApp, control_id: str) -> str:
    field = app.screen.query_one(f"#{control_id}-field", FormField)
    return shown(field.query_one(".form-error", Label)) if field.has_error else ""


async def open_campaigns(pilot: Pilot[Any]) -> CampaignsScreen:
    app = pilot.app
    await settle(pilot, lambda: getattr(app, "actor", None) is not None)
    screen = CampaignsScreen()
    await app.push_screen(screen)
    await settle(pilot)
    return screen


async def open_form(pilot: Pilot[Any]) -> CampaignFormScreen:
    await open_campaigns(pilot)
    await pilot.press("n")
    await settle(
        pilot,
        lambda: isinstance(pilot.app.screen, CampaignFormScreen) and bool(pilot.app.screen.choices),
    )
    form = pilot.app.screen
    assert isinstance(form, CampaignFormScreen)
    return form


async def counted(pilot: Pilot[Any], text: str) -> None:
    await settle(pilot, lambda: preview(pilot.app) == text)


def tick_agents(app: CrmApp, *usernames: str) -> None:
    agents = app.screen.query_one("#agents", SelectionList)
    for username in usernames:
        agents.select(username)


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


# --- the form ---------------------------------------------------------------------------


async def test_the_count_shows_before_anything_is_written(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_form(pilot)
        await counted(pilot, "agents is required")  # nobody chosen yet
        tick_agents(app, "luis", "ana")
        await counted(pilot, "2 contacts → 2 calls, last on Tue 24 Nov 09:00")
        app.screen.query_one("#contacts", Input).value = "panader"
        await counted(pilot, "1 contacts → 1 calls, last on Tue 24 Nov 09:00")
        app.screen.query_one("#contacts", Input).value = "nadie"
        await counted(pilot, "no contact matches the search")
    store_db.connect(floor)
    try:
        assert Campaign.select().count() == 0
    finally:
        store_db.close()


async def test_a_supervisor_schedules_a_campaign_and_sees_it_listed(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        app.screen.query_one("#name", Input).value = "Black Friday"
        tick_agents(app, "luis")
        app.screen.query_one("#slot", Input).value = "30"
        await counted(pilot, "2 contacts → 2 calls, last on Tue 24 Nov 09:30")
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, CampaignsScreen) and toasts(app))
        assert toasts(app) == [
            "Campaign Black Friday: 2 calls scheduled, the last on Tue 24 Nov 09:30"
        ]
        table = app.screen.query_one("#campaigns", DataTable)
        await settle(pilot, lambda: table.row_count == 1)
        assert rows(table) == [
            ["Black Friday", "Marta Vidal", "10:00", "2", "0", "2", "0", "░░░░░░░░░░   0%"]
        ]
    store_db.connect(floor)
    try:
        calls = Interaction.select().where(Interaction.campaign.is_null(False))
        assert sorted((c.user.username, c.starts_at.hour, c.starts_at.minute) for c in calls) == [
            ("luis", 9, 0),
            ("luis", 9, 30),
        ]
    finally:
        store_db.close()


async def test_each_problem_shows_under_its_field_and_what_was_typed_stays(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_form(pilot)
        app.screen.query_one("#hours", Input).value = "18-9"
        app.screen.query_one("#per_day", Input).value = "muchas"
        app.screen.query_one("#pool", Checkbox).value = True
        await settle(pilot)  # the edits' own events first: they clear messages
        await pilot.press("f2")
        await settle(pilot, lambda: bool(error_under(app, "per_day")))
        assert error_under(app, "per_day") == "write a whole number, such as 40"
        app.screen.query_one("#per_day", Input).value = ""
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot, lambda: bool(error_under(app, "hours")))
        assert error_under(app, "name") == "campaign name is required"
        assert error_under(app, "hours").startswith("'18-9' is not working hours")
        assert error_under(app, "agents") == ""
        assert app.screen.query_one("#hours", Input).value == "18-9"
        assert isinstance(app.screen, CampaignFormScreen)
    store_db.connect(floor)
    try:
        assert Campaign.select().count() == 0
    finally:
        store_db.close()


async def test_an_agent_is_told_only_supervisors_schedule_campaigns(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_campaigns(pilot)
        await pilot.press("n")
        await settle(pilot, lambda: bool(toasts(app)))
        assert isinstance(app.screen, CampaignsScreen)
        assert toasts(app) == [
            "Only roles with 'schedule-campaign' can schedule campaigns; you are an agent"
        ]


# --- from a list ------------------------------------------------------------------------


async def test_C_on_the_contacts_list_takes_the_contacts_it_lists(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta", lang="es")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        await pilot.press("4")
        await settle(pilot, lambda: isinstance(app.screen, ContactsScreen))
        await pilot.press("slash", *"ferre", "enter")
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot, lambda: isinstance(app.screen, CampaignFormScreen))
        await settle(pilot, lambda: app.screen.query("#agents"))
        contacts = shown(app.screen.query_one("#contacts", Static))
        assert contacts == "los clientes que coinciden con «ferre»"
        tick_agents(app, "luis")
        await counted(pilot, "1 clientes → 1 llamadas, la última el mar 24 nov 09:00")


async def test_C_on_the_interactions_list_takes_the_contacts_of_its_filter(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        await pilot.press("slash", *"horno", "enter")  # only C-002's meeting
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot, lambda: isinstance(app.screen, CampaignFormScreen))
        await settle(pilot, lambda: app.screen.query("#agents"))
        contacts = shown(app.screen.query_one("#contacts", Static))
        assert contacts == "the contacts of the current filtered list"
        app.screen.query_one("#pool", Checkbox).value = True
        await counted(pilot, "1 contacts → 1 calls, last on Tue 24 Nov 09:00")


async def test_C_on_a_list_refuses_an_agent(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        await pilot.press("C")
        await settle(pilot, lambda: bool(toasts(app)))
        assert isinstance(app.screen, InteractionsScreen)
        assert toasts(app) == [
            "Only roles with 'schedule-campaign' can schedule campaigns; you are an agent"
        ]


# --- the list ---------------------------------------------------------------------------


async def test_enter_shows_the_progress_of_each_agent(floor: store_db.Target) -> None:
    with_a_campaign(floor)
    app = make_app(floor, user="luis")  # agents may look
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_campaigns(pilot)
        table = screen.table
        assert rows(table) == [
            ["Navidad", "Marta Vidal", "10:00", "2", "1", "1", "0", "█████░░░░░  50%"]
        ]
        await pilot.press("enter")
        agents = screen.query_one("#campaign-agents", DataTable)
        await settle(pilot, lambda: agents.row_count == 2)
        assert shown(screen.query_one("#campaign-progress-heading", Label)) == (
            "Progress of Navidad"
        )
        assert rows(agents) == [
            ["Ana Ruiz", "1", "0", "1", "0", "░░░░░░░░░░   0%"],
            ["Luis Gómez", "1", "1", "0", "0", "██████████ 100%"],
        ]
        await pilot.press("escape")
        assert not screen.progress_panel.has_class("-shown")


# --- pictures ---------------------------------------------------------------------------


def test_campaign_list_80x24(snap_compare: Any, floor: store_db.Target) -> None:
    with_a_campaign(floor)
    app = make_app(floor, user="marta")

    async def on_the_list(pilot: Pilot[Any]) -> None:
        await open_campaigns(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.query_one("#campaign-agents", DataTable).row_count)

    assert snap_compare(app, terminal_size=(80, 24), run_before=on_the_list)


def test_campaign_form_with_an_error_80x24(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")

    async def a_bad_hour(pilot: Pilot[Any]) -> None:
        await open_form(pilot)
        app.screen.query_one("#name", Input).value = "Navidad"
        app.screen.query_one("#hours", Input).value = "18-9"
        tick_agents(app, "luis")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot, lambda: bool(error_under(app, "hours")))
        # The live count follows the fields after a pause: the picture waits
        # for it to tell of the same hours (it raced the pause before).
        await settle(pilot, lambda: preview(app) == error_under(app, "hours"))
        app.screen.query_one("#hours-field").scroll_visible(animate=False)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=a_bad_hour)
