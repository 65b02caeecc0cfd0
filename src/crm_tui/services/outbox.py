"""E-mail outbox (placeholder signature; the outbox work replaces this)."""

from __future__ import annotations

from crm_tui.services.records import InteractionRecord


def on_interaction_change(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    """Queue the e-mails that `before` → `after` calls for."""


def queue_reminder(user_id: int, interaction_id: int, text: str) -> None:
    """Queue a reminder e-mail to `user_id`."""
