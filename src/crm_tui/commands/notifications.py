"""`crm-tui notifications`: a user's notifications, unread ones unless
`--all`, newest first; `--mark-read` marks the ones shown as read."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from crm_tui import clock
from crm_tui.commands.common import Commands, add_format_option, open_database
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.services import users
from crm_tui.services.dates import format_interchange
from crm_tui.services.notifications import (
    NOTIFICATION_KIND,
    NotificationRecord,
    iter_notifications,
    mark_read,
)

register(
    {
        "cli.notifications.help": (
            "a user's notifications (unread ones unless --all)",
            "las notificaciones de un usuario (las no leídas salvo con --all)",
        ),
        "cli.notifications.user": (
            "whose notifications (default: --user before the command, else your login name)",
            "de quién (por defecto: --user antes del comando, si no, su usuario del sistema)",
        ),
        "cli.notifications.all": ("read ones too", "también las leídas"),
        "cli.notifications.mark_read": (
            "mark the notifications shown as read",
            "marca como leídas las notificaciones mostradas",
        ),
        "cli.col.when": ("When", "Cuándo"),
        "cli.col.kind": ("Kind", "Clase"),
        "cli.col.who": ("Who", "Quién"),
        "cli.col.opportunity": ("Opportunity", "Oportunidad"),
        "cli.col.text": ("Text", "Texto"),
        "cli.col.unread": ("New", "Nueva"),
    }
)

TABLE = (
    Column("cli.col.unread", 5),
    Column("cli.col.when", 12),
    Column("cli.col.kind", 12),
    Column("cli.col.who", 10),
    Column("cli.col.id", 7, right=True),
    Column("cli.col.opportunity", 11),
    Column("cli.col.text", 0),
)


def register_command(commands: Commands) -> None:
    parser = commands.add("notifications", run_notifications)
    parser.add_argument("--user", metavar="U", help=t("cli.notifications.user"))
    parser.add_argument("--all", action="store_true", help=t("cli.notifications.all"))
    parser.add_argument("--mark-read", action="store_true", help=t("cli.notifications.mark_read"))
    add_format_option(parser)


def run_notifications(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    user = users.get_user(args.user or args.login or users.login_name())
    shown: list[int] = []

    def remembered() -> Iterator[NotificationRecord]:
        for record in iter_notifications(user.id, unread_only=not args.all):
            shown.append(record.id)
            yield record

    if args.format == "json":
        write_json_array(_json(record) for record in remembered())
    else:
        write_table(TABLE, _rows(remembered()))
    if args.mark_read:
        mark_read(user.id, shown)
    return 0


def _json(record: NotificationRecord) -> dict[str, object]:
    return {
        "kind": record.kind,
        "who": record.actor or "",
        "when": format_interchange(record.created_at),
        "id": record.interaction_uid or "",
        "opportunity": record.opportunity_code or "",
        "text": record.text,
        "read": record.read,
    }


def _rows(records: Iterator[NotificationRecord]) -> Iterator[list[str]]:
    lang = language()
    now = clock.now()
    for record in records:
        yield [
            "" if record.read else "*",
            list_date(record.created_at, lang, now),
            NOTIFICATION_KIND.label(record.kind, lang),
            record.actor or "",
            str(record.interaction_id or ""),
            record.opportunity_code or "",
            record.text,
        ]
