"""Talking to a real SMTP server (aiosmtpd on 127.0.0.1, a free port):
what arrives, what a refusal and a missing server look like, and which
URLs name a server. The `smtp` fixture is shared with the outbox tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller

from crm_tui.services.errors import ValidationError
from crm_tui.services.mailer import (
    Connection,
    Letter,
    Refused,
    ServerUnreachable,
    SmtpServer,
    check_sender,
    compose,
    parse_smtp_url,
    valid_address,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives; `refuse` set to an
    SMTP reply ("550 ...") refuses every recipient with it."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=default))
        with self._lock:
            self.received.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    @property
    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.received]


def text_of(message: EmailMessage) -> str:
    """The body as written (lines end in CRLF on the wire)."""
    return str(message.get_content()).replace("\r\n", "\n")


class Smtp:
    def __init__(self, inbox: Inbox, port: int) -> None:
        self.inbox = inbox
        self.port = port
        self.url = f"smtp://127.0.0.1:{port}"


@pytest.fixture(name="smtp")
def smtp_server() -> Iterator[Smtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield Smtp(inbox, port)
    controller.stop()


def a_letter(**changes: str) -> Letter:
    values = {
        "sender": "crm@example.com",
        "sender_name": "crm-tui",
        "recipient": "luis@example.com",
        "subject": "Reunión con Ferretería López",
        "body": "Hola, Luis:\n\nMañana a las 10:00 — café ☕\n",
        **changes,
    }
    return Letter(**values)


def test_a_message_arrives_with_its_address_subject_and_utf8_body(smtp: Smtp) -> None:
    with Connection(parse_smtp_url(smtp.url)) as connection:
        connection.send(compose(a_letter()))
    [message] = smtp.inbox.received
    assert message["To"] == "luis@example.com"
    assert message["From"] == "crm-tui <crm@example.com>"
    assert message["Subject"] == "Reunión con Ferretería López"
    assert text_of(message) == "Hola, Luis:\n\nMañana a las 10:00 — café ☕\n"
    assert message.get_content_charset() == "utf-8"
    assert message["Message-ID"]
    assert message["Date"]
    assert smtp.inbox.envelopes == [("crm@example.com", ["luis@example.com"])]


def test_a_subject_cannot_carry_another_header(smtp: Smtp) -> None:
    letter = a_letter(subject="Hola\r\nBcc: victim@example.com\nX-Evil: 1")
    with Connection(parse_smtp_url(smtp.url)) as connection:
        connection.send(compose(letter))
    [message] = smtp.inbox.received
    assert message["Subject"] == "Hola Bcc: victim@example.com X-Evil: 1"
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert smtp.inbox.envelopes[0][1] == ["luis@example.com"]


def test_a_refusal_says_the_server_reply_and_whether_it_is_for_good(smtp: Smtp) -> None:
    smtp.inbox.refuse = "550 5.1.1 No such user here"
    with Connection(parse_smtp_url(smtp.url)) as connection:
        with pytest.raises(Refused) as refused:
            connection.send(compose(a_letter()))
        assert refused.value.permanent
        assert refused.value.reason == "550 5.1.1 No such user here"
        smtp.inbox.refuse = "451 4.3.0 Try again later"
        with pytest.raises(Refused) as later:
            connection.send(compose(a_letter()))
        assert not later.value.permanent
        smtp.inbox.refuse = None
        connection.send(compose(a_letter()))  # the session is still usable
    assert len(smtp.inbox.received) == 1


def test_a_server_that_is_not_there_is_said_so() -> None:
    server = parse_smtp_url(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(ServerUnreachable) as raised, Connection(server):
        pass
    assert raised.value.message() == (
        f"cannot reach the mail server smtp://127.0.0.1:{server.port}: Connection refused"
    )


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.com", SmtpServer("mail.example.com", 25, False, False, "", "")),
        ("smtps://mail.example.com", SmtpServer("mail.example.com", 465, True, False, "", "")),
        (
            "smtp://ana%40example.com:p%3Ass@mail.example.com:587?starttls=1",
            SmtpServer("mail.example.com", 587, False, True, "ana@example.com", "p:ss"),
        ),
    ],
)
def test_urls_name_the_server_port_security_and_login(url: str, server: SmtpServer) -> None:
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize(
    "url", ["mail.example.com", "http://mail.example.com", "smtp://", "smtp://host:99999", ""]
)
def test_a_url_that_names_no_server_is_refused_with_how_to_write_one(url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_smtp_url(url)
    assert "use smtp://HOST:PORT or smtps://HOST:PORT" in raised.value.message()


def test_a_password_in_a_bad_url_is_not_repeated() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_smtp_url("ftp://ana:secret@mail.example.com")
    assert "secret" not in raised.value.message()


def test_addresses_that_could_open_another_header_or_recipient_are_not_usable() -> None:
    assert valid_address("luis.gomez+crm@example.com")
    for bad in ("", "luis", "luis@", "a@b.com, c@d.com", "a@b.com\r\nBcc: x@y.z", "<a@b.com>"):
        assert not valid_address(bad), bad
    assert check_sender(" crm@example.com ") == "crm@example.com"
    with pytest.raises(ValidationError, match="not an e-mail address to send from"):
        check_sender("crm-tui")
