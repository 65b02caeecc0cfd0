"""Who may do what: each role (agent, supervisor, admin) holds a set of
permissions, named as in the seeds. The sets are stored in the Setting
table (global scope, one row per role) and default to DEFAULT_GRANTS when
a role has no row. An admin can change them, except that admin always
keeps manage-users, so nobody can lock every admin out.

A service checks with `require(actor, permission)` before it opens its
write transaction: a refusal raises PermissionRefused with a message that
names the permission and the actor's role, and writes a
`permission_refused` history event in its own short transaction, so the
refusal is on record although the action was not done. `can` answers the
same question without a refusal, and `held` lists every permission a user
holds (what a screen reads once to decide which keys to offer).

They all read the actor's row as the database has it now: a role changed or a
user deactivated since an app was opened counts at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import ParamSpec, TypeVar

from crm_tui.i18n import register
from crm_tui.services import history
from crm_tui.services.errors import FieldName, PermissionDenied, ValidationError
from crm_tui.services.records import UserRecord
from crm_tui.services.vocab import ROLE
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import Setting, User

SEE_ACTIVITIES = "see-activities-opportunity-tab"
DELETE_INTERACTION = "delete-interaction"
EXPORT = "export"
MANAGE_SETTINGS = "manage-settings"
MANAGE_USERS = "manage-users"
SCHEDULE_CAMPAIGN = "schedule-campaign"
SEE_OTHERS_CALENDAR = "see-others-calendar"

PERMISSIONS: tuple[str, ...] = (
    SEE_ACTIVITIES,
    DELETE_INTERACTION,
    EXPORT,
    MANAGE_SETTINGS,
    MANAGE_USERS,
    SCHEDULE_CAMPAIGN,
    SEE_OTHERS_CALENDAR,
)
ROLES: tuple[str, ...] = ROLE.codes

_AGENT_DEFAULTS = frozenset({SEE_ACTIVITIES, EXPORT})
DEFAULT_GRANTS: Mapping[str, frozenset[str]] = {
    "agent": _AGENT_DEFAULTS,
    "supervisor": _AGENT_DEFAULTS
    | {DELETE_INTERACTION, SCHEDULE_CAMPAIGN, SEE_OTHERS_CALENDAR, MANAGE_SETTINGS},
    "admin": frozenset(PERMISSIONS),
}
# What a role keeps whatever is stored: without it nobody could give
# manage-users back.
ALWAYS_GRANTED: Mapping[str, frozenset[str]] = {"admin": frozenset({MANAGE_USERS})}

P = ParamSpec("P")
R = TypeVar("R")

SETTING_PREFIX = "permissions."
# Any fixed number: the PostgreSQL advisory lock that serialises changes.
_GRANTS_LOCK = 7_000_001

register(
    {
        "error.permission_refused": (
            "Only roles with '{permission}' can {action}; you are {role}",
            "Solo los roles con '{permission}' pueden {action}; usted es {role}",
        ),
        "error.permission_inactive": (
            "{user} is no longer an active user and can do nothing here; "
            "an admin can reactivate the account",
            "{user} ya no es un usuario activo y no puede hacer nada aquí; "
            "un administrador puede reactivar la cuenta",
        ),
        "error.permission_unknown": (
            "unknown permission {value!r}; the permissions are: {choices}",
            "permiso desconocido {value!r}; los permisos son: {choices}",
        ),
        "error.permission_admin_keeps_users": (
            "admin always keeps 'manage-users', so that someone can always give permissions back",
            "admin conserva siempre 'manage-users', para que alguien pueda devolver los permisos",
        ),
        "permission.role.agent": ("an agent", "agente"),
        "permission.role.supervisor": ("a supervisor", "supervisor"),
        "permission.role.admin": ("an admin", "administrador"),
        # What each permission lets a role do, finishing "Only roles with
        # 'x' can ...".
        "permission.action.see-activities-opportunity-tab": (
            "see an opportunity's activities",
            "ver las actividades de una oportunidad",
        ),
        "permission.action.delete-interaction": (
            "delete interactions",
            "borrar interacciones",
        ),
        "permission.action.export": ("export", "exportar"),
        "permission.action.manage-settings": (
            "change the settings (types, templates, rules, mail)",
            "cambiar los ajustes (tipos, plantillas, reglas, correo)",
        ),
        "permission.action.manage-users": (
            "manage users and permissions",
            "gestionar usuarios y permisos",
        ),
        "permission.action.schedule-campaign": (
            "schedule campaigns",
            "programar campañas",
        ),
        "permission.action.see-others-calendar": (
            "see another person's calendar",
            "ver el calendario de otra persona",
        ),
    }
)


class PermissionRefused(PermissionDenied):
    """The actor's role lacks the permission (or the actor is inactive)."""

    def __init__(self, key: str, *, permission: str, **params: object) -> None:
        super().__init__(key, permission=permission, **params)
        self.permission = permission


def _check_permission(permission: str) -> None:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")


def grants() -> dict[str, frozenset[str]]:
    """Each role's permissions as they stand: stored, else the defaults."""
    stored = {
        row.key[len(SETTING_PREFIX) :]: row.value
        for row in Setting.select().where(
            (Setting.scope == "") & Setting.key.startswith(SETTING_PREFIX)
        )
    }
    return {role: _granted(role, stored.get(role)) for role in ROLES}


def role_grants(role: str) -> frozenset[str]:
    row = Setting.get_or_none((Setting.scope == "") & (Setting.key == SETTING_PREFIX + role))
    return _granted(role, row.value if row else None)


def _granted(role: str, stored: str | None) -> frozenset[str]:
    """A stored list, read leniently: names this program does not know
    (written by a newer one) are left out; an unreadable value counts as
    unset rather than as "nothing"."""
    base = DEFAULT_GRANTS[role]
    if stored is not None:
        try:
            names = json.loads(stored)
        except ValueError:
            names = None
        if isinstance(names, list):
            base = frozenset(name for name in names if name in PERMISSIONS)
    return base | ALWAYS_GRANTED.get(role, frozenset())


def _current(user: UserRecord) -> UserRecord | None:
    """`user` as the database has it now (None: gone)."""
    from crm_tui.services.users import to_record

    row = User.get_or_none(User.id == user.id)
    return to_record(row) if row else None


def held(user: UserRecord) -> frozenset[str]:
    """Every permission `user` holds now (none when inactive or gone): what
    a screen reads once, in a worker, to decide which keys to offer."""
    now = _current(user)
    return role_grants(now.role) if now is not None and now.active else frozenset()


def can(user: UserRecord, permission: str) -> bool:
    """Whether `user` (active, with their role as stored now) holds `permission`."""
    _check_permission(permission)
    return permission in held(user)


def require(
    user: UserRecord,
    permission: str,
    *,
    attempted: str = "",
    interaction_id: int | None = None,
) -> None:
    """Return quietly if `user` may; else log the refusal and raise
    PermissionRefused. `attempted` says what was tried, for the record
    ("delete interaction 42"); `interaction_id` files the refusal under
    that interaction's history too. Call it before the write transaction:
    the refusal is written in a transaction of its own."""
    _check_permission(permission)
    now = _current(user)
    if now is not None and now.active and permission in role_grants(now.role):
        return
    _record_refusal(user, now.role if now else user.role, permission, attempted, interaction_id)
    if now is None or not now.active:
        raise PermissionRefused(
            "error.permission_inactive", permission=permission, user=user.username
        )
    raise PermissionRefused(
        "error.permission_refused",
        permission=permission,
        action=FieldName(f"permission.action.{permission}"),
        role=FieldName(f"permission.role.{now.role}"),
    )


def requires(permission: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a service that takes the acting user as keyword `actor`:
    `require(actor, permission)` first, the refusal recorded as an attempt
    to do what the service is named for ("delete type"). Put it above
    `@writes`, so the check and its record come before the transaction."""
    _check_permission(permission)

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        attempted = fn.__name__.strip("_").replace("_", " ")

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor")
            if not isinstance(actor, UserRecord):
                raise TypeError(f"{fn.__name__} needs the keyword actor")
            require(actor, permission, attempted=attempted)
            return fn(*args, **kwargs)

        return run

    return decorate


@writes
def _record_refusal(
    user: UserRecord, role: str, permission: str, attempted: str, interaction_id: int | None
) -> None:
    history.record(
        history.PERMISSION_REFUSED,
        actor_id=user.id,
        interaction_id=interaction_id,
        details={
            "permission": permission,
            "role": role,
            "attempted": attempted or permission,
        },
    )


def parse_permission(name: str) -> str:
    cleaned = name.strip().casefold()
    if cleaned not in PERMISSIONS:
        raise ValidationError.single(
            "permission",
            "error.permission_unknown",
            value=name,
            choices=", ".join(PERMISSIONS),
        )
    return cleaned


def set_grants(actor: UserRecord, role: str, permissions: Iterable[str]) -> frozenset[str]:
    """Give `role` exactly `permissions` (needs manage-users); returns what
    the role holds now. Admin cannot lose manage-users."""
    role = ROLE.parse(role)
    require(actor, MANAGE_USERS, attempted=f"change the permissions of {role}")
    wanted = frozenset(parse_permission(name) for name in permissions)
    return _store_grants(actor, role, grant=wanted, revoke=frozenset(PERMISSIONS) - wanted)


def change_grants(
    actor: UserRecord,
    role: str,
    *,
    grant: Iterable[str] = (),
    revoke: Iterable[str] = (),
) -> frozenset[str]:
    """Add `grant` to and take `revoke` from what `role` holds (needs
    manage-users), read and written in one transaction so two admins
    changing different permissions at once both count."""
    role = ROLE.parse(role)
    require(actor, MANAGE_USERS, attempted=f"change the permissions of {role}")
    granted = frozenset(parse_permission(name) for name in grant)
    revoked = frozenset(parse_permission(name) for name in revoke)
    return _store_grants(actor, role, grant=granted, revoke=revoked)


@writes
def _store_grants(
    actor: UserRecord, role: str, *, grant: frozenset[str], revoke: frozenset[str]
) -> frozenset[str]:
    kept = ALWAYS_GRANTED.get(role, frozenset())
    if revoke & kept:
        raise ValidationError.single("permission", "error.permission_admin_keeps_users")
    if engine_of(current()) == "postgres":
        # SQLite's IMMEDIATE transaction lets one change in at a time; on
        # PostgreSQL two admins would both read the same "before" and the
        # second would write over the first's change.
        current().execute_sql("SELECT pg_advisory_xact_lock(%s)", (_GRANTS_LOCK,))
    before = role_grants(role)
    after = (before | grant) - revoke
    if after == before:
        return before
    Setting.insert(
        scope="", key=SETTING_PREFIX + role, value=json.dumps(sorted(after))
    ).on_conflict(conflict_target=[Setting.scope, Setting.key], preserve=[Setting.value]).execute()
    history.record(
        history.PERMISSIONS_CHANGED,
        actor_id=actor.id,
        details={
            "role": role,
            "granted": sorted(after - before),
            "revoked": sorted(before - after),
        },
    )
    return after
