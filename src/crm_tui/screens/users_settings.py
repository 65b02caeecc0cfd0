"""Settings › Users (roles with manage-users): everyone who can log in,
with their name, e-mail, role and whether they are active. `n` adds a
user, `e`/Enter edits one's name, e-mail and role, `d` deactivates or
reactivates one after asking. Users are never deleted: what they did
stays theirs. The service refuses deactivating yourself or the last
active admin, and says why."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from crm_tui.i18n import register, t
from crm_tui.screens.settings import SettingsListScreen
from crm_tui.screens.user_form import UserForm
from crm_tui.services.permissions import MANAGE_USERS
from crm_tui.services.records import UserRecord
from crm_tui.services.users import list_users, set_user_active
from crm_tui.services.vocab import ROLE
from crm_tui.widgets import safe
from crm_tui.widgets.paged_table import Column

register(
    {
        "ui.users_settings.heading": ("Settings › Users", "Ajustes › Usuarios"),
        "ui.users_settings.column.username": ("Username", "Usuario"),
        "ui.users_settings.column.name": ("Name", "Nombre"),
        "ui.users_settings.column.email": ("E-mail", "Correo"),
        "ui.users_settings.column.role": ("Role", "Rol"),
        "ui.users_settings.column.active": ("State", "Estado"),
        "ui.users_settings.key.toggle": ("Deactivate / reactivate", "Desactivar / reactivar"),
        "ui.users_settings.deactivate_question": (
            "Deactivate {name} ({username})? They can no longer log in or be assigned "
            "work; what they did stays theirs.",
            "¿Desactivar a {name} ({username})? Ya no podrá entrar ni recibir trabajo; "
            "lo que hizo sigue siendo suyo.",
        ),
        "ui.users_settings.reactivate_question": (
            "Reactivate {name} ({username})? They can log in again.",
            "¿Reactivar a {name} ({username})? Podrá volver a entrar.",
        ),
        "ui.users_settings.deactivate": ("Deactivate", "Desactivar"),
        "ui.users_settings.reactivate": ("Reactivate", "Reactivar"),
    }
)


def _style(user: UserRecord) -> str:
    return "" if user.active else "dim"


def username_cell(user: UserRecord, lang: str, now: datetime) -> Text:
    return safe.cell(user.username, _style(user))


def name_cell(user: UserRecord, lang: str, now: datetime) -> Text:
    return safe.cell(user.display_name, _style(user))


def email_cell(user: UserRecord, lang: str, now: datetime) -> Text:
    return safe.cell(user.email or "—", _style(user))


def role_cell(user: UserRecord, lang: str, now: datetime) -> Text:
    return safe.cell(ROLE.label(user.role, lang), _style(user))


def active_cell(user: UserRecord, lang: str, now: datetime) -> Text:
    if user.active:
        return safe.cell(t("ui.settings.active", lang))
    return safe.cell(t("ui.settings.inactive", lang), "dim italic")


UserColumn = Column[UserRecord]

USER_COLUMNS = (
    UserColumn("username", "ui.users_settings.column.username", username_cell, max_width=20),
    UserColumn(
        "name", "ui.users_settings.column.name", name_cell, max_width=30, min_width=8, weight=2
    ),
    UserColumn(
        "email", "ui.users_settings.column.email", email_cell, max_width=None, min_width=8, weight=2
    ),
    UserColumn("role", "ui.users_settings.column.role", role_cell, max_width=14),
    UserColumn("active", "ui.users_settings.column.active", active_cell, max_width=9),
)


class UsersSettingsScreen(SettingsListScreen[UserRecord]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_active", "ui.users_settings.key.toggle", id="user_toggle"),
        # Space does the same, as on the other settings lists, without a
        # second entry in the footer.
        Binding(
            "space",
            "toggle_active",
            "ui.users_settings.key.toggle",
            show=False,
            id="settings_toggle",
        ),
    ]

    heading = "ui.users_settings.heading"
    permission = MANAGE_USERS
    change_actions: ClassVar[frozenset[str]] = frozenset({"new", "edit", "toggle_active"})

    def __init__(self) -> None:
        super().__init__(USER_COLUMNS)

    def fetch(self) -> list[UserRecord]:
        return list_users()

    def action_new(self) -> None:
        self.open_form(UserForm(self.actor))

    def action_edit(self) -> None:
        user = self.selected()
        if user is not None:
            self.open_form(UserForm(self.actor, user))

    def action_toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        verb = "reactivate" if not user.active else "deactivate"
        question = t(
            f"ui.users_settings.{verb}_question", name=user.display_name, username=user.username
        )
        self.ask_then(
            question,
            t(f"ui.users_settings.{verb}"),
            partial(
                self.change,
                partial(set_user_active, user.username, not user.active, actor=self.actor),
            ),
        )
