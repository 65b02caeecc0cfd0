"""`crm-tui log`: record an interaction as it happens (a dialer logging a
call, a script) and print its global id, and nothing else, on stdout."""

from __future__ import annotations

import argparse

from crm_tui.commands.common import Commands, acting_user, add_by_option, open_database
from crm_tui.i18n import register, t
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.store.db import writes

register(
    {
        "cli.log.help": (
            "record an interaction and print its id",
            "registra una interacción e imprime su id",
        ),
        "cli.log.type": (
            "type, code or label: call, Llamada...",
            "tipo, código o etiqueta: call, Llamada...",
        ),
        "cli.log.contact": ("contact code", "código del cliente"),
        "cli.log.opportunity": ("opportunity code", "código de la oportunidad"),
        "cli.log.user": (
            "responsible user (default: who records it)",
            "usuario responsable (por defecto: quien la registra)",
        ),
        "cli.log.status": (
            "status (default: done, or pending when it is dated later)",
            "estado (por defecto: completo, o pendiente si tiene fecha futura)",
        ),
        "cli.log.direction": ("outbound or inbound", "saliente o entrante"),
        "cli.log.outcome": (
            "call outcome: connected, no_answer, busy, voicemail, wrong_number, callback",
            "resultado de la llamada: connected, no_answer, busy, voicemail, wrong_number, "
            "callback",
        ),
        "cli.log.at": (
            "when it happened (default: now), "
            'e.g. "2026-11-23 14:05", "yesterday 10:00", "2 hours ago"',
            "cuándo ocurrió (por defecto: ahora), "
            'p. ej. "2026-11-23 14:05", "ayer 10:00", "hace 2 horas"',
        ),
        "cli.log.start": (
            'start of a scheduled event, e.g. "mañana 10:00", +2d',
            'inicio de un evento programado, p. ej. "mañana 10:00", +2d',
        ),
        "cli.log.end": (
            "end of the event (not before its start)",
            "fin del evento (no antes de su inicio)",
        ),
        "cli.log.subject": ("subject", "asunto"),
        "cli.log.note": ("note", "nota"),
        "cli.log.tag": ("tag (repeatable)", "etiqueta (repetible)"),
        "cli.log.internal": ("internal (not for the customer)", "interna (no para el cliente)"),
        "cli.log.priority": ("low, normal, high or urgent", "baja, normal, alta o urgente"),
        "cli.log.follow_up": ("follow-up date", "fecha de seguimiento"),
        "cli.log.location": ("where it takes place", "dónde tiene lugar"),
    }
)

# (option, destination, metavar) of the options that take one value.
VALUE_OPTIONS = (
    ("--opportunity", "opportunity", "CODE"),
    ("--user", "user", "U"),
    ("--status", "status", "S"),
    ("--direction", "direction", "D"),
    ("--outcome", "outcome", "O"),
    ("--at", "at", "DATE"),
    ("--start", "start", "DATE"),
    ("--end", "end", "DATE"),
    ("--subject", "subject", "TEXT"),
    ("--note", "note", "TEXT"),
    ("--priority", "priority", "P"),
    ("--follow-up", "follow_up", "DATE"),
    ("--location", "location", "TEXT"),
)


def register_command(commands: Commands) -> None:
    parser = commands.add("log", run_log)
    parser.add_argument("--type", required=True, metavar="T", help=t("cli.log.type"))
    parser.add_argument("--contact", required=True, metavar="CODE", help=t("cli.log.contact"))
    for option, dest, metavar in VALUE_OPTIONS:
        parser.add_argument(option, dest=dest, metavar=metavar, help=t(f"cli.log.{dest}"))
    parser.add_argument(
        "--tag", dest="tags", action="append", default=[], metavar="T", help=t("cli.log.tag")
    )
    parser.add_argument("--internal", action="store_true", help=t("cli.log.internal"))
    add_by_option(parser)


def run_log(args: argparse.Namespace) -> int:
    open_database(args, create=True)
    record = _log(args)
    print(record.uid)
    return 0


@writes
def _log(args: argparse.Namespace) -> InteractionRecord:
    # One transaction: on an empty database the recorder is created as its
    # first admin, and that must not stay behind when the draft is refused.
    actor = acting_user(args, args.by)
    draft = InteractionDraft(
        type=args.type,
        contact=args.contact,
        created_by=actor.username,
        opportunity=args.opportunity,
        user=args.user,
        status=args.status,
        priority=args.priority or "normal",
        direction=args.direction or "outbound",
        internal=args.internal,
        subject=args.subject or "",
        note=args.note or "",
        outcome=args.outcome,
        occurred_at=args.at,
        starts_at=args.start,
        ends_at=args.end,
        follow_up_at=args.follow_up,
        location=args.location or "",
        tags=tuple(args.tags),
    )
    return create_interaction(draft)
