"""What a running app does once a minute besides looking for changes: the
time-based automatic rules (overdue events, silent contacts) and sending
the outbox when an SMTP server is configured. Both are safe to run from
every open terminal at once (locks and claims), so each app runs them and
the team needs no separate server process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_tui.services.outbox import SendReport, send_if_configured
from crm_tui.services.rules import RulesRun, run_time_rules, time_rules_active


@dataclass(frozen=True)
class ChoresDone:
    rules: RulesRun | None  # None: no time-based rule is active
    mail: SendReport | None  # None: no SMTP server is configured

    @property
    def wrote(self) -> bool:
        """Whether the rules created something the screens should show."""
        return self.rules is not None and self.rules.total > 0


def run_chores(now: datetime) -> ChoresDone:
    """(Queries: call it from a worker.)"""
    rules = run_time_rules(now) if time_rules_active() else None
    return ChoresDone(rules=rules, mail=send_if_configured(now))
