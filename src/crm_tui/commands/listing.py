"""`crm-tui list`: the filtered interactions, newest first, as a table for
people or as JSON keyed by the interchange columns for scripts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from crm_tui import clock
from crm_tui.commands.common import (
    Commands,
    add_format_option,
    non_negative_int,
    open_database,
)
from crm_tui.commands.filters import add_filter_options, filter_from
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.exchange.columns import COLUMNS, cell_text, record_cells
from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.services.listing import MAX_PAGE, list_interactions
from crm_tui.services.records import Cursor, InteractionFilter, InteractionRecord
from crm_tui.services.vocab import STATUS

register(
    {
        "cli.list.help": (
            "list interactions (newest first) as a table or as JSON",
            "lista interacciones (las más recientes primero) en tabla o en JSON",
        ),
        "cli.help.limit": (
            "at most N interactions (default 50, also for JSON; 0: all of them)",
            "como mucho N interacciones (por defecto 50, también en JSON; 0: todas)",
        ),
        "cli.list.more": (
            "showing the newest {limit:,}; --limit 0 shows them all",
            "se muestran las {limit:,} más recientes; --limit 0 las muestra todas",
        ),
        "cli.col.date": ("Date", "Fecha"),
        "cli.col.type": ("Type", "Tipo"),
        "cli.col.status": ("Status", "Estado"),
        "cli.col.user": ("User", "Usuario"),
        "cli.col.contact": ("Contact", "Cliente"),
        "cli.col.subject": ("Subject", "Asunto"),
        "cli.pool": ("(pool)", "(bolsa)"),
    }
)

DEFAULT_LIMIT = 50
TABLE = (
    Column("cli.col.id", 7, right=True),
    Column("cli.col.date", 12),
    Column("cli.col.type", 8),
    Column("cli.col.status", 11),
    Column("cli.col.user", 9),
    Column("cli.col.contact", 12),
    Column("cli.col.subject", 0),
)


def register_command(commands: Commands) -> None:
    parser = commands.add("list", run_list)
    add_filter_options(parser)
    parser.add_argument(
        "--limit",
        type=non_negative_int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=t("cli.help.limit"),
    )
    add_format_option(parser)


class Selection:
    """Up to `limit` matching interactions (0: all), newest first, fetched a
    page at a time; afterwards `more` tells whether the limit cut some."""

    def __init__(self, f: InteractionFilter, limit: int) -> None:
        self.filter = f
        self.limit = limit
        self.more = False

    def __iter__(self) -> Iterator[InteractionRecord]:
        left = self.limit or None
        cursor: Cursor | None = None
        while True:
            size = MAX_PAGE if left is None else min(left, MAX_PAGE)
            page = list_interactions(self.filter, after=cursor, limit=size)
            yield from page.items
            if page.next_cursor is None:
                return
            if left is not None:
                left -= len(page.items)
                if left == 0:
                    self.more = True
                    return
            cursor = page.next_cursor


def run_list(args: argparse.Namespace) -> int:
    f = filter_from(args)
    open_database(args, create=False)
    selection = Selection(f, args.limit)
    if args.format == "json":
        write_json_array(json_row(record) for record in selection)
        return 0
    write_table(TABLE, table_rows(selection))
    if selection.more:
        print(t("cli.list.more", limit=args.limit), file=sys.stderr)
    return 0


def json_row(record: InteractionRecord) -> dict[str, str]:
    """The interchange columns, in order, as the CSV export writes them,
    except for the apostrophe that guards a spreadsheet against formulas:
    JSON is not opened by a spreadsheet, and scripts want the text as is."""
    return {
        column: cell_text(cell) for column, cell in zip(COLUMNS, record_cells(record), strict=True)
    }


def table_rows(records: Selection) -> Iterator[list[str]]:
    lang = language()
    now = clock.now()
    for record in records:
        yield [
            str(record.id),
            list_date(record.occurred_at, lang, now),
            record.type.label(lang),
            STATUS.label(record.status, lang),
            record.user or t("cli.pool"),
            record.contact_name,
            record.subject or record.note,
        ]
