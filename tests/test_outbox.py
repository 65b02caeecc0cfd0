"""The e-mail outbox on SQLite and PostgreSQL, sending to a real SMTP
server on loopback: what is queued with which change, what arrives, what
is held for a missing address and goes once it is added, failures kept
with their reason and retried, a missing server that loses nothing, and
two senders at once that send each message exactly once."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crm_tui import clock, i18n
from crm_tui.services import outbox
from crm_tui.services.contacts import create_contact
from crm_tui.services.interactions import (
    InteractionDraft,
    assign,
    create_interaction,
    edit_interaction,
)
from crm_tui.services.outbox import OutboxRecord, send_queued
from crm_tui.services.records import InteractionRecord
from crm_tui.services.reminders import create_due_reminders
from crm_tui.store import db as store_db
from crm_tui.store import migrations
from crm_tui.store.models import OutboxMessage, Setting, User

from .conftest import World
from .test_mailer import Smtp, free_port, smtp_server, text_of  # noqa: F401 (the fixture)

NOW = datetime(2026, 11, 23, 10, 0)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW.isoformat())


def event(
    *, by: str = "ana", to: str | None = "luis", subject: str = "Visita a obra"
) -> InteractionRecord:
    """A meeting tomorrow at 10:00 recorded by `by` for `to`."""
    return create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            opportunity="OP-001",
            created_by=by,
            user=to,
            subject=subject,
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=1),
            location="Calle Mayor 3",
            note="Llevar el catálogo",
        )
    )


def inbound(
    *, contact: str = "C-001", internal: bool = False, by: str = "luis"
) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(
            type="call",
            contact=contact,
            created_by=by,
            direction="inbound",
            internal=internal,
            subject="Pide presupuesto",
            note="Quiere 20 cajas de tornillos.",
        )
    )


def queued() -> list[OutboxRecord]:
    return sorted(outbox.list_messages(limit=100), key=lambda message: message.id)


def with_email(username: str, email: str) -> None:
    User.update(email=email).where(User.username == username).execute()


# --- what is queued -------------------------------------------------------------------


def test_an_event_for_someone_else_queues_an_email_to_them(world: World) -> None:
    record = event()
    [message] = queued()
    assert (message.kind, message.status, message.recipient) == (
        "assignment",
        "queued",
        "luis@example.com",
    )
    assert message.subject == "Ana Ruiz assigned you: Visita a obra"
    assert message.interaction_id == record.id
    assert "Hello Luis Gómez," in message.body
    assert "Where: Calle Mayor 3" in message.body
    assert "Contact: Ferretería López (C-001)" in message.body
    assert "Opportunity: Renovación de contrato (OP-001)" in message.body
    assert f"crm-tui --interaction {record.id}" in message.body
    assert "Llevar el catálogo" in message.body


def test_ones_own_event_a_logged_call_or_an_edit_queue_nothing(world: World) -> None:
    record = event(by="luis", to="luis")
    create_interaction(
        InteractionDraft(type="call", contact="C-001", created_by="ana", user="luis")
    )
    assign(record.id, "luis", actor=world.agent)
    assert queued() == []


def test_reassigning_an_event_queues_an_email_to_the_new_user(world: World) -> None:
    record = event(by="ana", to="ana")
    assign(record.id, "luis", actor=world.admin)
    [message] = queued()
    assert message.recipient == "luis@example.com"
    assign(record.id, None, actor=world.admin)  # back to the pool: nobody to tell
    assert len(queued()) == 1


def test_an_inbound_interaction_queues_a_notice_to_the_contact_from_its_recorder(
    world: World,
) -> None:
    create_contact(
        "C-010", "Talleres Ruiz", email="compras@talleres.example", actor_id=world.admin.id
    )
    record = inbound(contact="C-010")
    inbound(contact="C-010", internal=True)  # internal: the customer is not told
    [message] = queued()
    assert (message.kind, message.status, message.recipient) == (
        "inbound_notice",
        "queued",
        "compras@talleres.example",
    )
    assert message.subject == "We have recorded your message: Pide presupuesto"
    assert message.body.startswith("Dear Talleres Ruiz,")
    assert "Quiere 20 cajas de tornillos." in message.body
    assert f"Reference: {record.id}" in message.body
    assert message.body.rstrip().endswith("Luis Gómez")
    assert OutboxMessage.get_by_id(message.id).sender == "luis@example.com"


def test_a_notice_not_sent_yet_is_taken_back_when_the_interaction_becomes_internal(
    world: World,
) -> None:
    create_contact(
        "C-010", "Talleres Ruiz", email="compras@talleres.example", actor_id=world.admin.id
    )
    kept = inbound(contact="C-010")
    record = inbound(contact="C-010")
    assert len(queued()) == 2
    edit_interaction(record.id, {"internal": True}, actor=world.admin)
    # The note never leaves for the customer; the other notice still goes.
    assert [message.interaction_id for message in queued()] == [kept.id]
    edit_interaction(record.id, {"internal": False}, actor=world.admin)
    assert len(queued()) == 1  # made public again later: no notice comes back


def test_a_reminder_queues_an_email_to_its_user(world: World) -> None:
    record = event(by="luis", to="luis")
    create_due_reminders(world.agent.id, NOW + timedelta(days=1, minutes=-10))
    [message] = queued()
    assert (message.kind, message.recipient) == ("reminder", "luis@example.com")
    assert message.subject == "Reminder: Starts at 10:00: Visita a obra"
    assert message.interaction_id == record.id


def test_messages_are_written_in_the_programs_language(world: World) -> None:
    i18n.set_language("es")
    event()
    [message] = queued()
    assert message.subject == "Ana Ruiz le ha asignado: Visita a obra"
    assert message.body.startswith("Hola, Luis Gómez:")
    assert "Dónde: Calle Mayor 3" in message.body


def test_a_subject_is_one_line_whatever_was_typed(world: World) -> None:
    event(subject="Hola\u0085Bcc: x@example.com")
    [message] = queued()
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "\u0085" not in message.subject


# --- held for a missing address -------------------------------------------------------


def test_a_user_without_address_holds_the_message_until_one_is_added(
    world: World,
    smtp: Smtp,
) -> None:
    event(to="marta")
    [message] = queued()
    assert (message.status, message.recipient) == ("held", "")
    assert message.reason == (
        "Marta Vidal has no e-mail address; add one with: crm-tui users edit marta --email ADDRESS"
    )
    report = send_queued(smtp.url)
    assert (report.sent, report.held, report.ok) == (0, 1, True)
    assert smtp.inbox.received == []
    with_email("marta", "marta@example.com")
    report = send_queued(smtp.url)
    assert (report.sent, report.held) == (1, 0)
    assert [str(m["To"]) for m in smtp.inbox.received] == ["marta@example.com"]
    assert queued()[0].status == "sent"


def test_an_unusable_address_holds_the_message_and_says_why(world: World) -> None:
    with_email("marta", "marta@example.com, boss@example.com")
    event(to="marta")
    [message] = queued()
    assert message.status == "held"
    assert "cannot be used (marta@example.com, boss@example.com)" in message.reason


def test_a_notice_waits_for_the_contacts_and_the_recorders_addresses(
    world: World,
    smtp: Smtp,
) -> None:
    inbound(by="marta")  # C-001 has no address, nor has marta
    [message] = queued()
    assert message.status == "held"
    assert message.reason == (
        "the contact Ferretería López (C-001) has no e-mail address; the notice waits "
        "until it has one"
    )
    from crm_tui.store.models import Contact

    Contact.update(email="info@lopez.example").where(Contact.code == "C-001").execute()
    assert outbox.get_message(message.id).reason.startswith(
        "the notice is sent from the address of who recorded it: Marta Vidal has no e-mail"
    )
    assert send_queued(smtp.url).sent == 0
    with_email("marta", "marta@example.com")
    assert send_queued(smtp.url).sent == 1
    [received] = smtp.inbox.received
    assert (received["From"], received["To"]) == (
        "Marta Vidal <marta@example.com>",
        "info@lopez.example",
    )


# --- sending --------------------------------------------------------------------------


def test_sending_delivers_each_queued_message_once_and_marks_it_sent(
    world: World,
    smtp: Smtp,
) -> None:
    event(subject="Reunión ☕")
    report = send_queued(smtp.url, sender="crm@example.com")
    assert (report.sent, report.failed, report.retrying, report.ok) == (1, 0, 0, True)
    [received] = smtp.inbox.received
    assert received["To"] == "luis@example.com"
    assert received["From"] == "crm-tui <crm@example.com>"
    assert received["Subject"] == "Ana Ruiz assigned you: Reunión ☕"
    assert "Hello Luis Gómez," in text_of(received)
    [message] = queued()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, NOW)
    assert send_queued(smtp.url).sent == 0  # sent is sent
    assert len(smtp.inbox.received) == 1


def test_the_configured_sender_is_used_when_none_is_given(world: World, smtp: Smtp) -> None:
    Setting.create(scope="", key="smtp_from", value="ventas@example.com")
    event()
    send_queued(smtp.url)
    assert smtp.inbox.received[0]["From"] == "crm-tui <ventas@example.com>"


def test_a_refused_message_is_kept_with_the_reason_and_sent_when_retried(
    world: World,
    smtp: Smtp,
) -> None:
    event()
    smtp.inbox.refuse = "550 5.1.1 Mailbox unavailable"
    report = send_queued(smtp.url)
    assert (report.sent, report.failed, report.ok) == (0, 1, False)
    [message] = queued()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.reason == "550 5.1.1 Mailbox unavailable"
    assert send_queued(smtp.url).sent == 0  # failed stays failed until retried
    smtp.inbox.refuse = None
    assert outbox.retry(message.id).status == "queued"
    assert send_queued(smtp.url).sent == 1
    assert queued()[0].status == "sent"
    assert len(smtp.inbox.received) == 1


def test_a_temporary_failure_waits_before_the_next_try_then_gives_up(
    world: World,
    smtp: Smtp,
) -> None:
    event()
    smtp.inbox.refuse = "451 4.7.1 Greylisted, try later"
    report = send_queued(smtp.url, now=NOW)
    assert (report.retrying, report.failed) == (1, 0)
    [message] = queued()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == NOW + outbox.BACKOFF[0]
    assert message.reason == "451 4.7.1 Greylisted, try later"
    assert send_queued(smtp.url, now=NOW + timedelta(seconds=30)).retrying == 0  # not yet
    moment = NOW
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        moment += timedelta(hours=3)
        send_queued(smtp.url, now=moment)
    [message] = queued()
    assert (message.status, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    smtp.inbox.refuse = None
    assert outbox.retry_failed() == 1
    assert send_queued(smtp.url, now=moment).sent == 1


def test_a_server_that_cannot_be_reached_loses_nothing(world: World, smtp: Smtp) -> None:
    event()
    report = send_queued(f"smtp://127.0.0.1:{free_port()}")
    assert report.sent == 0 and not report.ok
    assert report.problem is not None and "Connection refused" in report.problem
    [message] = queued()
    assert (message.status, message.attempts) == ("queued", 0)
    assert "Connection refused" in message.reason
    assert send_queued(smtp.url).sent == 1


def test_a_claim_left_by_a_sender_that_died_is_taken_over_after_its_lease(
    world: World,
    smtp: Smtp,
) -> None:
    event()
    OutboxMessage.update(
        status="sending", claim_token="dead", lease_until=NOW + outbox.LEASE
    ).execute()
    assert send_queued(smtp.url, now=NOW).sent == 0
    assert send_queued(smtp.url, now=NOW + outbox.LEASE + timedelta(seconds=1)).sent == 1


def test_two_senders_at_once_send_each_message_exactly_once(
    world: World,
    db: store_db.Target,
    smtp: Smtp,
) -> None:
    for number in range(30):
        event(subject=f"Evento {number}")
    reports: list[outbox.SendReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with store_db.current().connection_context():
                reports.append(send_queued(smtp.url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(report.sent for report in reports) == 30
    assert sorted(smtp.inbox.subjects) == sorted(
        f"Ana Ruiz assigned you: Evento {number}" for number in range(30)
    )
    assert {message.status for message in queued()} == {"sent"}


def test_the_app_sends_only_when_a_server_is_configured(
    world: World,
    smtp: Smtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event()
    monkeypatch.delenv(outbox.ENV_SMTP, raising=False)
    assert outbox.smtp_from_config() is None
    assert outbox.send_if_configured(NOW) is None
    Setting.create(scope="", key="smtp_url", value=f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setenv(outbox.ENV_SMTP, smtp.url)  # the environment comes first
    report = outbox.send_if_configured(NOW)
    assert report is not None and report.sent == 1


def test_listing_filters_by_status_newest_first_and_refuses_unknown_ones(world: World) -> None:
    event(subject="first")
    event(to="marta", subject="second")
    event(subject="third")
    assert [m.subject.split(": ")[1] for m in outbox.list_messages()] == [
        "third",
        "second",
        "first",
    ]
    assert [m.subject for m in outbox.list_messages("held")] == ["Ana Ruiz assigned you: second"]
    assert len(outbox.list_messages(limit=1)) == 1
    with pytest.raises(Exception, match="queued, held, sending, sent, failed"):
        outbox.list_messages("lost")


def test_retrying_a_message_that_did_not_fail_is_refused(world: World) -> None:
    event()
    [message] = queued()
    with pytest.raises(Exception, match=f"e-mail {message.id} is Queued"):
        outbox.retry(message.id)
    with pytest.raises(Exception, match="no e-mail 999 in the outbox"):
        outbox.retry(999)


# --- the schema -----------------------------------------------------------------------


def test_upgrading_keeps_the_messages_queued_by_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
    monkeypatch.setattr(migrations, "LATEST", 2)
    store_db.connect(store_db.Target("sqlite", str(path)))
    store_db.close()
    with sqlite3.connect(path) as old:
        old.execute(
            "INSERT INTO outbox_message (uid, kind, recipient, subject, body, created_at) "
            "VALUES ('u1', 'reminder', 'luis@example.com', 'Hola', 'Cuerpo', ?)",
            (str(clock.now()),),
        )
    monkeypatch.undo()
    store_db.connect(store_db.Target("sqlite", str(path)))
    try:
        [message] = outbox.list_messages()
        assert (message.subject, message.status, message.recipient) == (
            "Hola",
            "queued",
            "luis@example.com",
        )
        assert migrations.current_version(store_db.current()) == migrations.LATEST
    finally:
        store_db.close()
