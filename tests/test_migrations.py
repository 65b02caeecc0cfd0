"""A database made by an older crm-tui is brought up to date on opening,
on SQLite and PostgreSQL, losing nothing: each test builds a real database
at an old schema version (the program as it was then: only the migrations
it knew), fills it, and opens it with this version."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui.services.outbox import list_messages
from crm_tui.store import db as store_db
from crm_tui.store import migrations

from .conftest import PG_URL, _admin, _with_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[store_db.Target]:
    """A database with nothing in it yet."""
    if request.param == "sqlite":
        yield store_db.Target("sqlite", str(tmp_path / "old.db"))
        return
    request.getfixturevalue("pg_template")  # fails clearly when the server is away
    name = f"crm_old_{uuid.uuid4().hex[:12]}"
    admin = _admin(PG_URL)
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield store_db.Target("postgres", _with_database(PG_URL, name))
    store_db.close()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def made_by_version(target: store_db.Target, version: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Create `target` as a crm-tui that knew migrations up to `version` did."""
    with monkeypatch.context() as old_program:
        old_program.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
        store_db.connect(target)
    assert migrations.current_version(store_db.current()) == version


def indexes_of(table: str) -> set[str]:
    return {index.name for index in store_db.current().get_indexes(table)}


def test_a_schema_1_database_gets_every_later_migration(
    empty: store_db.Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_by_version(empty, 1, monkeypatch)
    assert "ix_interaction_facets" not in indexes_of("interaction")
    applied = migrations.migrate(store_db.current())
    assert [m.version for m in applied] == list(range(2, migrations.LATEST + 1))
    assert {"ix_interaction_facets", "ix_interaction_campaign"} <= indexes_of("interaction")
    assert migrations.current_version(store_db.current()) == migrations.LATEST


def test_queued_e_mails_of_a_schema_2_database_survive_the_outbox_migration(
    empty: store_db.Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_by_version(empty, 2, monkeypatch)
    database = store_db.current()
    mark = database.param
    database.execute_sql(
        "INSERT INTO outbox_message (uid, kind, recipient, subject, body, status, attempts, "
        f"last_error, created_at) VALUES ({', '.join([mark] * 9)})",
        (
            "m-1",
            "reminder",
            "luis@example.com",
            "Recordatorio: Visita a obra",
            "Mañana a las 10:00.",
            "queued",
            0,
            "",
            datetime(2026, 11, 20, 9, 0),
        ),
    )
    store_db.close()
    store_db.connect(empty)  # this version opens it: migrations 3 and 4
    assert migrations.current_version(store_db.current()) == migrations.LATEST
    [kept] = list_messages()
    assert (kept.recipient, kept.subject, kept.status) == (
        "luis@example.com",
        "Recordatorio: Visita a obra",
        "queued",
    )
