"""The form of one user: username (fixed once created: it is how they log
in and what history names), display name, e-mail and role. Each control's
id is the service's field id, so a refusal shows under its field; one
about the user as a whole (the last active admin keeps the role) shows
under the form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.widgets import Input, Label, Select

from crm_tui.i18n import language, register, t
from crm_tui.screens.settings import FormValues, SettingsForm
from crm_tui.services.records import UserRecord
from crm_tui.services.users import create_user, update_user
from crm_tui.services.vocab import ROLE
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField

register(
    {
        "ui.user_form.title_new": ("New user", "Nuevo usuario"),
        "ui.user_form.title_edit": ("User {username}", "Usuario {username}"),
        "ui.user_form.username": ("Username", "Usuario"),
        "ui.user_form.name": ("Name", "Nombre"),
        "ui.user_form.email": ("E-mail", "Correo"),
        "ui.user_form.role": ("Role", "Rol"),
        "ui.user_form.username_placeholder": (
            "their login name, e.g. lgomez",
            "su nombre de acceso, p. ej. lgomez",
        ),
        "ui.user_form.name_placeholder": ("e.g. Luis Gómez", "p. ej. Luis Gómez"),
        "ui.user_form.email_placeholder": ("optional", "opcional"),
        "ui.user_form.username_fixed": ("fixed", "fijo"),
    }
)


class UserForm(SettingsForm[UserRecord]):
    """A new user (`user` None) or one to edit, saved as `actor`."""

    DEFAULT_CSS = """
    UserForm #username {
        width: 34;
    }
    UserForm #role {
        width: 24;
    }
    """

    def __init__(self, actor: UserRecord, user: UserRecord | None = None) -> None:
        title = (
            t("ui.user_form.title_new")
            if user is None
            else t("ui.user_form.title_edit", username=user.username)
        )
        super().__init__(title)
        self.actor = actor
        self.user = user

    def fields(self) -> Iterator[FormField]:
        user = self.user

        def text(name: str, value: str, placeholder: str) -> Input:
            return Input(value, placeholder=t(placeholder), compact=True, id=name)

        username = text(
            "username", user.username if user else "", "ui.user_form.username_placeholder"
        )
        username.disabled = user is not None
        yield FormField(
            t("ui.user_form.username"),
            username,
            aside=Label(t("ui.user_form.username_fixed")) if user else None,
        )
        yield FormField(
            t("ui.user_form.name"),
            text("name", user.display_name if user else "", "ui.user_form.name_placeholder"),
        )
        yield FormField(
            t("ui.user_form.email"),
            text("email", (user.email or "") if user else "", "ui.user_form.email_placeholder"),
        )
        lang = language()
        role: Select[str] = Select(
            [(safe.plain_line(ROLE.label(code, lang)), code) for code in ROLE.codes],
            value=user.role if user and user.role in ROLE else "agent",
            allow_blank=False,
            compact=True,
            id="role",
        )
        yield FormField(t("ui.user_form.role"), role)

    def save_call(self, values: FormValues) -> Callable[[], UserRecord]:
        if self.user is None:
            return partial(
                create_user,
                values["username"],
                values["name"],
                email=values["email"],
                role=values["role"],
                actor=self.actor,
            )
        return partial(
            update_user,
            self.user.username,
            actor=self.actor,
            display_name=values["name"],
            email=values["email"],
            role=values["role"],
        )
