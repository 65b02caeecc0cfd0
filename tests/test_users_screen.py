"""Settings › Users and Settings › Permissions driven as an admin drives
them (Pilot) on a real database: the hub offers them only to roles with
manage-users; an admin adds, edits, deactivates and reactivates users,
with the service's refusals (yourself, the last active admin) shown in
words; the permissions grid gives and takes away a grant, which takes
effect at once (the key it gates appears or disappears). Snapshots of
both screens at 80x24 and 120x40.

The data set is the snapshot sales floor (`app_helpers.build_floor`): ana
(admin), marta (supervisor), luis (agent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, OptionList, Select

from crm_tui.app import CrmApp
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.screens.permissions_settings import PermissionsSettingsScreen
from crm_tui.screens.settings import SettingsScreen
from crm_tui.screens.user_form import UserForm
from crm_tui.screens.users_settings import UsersSettingsScreen
from crm_tui.services import permissions
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import make_app, make_floor, settle, shown
from .permission_helpers import offered_actions, stored, toasts

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    return make_floor(tmp_path, monkeypatch)


def hub_sections(app: CrmApp) -> list[str | None]:
    sections = app.screen.query_one(OptionList)
    return [sections.get_option_at_index(i).id for i in range(sections.option_count)]


async def open_hub(pilot: Pilot[None]) -> None:
    app = pilot.app
    await settle(pilot, lambda: app.actor is not None)  # type: ignore[attr-defined]
    await app.push_screen(SettingsScreen())
    await settle(pilot, lambda: isinstance(app.screen, SettingsScreen))


async def open_hub_section(pilot: Pilot[None], section: str, screen: type) -> None:
    """From the hub, as a person gets there: down to `section`, Enter."""
    await open_hub(pilot)
    app = pilot.app
    await settle(pilot, lambda: section in hub_sections(app))
    await pilot.press(*["down"] * hub_sections(app).index(section), "enter")
    await settle(pilot, lambda: isinstance(app.screen, screen))


def user_rows(app: CrmApp) -> list[list[str]]:
    table: PagedTable[Any] = app.screen.query_one(PagedTable)
    return [[cell.plain for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def cursor_to(pilot: Pilot[None], username: str) -> None:
    app = pilot.app
    assert isinstance(app, CrmApp)
    names = [row[0] for row in user_rows(app)]
    app.screen.query_one(PagedTable).move_cursor(row=names.index(username))
    await pilot.pause()


async def type_into(pilot: Pilot[None], field_id: str, text: str) -> None:
    """Focus an input, empty it, and type `text` as a person would."""
    control = pilot.app.screen.query_one(f"#{field_id}", Input)
    control.focus()
    control.value = ""
    await pilot.press(*text)
    await pilot.pause()


# --- the hub -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "sections"),
    [
        ("luis", ["types", "templates", "rules", "activities"]),
        ("marta", ["types", "templates", "rules", "activities"]),
        ("ana", ["types", "templates", "rules", "activities", "users", "permissions"]),
    ],
)
async def test_the_hub_offers_users_and_permissions_to_admins_only(
    floor: store_db.Target, user: str, sections: list[str]
) -> None:
    app = make_app(floor, user=user)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hub(pilot)
        assert hub_sections(app) == sections


# --- users ---------------------------------------------------------------------------------


async def test_an_admin_adds_a_user(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        assert [row[0] for row in user_rows(app)] == ["ana", "luis", "marta"]
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, UserForm))
        await type_into(pilot, "username", "pepe")
        await type_into(pilot, "name", "Pepe Ruiz")
        await type_into(pilot, "email", "pepe@example.com")
        app.screen.query_one("#role", Select).value = "supervisor"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, UsersSettingsScreen))
        await settle(pilot, lambda: len(user_rows(app)) == 4)
        assert user_rows(app)[3] == [
            "pepe",
            "Pepe Ruiz",
            "pepe@example.com",
            "Supervisor",
            "active",
        ]
    pepe = stored(floor, lambda: get_user("pepe"))
    assert (pepe.display_name, pepe.email, pepe.role, pepe.active) == (
        "Pepe Ruiz",
        "pepe@example.com",
        "supervisor",
        True,
    )


async def test_a_wrong_field_is_named_under_it_and_what_was_typed_stays(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, UserForm))
        form = app.screen
        await type_into(pilot, "username", "luis")
        await type_into(pilot, "email", "luis-at-example")
        await pilot.press("f2")
        await settle(pilot, lambda: form.query_one("#email-field").has_class("-invalid"))
        assert "luis-at-example" in shown(form.query_one("#email-field .form-error", Label))
        assert form.query_one("#username", Input).value == "luis"
        assert form.query_one("#email", Input).value == "luis-at-example"
        await type_into(pilot, "email", "luis@example.com")
        await pilot.press("f2")
        await settle(pilot, lambda: form.query_one("#username-field").has_class("-invalid"))
        assert "luis" in shown(form.query_one("#username-field .form-error", Label))
        assert not form.query_one("#email-field").has_class("-invalid")
        assert isinstance(app.screen, UserForm)


async def test_an_admin_edits_a_users_name_email_and_role(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        await cursor_to(pilot, "luis")
        await pilot.press("e")
        await settle(pilot, lambda: isinstance(app.screen, UserForm))
        assert app.screen.query_one("#username", Input).disabled  # how luis logs in
        await type_into(pilot, "name", "Luis G. Gómez")
        await type_into(pilot, "email", "luis@example.com")
        app.screen.query_one("#role", Select).value = "supervisor"
        await pilot.press("f2")
        await settle(pilot, lambda: isinstance(app.screen, UsersSettingsScreen))
        await settle(pilot, lambda: user_rows(app)[1][1] == "Luis G. Gómez")
        assert user_rows(app)[1] == [
            "luis",
            "Luis G. Gómez",
            "luis@example.com",
            "Supervisor",
            "active",
        ]
    luis = stored(floor, lambda: get_user("luis"))
    assert (luis.display_name, luis.email, luis.role) == (
        "Luis G. Gómez",
        "luis@example.com",
        "supervisor",
    )


async def test_an_admin_deactivates_and_reactivates_a_user_after_asking(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        await cursor_to(pilot, "luis")
        await pilot.press("d")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # changed their mind: nothing happens
        await settle(pilot, lambda: isinstance(app.screen, UsersSettingsScreen))
        assert stored(floor, lambda: get_user("luis")).active
        await pilot.press("d")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: user_rows(app)[1][-1] == "inactive")
        assert not stored(floor, lambda: get_user("luis")).active
        assert app.screen.query_one(PagedTable).cursor_row == 1  # still on luis
        await pilot.press("d")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: user_rows(app)[1][-1] == "active")
    assert stored(floor, lambda: get_user("luis")).active


async def test_an_admin_cannot_deactivate_themselves(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        await cursor_to(pilot, "ana")
        await pilot.press("d", "y")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == ["you cannot deactivate yourself; another admin can"]
        assert user_rows(app)[0][-1] == "active"
    assert stored(floor, lambda: get_user("ana")).active


async def test_the_last_active_admin_stays_active_and_admin(floor: store_db.Target) -> None:
    """A supervisor given manage-users cannot take away the only admin."""
    stored(
        floor,
        lambda: permissions.change_grants(
            get_user("ana"), "supervisor", grant=[permissions.MANAGE_USERS]
        ),
    )
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "users", UsersSettingsScreen)
        await cursor_to(pilot, "ana")
        await pilot.press("d", "y")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [
            "ana is the last active admin and cannot be deactivated; make someone else admin first"
        ]
        await pilot.press("e")
        await settle(pilot, lambda: isinstance(app.screen, UserForm))
        form = app.screen
        form.query_one("#role", Select).value = "agent"
        await pilot.press("f2")
        await settle(pilot, lambda: form.query_one("#form-problem").has_class("-shown"))
        assert shown(form.query_one("#form-problem", Label)) == (
            "ana is the last active admin and stays admin; make someone else admin first"
        )
    ana = stored(floor, lambda: get_user("ana"))
    assert (ana.role, ana.active) == ("admin", True)


async def test_without_manage_users_the_users_list_is_read_only(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        await app.push_screen(UsersSettingsScreen())
        await settle(pilot, lambda: isinstance(app.screen, UsersSettingsScreen))
        assert app.screen.query_one("#settings-read-only", Label).display
        assert not {"new", "edit", "toggle_active"} & offered_actions(app)
        await cursor_to(pilot, "luis")
        await pilot.press("d")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [
            "Only roles with 'manage-users' can manage users and permissions; you are a supervisor"
        ]
    assert stored(floor, lambda: get_user("luis")).active


# --- permissions ---------------------------------------------------------------------------


def grid_rows(app: CrmApp) -> dict[str, list[str]]:
    grid: DataTable[Any] = app.screen.query_one(DataTable)
    return {
        str(row.key.value): [cell.plain for cell in grid.get_row(row.key)]
        for row in grid.ordered_rows
    }


async def grid_cursor_to(pilot: Pilot[None], permission: str, role: str) -> None:
    grid: DataTable[Any] = pilot.app.screen.query_one(DataTable)
    grid.cursor_coordinate = grid.get_cell_coordinate(permission, role)
    await pilot.pause()


async def test_the_grid_shows_each_roles_permissions(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "permissions", PermissionsSettingsScreen)
        assert grid_rows(app) == {
            "see-activities-opportunity-tab": ["✓", "✓", "✓"],
            "delete-interaction": ["—", "✓", "✓"],
            "export": ["✓", "✓", "✓"],
            "manage-settings": ["—", "✓", "✓"],
            "manage-users": ["—", "—", "✓ always"],
            "schedule-campaign": ["—", "✓", "✓"],
            "see-others-calendar": ["—", "✓", "✓"],
        }
        await grid_cursor_to(pilot, "delete-interaction", "agent")
        assert shown(app.screen.query_one("#permission-about", Label)) == (
            "delete-interaction: lets a role delete interactions"
        )


async def test_space_gives_and_takes_away_a_grant(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "permissions", PermissionsSettingsScreen)
        await grid_cursor_to(pilot, "delete-interaction", "agent")
        await pilot.press("space")
        await settle(pilot, lambda: grid_rows(app)["delete-interaction"][0] == "✓")
        assert "delete-interaction" in stored(floor, lambda: permissions.role_grants("agent"))
        await pilot.press("space")
        await settle(pilot, lambda: grid_rows(app)["delete-interaction"][0] == "—")
        assert "delete-interaction" not in stored(floor, lambda: permissions.role_grants("agent"))


async def test_a_grant_taken_away_takes_effect_at_once(floor: store_db.Target) -> None:
    """Ana takes export from her own role: `x` leaves her lists."""
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "permissions", PermissionsSettingsScreen)
        await grid_cursor_to(pilot, "export", "admin")
        await pilot.press("space")
        await settle(pilot, lambda: grid_rows(app)["export"][2] == "—")
        await pilot.press("3")
        await settle(pilot, lambda: isinstance(app.screen, InteractionsScreen))
        assert "export" not in offered_actions(app)


async def test_admin_keeps_manage_users(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_hub_section(pilot, "permissions", PermissionsSettingsScreen)
        await grid_cursor_to(pilot, "manage-users", "admin")
        await pilot.press("space")
        await settle(pilot, lambda: bool(toasts(app)))
        assert toasts(app) == [
            "admin always keeps 'manage-users', so that someone can always give permissions back"
        ]
        assert grid_rows(app)["manage-users"][2] == "✓ always"


# --- snapshots ----------------------------------------------------------------------------


async def on_the_users(pilot: Pilot[None]) -> None:
    await open_hub_section(pilot, "users", UsersSettingsScreen)
    await cursor_to(pilot, "luis")


async def on_the_permissions(pilot: Pilot[None]) -> None:
    await open_hub_section(pilot, "permissions", PermissionsSettingsScreen)
    await grid_cursor_to(pilot, "export", "agent")


@pytest.mark.parametrize("size", SIZES)
def test_users_snapshot(snap_compare: Any, floor: store_db.Target, size: tuple[int, int]) -> None:
    app = make_app(floor, user="ana")
    assert snap_compare(app, terminal_size=size, run_before=on_the_users)


@pytest.mark.parametrize("size", SIZES)
def test_permissions_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor, user="ana")
    assert snap_compare(app, terminal_size=size, run_before=on_the_permissions)
