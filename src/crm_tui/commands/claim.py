"""`crm-tui claim`: take the next item of the shared pool (the oldest-due
unassigned pending one) and print its global id, as `crm-tui log` prints a
new one; exit 3 when the pool is empty, so a script can loop until then."""

from __future__ import annotations

import argparse
import sys

from crm_tui.commands.common import Commands, open_database
from crm_tui.i18n import register, t
from crm_tui.services import users
from crm_tui.services.pool import claim_next

register(
    {
        "cli.claim.help": (
            "take the next unassigned pending item of the shared pool and print its id",
            "toma el siguiente elemento pendiente sin asignar de la bolsa común e imprime su id",
        ),
        "cli.claim.user": (
            "who takes it (default: --user before the command, else your login name)",
            "quién lo toma (por defecto: --user antes del comando, si no, su usuario del sistema)",
        ),
        "cli.claim.type": (
            "only items of this type, code or label: call, Llamada...",
            "solo elementos de este tipo, código o etiqueta: call, Llamada...",
        ),
        "cli.claim.empty": (
            "the shared pool has no pending item",
            "la bolsa común no tiene elementos pendientes",
        ),
        "cli.claim.empty_of_type": (
            "the shared pool has no pending item of type {type}",
            "la bolsa común no tiene elementos pendientes del tipo {type}",
        ),
    }
)

EXIT_POOL_EMPTY = 3


def register_command(commands: Commands) -> None:
    parser = commands.add("claim", run_claim)
    parser.add_argument("--user", metavar="U", help=t("cli.claim.user"))
    parser.add_argument("--type", metavar="T", help=t("cli.claim.type"))


def run_claim(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    actor = users.get_user(args.user or args.login or users.login_name())
    record = claim_next(actor, type_code=args.type)
    if record is None:
        message = (
            t("cli.claim.empty_of_type", type=args.type) if args.type else t("cli.claim.empty")
        )
        print(f"crm-tui: {message}", file=sys.stderr)
        return EXIT_POOL_EMPTY
    print(record.uid)
    return 0
