"""The e-mail outbox: messages are queued in the database with the change
that calls for them (offline first), and sent later by `crm-tui outbox
send` or by the app when a mail server is configured.

What is queued: an event given to someone other than who gives it (on
creation or reassignment) → to that user; a reminder → to its user; a new
inbound interaction that is not internal → a notice to the contact that
what they told us is recorded, sent from the address of the user who
recorded it (a user needs an e-mail address to send from the program).
Subjects and bodies are plain text in the program's language.

A message whose address is missing (or unusable) is `held`, not dropped:
each send first releases the held messages whose addresses now exist.

Sending claims a few messages at a time in a write transaction (status
`sending`, a lease and this run's token; on PostgreSQL `FOR UPDATE SKIP
LOCKED`, as `services.pool` does), so two senders at once never send one
message twice; it talks to the server outside any transaction and settles
each message in its own. A temporary failure (4xx, a broken connection)
is retried with backoff, up to `MAX_ATTEMPTS`; a permanent one (5xx) is
`failed` at once, kept with the server's reason until someone retries it.
A server that cannot be reached at all costs no message an attempt.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN

from crm_tui import clock
from crm_tui.formatting import full_datetime, preview
from crm_tui.i18n import language, register, t
from crm_tui.services.errors import FieldName, NotFound, ValidationError
from crm_tui.services.listing import get_interaction
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
from crm_tui.services.records import InteractionRecord
from crm_tui.services.text import clean_line, clean_text
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.ids import new_uid
from crm_tui.store.models import Contact, OutboxMessage, Setting, User

register(
    {
        "outbox.kind.assignment": ("Assignment", "Asignación"),
        "outbox.kind.reminder": ("Reminder", "Recordatorio"),
        "outbox.kind.inbound_notice": ("Receipt notice", "Acuse de recibo"),
        "outbox.status.queued": ("Queued", "En cola"),
        "outbox.status.held": ("Held", "Retenido"),
        "outbox.status.sending": ("Sending", "Enviando"),
        "outbox.status.sent": ("Sent", "Enviado"),
        "outbox.status.failed": ("Failed", "Fallido"),
        "field.outbox_status": ("status", "estado"),
        "error.outbox_unknown": (
            "no e-mail {id} in the outbox",
            "no hay ningún correo {id} en la bandeja de salida",
        ),
        "error.outbox_not_failed": (
            "e-mail {id} is {status}: only failed e-mails are retried",
            "el correo {id} está {status}: solo se reintentan los correos fallidos",
        ),
        # Why a message is held: what is missing, and what to do.
        "outbox.held.user_no_email": (
            "{name} has no e-mail address; add one with: crm-tui users edit {username} "
            "--email ADDRESS",
            "{name} no tiene correo electrónico; añádalo con: crm-tui users edit {username} "
            "--email DIRECCIÓN",
        ),
        "outbox.held.user_bad_email": (
            "{name} has an e-mail address that cannot be used ({email}); correct it with: "
            "crm-tui users edit {username} --email ADDRESS",
            "el correo electrónico de {name} no se puede usar ({email}); corríjalo con: "
            "crm-tui users edit {username} --email DIRECCIÓN",
        ),
        "outbox.held.sender": (
            "the notice is sent from the address of who recorded it: {reason}",
            "el aviso se envía desde la dirección de quien lo registró: {reason}",
        ),
        "outbox.held.contact_no_email": (
            "the contact {name} ({code}) has no e-mail address; the notice waits until it has one",
            "el cliente {name} ({code}) no tiene correo electrónico; el aviso espera hasta "
            "que lo tenga",
        ),
        "outbox.held.contact_bad_email": (
            "the contact {name} ({code}) has an e-mail address that cannot be used ({email})",
            "el correo electrónico del cliente {name} ({code}) no se puede usar ({email})",
        ),
        "outbox.held.gone": (
            "the person this e-mail was for no longer exists",
            "la persona a quien iba este correo ya no existe",
        ),
        # The messages themselves.
        "outbox.assignment.subject": (
            "{actor} assigned you: {subject}",
            "{actor} le ha asignado: {subject}",
        ),
        "outbox.assignment.body": (
            "Hello {name},\n\n{actor} has given you this event:\n\n{details}\n\n"
            "Open it with: crm-tui --interaction {id}\n",
            "Hola, {name}:\n\n{actor} le ha asignado este evento:\n\n{details}\n\n"
            "Ábralo con: crm-tui --interaction {id}\n",
        ),
        "outbox.reminder.subject": ("Reminder: {text}", "Recordatorio: {text}"),
        "outbox.reminder.body": (
            "Hello {name},\n\nReminder: {text}\n\n{details}\n\n"
            "Open it with: crm-tui --interaction {id}\n",
            "Hola, {name}:\n\nRecordatorio: {text}\n\n{details}\n\n"
            "Ábralo con: crm-tui --interaction {id}\n",
        ),
        "outbox.notice.subject": (
            "We have recorded your message: {subject}",
            "Hemos registrado su mensaje: {subject}",
        ),
        "outbox.notice.body": (
            "Dear {contact},\n\nThis is to confirm that we have recorded the information "
            "you gave us on {date}:\n\n{details}\n\nReference: {id}\n\nKind regards,\n{user}\n",
            "A la atención de {contact}:\n\nLe confirmamos que hemos registrado la "
            "información que nos hizo llegar el {date}:\n\n{details}\n\nReferencia: {id}\n\n"
            "Atentamente,\n{user}\n",
        ),
        "outbox.detail.subject": ("Subject: {value}", "Asunto: {value}"),
        "outbox.detail.when": ("When: {value}", "Cuándo: {value}"),
        "outbox.detail.until": ("Until: {value}", "Hasta: {value}"),
        "outbox.detail.location": ("Where: {value}", "Dónde: {value}"),
        "outbox.detail.contact": ("Contact: {name} ({code})", "Cliente: {name} ({code})"),
        "outbox.detail.opportunity": (
            "Opportunity: {title} ({code})",
            "Oportunidad: {title} ({code})",
        ),
        "outbox.detail.note": ("Note:\n{value}", "Nota:\n{value}"),
        "outbox.detail.id": ("Id: {value}", "Id: {value}"),
    }
)

ASSIGNMENT = "assignment"
REMINDER = "reminder"
INBOUND_NOTICE = "inbound_notice"
KINDS = (ASSIGNMENT, REMINDER, INBOUND_NOTICE)

QUEUED = "queued"
HELD = "held"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
STATUSES = (QUEUED, HELD, SENDING, SENT, FAILED)

MAX_ATTEMPTS = 5
# The wait after the 1st, 2nd, ... temporary failure.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# How long a claim holds: longer than a batch takes even on a slow server
# (BATCH messages x mailer.TIMEOUT_SECONDS), short enough that the messages
# of a sender that died go out soon after.
LEASE = timedelta(minutes=10)
BATCH = 10
SEND_LIMIT = 500
HELD_PAGE = 200
SUBJECT_LIMIT = 300

ENV_SMTP = "CRM_TUI_SMTP"
SMTP_URL_SETTING = "smtp_url"
SMTP_FROM_SETTING = "smtp_from"
SYSTEM_NAME = "crm-tui"


# --- queueing -------------------------------------------------------------------------


def on_interaction_change(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    """Queue the e-mails that `before` → `after` calls for."""
    if _given_to_someone_else(before, after):
        assignee = User.get_or_none(User.username == after.user)
        if assignee is not None and assignee.id != actor_id:
            _queue_assignment(after, assignee, actor_id)
    if before is None and after.direction == "inbound" and not after.internal:
        _queue_notice(after, actor_id)
    if before is not None and after.internal and not before.internal:
        _withdraw_notices(after.id)


def _withdraw_notices(interaction_id: int) -> None:
    """An interaction made internal keeps its note from the customer: its
    receipt notice, if not sent yet, is taken back. (One being sent this
    second cannot be; the window is a sending run's few seconds.)"""
    OutboxMessage.delete().where(
        (OutboxMessage.interaction == interaction_id)
        & (OutboxMessage.kind == INBOUND_NOTICE)
        & OutboxMessage.status.in_((QUEUED, HELD, FAILED))
    ).execute()


def _given_to_someone_else(before: InteractionRecord | None, after: InteractionRecord) -> bool:
    newly_theirs = before is None or before.user != after.user
    return after.kind == "scheduled" and after.is_open and after.user is not None and newly_theirs


def queue_reminder(user_id: int, interaction_id: int, text: str) -> None:
    """Queue a reminder e-mail to `user_id`."""
    user = User.get_or_none(User.id == user_id)
    if user is None:
        return
    lang = language()
    text = clean_line(text)
    record = _interaction_or_none(interaction_id)
    details = _event_details(record, lang) if record else ""
    _enqueue(
        REMINDER,
        subject=t("outbox.reminder.subject", lang, text=text),
        body=t(
            "outbox.reminder.body",
            lang,
            name=user.display_name,
            text=text,
            details=details,
            id=interaction_id,
        ),
        interaction_id=interaction_id,
        user=user,
    )


def _queue_assignment(record: InteractionRecord, assignee: User, actor_id: int) -> None:
    lang = language()
    actor = User.get_by_id(actor_id)
    _enqueue(
        ASSIGNMENT,
        subject=t(
            "outbox.assignment.subject",
            lang,
            actor=actor.display_name,
            subject=_title(record, lang),
        ),
        body=t(
            "outbox.assignment.body",
            lang,
            name=assignee.display_name,
            actor=actor.display_name,
            details=_event_details(record, lang),
            id=record.id,
        ),
        interaction_id=record.id,
        user=assignee,
    )


def _queue_notice(record: InteractionRecord, actor_id: int) -> None:
    lang = language()
    recorder = User.get_by_id(actor_id)
    lines = [_title(record, lang)]
    if record.note.strip():
        lines.append(record.note.strip())
    _enqueue(
        INBOUND_NOTICE,
        subject=t("outbox.notice.subject", lang, subject=_title(record, lang)),
        body=t(
            "outbox.notice.body",
            lang,
            contact=record.contact_name,
            date=full_datetime(record.occurred_at, lang),
            details="\n\n".join(lines),
            id=record.id,
            user=recorder.display_name,
        ),
        interaction_id=record.id,
        user=recorder,
        contact=Contact.get_by_id(record.contact_id),
    )


def _title(record: InteractionRecord, lang: str) -> str:
    return record.subject.strip() or record.type.label(lang)


def _event_details(record: InteractionRecord, lang: str) -> str:
    lines = [t("outbox.detail.subject", lang, value=_title(record, lang))]
    if record.starts_at:
        lines.append(t("outbox.detail.when", lang, value=full_datetime(record.starts_at, lang)))
    if record.ends_at:
        lines.append(t("outbox.detail.until", lang, value=full_datetime(record.ends_at, lang)))
    if record.location:
        lines.append(t("outbox.detail.location", lang, value=record.location))
    lines.append(
        t("outbox.detail.contact", lang, name=record.contact_name, code=record.contact_code)
    )
    if record.opportunity_code:
        lines.append(
            t(
                "outbox.detail.opportunity",
                lang,
                title=record.opportunity_title,
                code=record.opportunity_code,
            )
        )
    lines.append(t("outbox.detail.id", lang, value=record.id))
    if record.note.strip():
        lines.append("\n" + t("outbox.detail.note", lang, value=record.note.strip()))
    return "\n".join(lines)


def _interaction_or_none(interaction_id: int) -> InteractionRecord | None:
    try:
        return get_interaction(interaction_id)
    except NotFound:
        return None


def _enqueue(
    kind: str,
    *,
    subject: str,
    body: str,
    interaction_id: int,
    user: User,
    contact: Contact | None = None,
) -> None:
    addresses = _addresses(kind, user, contact)
    recipient, sender = addresses or ("", "")
    OutboxMessage.create(
        kind=kind,
        # One line, whatever the user typed: no header can be smuggled in.
        subject=preview(clean_line(subject), SUBJECT_LIMIT),
        body=clean_text(body),
        interaction=interaction_id,
        status=QUEUED if addresses else HELD,
        recipient=recipient,
        sender=sender,
        user=user.id,
        contact=contact.id if contact else None,
        created_at=clock.now(),
    )


def _addresses(kind: str, user: Any, contact: Any) -> tuple[str, str] | None:
    """(recipient, sender: '' for the configured one) when every address
    the message needs exists and can be used; None: it is held."""
    user_email = (user.email or "").strip() if user is not None else ""
    if kind != INBOUND_NOTICE:
        return (user_email, "") if valid_address(user_email) else None
    contact_email = (contact.email or "").strip() if contact is not None else ""
    if valid_address(contact_email) and valid_address(user_email):
        return contact_email, user_email
    return None


# --- what is in the outbox -----------------------------------------------------------


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    uid: str
    kind: str
    status: str
    recipient: str
    subject: str
    body: str
    attempts: int
    reason: str  # why it is held, or the server's last answer
    interaction_id: int | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


def status_label(status: str, lang: str | None = None) -> str:
    return t(f"outbox.status.{status}", lang)


def kind_label(kind: str, lang: str | None = None) -> str:
    return t(f"outbox.kind.{kind}", lang)


def _with_parties() -> Any:
    return (
        OutboxMessage.select(OutboxMessage, User, Contact)
        .join_from(OutboxMessage, User, JOIN.LEFT_OUTER)
        .join_from(OutboxMessage, Contact, JOIN.LEFT_OUTER)
    )


def _to_record(message: OutboxMessage) -> OutboxRecord:
    reason = _hold_reason(message) if message.status == HELD else message.last_error
    return OutboxRecord(
        id=message.id,
        uid=message.uid,
        kind=message.kind,
        status=message.status,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        attempts=message.attempts,
        reason=reason,
        interaction_id=message.interaction,
        created_at=message.created_at,
        last_attempt_at=message.last_attempt_at,
        next_attempt_at=message.next_attempt_at,
        sent_at=message.sent_at,
    )


def _hold_reason(message: OutboxMessage) -> str:
    """What is missing now (the address may have changed since queueing)."""
    user = message.user if message.user_id is not None else None
    if user is None:
        return t("outbox.held.gone")
    if message.kind != INBOUND_NOTICE:
        return _user_reason(user)
    contact = message.contact if message.contact_id is not None else None
    if contact is None:
        return t("outbox.held.gone")
    return _contact_reason(contact) or t("outbox.held.sender", reason=_user_reason(user))


def _contact_reason(contact: Contact) -> str | None:
    email = (contact.email or "").strip()
    if not email:
        return t("outbox.held.contact_no_email", name=contact.name, code=contact.code)
    if not valid_address(email):
        return t("outbox.held.contact_bad_email", name=contact.name, code=contact.code, email=email)
    return None


def _user_reason(user: User) -> str:
    email = (user.email or "").strip()
    if email and not valid_address(email):
        return t(
            "outbox.held.user_bad_email",
            name=user.display_name,
            username=user.username,
            email=email,
        )
    return t("outbox.held.user_no_email", name=user.display_name, username=user.username)


def list_messages(status: str | None = None, *, limit: int = 50) -> list[OutboxRecord]:
    """The newest messages first (of one status), at most `limit`."""
    query = _with_parties()
    if status is None:
        query = query.order_by(OutboxMessage.id.desc())
    else:
        query = query.where(OutboxMessage.status == _check_status(status)).order_by(
            OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
        )
    return [_to_record(message) for message in query.limit(limit)]


def get_message(message_id: int) -> OutboxRecord:
    message = _with_parties().where(OutboxMessage.id == message_id).first()
    if message is None:
        raise NotFound("error.outbox_unknown", id=message_id)
    return _to_record(message)


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise ValidationError.single(
            "status",
            "error.unknown_value",
            field=FieldName("field.outbox_status"),
            value=status,
            choices=", ".join(STATUSES),
        )
    return status


def count_with_status(status: str) -> int:
    return int(OutboxMessage.select().where(OutboxMessage.status == status).count())


@writes
def retry(message_id: int) -> OutboxRecord:
    """Queue a failed message again, with a fresh set of attempts."""
    message = get_message(message_id)
    if message.status != FAILED:
        raise ValidationError.single(
            "id", "error.outbox_not_failed", id=message_id, status=status_label(message.status)
        )
    _requeue(OutboxMessage.id == message_id)
    return get_message(message_id)


@writes
def retry_failed() -> int:
    """Queue every failed message again; how many."""
    return _requeue(OutboxMessage.status == FAILED)


def _requeue(where: Any) -> int:
    return int(
        OutboxMessage.update(status=QUEUED, attempts=0, next_attempt_at=None)
        .where(where & (OutboxMessage.status == FAILED))
        .execute()
    )


# --- sending ------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one run did: `sent`; `failed` (given up: refused for good, or
    out of attempts); `retrying` (a temporary failure, tried again after a
    while); `held` (waiting for an address, all of them); `problem`: the
    server could not be reached, said in words, when it stopped the run."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    held: int = 0
    problem: str | None = None
    failed_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.failed and not self.retrying


def smtp_from_config() -> str | None:
    """The mail server the app sends through: `CRM_TUI_SMTP`, else the
    global setting `smtp_url`; None when neither is set."""
    value = os.environ.get(ENV_SMTP, "").strip() or _global_setting(SMTP_URL_SETTING)
    return value or None


def send_if_configured(now: datetime | None = None) -> SendReport | None:
    """What the app runs every minute: send what is due when a server is
    configured; None when none is."""
    url = smtp_from_config()
    return send_queued(url, now=now) if url else None


def default_sender() -> str:
    """The From of the program's own messages: the global setting
    `smtp_from`, else crm-tui@ this machine."""
    configured = _global_setting(SMTP_FROM_SETTING)
    if configured:
        return check_sender(configured)
    address = f"{SYSTEM_NAME}@{socket.getfqdn()}"
    return address if valid_address(address) else f"{SYSTEM_NAME}@localhost"


def _global_setting(key: str) -> str:
    row = Setting.get_or_none((Setting.scope == "") & (Setting.key == key))
    return str(row.value).strip() if row else ""


def send_queued(
    smtp_url: str,
    *,
    sender: str | None = None,
    now: datetime | None = None,
    limit: int = SEND_LIMIT,
) -> SendReport:
    """Send up to `limit` due messages through the server `smtp_url`
    names (a bad URL or sender: ValidationError, nothing touched)."""
    run = _Run(
        server=parse_smtp_url(smtp_url),
        from_address=check_sender(sender) if sender else default_sender(),
        now=now or clock.now(),
    )
    release_held()
    handled = 0
    while handled < limit and run.report.problem is None:
        claimed = _claim(run.now, run.token, min(BATCH, limit - handled))
        if not claimed:
            break
        handled += len(claimed)
        run.send_batch(_letters(claimed, run.from_address))
    run.report.held = count_with_status(HELD)
    return run.report


@dataclass
class _Run:
    """One sending run: its server, its claim token, its clock, its tally."""

    server: SmtpServer
    from_address: str
    now: datetime
    token: str = field(default_factory=new_uid)
    report: SendReport = field(default_factory=SendReport)

    def send_batch(self, letters: list[tuple[int, Letter]]) -> None:
        pending = iter(letters)
        try:
            with Connection(self.server) as smtp:
                for message_id, letter in pending:
                    self.send_one(smtp, message_id, letter)
                    if not smtp.usable:
                        break  # the session broke: what is left goes back
        except ServerUnreachable as exc:
            self.report.problem = exc.message()
        # Not tried (no server, or the session broke): back in the queue
        # as they were, no attempt counted.
        _unclaim([message_id for message_id, _letter in pending], self.token, self.report.problem)

    def send_one(self, smtp: Connection, message_id: int, letter: Letter) -> None:
        try:
            smtp.send(compose(letter))
        except Refused as refusal:
            self.record_failure(message_id, refusal.reason, permanent=refusal.permanent)
        except (ValueError, TypeError) as exc:  # a header the e-mail library will not write
            self.record_failure(message_id, clean_line(str(exc)), permanent=True)
        else:
            _settle(message_id, self.token, self.now, status=SENT, sent_at=self.now, last_error="")
            self.report.sent += 1

    def record_failure(self, message_id: int, reason: str, *, permanent: bool) -> None:
        attempts = 1 + int(
            OutboxMessage.select(OutboxMessage.attempts)
            .where(OutboxMessage.id == message_id)
            .scalar()
            or 0
        )
        if permanent or attempts >= MAX_ATTEMPTS:
            _settle(message_id, self.token, self.now, status=FAILED, last_error=reason)
            self.report.failed += 1
            self.report.failed_ids.append(message_id)
            return
        wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        _settle(
            message_id,
            self.token,
            self.now,
            status=QUEUED,
            last_error=reason,
            next_attempt_at=self.now + wait,
        )
        self.report.retrying += 1


@writes
def _claim(now: datetime, token: str, batch: int) -> list[int]:
    due = (OutboxMessage.status == QUEUED) & (
        OutboxMessage.next_attempt_at.is_null() | (OutboxMessage.next_attempt_at <= now)
    )
    abandoned = (OutboxMessage.status == SENDING) & (OutboxMessage.lease_until < now)
    query = (
        OutboxMessage.select(OutboxMessage.id)
        .where(due | abandoned)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(batch)
    )
    if engine_of(current()) == "postgres":
        query = query.for_update(skip_locked=True)
    ids = [row[0] for row in query.tuples()]
    if ids:
        OutboxMessage.update(status=SENDING, lease_until=now + LEASE, claim_token=token).where(
            OutboxMessage.id.in_(ids)
        ).execute()
    return ids


def _letters(ids: list[int], from_address: str) -> list[tuple[int, Letter]]:
    rows = (
        OutboxMessage.select(OutboxMessage, User)
        .join_from(OutboxMessage, User, JOIN.LEFT_OUTER)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    letters = []
    for message in rows:
        # A notice goes from its recorder's own address, under their name.
        own = bool(message.sender) and message.user_id is not None
        letters.append(
            (
                message.id,
                Letter(
                    sender=message.sender or from_address,
                    sender_name=message.user.display_name if own else SYSTEM_NAME,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                ),
            )
        )
    return letters


@writes
def _settle(message_id: int, token: str, now: datetime, **values: Any) -> None:
    """Record one attempt's outcome, unless the claim was lost (a lease
    that ran out and another sender took the message over)."""
    OutboxMessage.update(
        attempts=OutboxMessage.attempts + 1,
        last_attempt_at=now,
        lease_until=None,
        claim_token="",
        **values,
    ).where(
        (OutboxMessage.id == message_id)
        & (OutboxMessage.claim_token == token)
        & (OutboxMessage.status == SENDING)
    ).execute()


@writes
def _unclaim(ids: list[int], token: str, reason: str | None) -> None:
    if not ids:
        return
    values: dict[str, Any] = {"status": QUEUED, "lease_until": None, "claim_token": ""}
    if reason:
        values["last_error"] = reason
    OutboxMessage.update(**values).where(
        OutboxMessage.id.in_(ids)
        & (OutboxMessage.claim_token == token)
        & (OutboxMessage.status == SENDING)
    ).execute()


def release_held() -> int:
    """Queue the held messages whose addresses now exist; how many. Page
    by page, each in its own short transaction."""
    released = 0
    after = 0
    while True:
        after, count_in_page = _release_page(after)
        released += count_in_page
        if after == 0:
            return released


@writes
def _release_page(after_id: int) -> tuple[int, int]:
    """Release from the held messages after `after_id` whose addresses are
    filled in (checked here whether they can be used); (last id looked at,
    0 at the end; how many released)."""
    has_user_email = User.email.is_null(False) & (User.email != "")
    rows = list(
        _with_parties()
        .where(
            (OutboxMessage.status == HELD)
            & (OutboxMessage.id > after_id)
            & has_user_email
            & ((OutboxMessage.kind != INBOUND_NOTICE) | (Contact.email != ""))
        )
        .order_by(OutboxMessage.id)
        .limit(HELD_PAGE)
    )
    released = 0
    for message in rows:
        contact = message.contact if message.contact_id is not None else None
        addresses = _addresses(message.kind, message.user, contact)
        if addresses is None:
            continue
        recipient, sender = addresses
        OutboxMessage.update(status=QUEUED, recipient=recipient, sender=sender).where(
            (OutboxMessage.id == message.id) & (OutboxMessage.status == HELD)
        ).execute()
        released += 1
    last = rows[-1].id if len(rows) == HELD_PAGE else 0
    return last, released
