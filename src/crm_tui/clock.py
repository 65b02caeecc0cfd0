"""The one clock of the program.

`CRM_TUI_NOW` (ISO 8601) fixes it for tests and demos. Times are naive local
wall-clock times with whole seconds: the interchange format is local
`YYYY-MM-DD HH:MM`, and a sales floor works in one time zone.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache

ENV_NOW = "CRM_TUI_NOW"


@lru_cache(maxsize=8)
def _parse_fixed(value: str) -> datetime:
    fixed = datetime.fromisoformat(value)
    if fixed.tzinfo is not None:
        fixed = fixed.astimezone().replace(tzinfo=None)
    return fixed.replace(microsecond=0)


def now() -> datetime:
    """Current local time, or the fixed `CRM_TUI_NOW` when it is set."""
    fixed = os.environ.get(ENV_NOW, "").strip()
    if fixed:
        return _parse_fixed(fixed)
    return datetime.now().replace(microsecond=0)


def check_fixed_clock() -> str | None:
    """A message when `CRM_TUI_NOW` is set but unreadable, else None."""
    fixed = os.environ.get(ENV_NOW, "").strip()
    if not fixed:
        return None
    try:
        _parse_fixed(fixed)
    except ValueError:
        return f"{ENV_NOW}={fixed!r} is not an ISO 8601 date and time (e.g. 2026-11-23T10:00)"
    return None
