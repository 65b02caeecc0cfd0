"""`crm-tui outbox list | send | retry` as people and scripts use it, on
both databases, against a real SMTP server on loopback: the counts it
prints, its exit code (0 all sent, 1 no server or a bad URL, 4 some
failed), and one clear line when something is wrong."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db

from .conftest import World
from .test_cli import Crm, crm, on  # noqa: F401 (crm: the fixture)
from .test_mailer import Smtp, free_port, smtp_server  # noqa: F401 (the fixture)

NOW = datetime(2026, 11, 23, 10, 0)  # test_cli's fixed clock


def event_for(user: str, subject: str) -> None:
    create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-001",
            created_by="ana",
            user=user,
            subject=subject,
            starts_at=NOW + timedelta(days=1),
        )
    )


@pytest.fixture
def mail(world: World) -> None:
    """Two e-mails queued (for luis) and one held (marta has no address)."""
    event_for("luis", "Visita")
    event_for("luis", "Demo")
    event_for("marta", "Llamada")


def test_send_prints_the_counts_and_exits_0_when_nothing_failed(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    smtp: Smtp,
) -> None:
    result = crm("outbox", *on(db), "send", "--smtp", smtp.url, "--from", "crm@example.com")
    assert result.code == 0, result.err
    assert result.out == "sent: 2, failed: 0, to retry later: 0, held: 1\n"
    assert result.err == (
        "held e-mails wait for an e-mail address: crm-tui outbox list --status held\n"
    )
    assert len(smtp.inbox.received) == 2


def test_list_shows_each_email_and_why_one_is_held(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
) -> None:
    result = crm("outbox", *on(db), "list")
    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header.split() == ["Id", "Status", "Kind", "To", "Tries", "Subject", "/", "why"]
    assert len(lines) == 3
    assert "Held" in lines[0] and "Marta Vidal has no" in lines[0]
    assert "Queued" in lines[1] and "luis@example.com" in lines[1]
    rows = crm("outbox", *on(db), "list", "--status", "held", "--format", "json").json()
    assert [(row["status"], row["recipient"]) for row in rows] == [("held", "")]
    assert rows[0]["reason"] == (
        "Marta Vidal has no e-mail address; add one with: crm-tui users edit marta --email ADDRESS"
    )
    assert rows[0]["created_at"] == "2026-11-23 10:00"


def test_list_in_spanish_on_a_wide_terminal_shows_the_whole_reason(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = crm("outbox", *on(db), "list", "--status", "held", "--lang", "es")
    assert result.code == 0, result.err
    assert "Retenido" in result.out and "Asignación" in result.out
    assert result.out.rstrip().endswith(
        "Marta Vidal no tiene correo electrónico; añádalo con: crm-tui users edit marta "
        "--email DIRECCIÓN"
    )


def test_a_server_that_is_not_there_exits_1_and_keeps_the_emails(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
) -> None:
    port = free_port()
    result = crm("outbox", *on(db), "send", "--smtp", f"smtp://127.0.0.1:{port}")
    assert result.code == 1
    assert (
        f"crm-tui: cannot reach the mail server smtp://127.0.0.1:{port}: Connection refused; "
        "the e-mails stay queued\n"
    ) in result.err
    rows = crm("outbox", *on(db), "list", "--status", "queued", "--format", "json").json()
    assert [row["attempts"] for row in rows] == [0, 0]


@pytest.mark.parametrize("url", ["mail.example.com:25", "http://mail.example.com"])
def test_a_bad_url_exits_1_with_how_to_write_one(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    url: str,
) -> None:
    result = crm("outbox", *on(db), "send", "--smtp", url)
    assert result.code == 1
    assert result.err.startswith(f"crm-tui: {url!r} is not a mail server address: use smtp://")
    assert result.out == ""


def test_no_server_configured_says_how_to_give_one(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CRM_TUI_SMTP", raising=False)
    result = crm("outbox", *on(db), "send")
    assert result.code == 1
    assert result.err == (
        "crm-tui: no mail server: give --smtp smtp://HOST:PORT, or set CRM_TUI_SMTP\n"
    )


def test_the_server_comes_from_the_environment(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    smtp: Smtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_TUI_SMTP", smtp.url)
    assert crm("outbox", *on(db), "send").code == 0
    assert len(smtp.inbox.received) == 2


def test_failures_exit_4_and_retry_sends_them(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
    smtp: Smtp,
) -> None:
    smtp.inbox.refuse = "550 5.7.1 Relaying denied"
    result = crm("outbox", *on(db), "send", "--smtp", smtp.url)
    assert result.code == 4
    assert result.out == "sent: 0, failed: 2, to retry later: 0, held: 1\n"
    assert "crm-tui outbox retry ID" in result.err
    rows = crm("outbox", *on(db), "list", "--status", "failed", "--format", "json").json()
    assert {row["reason"] for row in rows} == {"550 5.7.1 Relaying denied"}
    smtp.inbox.refuse = None
    first = rows[0]["id"]
    result = crm("outbox", *on(db), "retry", str(first))
    assert (result.code, result.out) == (0, "1 e-mails queued again\n")
    assert crm("outbox", *on(db), "send", "--smtp", smtp.url).code == 0
    result = crm("outbox", *on(db), "send", "--smtp", smtp.url, "--retry-failed")
    assert result.code == 0
    assert result.out == "sent: 1, failed: 0, to retry later: 0, held: 1\n"
    assert len(smtp.inbox.received) == 2


def test_retry_refuses_what_did_not_fail(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
) -> None:
    result = crm("outbox", *on(db), "retry", "1")
    assert result.code == 1
    assert result.err == "crm-tui: e-mail 1 is Queued: only failed e-mails are retried\n"
    assert crm("outbox", *on(db), "retry").err == (
        "crm-tui: give the Id of a failed e-mail, or --all\n"
    )
    assert crm("outbox", *on(db), "retry", "--all").out == "0 e-mails queued again\n"


def test_an_unknown_status_is_a_usage_error(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    mail: None,
) -> None:
    result = crm("outbox", *on(db), "list", "--status", "lost")
    assert result.code == 2
    assert "invalid choice: 'lost'" in result.err
