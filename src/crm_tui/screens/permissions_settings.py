"""Settings › Permissions (roles with manage-users): a grid of what each
role may do, a permission a row and a role a column, each cell a check
mark or a dash (it reads without colour). Space gives or takes away the
permission under the cursor; the line under the grid says what that
permission lets a role do. Admin always keeps manage-users (the service
refuses taking it away, so someone can always give permissions back)."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Header, Label

from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.settings import ReadOnlyNote
from crm_tui.services.permissions import (
    ALWAYS_GRANTED,
    MANAGE_USERS,
    PERMISSIONS,
    ROLES,
    change_grants,
    grants,
)
from crm_tui.services.vocab import ROLE
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.permission_gate import (
    Access,
    add_refusal_keys,
    gate_allows,
    refuse,
    with_access,
)

register(
    {
        "ui.permissions_settings.heading": ("Settings › Permissions", "Ajustes › Permisos"),
        "ui.permissions_settings.granted": ("✓", "✓"),
        "ui.permissions_settings.always": ("✓ always", "✓ siempre"),
        "ui.permissions_settings.refused": ("—", "—"),
        "ui.permissions_settings.about": (
            "{permission}: lets a role {action}",
            "{permission}: permite a un rol {action}",
        ),
        "ui.permissions_settings.key.toggle": ("Give / take away", "Dar / quitar"),
    }
)

Grants = dict[str, frozenset[str]]

GATES = {"toggle_grant": MANAGE_USERS}


def grant_cell(role: str, permission: str, held: frozenset[str]) -> Text:
    if permission in ALWAYS_GRANTED.get(role, frozenset()):
        return Text(t("ui.permissions_settings.always"), style="bold", justify="center")
    if permission in held:
        return Text(t("ui.permissions_settings.granted"), style="bold", justify="center")
    return Text(t("ui.permissions_settings.refused"), style="dim", justify="center")


class PermissionsSettingsScreen(CrmScreen[None]):
    DEFAULT_CSS = """
    PermissionsSettingsScreen #permissions-grid {
        height: auto;
        max-height: 1fr;
    }
    PermissionsSettingsScreen #permission-about {
        padding: 1 1 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space", "toggle_grant", "ui.permissions_settings.key.toggle", id="permission_toggle"
        ),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="permissions_refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        add_refusal_keys(self, GATES)
        self._grants: Grants = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("ui.permissions_settings.heading"), id="list-heading")
        grid: DataTable[Text] = DataTable(
            cursor_type="cell", zebra_stripes=True, id="permissions-grid"
        )
        yield grid
        yield Label(id="permission-about")
        yield ReadOnlyNote(MANAGE_USERS)
        yield KeyFooter()

    @property
    def grid(self) -> DataTable[Text]:
        grid: DataTable[Text] = self.query_one("#permissions-grid", DataTable)
        return grid

    def on_mount(self) -> None:
        # Every row and column from the start, with cells filled in when
        # the grants are read: the grid keeps its shape and its cursor.
        lang = language()
        grid = self.grid
        width = max(len(grant_cell(role, MANAGE_USERS, frozenset())) for role in ROLES)
        for role in ROLES:
            label = ROLE.label(role, lang)
            grid.add_column(label, width=max(width, len(label)), key=role)
        for permission in PERMISSIONS:
            grid.add_row(*(Text() for _ in ROLES), key=permission, label=Text(permission))
        grid.focus()
        self._describe()
        super().on_mount()

    def load_data(self, *, first: bool) -> None:
        with_access(self, self._access_known)
        run_db(self, grants, done=self._show, group="permissions-grid")

    def _access_known(self, access: Access) -> None:
        self.query_one(ReadOnlyNote).display = MANAGE_USERS not in access.permissions

    def _show(self, granted: Grants) -> None:
        self._grants = granted
        for permission in PERMISSIONS:
            for role in ROLES:
                cell = grant_cell(role, permission, granted[role])
                self.grid.update_cell(permission, role, cell)

    def on_data_table_cell_highlighted(self) -> None:
        self._describe()

    def _describe(self) -> None:
        permission = self._permission_at_cursor()
        about = self.query_one("#permission-about", Label)
        if permission is None:
            about.update("")
            return
        action = t(f"permission.action.{permission}")
        text = t("ui.permissions_settings.about", permission=permission, action=action)
        about.update(safe.plain_line(text))

    def _permission_at_cursor(self) -> str | None:
        row = self.grid.cursor_coordinate.row
        return PERMISSIONS[row] if 0 <= row < len(PERMISSIONS) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return gate_allows(self, GATES, action, parameters)

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_refresh(self) -> None:
        if self.is_ready:
            self.load_data(first=False)

    def action_toggle_grant(self) -> None:
        permission = self._permission_at_cursor()
        if permission is None or not self._grants:
            return
        cursor: Coordinate = self.grid.cursor_coordinate
        role = ROLES[cursor.column]
        held = permission in self._grants[role]
        change = partial(
            change_grants,
            self.actor,
            role,
            grant=() if held else (permission,),
            revoke=(permission,) if held else (),
        )
        run_db(self, change, done=self._changed, group="permissions-change")

    def _changed(self, _held: frozenset[str]) -> None:
        self.crm.data_changed()
        self.refresh_if_stale()
