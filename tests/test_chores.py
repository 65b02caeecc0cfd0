"""What a running app does once a minute by itself: the time-based rules
(an overdue event reminds its owner) and sending the outbox to the
configured SMTP server (a real aiosmtpd on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot

from crm_tui import clock
from crm_tui.app import CrmApp
from crm_tui.services.chores import run_chores
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.notifications import list_notifications
from crm_tui.services.outbox import list_messages
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db

from .app_helpers import make_app, settle
from .conftest import World
from .test_mailer import Smtp, smtp_server  # noqa: F401 (the fixture)

NOW = datetime(2026, 11, 23, 10, 0)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW.isoformat())


def meeting(*, hours_from_now: float, by: str = "ana", to: str = "luis") -> InteractionRecord:
    start = NOW + timedelta(hours=hours_from_now)
    return create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by=by,
            user=to,
            subject="Visita a obra",
            kind="scheduled",
            status="pending",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
    )


async def within_seconds(pilot: Pilot[None], seconds: float, condition: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the deadline"
        await pilot.pause(0.05)


def test_chores_remind_an_overdue_event_once_and_send_nothing_without_a_server(
    world: World,
) -> None:
    overdue = meeting(hours_from_now=-5)
    done = run_chores(clock.now())
    assert done.mail is None  # no SMTP server configured
    assert done.rules is not None and done.wrote
    reminders = [n for n in list_notifications(world.agent.id) if n.kind == "reminder"]
    assert [n.interaction_id for n in reminders] == [overdue.id]
    again = run_chores(clock.now())
    assert again.rules is not None and not again.wrote
    assert len([n for n in list_notifications(world.agent.id) if n.kind == "reminder"]) == 1


async def test_the_running_app_sends_the_outbox_to_the_configured_server(
    world: World, db: store_db.Target, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_TUI_SMTP", smtp.url)
    meeting(hours_from_now=24)  # ana gives luis a meeting: an e-mail for luis
    assert [m.status for m in list_messages()] == ["queued"]
    store_db.close()  # the app opens its own connections
    app: CrmApp = make_app(db, user="luis")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: app.actor is not None)
        await within_seconds(pilot, 10, lambda: bool(smtp.inbox.received))
    letter = smtp.inbox.received[0]
    assert letter["To"].addresses[0].addr_spec == "luis@example.com"
    assert "Visita a obra" in str(letter["Subject"])
    store_db.connect(db)
    assert [m.status for m in list_messages()] == ["sent"]
