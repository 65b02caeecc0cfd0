"""Choosing the reader or writer of a file by its suffix."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from crm_tui.exchange import messages  # noqa: F401 (registers the message ids)
from crm_tui.services.errors import CrmError

Handler = TypeVar("Handler")


def handler_for(handlers: dict[str, Handler | None], path: Path) -> Handler:
    """The handler for the file's suffix (any case). A suffix mapped to None
    is a format announced but not supported yet; both it and an unknown
    suffix raise a CrmError naming the formats there are."""
    suffix = path.suffix.lower()
    ready = ", ".join(name for name, handler in handlers.items() if handler is not None)
    if suffix not in handlers:
        raise CrmError("exchange.error.unknown_format", suffix=suffix or path.name, choices=ready)
    handler = handlers[suffix]
    if handler is None:
        raise CrmError("exchange.error.not_yet_supported", suffix=suffix, choices=ready)
    return handler
