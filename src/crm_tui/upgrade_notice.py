"""What the person who opened a database is told when this program
upgraded its schema: the new version and where the copy of the old one
is. The migration hands over an `Upgrade` while the app opens the
database in its start-up worker; the notice stays long enough to read
(and copy) the path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_tui.i18n import register, t
from crm_tui.widgets import safe

if TYPE_CHECKING:
    from textual.app import App

    # Only named here: the migrations load in the start-up worker, not at import.
    from crm_tui.store.migrations import Upgrade

register(
    {
        "ui.upgrade.backed_up": (
            "Database upgraded to version {version}; a copy of the old one is at {path}",
            "Base de datos actualizada a la versión {version}; hay una copia de la "
            "anterior en {path}",
        ),
        "ui.upgrade.no_copy": (
            "Database upgraded to version {version}",
            "Base de datos actualizada a la versión {version}",
        ),
    }
)

NOTICE_SECONDS = 30.0


def upgrade_text(upgrade: Upgrade) -> str:
    if upgrade.backup is None:
        return t("ui.upgrade.no_copy", version=upgrade.version)
    return t("ui.upgrade.backed_up", version=upgrade.version, path=str(upgrade.backup))


def notify_upgrade(app: App[Any], upgrade: Upgrade) -> None:
    """Show the upgrade as a notification (from any thread: the start-up
    worker calls it)."""
    safe.notify(app, upgrade_text(upgrade), timeout=NOTICE_SECONDS)
