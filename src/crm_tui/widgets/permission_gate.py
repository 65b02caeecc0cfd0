"""What the person at the keyboard may do, as the keys need to know it.

The services decide (`services.permissions`: each refusal is a clear
message and a line of history); the screens only hide what would be
refused. A key whose action needs a permission the user's role lacks is
left out of the footer, the help and the command palette (its
`check_action` says False), and pressing it anyway asks the service,
which refuses with its message and logs the attempt, so a key never just
does nothing.

What the user may do is read in a worker, like every query, and kept for
the whole app (`CrmApp.view_state`); it is read again after any change
(`CrmApp.data_version`): an admin may have changed a role's permissions or
the user's role meanwhile. Until the first read answers, every gated key
stays hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from peewee import DatabaseError
from textual.binding import Binding

from crm_tui.i18n import t
from crm_tui.services.errors import CrmError
from crm_tui.services.permissions import require, role_grants
from crm_tui.services.records import UserRecord
from crm_tui.services.users import find_user
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from crm_tui.app import CrmApp

# Where the app keeps what it read (CrmApp.view_state).
VIEW_STATE_KEY = "permissions"
# The action of the hidden binding that answers a refused key.
REFUSE = "refuse"


@dataclass(frozen=True)
class Access:
    """The user as the database has them now: role, whether active, and
    what their role may do (nothing when inactive or gone)."""

    username: str
    role: str
    active: bool
    permissions: frozenset[str]

    def refusal(self, permission: str) -> str:
        """The service's own sentence for a refusal, for a screen that
        explains why it shows nothing instead of refusing a key."""
        if not self.active:
            return t("error.permission_inactive", user=self.username)
        return t(
            "error.permission_refused",
            permission=permission,
            action=t(f"permission.action.{permission}"),
            role=t(f"permission.role.{self.role}"),
        )


def read_access(actor: UserRecord) -> Access:
    """(Queries: run it in a worker.)"""
    user = find_user(actor.username)
    if user is None or not user.active:
        return Access(actor.username, user.role if user else actor.role, False, frozenset())
    return Access(user.username, user.role, True, role_grants(user.role))


@dataclass(frozen=True)
class _Known:
    version: int  # CrmApp.data_version when read
    access: Access


def _state(node: DOMNode) -> dict[str, Any]:
    """`CrmApp.view_state`; a node in another app (a widget test) has none."""
    states = getattr(node.app, "view_state", None)
    return states if isinstance(states, dict) else {}


def known_access(node: DOMNode) -> Access | None:
    """What was last read (None: nothing yet)."""
    known = _state(node).get(VIEW_STATE_KEY)
    return known.access if isinstance(known, _Known) else None


def allowed(node: DOMNode, permission: str) -> bool:
    """Whether the app's user may, as last read (False until read)."""
    access = known_access(node)
    return access is not None and permission in access.permissions


def with_access(node: DOMNode, then: Callable[[Access], Any] | None = None) -> None:
    """Make sure what the user may do is current (read again after any
    change), then let every key of the screen show or hide accordingly
    and call `then` with it. Screens call this as they load their data."""
    app = cast("CrmApp", node.app)
    actor = getattr(app, "actor", None)
    if actor is None:
        return  # the database is not open yet: the screen loads again when it is
    version = app.data_version
    known = _state(node).get(VIEW_STATE_KEY)
    if isinstance(known, _Known) and known.version == version:
        _apply(node, known.access, then)
        return

    def read(access: Access) -> None:
        _state(node)[VIEW_STATE_KEY] = _Known(version, access)
        _apply(node, access, then)

    run_db(node, partial(read_access, actor), done=read, group="permission-gate")


def _apply(node: DOMNode, access: Access, then: Callable[[Access], Any] | None) -> None:
    node.screen.refresh_bindings()
    if then is not None:
        then(access)


# --- keys ----------------------------------------------------------------------------


def _action_name(action: str) -> str:
    return action.partition("(")[0]


def add_refusal_keys(node: DOMNode, gates: Mapping[str, str]) -> None:
    """Give every key of a gated action (`gates`: action name → permission)
    a twin that is active exactly when the action is not: hidden (no
    description, so no footer, help or palette entry), it asks the service
    and shows its refusal. The twin keeps the binding's id, so a keymap
    that moves the key moves both. Call after `localise_bindings`."""
    bindings = node._bindings
    bindings.key_to_bindings = {
        key: [*group, *_refusals(group, gates)] for key, group in bindings.key_to_bindings.items()
    }


def _refusals(group: list[Binding], gates: Mapping[str, str]) -> list[Binding]:
    return [
        replace(
            binding,
            action=f"{REFUSE}('{gates[_action_name(binding.action)]}')",
            description="",
            show=False,
            tooltip="",
        )
        for binding in group
        if _action_name(binding.action) in gates
    ]


def gate_allows(
    node: DOMNode, gates: Mapping[str, str], action: str, parameters: tuple[object, ...]
) -> bool:
    """For `check_action`: False for a gated action the user may not do,
    and for a refusal twin when the user may; True for everything else
    (the node's own rules then decide)."""
    if action == REFUSE:
        return not (parameters and allowed(node, str(parameters[0])))
    permission = gates.get(action)
    return permission is None or allowed(node, permission)


def refuse(node: DOMNode, permission: str) -> None:
    """A gated key pressed without the permission: the service refuses
    (its message as a toast) and logs the attempt. When it lets the user
    after all (granted meanwhile), the keys are brought up to date."""
    app = cast("CrmApp", node.app)
    actor = app.actor
    if actor is None:
        return

    def let_through(_nothing: None) -> None:
        _state(node).pop(VIEW_STATE_KEY, None)
        with_access(node)

    def refused(_error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(app, reason, severity="warning")

    run_db(
        node,
        partial(require, actor, permission, attempted=t(f"permission.action.{permission}", "en")),
        done=let_through,
        failed=refused,
        group="permission-refusal",
    )
