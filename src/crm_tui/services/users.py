"""Users: who logs in (by name), what they are called, their role."""

from __future__ import annotations

import getpass
import re

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services import history
from crm_tui.services.errors import (
    FieldError,
    FieldName,
    NotFound,
    ValidationError,
)
from crm_tui.services.permissions import MANAGE_USERS, requires
from crm_tui.services.records import UserRecord
from crm_tui.services.text import NAME_LIMIT, check_length, clean_line
from crm_tui.services.vocab import ROLE
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import User

register(
    {
        "error.user_deactivate_self": (
            "you cannot deactivate yourself; another admin can",
            "no puede desactivarse a sí mismo; otro administrador puede hacerlo",
        ),
        "error.user_last_admin_active": (
            "{value} is the last active admin and cannot be deactivated; "
            "make someone else admin first",
            "{value} es el último administrador activo y no se puede desactivar; "
            "haga administrador a otra persona antes",
        ),
        "error.user_last_admin_role": (
            "{value} is the last active admin and stays admin; make someone else admin first",
            "{value} es el último administrador activo y sigue siéndolo; "
            "haga administrador a otra persona antes",
        ),
    }
)

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
def add_first_user(
    username: str, display_name: str = "", *, email: str | None = None
) -> UserRecord | None:
    """On a database with no users yet, add `username` as its admin (no
    permission to check: there is nobody to ask, and a first user who
    could not manage users would lock everyone out). None when the
    database already has users: then `create_user` is the way."""
    if User.select().exists():
        return None
    return add_user(username, display_name, email=email, role="admin")


@requires(MANAGE_USERS)
def create_user(
    username: str,
    display_name: str = "",
    *,
    email: str | None = None,
    role: str = "agent",
    actor: UserRecord,
) -> UserRecord:
    """`add_user`, by someone whose role has manage-users."""
    return add_user(username, display_name, email=email, role=role, actor_id=actor.id)


@requires(MANAGE_USERS)
@writes
def update_user(
    username: str,
    *,
    actor: UserRecord,
    display_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
) -> UserRecord:
    """Change what is given of a user's name, e-mail ("" removes it: what
    the outbox needs to send them, and for them, mail) and role; the
    username never changes. The last active admin stays an admin."""
    user = get_user(username)
    errors: list[FieldError] = []
    wanted: dict[str, object] = {}
    if display_name is not None:
        display_name = clean_line(display_name) or user.username
        check_length("name", display_name, NAME_LIMIT, errors)
        wanted["display_name"] = display_name
    if email is not None:
        cleaned = clean_line(email) or None
        if cleaned and not EMAIL.match(cleaned):
            errors.append(FieldError("email", "error.bad_email", {"value": cleaned}))
        wanted["email"] = cleaned
    if role is not None:
        try:
            wanted["role"] = ROLE.parse(role)
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    changes = {
        name: [getattr(user, name), value]
        for name, value in wanted.items()
        if getattr(user, name) != value
    }
    if not changes:
        return user
    if "role" in changes and user.role == "admin" and user.active:
        _keep_an_admin(user, "error.user_last_admin_role")
    User.update(**{name: pair[1] for name, pair in changes.items()}).where(
        User.id == user.id
    ).execute()
    history.record(
        history.USER_EDITED,
        actor_id=actor.id,
        details={"username": user.username, "changes": changes},
    )
    return get_user(user.username)


@requires(MANAGE_USERS)
@writes
def set_user_active(username: str, active: bool, *, actor: UserRecord) -> UserRecord:
    """Deactivate (the user can no longer log in or do anything, and is no
    longer offered for assignments; what they did stays theirs) or
    reactivate a user. Nobody deactivates themselves, and the last active
    admin stays."""
    user = get_user(username)
    if user.active == active:
        return user
    if not active:
        if user.id == actor.id:
            raise ValidationError.single("user", "error.user_deactivate_self")
        if user.role == "admin":
            _keep_an_admin(user, "error.user_last_admin_active")
    User.update(active=active).where(User.id == user.id).execute()
    history.record(
        history.USER_REACTIVATED if active else history.USER_DEACTIVATED,
        actor_id=actor.id,
        details={"username": user.username},
    )
    return get_user(user.username)


def _keep_an_admin(user: UserRecord, refusal: str) -> None:
    """Refuse (`refusal`) to take away the last active admin: only an
    admin is sure to keep manage-users, so someone can always fix roles."""
    admins = User.select(User.id).where((User.role == "admin") & (User.active == True))  # noqa: E712
    if engine_of(current()) == "postgres":
        # SQLite's IMMEDIATE transaction lets one change in at a time; on
        # PostgreSQL two admins demoting each other at once would each see
        # the other still there: the second waits here for the first.
        admins = admins.for_update()
    if not any(admin_id != user.id for (admin_id,) in admins.tuples()):
        raise ValidationError.single("user", refusal, value=user.username)


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
