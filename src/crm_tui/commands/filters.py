"""The FILTERS of `list` and `export`, as options and as the service's
InteractionFilter. Values within one option are alternatives (OR: `--status
pending --status "En curso"`), options narrow each other (AND)."""

from __future__ import annotations

import argparse

from crm_tui.i18n import register, t
from crm_tui.services.dates import parse_range_bound
from crm_tui.services.records import InteractionFilter

register(
    {
        "cli.help.filters": ("filters", "filtros"),
        "cli.help.id": ("the Id or global id (repeatable)", "el Id o el id global (repetible)"),
        "cli.help.type": (
            "interaction type, code or label: call, Llamada... (repeatable)",
            "tipo de interacción, código o etiqueta: call, Llamada... (repetible)",
        ),
        "cli.help.user": ("responsible user (repeatable)", "usuario responsable (repetible)"),
        "cli.help.status": (
            'status, code or label: pending, "En curso"... (repeatable)',
            'estado, código o etiqueta: pending, "En curso"... (repetible)',
        ),
        "cli.help.since": (
            'from this date (a bare date: from its start), e.g. 2026-11-01, monday, "7 days ago"',
            "desde esta fecha (una fecha sola: desde su inicio), "
            'p. ej. 2026-11-01, lunes, "hace 7 días"',
        ),
        "cli.help.until": (
            "up to this date, inclusive (a bare date: to its end)",
            "hasta esta fecha, incluida (una fecha sola: hasta su final)",
        ),
        "cli.help.tag": ("tag (repeatable)", "etiqueta (repetible)"),
        "cli.help.opportunity": (
            "opportunity code (repeatable)",
            "código de oportunidad (repetible)",
        ),
        "cli.help.contact": ("contact code (repeatable)", "código de cliente (repetible)"),
        "cli.help.search": (
            "words in the subject, note or comments (accents ignored)",
            "palabras del asunto, la nota o los comentarios (sin importar los acentos)",
        ),
    }
)

# (option, destination, metavar): each may be given several times.
REPEATABLE = (
    ("--id", "ids", "ID"),
    ("--type", "types", "T"),
    ("--user", "users", "U"),
    ("--status", "statuses", "S"),
    ("--tag", "tags", "T"),
    ("--opportunity", "opportunities", "CODE"),
    ("--contact", "contacts", "CODE"),
)


def add_filter_options(
    parser: argparse.ArgumentParser,
    *,
    title: str = "cli.help.filters",
    skip: frozenset[str] = frozenset(),
) -> None:
    """The FILTERS options. A command that gives some of them another
    meaning (`campaign --type` is the type of the calls it creates) names
    them in `skip`; `filter_from` then reads them as empty."""
    group = parser.add_argument_group(t(title))
    for option, dest, metavar in REPEATABLE:
        if option in skip:
            parser.set_defaults(**{dest: []})
            continue
        help_key = f"cli.help.{option.removeprefix('--')}"
        group.add_argument(
            option, dest=dest, action="append", default=[], metavar=metavar, help=t(help_key)
        )
    group.add_argument("--since", metavar="DATE", help=t("cli.help.since"))
    group.add_argument("--until", metavar="DATE", help=t("cli.help.until"))
    group.add_argument("--search", metavar="TEXT", default="", help=t("cli.help.search"))


def filter_from(args: argparse.Namespace) -> InteractionFilter:
    """The options as a filter; a date that cannot be read raises the
    `error.bad_date` ValidationError (before the database is touched)."""
    return InteractionFilter(
        ids=tuple(args.ids),
        types=tuple(args.types),
        users=tuple(args.users),
        statuses=tuple(args.statuses),
        tags=tuple(args.tags),
        opportunities=tuple(args.opportunities),
        contacts=tuple(args.contacts),
        since=parse_range_bound(args.since, end=False) if args.since else None,
        until=parse_range_bound(args.until, end=True) if args.until else None,
        search=args.search,
    )
