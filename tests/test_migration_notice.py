"""Opening a database made by an older crm-tui in the app: the migration
backs it up first, and the person who opened it is told on the first
screen, for long enough to read it, which version the database is now and
where the copy of the old one is. A database already up to date says
nothing. (SQLite: the copy beside the file is what the notice names.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.services import defaults, users
from crm_tui.store import db as store_db
from crm_tui.store import migrations
from crm_tui.upgrade_notice import NOTICE_SECONDS

from .app_helpers import make_app, settle, shown

OLD_VERSION = 3


def made_by_version(target: store_db.Target, version: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Create `target` as a crm-tui that knew migrations up to `version`
    did, with rows in it (the shipped types and one user), then close it."""
    with monkeypatch.context() as old_program:
        old_program.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
        store_db.connect(target)
        try:
            assert migrations.current_version(store_db.current()) == version
            defaults.install_defaults()
            users.add_user("luis", "Luis Gómez")
        finally:
            store_db.close()


def notices(app: CrmApp) -> list[tuple[str, float | None]]:
    """The app's notifications with how long each stays (Textual keeps
    them in `_notifications`; the toasts do not say their timeout)."""
    return [(notification.message, notification.timeout) for notification in app._notifications]


async def opened(pilot: Pilot[Any]) -> None:
    await settle(pilot, until=lambda: pilot.app.actor is not None)


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_an_upgraded_database_says_where_the_copy_of_the_old_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    target = store_db.Target("sqlite", str(tmp_path / "crm.db"))
    made_by_version(target, OLD_VERSION, monkeypatch)

    app = make_app(target, lang=lang)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await opened(pilot)
        [copy] = tmp_path.glob("crm.db.before-v*.bak")
        version = migrations.LATEST
        said = {
            "en": f"Database upgraded to version {version}; a copy of the old one is at {copy}",
            "es": (
                f"Base de datos actualizada a la versión {version}; hay una copia de la "
                f"anterior en {copy}"
            ),
        }[lang]
        assert notices(app) == [(said, NOTICE_SECONDS)]
        # On the first screen, in full: the path can be read and copied.
        assert [shown(toast) for toast in app.screen.query(Toast)] == [said]

    store_db.connect(target, create=False)
    try:
        assert migrations.current_version(store_db.current()) == migrations.LATEST
    finally:
        store_db.close()


async def test_a_database_already_up_to_date_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = store_db.Target("sqlite", str(tmp_path / "crm.db"))
    made_by_version(target, migrations.LATEST, monkeypatch)

    app = make_app(target)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await opened(pilot)
        assert notices(app) == []
    assert list(tmp_path.glob("*.bak")) == []
