"""What follows a change to an interaction, inside the same transaction:
the automatic rules it triggers and the e-mails it queues. Either all of
it is written with the change, or none of it."""

from __future__ import annotations

from crm_tui.services import outbox, rules
from crm_tui.services.records import InteractionRecord


def interaction_changed(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    """`before` is None for a new interaction."""
    rules.on_interaction_change(before, after, actor_id=actor_id)
    outbox.on_interaction_change(before, after, actor_id=actor_id)
