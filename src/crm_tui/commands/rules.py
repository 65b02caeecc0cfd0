"""`crm-tui rules list`: the automatic rules, each with its sentence;
`crm-tui rules run`: apply the time-based rules now (overdue events, silent
contacts) and print what they did, for a server's cron when nobody has the
app open. Running it again creates nothing new."""

from __future__ import annotations

import argparse

from crm_tui.commands.common import Commands, add_format_option, open_database
from crm_tui.commands.output import Column, write_json_array, write_table
from crm_tui.i18n import language, register, t
from crm_tui.services.rules import (
    RulesRun,
    StoredRule,
    action_json,
    describe_rule,
    list_rules,
    run_time_rules,
    trigger_json,
)
from crm_tui.services.types import list_types

register(
    {
        "cli.rules.help": ("automatic rules", "reglas automáticas"),
        "cli.rules.list.help": (
            "list the automatic rules and what each does",
            "lista las reglas automáticas y lo que hace cada una",
        ),
        "cli.rules.run.help": (
            "apply the time-based rules now (overdue events, contacts without contact) "
            "and print what they did",
            "aplica ahora las reglas por tiempo (eventos vencidos, clientes sin contacto) "
            "e imprime lo que hicieron",
        ),
        "cli.col.rule": ("Rule", "Regla"),
        "cli.col.on": ("On", "Activa"),
        "cli.col.does": ("What it does", "Qué hace"),
        "cli.col.created": ("Created", "Creadas"),
        "cli.col.notified": ("Notified", "Avisos"),
        "cli.col.ids": ("Ids", "Ids"),
        "cli.rules.yes": ("yes", "sí"),
        "cli.rules.no": ("no", "no"),
        "cli.rules.unreadable": ("(unreadable: {reason})", "(ilegible: {reason})"),
    }
)

LIST_TABLE = (
    Column("cli.col.id", 4, right=True),
    Column("cli.col.on", 6),
    Column("cli.col.rule", 24),
    Column("cli.col.does", 0),
)
RUN_TABLE = (
    Column("cli.col.rule", 30),
    Column("cli.col.created", 8, right=True),
    Column("cli.col.notified", 8, right=True),
    Column("cli.col.ids", 0),
)


def register_command(commands: Commands) -> None:
    group = commands.group(commands.add("rules"), "rules")
    add_format_option(group.add("list", run_list))
    add_format_option(group.add("run", run_run))


def _type_labels() -> dict[str, str]:
    lang = language()
    return {record.code: record.label(lang) for record in list_types()}


def _sentence(stored: StoredRule, labels: dict[str, str]) -> str:
    if stored.rule is None:
        return t("cli.rules.unreadable", reason=stored.problem)
    return describe_rule(stored.rule, language(), labels)


def run_list(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    labels = _type_labels()
    listed = list_rules()
    if args.format == "json":
        write_json_array(
            {
                "id": stored.id,
                "name": stored.name,
                "active": stored.active,
                "builtin": stored.builtin,
                "trigger": trigger_json(stored.rule.trigger) if stored.rule else None,
                "action": action_json(stored.rule.action) if stored.rule else None,
                "description": _sentence(stored, labels),
            }
            for stored in listed
        )
        return 0
    yes, no = t("cli.rules.yes"), t("cli.rules.no")
    write_table(
        LIST_TABLE,
        (
            [str(stored.id), yes if stored.active else no, stored.name, _sentence(stored, labels)]
            for stored in listed
        ),
    )
    return 0


def run_run(args: argparse.Namespace) -> int:
    open_database(args, create=False)
    done: RulesRun = run_time_rules()
    if args.format == "json":
        write_json_array(
            {
                "rule": run.rule,
                "rule_id": run.rule_id,
                "interactions": list(run.interactions),
                "notifications": list(run.notifications),
            }
            for run in done.rules
        )
        return 0
    write_table(
        RUN_TABLE,
        (
            [
                run.rule,
                str(len(run.interactions)),
                str(len(run.notifications)),
                " ".join(str(i) for i in run.interactions),
            ]
            for run in done.rules
        ),
    )
    return 0
