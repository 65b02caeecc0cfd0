"""Each key that needs a permission, for each role, driven as a person
drives it (Pilot) on a real database: the key is in the footer, the help
and the palette of a role that has the permission and of no other; pressed
anyway, it does nothing but show the service's refusal, which history
keeps. A change of permissions takes effect on the open app. An
opportunity's activities show only to roles with
see-activities-opportunity-tab and only in the stages configured for them.

The data set is the snapshot sales floor (`app_helpers.build_floor`): ana
(admin), marta (supervisor), luis (agent); OP-001 is in the stage "new"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Static

from crm_tui.app import CrmApp
from crm_tui.screens.activities_settings import ActivitiesSettingsScreen
from crm_tui.screens.calendar import CalendarScreen
from crm_tui.screens.calendar_dialogs import PersonChooser
from crm_tui.screens.campaign_form import CampaignFormScreen
from crm_tui.screens.campaigns import CampaignsScreen
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.export_dialog import ExportDialog
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.screens.types_settings import TypesSettingsScreen
from crm_tui.services.activities_tab import activities_stages, set_activities_stages
from crm_tui.services.listing import get_interaction
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.path_input import PathInput

from .app_helpers import make_app, make_floor, settle, shown
from .permission_helpers import (
    change_grants,
    help_descriptions,
    offered_actions,
    palette_commands,
    refusals,
    stored,
    toasts,
)

CALL = 7  # "Llamada entrante" by luis, on OP-001
ROLES = [("luis", "agent"), ("marta", "supervisor"), ("ana", "admin")]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


def refusal(permission: str, doing: str, role: str) -> str:
    article = "an" if role[0] in "aeiou" else "a"
    return f"Only roles with '{permission}' can {doing}; you are {article} {role}"


def still_there(floor: store_db.Target, interaction_id: int) -> bool:
    return stored(floor, lambda: get_interaction(interaction_id)).id == interaction_id


async def ready(pilot: Pilot[None]) -> CrmApp:
    app = pilot.app
    assert isinstance(app, CrmApp)
    await settle(pilot, lambda: app.actor is not None)
    return app


async def show(pilot: Pilot[None], screen: Any) -> CrmApp:
    """`screen` in front, loaded, with what the user may do known."""
    app = await ready(pilot)
    await app.push_screen(screen)
    await settle(pilot, lambda: app.screen is screen)
    return app


async def pressed_and_refused(pilot: Pilot[None], key: str) -> str:
    """Press `key`; the one toast it leaves."""
    app = pilot.app
    assert isinstance(app, CrmApp)
    await pilot.press(key)
    await settle(pilot, lambda: bool(toasts(app)))
    [message] = toasts(app)
    return message


def assert_offered(app: CrmApp, action: str, description: str, offered: bool) -> None:
    """In the footer/help/palette with the permission, nowhere without."""
    assert (action in offered_actions(app)) is offered
    assert (description in help_descriptions(app)) is offered
    assert (description in palette_commands(app)) is offered


# --- delete-interaction ----------------------------------------------------------------


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_delete_on_the_detail_needs_delete_interaction(
    floor: store_db.Target, user: str, role: str
) -> None:
    may = role != "agent"
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, InteractionDetailScreen(CALL))
        assert_offered(app, "delete", "Delete", may)
        if may:
            await pilot.press("delete")
            await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("n")
            await settle(pilot, lambda: isinstance(app.screen, InteractionDetailScreen))
        else:
            message = await pressed_and_refused(pilot, "delete")
            assert message == refusal("delete-interaction", "delete interactions", role)
            assert isinstance(app.screen, InteractionDetailScreen)
    assert still_there(floor, CALL)
    logged = [] if may else [("delete-interaction", role)]
    assert [(row["permission"], row["role"]) for row in refusals(floor, user)] == logged


async def test_delete_on_the_timeline_is_refused_to_an_agent(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TimelineScreen("OP-001"))
        assert_offered(app, "delete", "Delete", False)
        message = await pressed_and_refused(pilot, "delete")
        assert message == refusal("delete-interaction", "delete interactions", "agent")
    assert still_there(floor, CALL)


async def test_a_supervisor_deletes_from_the_timeline(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TimelineScreen("OP-001"))
        assert_offered(app, "delete", "Delete", True)
        await pilot.press("delete", "y")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app)[0].endswith("deleted")


async def test_a_delete_invoked_after_the_permission_went_shows_the_refusal(
    floor: store_db.Target,
) -> None:
    """The key was offered when the screen loaded; the permission is taken
    away from elsewhere before it is used (a palette left open): the
    service refuses and says so, and nothing is deleted."""
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        detail = InteractionDetailScreen(CALL)
        await show(pilot, detail)
        change_grants(floor, "supervisor", revoke=["delete-interaction"])
        detail.action_delete()
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [refusal("delete-interaction", "delete interactions", "supervisor")]
    assert still_there(floor, CALL)


# --- export ----------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_every_role_exports_by_default(floor: store_db.Target, user: str, role: str) -> None:
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        assert_offered(app, "export", "Export", True)
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, ExportDialog))


async def test_without_export_x_is_hidden_and_refused(floor: store_db.Target) -> None:
    change_grants(floor, "agent", revoke=["export"])
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        assert_offered(app, "export", "Export", False)
        message = await pressed_and_refused(pilot, "x")
        assert message == refusal("export", "export", "agent")
        assert isinstance(app.screen, InteractionsScreen)
        app.clear_notifications()
        await show(pilot, InteractionDetailScreen(CALL))
        assert_offered(app, "export", "Export", False)
        assert await pressed_and_refused(pilot, "x") == refusal("export", "export", "agent")
        assert isinstance(app.screen, InteractionDetailScreen)
    assert [row["permission"] for row in refusals(floor, "luis")] == ["export", "export"]


async def test_an_export_started_after_the_permission_went_is_refused_in_the_dialog(
    floor: store_db.Target, tmp_path: Path
) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, InteractionDetailScreen(CALL))
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, ExportDialog))
        change_grants(floor, "agent", revoke=["export"])
        app.screen.query_one("#export-path", PathInput).value = str(tmp_path / "call.csv")
        await pilot.press("enter")
        await settle(pilot, lambda: "Only roles" in shown(app.screen.query_one("#export-message")))
        message = shown(app.screen.query_one("#export-message", Label))
        assert message == refusal("export", "export", "agent")
    assert not (tmp_path / "call.csv").exists()


# --- schedule-campaign -----------------------------------------------------------------


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_new_campaign_needs_schedule_campaign(
    floor: store_db.Target, user: str, role: str
) -> None:
    may = role != "agent"
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, CampaignsScreen())
        assert_offered(app, "new_campaign", "New campaign", may)
        note = app.screen.query_one("#campaigns-read-only", Label)
        assert note.display is not may
        if may:
            await pilot.press("n")
            await settle(pilot, lambda: isinstance(app.screen, CampaignFormScreen))
        else:
            expected = refusal("schedule-campaign", "schedule campaigns", role)
            assert shown(note) == expected
            assert await pressed_and_refused(pilot, "n") == expected
            assert isinstance(app.screen, CampaignsScreen)


# --- see-others-calendar ---------------------------------------------------------------


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_whose_calendar_needs_see_others_calendar(
    floor: store_db.Target, user: str, role: str
) -> None:
    may = role != "agent"
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, CalendarScreen())
        assert_offered(app, "choose_user", "Whose calendar", may)
        if may:
            await pilot.press("u")
            await settle(pilot, lambda: isinstance(app.screen, PersonChooser))
        else:
            message = await pressed_and_refused(pilot, "u")
            assert message == refusal("see-others-calendar", "see another person's calendar", role)
            assert isinstance(app.screen, CalendarScreen)


async def test_a_granted_permission_takes_effect_on_the_open_app(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, CalendarScreen())
        assert "choose_user" not in offered_actions(app)
        change_grants(floor, "agent", grant=["see-others-calendar"])
        app.data_changed()  # what hearing of the change does
        app.screen.refresh_if_stale()
        await settle(pilot, lambda: "choose_user" in offered_actions(app))
        await pilot.press("u")
        await settle(pilot, lambda: isinstance(app.screen, PersonChooser))


# --- manage-settings ---------------------------------------------------------------------

CHANGES = {"new", "edit", "toggle_active", "delete", "move"}


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_settings_lists_change_only_with_manage_settings(
    floor: store_db.Target, user: str, role: str
) -> None:
    may = role != "agent"
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TypesSettingsScreen())
        assert CHANGES & offered_actions(app) == (CHANGES if may else set())
        assert app.screen.query_one("#settings-read-only", Label).display is not may
        if not may:
            doing = "change the settings (types, templates, rules, mail)"
            assert await pressed_and_refused(pilot, "n") == refusal("manage-settings", doing, role)
            assert isinstance(app.screen, TypesSettingsScreen)


# --- see-activities-opportunity-tab and the stages -------------------------------------


def activities_note(app: CrmApp) -> str | None:
    """What the timeline says instead of the activities; None when it shows them."""
    if app.screen.query_one(InteractionBrowser).display:
        return None
    return shown(app.screen.query_one("#activities-hidden", Static))


@pytest.mark.parametrize(("user", "role"), ROLES)
async def test_every_role_sees_the_activities_by_default(
    floor: store_db.Target, user: str, role: str
) -> None:
    app = make_app(floor, user=user)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TimelineScreen("OP-001"))
        assert activities_note(app) is None
        assert {"new", "edit", "all_history"} <= offered_actions(app)


async def test_without_see_activities_the_timeline_says_why(floor: store_db.Target) -> None:
    change_grants(floor, "agent", revoke=["see-activities-opportunity-tab"])
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TimelineScreen("OP-001"))
        assert activities_note(app) == refusal(
            "see-activities-opportunity-tab", "see an opportunity's activities", "agent"
        )
        assert not {"new", "edit", "delete", "all_history"} & offered_actions(app)
        assert {"comment", "change_stage", "open_contact"} <= offered_actions(app)
        await pilot.press("enter", "H")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)


async def test_the_activities_show_only_in_the_configured_stages(floor: store_db.Target) -> None:
    stored(floor, lambda: set_activities_stages(["won", "Negociación"], actor=get_user("ana")))
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, TimelineScreen("OP-001"))
        assert activities_note(app) == (
            "Activities are not shown in stage New; Settings › Activities by stage"
        )
        assert "new" not in offered_actions(app)


async def test_settings_choose_the_stages_that_show_the_activities(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, ActivitiesSettingsScreen())
        await pilot.press("space")  # "New", the first stage: hidden
        await settle(pilot)
        assert stored(floor, activities_stages) == {
            "qualified",
            "proposal",
            "negotiation",
            "won",
            "lost",
        }
        await show(pilot, TimelineScreen("OP-001"))
        assert activities_note(app) is not None
        await pilot.press("q")
        await settle(pilot, lambda: isinstance(app.screen, ActivitiesSettingsScreen))
        for _ in range(5):  # every other stage hidden, one by one
            await pilot.press("down", "space")
            await settle(pilot)
        assert stored(floor, activities_stages) == {"lost"}
        await pilot.press("space")  # the last one that shows them stays
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app)[0].startswith("At least one stage shows the activities")
        assert stored(floor, activities_stages) == {"lost"}


async def test_an_agent_reads_the_stages_but_cannot_change_them(floor: store_db.Target) -> None:
    app = make_app(floor, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, ActivitiesSettingsScreen())
        assert "toggle_active" not in offered_actions(app)
        doing = "change the settings (types, templates, rules, mail)"
        assert await pressed_and_refused(pilot, "space") == refusal(
            "manage-settings", doing, "agent"
        )
    assert stored(floor, activities_stages) == frozenset()
