"""Shipped defaults (interaction types, task templates, automatic rules),
installed into a new database once and then owned by its settings."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from crm_tui import clock
from crm_tui.store.db import writes
from crm_tui.store.models import InteractionType, Rule, TaskTemplate


def load_default(name: str) -> list[dict[str, Any]]:
    text = resources.files("crm_tui").joinpath("data", name).read_text(encoding="utf-8")
    data: list[dict[str, Any]] = json.loads(text)
    return data


@writes
def install_defaults() -> bool:
    """Install the defaults into a database that has no types yet; return
    whether anything was installed."""
    if InteractionType.select().exists():
        return False
    for position, entry in enumerate(load_default("interaction_types.json")):
        InteractionType.create(position=position, active=True, **entry)
    types = {t.code: t.id for t in InteractionType.select()}
    for entry in load_default("task_templates.json"):
        TaskTemplate.create(
            name=entry["name"],
            type=types[entry["type"]],
            default_priority=entry["default_priority"],
            due_offset=entry["due_offset"],
            description=entry["description"],
        )
    # Imported here: the rules engine is not needed to open a database.
    from crm_tui.services.rules import action_json, parse_rule, trigger_json

    for entry in load_default("rules.json"):
        # Read as typed rules first: a shipped rule the engine cannot read
        # fails here, in the tests, rather than being skipped at run time.
        trigger, action = parse_rule(entry["trigger"], entry["action"])
        Rule.create(
            name=entry["name"],
            trigger=json.dumps(trigger_json(trigger), ensure_ascii=False),
            action=json.dumps(action_json(action), ensure_ascii=False),
            active=True,
            builtin=True,
            created_at=clock.now(),
        )
    return True
