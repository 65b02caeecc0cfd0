"""`crm-tui users add`, `crm-tui users edit` and `crm-tui users list`."""

from __future__ import annotations

import argparse

from crm_tui.commands.common import Commands, add_format_option, open_database
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.i18n import language, register, t
from crm_tui.services import users
from crm_tui.services.records import UserRecord
from crm_tui.services.vocab import ROLE

register(
    {
        "cli.users.help": ("add or list users", "añade o lista usuarios"),
        "cli.users.add.help": ("add a user", "añade un usuario"),
        "cli.users.list.help": ("list the users", "lista los usuarios"),
        "cli.users.edit.help": (
            "change a user's e-mail address",
            "cambia el correo electrónico de un usuario",
        ),
        "cli.users.edit.email": (
            'the new address; "" removes it',
            'la nueva dirección; "" la quita',
        ),
        "cli.users.edited": (
            "user {username}: e-mail {email}",
            "usuario {username}: correo {email}",
        ),
        "cli.users.no_email": ("none", "ninguno"),
        "cli.users.name": ("the login name", "el nombre de usuario"),
        "cli.users.email": ("e-mail address", "correo electrónico"),
        "cli.users.role": (
            "agent (default), supervisor or admin",
            "agent (por defecto), supervisor o admin",
        ),
        "cli.users.display_name": (
            "the name people see (default: the login name)",
            "el nombre que se ve (por defecto: el nombre de usuario)",
        ),
        "cli.users.added": (
            "user {username} added ({role})",
            "usuario {username} añadido ({role})",
        ),
        "cli.col.username": ("User", "Usuario"),
        "cli.col.name": ("Name", "Nombre"),
        "cli.col.role": ("Role", "Rol"),
        "cli.col.active": ("Active", "Activo"),
        "cli.col.email": ("E-mail", "Correo"),
        "cli.yes": ("yes", "sí"),
        "cli.no": ("no", "no"),
    }
)

TABLE = (
    Column("cli.col.username", 18),
    Column("cli.col.name", 22),
    Column("cli.col.role", 13),
    Column("cli.col.active", 6),
    Column("cli.col.email", 0),
)


def register_command(commands: Commands) -> None:
    group = commands.group(commands.add("users"), "users")
    add = group.add("add", run_add)
    add.add_argument("name", metavar="NAME", help=t("cli.users.name"))
    add.add_argument("--email", metavar="E", help=t("cli.users.email"))
    add.add_argument("--role", default="agent", metavar="ROLE", help=t("cli.users.role"))
    add.add_argument(
        "--name", dest="display_name", default="", metavar="TEXT", help=t("cli.users.display_name")
    )
    edit = group.add("edit", run_edit)
    edit.add_argument("name", metavar="NAME", help=t("cli.users.name"))
    edit.add_argument("--email", required=True, metavar="E", help=t("cli.users.edit.email"))
    add_format_option(group.add("list", run_list))


def run_add(args: argparse.Namespace) -> int:
    open_database(args, create=True)
    # Who adds is recorded when known; the very first user adds itself.
    actor = users.find_user(args.login or users.login_name())
    user = users.add_user(
        args.name,
        args.display_name,
        email=args.email,
        role=args.role,
        actor_id=actor.id if actor else None,
    )
    print(t("cli.users.added", username=user.username, role=ROLE.label(user.role, language())))
    return 0


def run_edit(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    user = users.set_email(args.name, args.email)
    print(
        t("cli.users.edited", username=user.username, email=user.email or t("cli.users.no_email"))
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    found = users.list_users()
    if args.format == "json":
        write_json_array(_json(user) for user in found)
    else:
        write_table(TABLE, (_cells(user) for user in found))
    return 0


def _json(user: UserRecord) -> dict[str, object]:
    return {
        "username": user.username,
        "name": user.display_name,
        "email": user.email or "",
        "role": user.role,
        "active": user.active,
    }


def _cells(user: UserRecord) -> list[str]:
    return [
        user.username,
        user.display_name,
        ROLE.label(user.role, language()),
        t("cli.yes") if user.active else t("cli.no"),
        user.email or "",
    ]
