"""Helpers for the TUI tests: a small sales floor made through the services,
waiting for the app's workers, and reading what the screen shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import WorkerCancelled

from crm_tui.app import CrmApp
from crm_tui.config import AppOptions
from crm_tui.services import contacts, defaults, users
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Rule
from crm_tui.widgets.interaction_table import InteractionTable
from crm_tui.widgets.paged_table import PagedTable

NOW = datetime(2026, 11, 23, 10, 0)
NOW_ENV = NOW.isoformat()


def log(
    subject: str,
    at: datetime,
    *,
    type: str = "call",
    contact: str = "C-001",
    opportunity: str | None = None,
    user: str | None = "luis",
    **fields: Any,
) -> InteractionRecord:
    """Record one interaction as luis (the responsible unless `user` says
    otherwise; None puts it in the shared pool)."""
    draft = InteractionDraft(
        type=type,
        contact=contact,
        opportunity=opportunity,
        created_by="luis",
        user=user,
        pool=user is None,
        subject=subject,
        occurred_at=at,
        **fields,
    )
    return create_interaction(draft)


def install_defaults_without_rules() -> None:
    """The shipped defaults, with the automatic rules off: a data set that
    is the fixed picture of a screen would otherwise gain their retry calls
    and reminders (the rules are tested on their own, in test_rules and
    test_chores)."""
    defaults.install_defaults()
    Rule.update(active=False).execute()


def build_floor(target: store_db.Target) -> None:
    """The snapshot data set: a few users, contacts and interactions of
    every status, one in the pool, one today, one older than a week (no
    note preview) and one from last year. Fixed global ids, so every field
    the detail shows is the same on every run."""
    store_db.connect(target)
    try:
        install_defaults_without_rules()
        admin = users.add_user("ana", "Ana Ruiz", role="admin")
        users.add_user("luis", "Luis Gómez")
        users.add_user("marta", "Marta Vidal", role="supervisor")
        shop = contacts.create_contact("C-001", "Ferretería López", actor_id=admin.id)
        bakery = contacts.create_contact("C-002", "Panadería Sol", actor_id=admin.id)
        contacts.create_opportunity("OP-001", "Renovación de contrato", shop.id, actor_id=admin.id)
        contacts.create_opportunity("OP-002", "Nuevo horno", bakery.id, actor_id=admin.id)
        rows: list[tuple[str, datetime, dict[str, Any]]] = [
            (
                "Presupuesto enviado",
                datetime(2025, 10, 2, 9, 30),
                {"type": "email", "note": "Primer contacto del año pasado."},
            ),
            (
                "Visita de medición",
                NOW - timedelta(days=12),
                {"type": "visit", "note": "Nota antigua: no se previsualiza.", "user": "marta"},
            ),
            (
                "Llamada de seguimiento",
                NOW - timedelta(days=3),
                {
                    "opportunity": "OP-001",
                    "outcome": "no_answer",
                    "note": "No contesta; volver a llamar por la tarde.",
                },
            ),
            (
                "Reunión de cierre",
                NOW - timedelta(days=1),
                {
                    "type": "meeting",
                    "contact": "C-002",
                    "opportunity": "OP-002",
                    "status": "in_progress",
                    "note": "Revisar condiciones\ndel horno nuevo con el gerente.",
                    "tags": ("vip",),
                },
            ),
            (
                "Llamar para confirmar pedido",
                NOW + timedelta(hours=4),
                {"status": "pending", "kind": "scheduled", "user": None, "contact": "C-002"},
            ),
            (
                "Tarea cancelada",
                NOW - timedelta(hours=2),
                {"type": "task", "status": "cancelled", "note": "Ya no hace falta."},
            ),
            (
                "Llamada entrante",
                NOW - timedelta(minutes=30),
                {
                    "direction": "inbound",
                    "outcome": "connected",
                    "opportunity": "OP-001",
                    "note": "Pide ampliar el contrato a dos tiendas más.",
                    "location": "Oficina central",
                },
            ),
        ]
        for number, (subject, at, fields) in enumerate(rows, start=1):
            log(subject, at, uid=f"00000000-0000-4000-8000-{number:012d}", **fields)
    finally:
        store_db.close()


def make_app(
    target: store_db.Target, *, user: str = "luis", lang: str = "en", **pop: str
) -> CrmApp:
    return CrmApp(AppOptions(target=target, username=user, lang=lang, **pop))


async def settle(pilot: Pilot[Any], until: Callable[[], bool] | None = None) -> None:
    """Let the start-up and paging workers finish and their results reach
    the screen (each result may start another worker), then until `until`."""
    app = pilot.app
    deadline = time.monotonic() + 15
    while True:
        # A newer page or reload cancels an older exclusive worker on
        # purpose; waiting for that one then reports the cancellation.
        with suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(worker.is_running for worker in app.workers)
        loading = any(table.is_loading for table in app.screen.query(PagedTable))
        if not busy and not loading and (until is None or until()):
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app did not settle within 15 s")
        await pilot.pause(0.02)


def table_of(app: CrmApp) -> InteractionTable:
    """The interactions table of the screen in front."""
    return app.screen.query_one(InteractionTable)


def row_texts(table: InteractionTable, row: int) -> list[str]:
    return [cell.plain for cell in table.get_row_at(row)]


def column_texts(table: InteractionTable, key: str) -> list[str]:
    return [cell.plain for cell in table.get_column(key)]


def shown(widget: Widget) -> str:
    """The text a widget draws (Label, Static, Toast)."""
    visual = widget.render()
    plain = getattr(visual, "plain", None)
    return plain if isinstance(plain, str) else str(visual)


def make_floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The snapshot sales floor, with a fixed clock and a 256-colour
    terminal, named by a relative path (the same header on every run)."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    return target
