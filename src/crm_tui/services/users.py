"""Users: who logs in (by name), what they are called, their role."""

from __future__ import annotations

import getpass
import re

from crm_tui import clock
from crm_tui.services import history
from crm_tui.services.errors import (
    FieldError,
    FieldName,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_tui.services.records import UserRecord
from crm_tui.services.text import NAME_LIMIT, check_length, clean_line
from crm_tui.services.vocab import ROLE
from crm_tui.store.db import writes
from crm_tui.store.models import User

USERNAME = re.compile(r"^[\w.@+-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "agent"


def to_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        uid=user.uid,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        active=bool(user.active),
    )


def get_user(username: str) -> UserRecord:
    user = User.get_or_none(User.username == username.strip())
    if user is None:
        raise NotFound("error.unknown_user", value=username)
    return to_record(user)


def find_user(username: str) -> UserRecord | None:
    user = User.get_or_none(User.username == username.strip())
    return to_record(user) if user else None


def list_users(*, active_only: bool = False) -> list[UserRecord]:
    query = User.select().order_by(User.username)
    if active_only:
        query = query.where(User.active == True)  # noqa: E712 (SQL, not Python)
    return [to_record(user) for user in query]


def validate_new_user(
    username: str, display_name: str, email: str | None, role: str
) -> tuple[str, str, str | None, str]:
    errors: list[FieldError] = []
    username = clean_line(username)
    if not USERNAME.match(username):
        errors.append(
            FieldError(
                "username",
                "error.unknown_value",
                {
                    "field": FieldName("field.username"),
                    "value": username,
                    "choices": "letters, digits and . _ @ + - (at most 64)",
                },
            )
        )
    display_name = clean_line(display_name) or username
    check_length("name", display_name, NAME_LIMIT, errors)
    email = clean_line(email or "") or None
    if email and not EMAIL.match(email):
        errors.append(FieldError("email", "error.bad_email", {"value": email}))
    try:
        role = ROLE.parse(role)
    except ValidationError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return username, display_name, email, role


@writes
def add_user(
    username: str,
    display_name: str = "",
    *,
    email: str | None = None,
    role: str = "agent",
    actor_id: int | None = None,
) -> UserRecord:
    username, display_name, email, role = validate_new_user(username, display_name, email, role)
    if User.select().where(User.username == username).exists():
        raise ValidationError.single(
            "username", "error.duplicate", field=FieldName("field.username"), value=username
        )
    user = User.create(
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        active=True,
        created_at=clock.now(),
    )
    history.record(
        history.USER_ADDED,
        actor_id=actor_id or user.id,
        details={"username": username, "role": role},
    )
    return to_record(user)


@writes
def set_email(username: str, email: str | None) -> UserRecord:
    """Give `username` an e-mail address, or none with "" or None: what the
    outbox needs to send them (and for them) mail."""
    user = get_user(username)
    email = clean_line(email or "") or None
    if email and not EMAIL.match(email):
        raise ValidationError.single("email", "error.bad_email", value=email)
    User.update(email=email).where(User.id == user.id).execute()
    return get_user(user.username)


def resolve_actor(username: str | None) -> UserRecord:
    """The user the program acts as: `--user`/`--by`, else the login name.
    On a database with no users yet, the first one becomes its admin, so a
    new installation works at once; otherwise an unknown name is refused.
    Only that first start writes: every other start is a plain read, so
    opening the app never queues behind the team's writers."""
    name = (username or login_name()).strip()
    existing = find_user(name) or _first_admin(name)
    if not existing.active:
        raise ValidationError.single("user", "error.inactive_user", value=name)
    return existing


@writes
def _first_admin(name: str) -> UserRecord:
    # Checked again inside the write lock: two first starts at once must
    # not both become the first user.
    existing = find_user(name)
    if existing is not None:
        return existing
    if User.select().exists():
        raise NotFound("error.unknown_user", value=name)
    return add_user(name, name, role="admin")


SUPERVISING_ROLES = ("supervisor", "admin")


def supervises(user: UserRecord) -> bool:
    """Whether `user` may act for the team: see other agents' calendars,
    schedule campaigns, change types, templates and rules."""
    return user.role in SUPERVISING_ROLES and user.active


def require_supervisor(actor: UserRecord, refusal: str) -> None:
    """Refuse (PermissionDenied with the message `refusal`) anyone but an
    active supervisor or admin, as the database says now: a role may have
    changed since the actor's record was read (an app left open)."""
    row = User.get_or_none(User.id == actor.id)
    if row is None or not supervises(to_record(row)):
        raise PermissionDenied(refusal)
