"""`crm-tui outbox list | send | retry`: the e-mails the program queued
(assignments, reminders, receipt notices), and sending them.

`send` prints what it did (sent, failed, retrying later, held for a missing
address) and exits 0 when nothing failed; 1 when the server cannot be
reached or the URL is wrong (nothing is lost: the messages stay queued);
4 when some messages failed or will be retried (`outbox list --status
failed` says why)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from crm_tui.commands.common import Commands, add_format_option, non_negative_int, open_database
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.i18n import register, t
from crm_tui.services import outbox
from crm_tui.services.errors import ValidationError
from crm_tui.services.outbox import OutboxRecord, SendReport

register(
    {
        "cli.outbox.help": (
            "the e-mails waiting to be sent: list, send or retry them",
            "los correos pendientes de envío: listarlos, enviarlos o reintentarlos",
        ),
        "cli.outbox.list.help": (
            "list the e-mails of the outbox, newest first",
            "lista los correos de la bandeja de salida, los más recientes primero",
        ),
        "cli.outbox.send.help": (
            "send the queued e-mails through an SMTP server",
            "envía los correos en cola a través de un servidor SMTP",
        ),
        "cli.outbox.retry.help": (
            "queue failed e-mails again",
            "vuelve a poner en cola correos fallidos",
        ),
        "cli.outbox.status": (
            "only e-mails in this state: queued, held, sending, sent or failed",
            "solo correos en este estado: queued, held, sending, sent o failed",
        ),
        "cli.outbox.limit": (
            "at most N e-mails (default 50)",
            "como mucho N correos (50 por defecto)",
        ),
        "cli.outbox.smtp": (
            "the mail server: smtp://HOST:PORT, smtps://HOST:PORT, with USER:PASSWORD@ "
            "to log in and ?starttls=1 to upgrade (default: $CRM_TUI_SMTP, else the "
            "setting smtp_url)",
            "el servidor de correo: smtp://HOST:PUERTO, smtps://HOST:PUERTO, con "
            "USUARIO:CONTRASEÑA@ para iniciar sesión y ?starttls=1 para cifrar (por "
            "defecto: $CRM_TUI_SMTP, si no, el ajuste smtp_url)",
        ),
        "cli.outbox.from": (
            "the From address of the program's own e-mails (default: the setting "
            "smtp_from, else crm-tui@this machine); a receipt notice goes from its user",
            "la dirección remitente de los correos del programa (por defecto: el ajuste "
            "smtp_from, si no, crm-tui@esta máquina); un acuse de recibo sale de su usuario",
        ),
        "cli.outbox.send_limit": (
            "send at most N e-mails in this run (default 500)",
            "envía como mucho N correos en esta ejecución (500 por defecto)",
        ),
        "cli.outbox.retry_failed": (
            "queue the failed e-mails again before sending",
            "vuelve a poner en cola los correos fallidos antes de enviar",
        ),
        "cli.outbox.ids": ("the Id of a failed e-mail", "el Id de un correo fallido"),
        "cli.outbox.all_failed": ("every failed e-mail", "todos los correos fallidos"),
        "cli.outbox.no_server": (
            "no mail server: give --smtp smtp://HOST:PORT, or set CRM_TUI_SMTP",
            "no hay servidor de correo: indique --smtp smtp://HOST:PUERTO o defina CRM_TUI_SMTP",
        ),
        "cli.outbox.report": (
            "sent: {sent}, failed: {failed}, to retry later: {retrying}, held: {held}",
            "enviados: {sent}, fallidos: {failed}, por reintentar: {retrying}, retenidos: {held}",
        ),
        "cli.outbox.held_hint": (
            "held e-mails wait for an e-mail address: crm-tui outbox list --status held",
            "los correos retenidos esperan una dirección de correo: "
            "crm-tui outbox list --status held",
        ),
        "cli.outbox.failed_hint": (
            "why they failed: crm-tui outbox list --status failed; "
            "send them again: crm-tui outbox retry ID",
            "por qué fallaron: crm-tui outbox list --status failed; "
            "para reenviarlos: crm-tui outbox retry ID",
        ),
        "cli.outbox.kept": (
            "the e-mails stay queued",
            "los correos siguen en cola",
        ),
        "cli.outbox.requeued": ("{count} e-mails queued again", "{count} correos de nuevo en cola"),
        "cli.outbox.retry_nothing": (
            "give the Id of a failed e-mail, or --all",
            "indique el Id de un correo fallido, o --all",
        ),
        "cli.outbox.col.status": ("Status", "Estado"),
        "cli.outbox.col.kind": ("Kind", "Tipo"),
        "cli.outbox.col.to": ("To", "Para"),
        "cli.outbox.col.tries": ("Tries", "Int."),
        "cli.outbox.col.subject_or_reason": ("Subject / why", "Asunto / motivo"),
    }
)

EXIT_NOT_ALL_SENT = 4
TABLE = (
    Column("cli.col.id", 5, right=True),
    Column("cli.outbox.col.status", 9),
    Column("cli.outbox.col.kind", 15),
    Column("cli.outbox.col.to", 22),
    Column("cli.outbox.col.tries", 5, right=True),
    Column("cli.outbox.col.subject_or_reason", 0),
)


def register_command(commands: Commands) -> None:
    group = commands.group(commands.add("outbox"), "outbox")
    listing = group.add("list", run_list)
    listing.add_argument(
        "--status", choices=outbox.STATUSES, metavar="STATUS", help=t("cli.outbox.status")
    )
    listing.add_argument(
        "--limit", type=non_negative_int, default=50, metavar="N", help=t("cli.outbox.limit")
    )
    add_format_option(listing)
    send = group.add("send", run_send)
    send.add_argument("--smtp", metavar="URL", help=t("cli.outbox.smtp"))
    send.add_argument("--from", dest="sender", metavar="ADDRESS", help=t("cli.outbox.from"))
    send.add_argument(
        "--limit",
        type=non_negative_int,
        default=outbox.SEND_LIMIT,
        metavar="N",
        help=t("cli.outbox.send_limit"),
    )
    send.add_argument("--retry-failed", action="store_true", help=t("cli.outbox.retry_failed"))
    retry = group.add("retry", run_retry)
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help=t("cli.outbox.ids"))
    retry.add_argument("--all", action="store_true", help=t("cli.outbox.all_failed"))


def run_list(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    found = outbox.list_messages(args.status, limit=args.limit)
    if args.format == "json":
        write_json_array(_json(message) for message in found)
    else:
        write_table(TABLE, (_cells(message) for message in found))
    return 0


def run_send(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    url = args.smtp or outbox.smtp_from_config()
    if not url:
        raise ValidationError.single("smtp", "cli.outbox.no_server")
    if args.retry_failed:
        outbox.retry_failed()
    report = outbox.send_queued(url, sender=args.sender, limit=args.limit)
    print(_summary(report))
    if report.held:
        print(t("cli.outbox.held_hint"), file=sys.stderr)
    if report.problem:
        print(f"crm-tui: {report.problem}; {t('cli.outbox.kept')}", file=sys.stderr)
        return 1
    if not report.ok:
        print(t("cli.outbox.failed_hint"), file=sys.stderr)
        return EXIT_NOT_ALL_SENT
    return 0


def run_retry(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    if args.all:
        count = outbox.retry_failed()
    elif args.ids:
        count = len([outbox.retry(message_id) for message_id in args.ids])
    else:
        raise ValidationError.single("id", "cli.outbox.retry_nothing")
    print(t("cli.outbox.requeued", count=count))
    return 0


def _summary(report: SendReport) -> str:
    return t(
        "cli.outbox.report",
        sent=report.sent,
        failed=report.failed,
        retrying=report.retrying,
        held=report.held,
    )


def _when(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else None


def _json(message: OutboxRecord) -> dict[str, object]:
    return {
        "id": message.id,
        "kind": message.kind,
        "status": message.status,
        "recipient": message.recipient,
        "subject": message.subject,
        "attempts": message.attempts,
        "reason": message.reason,
        "interaction": message.interaction_id,
        "created_at": _when(message.created_at),
        "last_attempt_at": _when(message.last_attempt_at),
        "next_attempt_at": _when(message.next_attempt_at),
        "sent_at": _when(message.sent_at),
    }


def _cells(message: OutboxRecord) -> list[str]:
    return [
        str(message.id),
        outbox.status_label(message.status),
        outbox.kind_label(message.kind),
        message.recipient or "—",
        str(message.attempts),
        message.reason if message.status in (outbox.HELD, outbox.FAILED) else message.subject,
    ]
