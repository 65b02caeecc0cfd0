"""Start-up pays only for what the first screen needs: the exporters'
libraries (openpyxl, xlwt, xlrd, icalendar), babel's data and, on a SQLite
database, the PostgreSQL driver load when they are used (issue 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crm_tui.services import users
from crm_tui.store import db as store_db

DEFERRED = ("openpyxl", "xlwt", "xlrd", "icalendar", "babel", "psycopg2")

# The app as `crm-tui --db PATH` starts it (the CLI, then the app module),
# headless, until its first screen shows rows; then what was imported.
FIRST_SCREEN = """
import asyncio, json, sys
import crm_tui.cli
from crm_tui.app import CrmApp
from crm_tui.config import AppOptions
from crm_tui.store.db import resolve_target

app = CrmApp(AppOptions(target=resolve_target(sys.argv[1]), username="luis", lang="en"))

async def first_screen():
    async with app.run_test(size=(100, 30)) as pilot:
        while app.startup_ms is None:
            await pilot.pause(0.01)

asyncio.run(first_screen())
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[2:])))
"""


def imported_at_first_screen(database: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(database), *DEFERRED],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_first_screen_on_sqlite_imports_none_of_the_heavy_libraries(
    sqlite_target: store_db.Target,
) -> None:
    users.add_user("luis", "Luis Gómez")
    store_db.close()
    assert imported_at_first_screen(sqlite_target.path) == []


def test_postgresql_still_gets_its_driver(postgres_target: store_db.Target) -> None:
    """peewee was imported without psycopg2; opening PostgreSQL hands it over."""
    check = (
        "import sys; from crm_tui.store import db; "
        "assert 'psycopg2' not in sys.modules; "
        "database = db.connect(db.resolve_target(sys.argv[1])); "
        "print(database.execute_sql('SELECT 1').fetchone()[0], 'psycopg2' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, postgres_target.location],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["1", "True"]
