"""What the commands share: declaring a command with the global options,
opening the database, the acting user, and the output format."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from crm_tui.i18n import LANGUAGES, register, t
from crm_tui.services import users
from crm_tui.services.defaults import install_defaults
from crm_tui.services.records import UserRecord
from crm_tui.store.db import Target, connect, resolve_target

register(
    {
        "cli.help.db": (
            "SQLite file or postgresql:// URL (default: $CRM_TUI_DB, else your data folder)",
            "archivo SQLite o URL postgresql:// (por defecto: $CRM_TUI_DB, si no, "
            "su carpeta de datos)",
        ),
        "cli.help.lang": (
            "language of messages (default: from the locale, else English)",
            "idioma de los mensajes (por defecto: el del sistema, si no, inglés)",
        ),
        "cli.help.format": (
            "output: an aligned table for people, or a JSON array for scripts",
            "salida: una tabla alineada para personas o un array JSON para scripts",
        ),
        "cli.help.by": (
            "who records it (default: --user before the command, else your login name)",
            "quién lo registra (por defecto: --user antes del comando, si no, su usuario "
            "del sistema)",
        ),
        "cli.error.negative": (
            "{value!r} is not a whole number >= 0",
            "{value!r} no es un número entero >= 0",
        ),
        "cli.table.empty": ("(nothing to show)", "(nada que mostrar)"),
        "cli.col.id": ("Id", "Id"),
        "cli.error.file_not_found": (
            "file not found: {path}",
            "no se encuentra el archivo: {path}",
        ),
    }
)

Command = Callable[[argparse.Namespace], int]


def add_global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    """`--db` and `--lang`. The subcommands declare them too, with
    SUPPRESS as default, so that they are accepted after the command name
    without resetting a value given before it."""
    parser.add_argument("--db", metavar="URL|PATH", default=default, help=t("cli.help.db"))
    parser.add_argument("--lang", choices=LANGUAGES, default=default, help=t("cli.help.lang"))


class Commands:
    """Where the command modules declare their subcommands."""

    def __init__(self, subparsers: argparse._SubParsersAction, prefix: str = "") -> None:
        self._subparsers = subparsers
        self._prefix = prefix
        self._global = argparse.ArgumentParser(add_help=False)
        add_global_options(self._global, default=argparse.SUPPRESS)

    def add(self, name: str, run: Command | None = None) -> argparse.ArgumentParser:
        """A subcommand described by the message `cli.<name>.help`."""
        summary = t(f"cli.{self._prefix}{name}.help")
        parser: argparse.ArgumentParser = self._subparsers.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[self._global],
            allow_abbrev=False,
        )
        if run is not None:
            parser.set_defaults(run=run)
        return parser

    def group(self, parser: argparse.ArgumentParser, name: str) -> Commands:
        """Subcommands of a subcommand (`users add`, `users list`), described
        by the messages `cli.<name>.<subcommand>.help`."""
        subparsers = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        return Commands(subparsers, prefix=f"{name}.")


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(t("cli.error.negative", value=text))
    return value


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help=t("cli.help.format")
    )


def add_by_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="U", help=t("cli.help.by"))


def open_database(args: argparse.Namespace, *, create: bool) -> Target:
    """Open `--db` (else `CRM_TUI_DB`, else the default file). Commands that
    only read pass create=False: a missing SQLite file is then an error
    instead of a new empty database."""
    target = resolve_target(args.db)
    connect(target, create=create)
    if create:
        install_defaults()
    return target


def acting_user(args: argparse.Namespace, name: str | None) -> UserRecord:
    """Who the command acts as: `name` (`--by`), else `--user` given before
    the command, else the login name; the first user of an empty database
    becomes its admin."""
    return users.resolve_actor(name or args.login)
