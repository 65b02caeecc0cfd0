"""Automatic rules (placeholder signature; the rules work replaces this)."""

from __future__ import annotations

from crm_tui.services.records import InteractionRecord


def on_interaction_change(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    """Apply the active rules that `before` → `after` triggers."""
