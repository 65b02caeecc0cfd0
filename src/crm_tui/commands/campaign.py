"""`crm-tui campaign`: schedule one call per contact, over agents or into
the shared pool, and print how many were scheduled.

The contacts are given by code (`--contact`, repeatable) or by the list
FILTERS: the contacts of the interactions they match. `--type` and
`--contact` belong to the campaign here, so the filters are those of
`list` without them."""

from __future__ import annotations

import argparse

from crm_tui.commands.common import Commands, acting_user, add_by_option, open_database
from crm_tui.commands.filters import add_filter_options, filter_from
from crm_tui.i18n import register, t
from crm_tui.services.campaigns import (
    DEFAULT_HOURS,
    DEFAULT_SLOT_MINUTES,
    CampaignPlan,
    schedule_campaign,
)

register(
    {
        "cli.campaign.help": (
            "schedule a call per contact over agents or the pool; prints the count",
            "programa una llamada por cliente entre agentes o en la bolsa común; imprime cuántas",
        ),
        "cli.campaign.name": ("campaign name", "nombre de la campaña"),
        "cli.campaign.type": (
            "type of the calls, code or label: call, Llamada...",
            "tipo de las llamadas, código o etiqueta: call, Llamada...",
        ),
        "cli.campaign.contact": (
            "contact code (repeatable); or select contacts with the filters",
            "código de cliente (repetible); o seleccione clientes con los filtros",
        ),
        "cli.campaign.agent": ("agent's username (repeatable)", "usuario del agente (repetible)"),
        "cli.campaign.pool": (
            "put the calls in the shared pool, unassigned",
            "deja las llamadas en la bolsa común, sin asignar",
        ),
        "cli.campaign.start": (
            'first slot, e.g. "2026-11-23 09:00", monday (moved into working hours)',
            'primera franja, p. ej. "2026-11-23 09:00", lunes (se lleva al horario laboral)',
        ),
        "cli.campaign.slot": (
            "minutes per call (default: {default})",
            "minutos por llamada (por defecto: {default})",
        ),
        "cli.campaign.per_day": (
            "at most N calls per agent a day (default: no limit)",
            "como mucho N llamadas por agente y día (por defecto: sin límite)",
        ),
        "cli.campaign.hours": (
            "working hours, Monday to Friday (default: {default})",
            "horario laboral, de lunes a viernes (por defecto: {default})",
        ),
        "cli.campaign.filters": (
            "filters: the contacts of the interactions they match",
            "filtros: los clientes de las interacciones que cumplen",
        ),
    }
)

# The list filters that do not clash with the campaign's own options.
_OWN_OPTIONS = frozenset({"--type", "--contact"})


def register_command(commands: Commands) -> None:
    parser = commands.add("campaign", run_campaign)
    parser.add_argument("--name", required=True, help=t("cli.campaign.name"))
    parser.add_argument(
        "--type", dest="call_type", required=True, metavar="T", help=t("cli.campaign.type")
    )
    parser.add_argument(
        "--contact",
        dest="contact_codes",
        action="append",
        default=[],
        metavar="CODE",
        help=t("cli.campaign.contact"),
    )
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--agent", dest="agents", action="append", metavar="U", help=t("cli.campaign.agent")
    )
    who.add_argument("--pool", action="store_true", help=t("cli.campaign.pool"))
    parser.add_argument("--start", required=True, metavar="DATE", help=t("cli.campaign.start"))
    parser.add_argument(
        "--slot",
        type=int,
        default=DEFAULT_SLOT_MINUTES,
        metavar="MINUTES",
        help=t("cli.campaign.slot", default=DEFAULT_SLOT_MINUTES),
    )
    parser.add_argument("--per-day", type=int, metavar="N", help=t("cli.campaign.per_day"))
    parser.add_argument(
        "--hours",
        default=DEFAULT_HOURS,
        metavar="HH:MM-HH:MM",
        help=t("cli.campaign.hours", default=DEFAULT_HOURS),
    )
    add_filter_options(parser, title="cli.campaign.filters", skip=_OWN_OPTIONS)
    add_by_option(parser)


def run_campaign(args: argparse.Namespace) -> int:
    selection = filter_from(args)
    open_database(args, create=True)
    # The acting user is resolved before the campaign's transaction: a
    # refusal (no schedule-campaign) is then written to the history in its
    # own, and stays there although the campaign is not made.
    actor = acting_user(args, args.by)
    plan = CampaignPlan(
        name=args.name,
        type=args.call_type,
        start=args.start,
        contacts=tuple(args.contact_codes),
        selection=selection,
        agents=tuple(args.agents or ()),
        pool=args.pool,
        slot_minutes=args.slot,
        per_day=args.per_day,
        hours=args.hours,
    )
    print(schedule_campaign(plan, actor=actor).total)
    return 0
