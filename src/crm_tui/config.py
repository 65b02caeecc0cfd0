"""What the program was asked to open, as one object the CLI builds and
the TUI reads: which database, as whom, in which language, and where to
land first (screen pop from a dialer)."""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.store.db import Target


@dataclass(frozen=True)
class AppOptions:
    target: Target
    username: str | None  # None: the login name
    lang: str  # "es" or "en"
    opportunity: str | None = None  # --opportunity CODE
    contact: str | None = None  # --contact CODE
    interaction: str | None = None  # --interaction ID
