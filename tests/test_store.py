"""The store: schema, pragmas, migrations, append-only history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from peewee import IntegrityError, InternalError, OperationalError

from crm_tui.services import history
from crm_tui.services.errors import StoreError
from crm_tui.store import db as store_db
from crm_tui.store import migrations
from crm_tui.store.models import ALL_MODELS, HistoryEvent


def test_sqlite_is_opened_for_sharing(sqlite_target: store_db.Target) -> None:
    database = store_db.current()
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_models_match_migrated_schema(db: store_db.Target) -> None:
    database = store_db.current()
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {column.name for column in database.get_columns(table)}
        expected = {field.column_name for field in model._meta.sorted_fields}
        assert expected <= columns, f"{table}: model has {expected - columns} not in schema"
        assert columns - expected <= {"search_vector"}, f"{table}: schema has extra columns"


def test_history_refuses_update_and_delete(db: store_db.Target) -> None:
    history.record("contact_created", actor_id=None, details={"x": 1})
    with pytest.raises((IntegrityError, InternalError, OperationalError)):
        HistoryEvent.update(action="forged").execute()
    with pytest.raises((IntegrityError, InternalError, OperationalError)):
        HistoryEvent.delete().execute()
    assert HistoryEvent.select().count() == 1


def test_database_newer_than_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    target = store_db.Target("sqlite", str(path))
    store_db.connect(target)
    store_db.current().execute_sql(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 'x')",
        (migrations.LATEST + 1,),
    )
    store_db.close()
    with pytest.raises(StoreError) as raised:
        store_db.connect(target)
    assert "newer crm-tui" in str(raised.value)


def test_missing_file_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        store_db.connect(store_db.Target("sqlite", str(tmp_path / "nope.db")), create=False)
    assert "not found" in str(raised.value)
    assert not (tmp_path / "nope.db").exists()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    target = store_db.Target("sqlite", str(tmp_path / "twice.db"))
    store_db.connect(target)
    store_db.close()
    store_db.connect(target)
    assert migrations.current_version(store_db.current()) == migrations.LATEST
    store_db.close()
    rows = sqlite3.connect(tmp_path / "twice.db").execute("SELECT version FROM schema_version")
    assert [row[0] for row in rows] == [m.version for m in migrations.MIGRATIONS]


def test_resolve_target_reads_url_path_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert store_db.resolve_target("postgresql://u@h/db").engine == "postgres"
    assert store_db.resolve_target("/tmp/x.db") == store_db.Target("sqlite", "/tmp/x.db")
    monkeypatch.setenv("CRM_TUI_DB", "/tmp/env.db")
    assert store_db.resolve_target(None).location == "/tmp/env.db"
    monkeypatch.delenv("CRM_TUI_DB")
    assert store_db.resolve_target(None).location.endswith("crm.db")
