"""The command line. `crm-tui` alone opens the TUI; the subcommands serve
people at a shell and scripts (a dialer logging a call, a nightly export, a
health check). Their contract is the "Command line" section of DESIGN.md.

How it fails: a problem a person can fix (bad input, an unknown user, a
missing or unreadable database, a missing file) is one line on stderr,
`crm-tui: <message>`, exit 1; a usage error is argparse's message, exit 2;
Ctrl-C exits 130; a closed pipe (`crm-tui list | head`) ends quietly with
141, as a Unix tool killed by SIGPIPE does. Never a traceback for bad input.

Start-up is kept cheap: only the module of the command given is imported
(every one for the help and for a usage error), and the TUI (Textual), the
exporters (openpyxl, xlwt, icalendar) and the demo builder are imported
inside the commands that use them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from peewee import DatabaseError

from crm_tui import __version__, clock
from crm_tui.commands.common import Commands, add_global_options
from crm_tui.config import AppOptions
from crm_tui.i18n import LANGUAGES, detect_language, language, register, set_language, t
from crm_tui.services.errors import CrmError, FieldError, ValidationError
from crm_tui.store.db import close, is_retryable, resolve_target

register(
    {
        "cli.description": (
            "A keyboard-first terminal CRM. Without a command it opens the app; the "
            "commands below serve scripts and quick jobs at the shell.",
            "Un CRM de terminal para usar con el teclado. Sin comando abre la aplicación; "
            "los comandos de abajo sirven a scripts y a tareas rápidas en la terminal.",
        ),
        "cli.epilog": (
            'Dates take natural input: 2026-11-23 14:05, today, "mañana 10:00", +2d, '
            "monday. --db and --lang go before or after the command. "
            "Help on a command: crm-tui COMMAND --help",
            'Las fechas admiten texto natural: 2026-11-23 14:05, hoy, "mañana 10:00", '
            "+2d, lunes. --db y --lang van antes o después del comando. "
            "Ayuda de un comando: crm-tui COMANDO --help",
        ),
        "cli.commands": ("commands", "comandos"),
        "cli.help.login": (
            "who you are (default: your login name); also the default --by of commands",
            "quién es usted (por defecto: su usuario del sistema); también el --by por "
            "defecto de los comandos",
        ),
        "cli.help.open_opportunity": (
            "open the app on this opportunity",
            "abre la aplicación en esta oportunidad",
        ),
        "cli.help.open_contact": (
            "open the app on this contact",
            "abre la aplicación en este cliente",
        ),
        "cli.help.open_interaction": (
            "open the app on this interaction (Id or global id)",
            "abre la aplicación en esta interacción (Id o id global)",
        ),
        "cli.error.open_with_command": (
            "--opportunity, --contact and --interaction before a command open the app; "
            "give them after the command name to use them there",
            "--opportunity, --contact e --interaction antes de un comando abren la "
            "aplicación; póngalos después del nombre del comando para usarlos en él",
        ),
        "cli.error.interrupted": ("interrupted", "interrumpido"),
        "cli.error.file": ("{path}: {reason}", "{path}: {reason}"),
        "cli.hint.add_user": (
            "; add it with: crm-tui users add {name}",
            "; añádalo con: crm-tui users add {name}",
        ),
    }
)

# Each command and the module in crm_tui.commands that declares it, in the
# order of the help. Only the module of the command given is imported: each
# imports the services it runs, and `crm-tui log` from a dialer or the app
# itself need none of the others'.
COMMAND_MODULES = {
    "demo": "demo",
    "list": "listing",
    "export": "exchange",
    "import": "exchange",
    "log": "log",
    "comment": "comment",
    "campaign": "campaign",
    "claim": "claim",
    "notifications": "notifications",
    "users": "users",
    "outbox": "outbox",
    "rules": "rules",
    "doctor": "doctor",
    "backup": "backup",
}
# A user named in their filters is only looked for: "add it" would be bad advice.
FILTERING_COMMANDS = ("list", "export")
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, its help in the current language: with `command`'s
    module alone when it is a known command, else with every command (for
    the list of commands in `--help` and in a usage error)."""
    parser = _top_level_parser()
    commands = Commands(
        parser.add_subparsers(dest="command", metavar="COMMAND", title=t("cli.commands"))
    )
    if command in COMMAND_MODULES:
        modules = [COMMAND_MODULES[command]]
    else:
        modules = list(dict.fromkeys(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"crm_tui.commands.{module}").register_command(commands)
    return parser


def _top_level_parser() -> argparse.ArgumentParser:
    """The options that go before a command, without the commands."""
    parser = argparse.ArgumentParser(
        prog="crm-tui",
        description=t("cli.description"),
        epilog=t("cli.epilog"),
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"crm-tui {__version__}")
    add_global_options(parser, default=None)
    parser.add_argument("--user", dest="login", metavar="NAME", help=t("cli.help.login"))
    screen = parser.add_mutually_exclusive_group()
    for option, metavar in (("opportunity", "CODE"), ("contact", "CODE"), ("interaction", "ID")):
        screen.add_argument(
            f"--{option}",
            dest=f"open_{option}",
            metavar=metavar,
            help=t(f"cli.help.open_{option}"),
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `crm-tui` with `argv` (default: the process's); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # The help is written in the chosen language, so the choice is read
    # before the parser that holds the help is built.
    set_language(detect_language(_language_asked(arguments)))
    parser = build_parser(_command_asked(arguments))
    try:
        args = parser.parse_args(arguments)
        if args.command is not None and _opens_a_screen(args):
            parser.error(t("cli.error.open_with_command"))
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_FAILURE
    try:
        return _run(args)
    finally:
        close()


def _language_asked(arguments: list[str]) -> str | None:
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        value = None
        if argument == "--lang" and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--lang="):
            value = argument.partition("=")[2]
        if value in LANGUAGES:
            return value
    return None


def _command_asked(arguments: list[str]) -> str | None:
    """The first argument that is neither an option nor an option's value:
    the command's name, if it is one (argparse has the last word)."""
    options = _top_level_parser()._option_string_actions
    value_expected = False
    for argument in arguments:
        if value_expected:
            value_expected = False
        elif argument == "--":
            return None
        elif argument.startswith("-"):
            action = options.get(argument)
            value_expected = action is not None and action.nargs != 0
        else:
            return argument
    return None


def _opens_a_screen(args: argparse.Namespace) -> bool:
    return any((args.open_opportunity, args.open_contact, args.open_interaction))


def _run(args: argparse.Namespace) -> int:
    clock_problem = clock.check_fixed_clock()
    if clock_problem:
        return _fail(clock_problem)
    try:
        if args.command is None:
            return _open_app(args)
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe is noticed here, not at exit
        return code
    except CrmError as exc:
        hint = "" if args.command in FILTERING_COMMANDS else _hint(exc)
        return _fail(exc.message() + hint)
    except DatabaseError as exc:
        return _fail(_database_problem(args, exc))
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        return _fail(_file_problem(exc))
    except KeyboardInterrupt:
        _fail(t("cli.error.interrupted"))
        return EXIT_INTERRUPTED


def _open_app(args: argparse.Namespace) -> int:
    from crm_tui.app import run_app

    options = AppOptions(
        target=resolve_target(args.db),
        username=args.login,
        lang=language(),
        opportunity=args.open_opportunity,
        contact=args.open_contact,
        interaction=args.open_interaction,
    )
    return run_app(options)


def _fail(message: str) -> int:
    print(f"crm-tui: {message}", file=sys.stderr)
    return EXIT_FAILURE


def _hint(error: CrmError) -> str:
    """What to do about it, where the fix is another command."""
    causes: list[CrmError | FieldError] = (
        list(error.errors) if isinstance(error, ValidationError) else [error]
    )
    for cause in causes:
        if cause.key == "error.unknown_user":
            return t("cli.hint.add_user", name=cause.params["value"])
    return ""


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _database_problem(args: argparse.Namespace, exc: DatabaseError) -> str:
    """ "database is locked", "file is not a database", a lost connection."""
    if is_retryable(exc):
        return t("error.database_busy")
    where = resolve_target(args.db).describe()
    return t("error.database_unreadable", path=where, reason=_first_line(exc))


def _file_problem(exc: OSError) -> str:
    path = exc.filename if exc.filename is not None else ""
    if isinstance(exc, FileNotFoundError) and path:
        return t("cli.error.file_not_found", path=path)
    return t("cli.error.file", path=path, reason=exc.strerror or _first_line(exc))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush at
    exit does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
