"""`crm-tui users add | edit | deactivate | reactivate | list | permissions`.

Changing users or permissions needs the manage-users permission (an admin,
by default), checked for the acting user: `--by`, else `--user` before the
command, else the login name. The one exception is the first user of an
empty database, who is added as its admin: nobody could add them
otherwise."""

from __future__ import annotations

import argparse

from crm_tui.commands.common import (
    Commands,
    acting_user,
    add_by_option,
    add_format_option,
    open_database,
)
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.i18n import language, register, t
from crm_tui.services import permissions, users
from crm_tui.services.errors import CrmError
from crm_tui.services.records import UserRecord
from crm_tui.services.vocab import ROLE

register(
    {
        "cli.users.help": (
            "add, change, deactivate or list users; show or change permissions",
            "añade, cambia, desactiva o lista usuarios; muestra o cambia permisos",
        ),
        "cli.users.add.help": ("add a user", "añade un usuario"),
        "cli.users.list.help": ("list the users", "lista los usuarios"),
        "cli.users.edit.help": (
            "change a user's e-mail address, name or role",
            "cambia el correo electrónico, el nombre o el rol de un usuario",
        ),
        "cli.users.edit.email": (
            'the new address; "" removes it',
            'la nueva dirección; "" la quita',
        ),
        "cli.users.edit.role": ("the new role", "el nuevo rol"),
        "cli.users.edit.display_name": ("the new name people see", "el nuevo nombre que se ve"),
        "cli.users.edit.nothing": (
            "say what to change: --email, --name or --role",
            "indique qué cambiar: --email, --name o --role",
        ),
        "cli.users.edited": (
            "user {username}: e-mail {email}",
            "usuario {username}: correo {email}",
        ),
        "cli.users.edited_full": (
            "user {username}: {name}, {role}, e-mail {email}",
            "usuario {username}: {name}, {role}, correo {email}",
        ),
        "cli.users.deactivate.help": (
            "deactivate a user: they can no longer use crm-tui; what they did stays",
            "desactiva un usuario: ya no puede usar crm-tui; lo que hizo se queda",
        ),
        "cli.users.reactivate.help": ("reactivate a user", "reactiva un usuario"),
        "cli.users.deactivated": ("user {username} deactivated", "usuario {username} desactivado"),
        "cli.users.reactivated": ("user {username} reactivated", "usuario {username} reactivado"),
        "cli.users.first_admin": (
            "user {username} added (Admin): the first user of a database is its admin",
            "usuario {username} añadido (Administrador): el primer usuario de una base de "
            "datos es su administrador",
        ),
        "cli.users.permissions.help": (
            "show what each role may do; --role with --grant/--revoke changes it",
            "muestra qué puede hacer cada rol; --role con --grant/--revoke lo cambia",
        ),
        "cli.users.permissions.role": (
            "the role to show or change: agent, supervisor or admin",
            "el rol a mostrar o cambiar: agent, supervisor o admin",
        ),
        "cli.users.permissions.grant": (
            "give the role this permission (repeatable)",
            "da al rol este permiso (repetible)",
        ),
        "cli.users.permissions.revoke": (
            "take this permission from the role (repeatable)",
            "quita al rol este permiso (repetible)",
        ),
        "cli.users.permissions.needs_role": (
            "--grant and --revoke change one role: add --role agent, supervisor or admin",
            "--grant y --revoke cambian un rol: añada --role agent, supervisor o admin",
        ),
        "cli.col.permission": ("Permission", "Permiso"),
        "cli.role.agent": ("Agent", "Agente"),
        "cli.role.supervisor": ("Supervisor", "Supervisor"),
        "cli.role.admin": ("Admin", "Administrador"),
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
    add_by_option(add)
    edit = group.add("edit", run_edit)
    edit.add_argument("name", metavar="NAME", help=t("cli.users.name"))
    edit.add_argument("--email", metavar="E", help=t("cli.users.edit.email"))
    edit.add_argument(
        "--name", dest="display_name", metavar="TEXT", help=t("cli.users.edit.display_name")
    )
    edit.add_argument("--role", metavar="ROLE", help=t("cli.users.edit.role"))
    add_by_option(edit)
    for action, active in (("deactivate", False), ("reactivate", True)):
        switch = group.add(action, run_set_active)
        switch.add_argument("name", metavar="NAME", help=t("cli.users.name"))
        switch.set_defaults(active=active)
        add_by_option(switch)
    add_format_option(group.add("list", run_list))
    grants = group.add("permissions", run_permissions)
    grants.add_argument("--role", metavar="ROLE", help=t("cli.users.permissions.role"))
    for option in ("grant", "revoke"):
        grants.add_argument(
            f"--{option}",
            action="append",
            default=[],
            choices=permissions.PERMISSIONS,
            metavar="PERMISSION",
            help=t(f"cli.users.permissions.{option}"),
        )
    add_by_option(grants)
    add_format_option(grants)


def run_add(args: argparse.Namespace) -> int:
    open_database(args, create=True)
    first = users.add_first_user(args.name, args.display_name, email=args.email)
    if first is not None:
        print(t("cli.users.first_admin", username=first.username))
        return 0
    user = users.create_user(
        args.name,
        args.display_name,
        email=args.email,
        role=args.role,
        actor=acting_user(args, args.by),
    )
    print(t("cli.users.added", username=user.username, role=ROLE.label(user.role, language())))
    return 0


def run_edit(args: argparse.Namespace) -> int:
    if args.email is None and args.display_name is None and args.role is None:
        raise CrmError("cli.users.edit.nothing")
    open_database(args, create=False)
    user = users.update_user(
        args.name,
        actor=acting_user(args, args.by),
        display_name=args.display_name,
        email=args.email,
        role=args.role,
    )
    email = user.email or t("cli.users.no_email")
    if args.display_name is None and args.role is None:
        print(t("cli.users.edited", username=user.username, email=email))
    else:
        role = ROLE.label(user.role, language())
        print(
            t(
                "cli.users.edited_full",
                username=user.username,
                name=user.display_name,
                role=role,
                email=email,
            )
        )
    return 0


def run_set_active(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    user = users.set_user_active(args.name, args.active, actor=acting_user(args, args.by))
    done = "cli.users.reactivated" if user.active else "cli.users.deactivated"
    print(t(done, username=user.username))
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    found = users.list_users()
    if args.format == "json":
        write_json_array(_json(user) for user in found)
    else:
        write_table(TABLE, (_cells(user) for user in found))
    return 0


def run_permissions(args: argparse.Namespace) -> int:
    """Show the roles' permissions; with --grant/--revoke, change those of
    --role first (manage-users) and show what it holds now."""
    if (args.grant or args.revoke) and not args.role:
        raise CrmError("cli.users.permissions.needs_role")
    open_database(args, create=False)
    roles = (ROLE.parse(args.role),) if args.role else ROLE.codes
    if args.grant or args.revoke:
        permissions.change_grants(
            acting_user(args, args.by), roles[0], grant=args.grant, revoke=args.revoke
        )
    held = permissions.grants()
    if args.format == "json":
        write_json_array(
            {"role": role, "permissions": [p for p in permissions.PERMISSIONS if p in held[role]]}
            for role in roles
        )
    else:
        columns = [Column("cli.col.permission", 31)]
        columns += [Column(f"cli.role.{role}", 13) for role in roles]
        write_table(
            columns,
            (
                [name, *(t("cli.yes") if name in held[role] else "" for role in roles)]
                for name in permissions.PERMISSIONS
            ),
        )
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
