"""`crm-tui comment`: comment on an interaction or an opportunity (or
file a report) from a script, with attachments, and print the new
comment's global id, and nothing else, on stdout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crm_tui.commands.common import Commands, acting_user, add_by_option, open_database
from crm_tui.i18n import register, t
from crm_tui.services.attachments import store_file
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.contacts import get_opportunity
from crm_tui.services.listing import get_interaction

register(
    {
        "cli.comment.help": (
            "comment on an interaction or an opportunity and print the comment's id",
            "comenta una interacción o una oportunidad e imprime el id del comentario",
        ),
        "cli.comment.id": (
            "the interaction: its Id or global id",
            "la interacción: su Id o su id global",
        ),
        "cli.comment.opportunity": ("the opportunity's code", "el código de la oportunidad"),
        "cli.comment.text": (
            'the text ("-": read it from standard input)',
            'el texto ("-": leerlo de la entrada estándar)',
        ),
        "cli.comment.attach": (
            "attach files (repeatable; programs and files over 200 MB are refused)",
            "adjunta archivos (repetible; se rechazan programas y archivos de más de 200 MB)",
        ),
        "cli.comment.report": (
            "file it as a report (an outcome note) instead of a comment",
            "lo registra como informe (una nota de resultado) en vez de como comentario",
        ),
    }
)


def register_command(commands: Commands) -> None:
    parser = commands.add("comment", run_comment)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--id", dest="interaction", metavar="ID", help=t("cli.comment.id"))
    where.add_argument("--opportunity", metavar="CODE", help=t("cli.comment.opportunity"))
    parser.add_argument("--text", required=True, metavar="TEXT", help=t("cli.comment.text"))
    parser.add_argument(
        "--attach",
        dest="files",
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE",
        help=t("cli.comment.attach"),
    )
    parser.add_argument("--report", action="store_true", help=t("cli.comment.report"))
    add_by_option(parser)


def run_comment(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    body = sys.stdin.read() if args.text == "-" else args.text
    # What is commented on is checked before any file is copied, so a typo
    # in the id costs no 200 MB copy.
    target = _target(args)
    actor = acting_user(args, args.by)
    # Files first, outside any transaction: a long copy holds no lock, and
    # a crash before the comment leaves only a file that nothing refers to.
    files = [store_file(Path(name)) for name in args.files]
    kind = "report" if args.report else "comment"
    comment = add_comment(target, body, actor=actor, kind=kind, files=files)
    print(comment.uid)
    return 0


def _target(args: argparse.Namespace) -> CommentTarget:
    if args.interaction is not None:
        return CommentTarget(interaction_id=get_interaction(args.interaction).id)
    return CommentTarget(opportunity_id=get_opportunity(args.opportunity).id)
