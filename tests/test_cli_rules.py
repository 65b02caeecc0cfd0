"""`crm-tui rules list` and `crm-tui rules run` as people and scripts use
them, on SQLite and PostgreSQL: the shipped rules described in a sentence,
a run that reminds an overdue event once, and JSON for scripts."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db

from .conftest import World
from .test_cli import NOW, Crm, crm, on  # noqa: F401 (crm: the fixture)

RETRY = "Reintentar llamada sin respuesta"
OVERDUE = "Recordatorio de evento vencido"


def test_list_describes_each_rule(crm: Crm, db: store_db.Target, world: World) -> None:  # noqa: F811
    table = crm("rules", "list", *on(db))
    assert table.code == 0, table.err
    assert "When a call ends with no answer or busy" in table.out
    rows = {row["name"]: row for row in crm("rules", "list", *on(db), "--format", "json").json()}
    assert rows[RETRY]["trigger"] == {"on": "call_outcome", "outcomes": ["no_answer", "busy"]}
    assert rows[OVERDUE]["active"] is True and rows[OVERDUE]["builtin"] is True
    spanish = crm("--lang", "es", "rules", "list", *on(db), "--format", "json").json()
    assert any(
        str(row["description"]).startswith("Cuando una llamada termina sin respuesta u ocupado")
        for row in spanish
    )


def test_run_reminds_an_overdue_event_once(crm: Crm, db: store_db.Target, world: World) -> None:  # noqa: F811
    now = datetime.fromisoformat(NOW)
    event = create_interaction(
        InteractionDraft(
            type="meeting",
            contact=world.contact.code,
            created_by="luis",
            kind="scheduled",
            status="pending",
            starts_at=now - timedelta(hours=3),
            ends_at=now - timedelta(hours=2),
            subject="Reunión con López",
        )
    )
    first = crm("rules", "run", *on(db), "--format", "json").json()
    counts = {row["rule"]: len(row["notifications"]) for row in first}  # type: ignore[arg-type]
    assert counts[OVERDUE] == 1
    again = crm("rules", "run", *on(db))
    assert again.code == 0, again.err
    overdue_line = next(line for line in again.out.splitlines() if line.startswith(OVERDUE))
    assert overdue_line.split()[-2:] == ["0", "0"]
    assert event.id > 0


def test_run_on_a_missing_database_says_so(crm: Crm, tmp_path: object) -> None:  # noqa: F811
    result = crm("rules", "run", "--db", f"{tmp_path}/none.db")
    assert result.code != 0
    assert "Traceback" not in result.err and result.err.strip()
