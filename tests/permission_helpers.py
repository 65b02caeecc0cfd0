"""What the tests of permissions in the TUI share: reading the database
back, and what a person sees of a key: whether the
footer, the help or the palette offer it, and the toasts it left."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from crm_tui.app import CrmApp
from crm_tui.screens.help import key_map
from crm_tui.services import permissions
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.store.models import HistoryEvent, User

T = TypeVar("T")


def stored(target: store_db.Target, query: Callable[[], T]) -> T:
    """`query` run against the database as it is now (services or models)."""
    store_db.connect(target)
    try:
        return query()
    finally:
        store_db.close()


def change_grants(
    target: store_db.Target, role: str, *, grant: Iterable[str] = (), revoke: Iterable[str] = ()
) -> None:
    """Change a role's permissions as ana (admin) would, from elsewhere."""

    def change() -> None:
        permissions.change_grants(get_user("ana"), role, grant=grant, revoke=revoke)

    stored(target, change)


def refusals(target: store_db.Target, username: str) -> list[dict[str, Any]]:
    """The `permission_refused` history of `username`, oldest first."""

    def query() -> list[dict[str, Any]]:
        user_id = User.get(User.username == username).id
        rows = (
            HistoryEvent.select()
            .where((HistoryEvent.action == "permission_refused") & (HistoryEvent.actor == user_id))
            .order_by(HistoryEvent.id)
        )
        return [json.loads(row.details) for row in rows]

    return stored(target, query)


def toasts(app: CrmApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def offered_actions(app: CrmApp) -> set[str]:
    """The actions of every key the screen in front offers (the footer
    shows those with `show`; the help and the palette all with a
    description), without their arguments."""
    return {
        active.binding.action.partition("(")[0]
        for active in app.screen.active_bindings.values()
        if active.binding.description
    }


def help_descriptions(app: CrmApp) -> set[str]:
    """What the help (`?`) lists for the screen in front."""
    return {entry.description for section in key_map(app.screen) for entry in section.keys}


def palette_commands(app: CrmApp) -> set[str]:
    """What the command palette offers for the screen in front."""
    return {command.title for command in app.get_system_commands(app.screen)}
