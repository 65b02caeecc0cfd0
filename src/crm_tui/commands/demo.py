"""`crm-tui demo`: fill a new or empty database with a realistic, seeded
sales floor. The demo builder itself refuses a database that already holds
contacts or interactions: a demo never mixes into real work."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crm_tui.commands.common import Commands, non_negative_int
from crm_tui.i18n import register, t
from crm_tui.store.db import resolve_target

if TYPE_CHECKING:
    from crm_tui.demo import DemoSummary

register(
    {
        "cli.demo.help": (
            "create a demo database with sample users, contacts and interactions",
            "crea una base de datos de demostración con usuarios, clientes e interacciones",
        ),
        "cli.demo.seed": (
            "random seed: the same seed gives the same data (default 1)",
            "semilla: la misma semilla da los mismos datos (por defecto 1)",
        ),
        "cli.demo.contacts": (
            "how many contacts, each with four opportunities on average "
            "(default: one per 20 interactions, at least 500)",
            "cuántos clientes, con cuatro oportunidades cada uno de media "
            "(por defecto: uno por cada 20 interacciones, al menos 500)",
        ),
        "cli.demo.interactions": (
            "how many interactions (default 20,000)",
            "cuántas interacciones (por defecto 20.000)",
        ),
        "cli.demo.progress": ("{stage}: {done:,} of {total:,}", "{stage}: {done:,} de {total:,}"),
        "cli.demo.done": (
            "demo database {target}: {counts} in {seconds:.1f} s",
            "base de datos de demostración {target}: {counts} en {seconds:.1f} s",
        ),
        "cli.demo.count.users": ("users", "usuarios"),
        "cli.demo.count.contacts": ("contacts", "clientes"),
        "cli.demo.count.opportunities": ("opportunities", "oportunidades"),
        "cli.demo.count.interactions": ("interactions", "interacciones"),
        "cli.demo.count.comments": ("comments", "comentarios"),
        "cli.demo.count.notifications": ("notifications", "notificaciones"),
        "cli.demo.count.indexes": ("indexes", "índices"),
    }
)

COUNTED = ("users", "contacts", "opportunities", "interactions", "comments", "notifications")


def register_command(commands: Commands) -> None:
    parser = commands.add("demo", run_demo)
    parser.add_argument(
        "--seed", type=non_negative_int, default=1, metavar="N", help=t("cli.demo.seed")
    )
    for option in ("contacts", "interactions"):
        parser.add_argument(
            f"--{option}", type=non_negative_int, metavar="N", help=t(f"cli.demo.{option}")
        )


def run_demo(args: argparse.Namespace) -> int:
    from crm_tui.demo import build_demo

    target = resolve_target(args.db)
    summary = build_demo(
        target,
        seed=args.seed,
        contacts=args.contacts,
        interactions=args.interactions,
        login=args.login,
        progress=show_progress if sys.stderr.isatty() else None,
    )
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")  # clear the progress line
    print(
        t(
            "cli.demo.done",
            target=target.describe(),
            counts=describe_counts(summary),
            seconds=summary.seconds,
        )
    )
    return 0


def show_progress(stage: str, done: int, total: int) -> None:
    """One line on the terminal, rewritten in place (a big demo takes a while)."""
    sys.stderr.write(
        "\r\x1b[K"
        + t("cli.demo.progress", stage=t(f"cli.demo.count.{stage}"), done=done, total=total)
    )
    sys.stderr.flush()


def describe_counts(summary: DemoSummary) -> str:
    return ", ".join(
        f"{getattr(summary, name):,} {t(f'cli.demo.count.{name}')}" for name in COUNTED
    )
