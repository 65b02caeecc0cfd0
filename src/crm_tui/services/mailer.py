"""Talking to an SMTP server (smtplib): the server named by a URL, the
message as it goes on the wire, and what went wrong in words a person can
act on. Knows nothing of the outbox or the database.

URL: `smtp://HOST[:PORT]` (plain, port 25), `smtps://HOST[:PORT]` (TLS from
the start, port 465), `smtp://HOST:587?starttls=1` (upgraded with
STARTTLS); `USER:PASSWORD@` before the host logs in (percent-encode `@`,
`:` and `/` in them).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlparse

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.text import clean_line

register(
    {
        "error.smtp_url": (
            "{url!r} is not a mail server address: use smtp://HOST:PORT or smtps://HOST:PORT "
            "(with USER:PASSWORD@ before the host to log in, ?starttls=1 to upgrade)",
            "{url!r} no es la dirección de un servidor de correo: use smtp://HOST:PUERTO o "
            "smtps://HOST:PUERTO (con USUARIO:CONTRASEÑA@ delante del host para iniciar "
            "sesión, ?starttls=1 para cifrar)",
        ),
        "error.smtp_unreachable": (
            "cannot reach the mail server {server}: {reason}",
            "no se puede conectar con el servidor de correo {server}: {reason}",
        ),
        "error.bad_sender": (
            "{value!r} is not an e-mail address to send from",
            "{value!r} no es una dirección de correo válida como remitente",
        ),
    }
)

SCHEMES = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 20
TRUE_WORDS = ("1", "true", "yes", "on")
# An address we write into a header as is: one local part, one domain,
# nothing that could open a second address, a comment or a new header.
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def valid_address(text: str | None) -> bool:
    return bool(text) and ADDRESS.match(text or "") is not None


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    starttls: bool
    username: str
    password: str

    def describe(self) -> str:
        """The server without its password, for messages."""
        scheme = "smtps" if self.tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server `url` names; a ValidationError saying how to write one
    when it names none."""
    shown = _without_password(url)
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except ValueError:
        raise ValidationError.single("smtp", "error.smtp_url", url=shown) from None
    if parsed.scheme not in SCHEMES or not parsed.hostname or parsed.path not in ("", "/"):
        raise ValidationError.single("smtp", "error.smtp_url", url=shown)
    options = dict(parse_qsl(parsed.query))
    return SmtpServer(
        host=parsed.hostname,
        port=port or SCHEMES[parsed.scheme],
        tls=parsed.scheme == "smtps",
        starttls=options.get("starttls", "").lower() in TRUE_WORDS,
        username=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
    )


def _without_password(url: str) -> str:
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url.strip())


def check_sender(address: str) -> str:
    address = clean_line(address)
    if not valid_address(address):
        raise ValidationError.single("sender", "error.bad_sender", value=address)
    return address


@dataclass(frozen=True)
class Letter:
    """One plain-text e-mail, as the outbox holds it."""

    sender: str
    sender_name: str
    recipient: str
    subject: str
    body: str


def compose(letter: Letter) -> EmailMessage:
    """The message on the wire: UTF-8 text, quoted-printable so that any
    server takes it, the subject on one line whatever was stored."""
    message = EmailMessage()
    message["From"] = Address(display_name=clean_line(letter.sender_name), addr_spec=letter.sender)
    message["To"] = Address(addr_spec=letter.recipient)
    message["Subject"] = clean_line(letter.subject)
    message["Date"] = format_datetime(clock.now().astimezone())
    message["Message-ID"] = make_msgid(domain=letter.sender.rpartition("@")[2])
    message.set_content(letter.body, charset="utf-8", cte="quoted-printable")
    return message


class ServerUnreachable(CrmError):
    """No conversation with the server at all: nothing was sent."""

    def __init__(self, server: SmtpServer, reason: str) -> None:
        super().__init__("error.smtp_unreachable", server=server.describe(), reason=reason)


class Refused(Exception):
    """The server did not take one message; `permanent` for a 5xx answer,
    which sending again unchanged will not fix."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Connection:
    """An open SMTP session: `with Connection(server) as smtp: smtp.send(m)`."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        server = self.server
        try:
            if server.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host,
                    server.port,
                    timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            try:
                if server.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if server.username:
                    smtp.login(server.username, server.password)
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:
            raise ServerUnreachable(server, describe_error(exc)) from exc
        self._smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server; Refused when it is not taken. A
        session that broke raises Refused too (temporary): the caller stops
        using this connection."""
        if self._smtp is None:
            raise RuntimeError("send() outside `with Connection(...)`")
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise Refused(_reply(code, reply), permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            reason = _reply(exc.smtp_code, exc.smtp_error)
            raise Refused(reason, permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            raise Refused(describe_error(exc), permanent=False) from exc
        if refused:  # only with several recipients; we send one at a time
            code, reply = next(iter(refused.values()))
            raise Refused(_reply(code, reply), permanent=code >= 500)

    @property
    def usable(self) -> bool:
        return self._smtp is not None


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return clean_line(f"{code} {text}")


def describe_error(exc: BaseException) -> str:
    """`Connection refused`, `timed out`, `535 Authentication failed`."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return clean_line(str(exc)) or type(exc).__name__
