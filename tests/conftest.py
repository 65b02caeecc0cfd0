"""Test fixtures: a real SQLite file (WAL) and a real PostgreSQL database
for every service test; nothing of the store is mocked.

PostgreSQL comes from CRM_TUI_TEST_PG (default: the local server on
127.0.0.1:5432, database `test`). Each test gets a fresh database copied
from a migrated template, dropped afterwards. An unreachable server fails
the PostgreSQL tests; CRM_TUI_TEST_PG=off skips them, visibly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

from crm_tui import i18n
from crm_tui.services import contacts, defaults, users
from crm_tui.services.records import ContactRecord, OpportunityRecord, UserRecord
from crm_tui.store import db as store_db

PG_URL = os.environ.get("CRM_TUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def _admin(url: str) -> Any:
    import psycopg2

    conn = psycopg2.connect(url, connect_timeout=5)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if PG_URL == "off":
        pytest.skip("PostgreSQL tests switched off with CRM_TUI_TEST_PG=off")
    try:
        admin = _admin(PG_URL)
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL at {PG_URL} is not reachable ({exc}); start it or set CRM_TUI_TEST_PG"
        )
    name = f"crm_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    store_db.connect(store_db.Target("postgres", _with_database(PG_URL, name)))
    defaults.install_defaults()
    store_db.close()
    yield name
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def fresh_postgres(template: str) -> tuple[str, str]:
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = _admin(PG_URL)
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.close()
    return name, _with_database(PG_URL, name)


def drop_postgres(name: str) -> None:
    admin = _admin(PG_URL)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(autouse=True)
def english_and_clean_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    i18n.set_language("en")
    monkeypatch.delenv("CRM_TUI_NOW", raising=False)
    monkeypatch.delenv("CRM_TUI_DB", raising=False)
    # Neither read the developer's saved theme nor write over it.
    monkeypatch.setenv("CRM_TUI_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    # Nor write into their data folder (a migration's backup of PostgreSQL goes there).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    yield
    i18n.set_language("en")


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Iterator[store_db.Target]:
    target = store_db.Target("sqlite", str(tmp_path / "crm.db"))
    store_db.connect(target)
    defaults.install_defaults()
    yield target
    store_db.close()


@pytest.fixture
def postgres_target(request: pytest.FixtureRequest) -> Iterator[store_db.Target]:
    template = request.getfixturevalue("pg_template")
    name, url = fresh_postgres(template)
    target = store_db.Target("postgres", url)
    store_db.connect(target)
    yield target
    store_db.close()
    drop_postgres(name)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> store_db.Target:
    """The same test on SQLite and on PostgreSQL."""
    target: store_db.Target = request.getfixturevalue(f"{request.param}_target")
    return target


@dataclass(frozen=True)
class World:
    admin: UserRecord
    agent: UserRecord
    supervisor: UserRecord
    contact: ContactRecord
    other_contact: ContactRecord
    opportunity: OpportunityRecord
    other_opportunity: OpportunityRecord


@pytest.fixture
def world(db: store_db.Target) -> World:
    """A few users, two contacts each with an opportunity."""
    admin = users.add_user("ana", "Ana Ruiz", email="ana@example.com", role="admin")
    agent = users.add_user("luis", "Luis Gómez", email="luis@example.com", role="agent")
    supervisor = users.add_user("marta", "Marta Vidal", role="supervisor")
    contact = contacts.create_contact(
        "C-001",
        "Ferretería López",
        company="López S.L.",
        phone="+34 600 000 001",
        actor_id=admin.id,
    )
    other = contacts.create_contact("C-002", "Panadería Sol", credit_hold=True, actor_id=admin.id)
    opportunity = contacts.create_opportunity(
        "OP-001", "Renovación de contrato", contact.id, stage="proposal", actor_id=admin.id
    )
    other_opportunity = contacts.create_opportunity(
        "OP-002", "Nuevo horno", other.id, actor_id=admin.id
    )
    return World(admin, agent, supervisor, contact, other, opportunity, other_opportunity)
