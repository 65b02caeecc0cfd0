"""Choosing the reader or writer of a file by its suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from crm_tui.exchange import messages  # noqa: F401 (registers the message ids)
from crm_tui.services.errors import CrmError

Handler = TypeVar("Handler")


def handler_for(handlers: Mapping[str, Handler], path: Path) -> Handler:
    """The handler for the file's suffix (any case); an unknown suffix
    raises a CrmError naming the formats there are."""
    suffix = path.suffix.lower()
    if suffix not in handlers:
        choices = ", ".join(handlers)
        raise CrmError("exchange.error.unknown_format", suffix=suffix or path.name, choices=choices)
    return handlers[suffix]
