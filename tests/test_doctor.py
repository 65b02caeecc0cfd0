"""The health report of a database, on SQLite and PostgreSQL: healthy when
fresh, and each kind of damage named as a problem a person can act on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crm_tui.services import doctor
from crm_tui.services.doctor import DoctorReport
from crm_tui.services.errors import StoreError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db
from crm_tui.store import schema
from crm_tui.store.migrations import LATEST
from tests.conftest import World


def messages(report: DoctorReport) -> list[str]:
    return [problem.message() for problem in report.problems]


def check_named(report: DoctorReport, name: str) -> doctor.Check:
    return next(check for check in report.checks if check.name == name)


def log_call(world: World) -> int:
    draft = InteractionDraft(
        type="call", contact=world.contact.code, created_by="ana", subject="Llamada de prueba"
    )
    return create_interaction(draft).id


def test_a_fresh_database_is_healthy(db: store_db.Target, world: World) -> None:
    log_call(world)
    report = doctor.diagnose(db)

    assert report.healthy, messages(report)
    assert report.schema_version == LATEST == report.program_version
    names = [check.name for check in report.checks]
    assert "doctor.check.history_guard" in names
    assert "doctor.check.foreign_keys" in names
    counts = dict(report.row_counts)
    assert counts["interaction"] == 1
    assert counts["user"] == 3
    assert counts["contact"] == 2


def test_sqlite_runs_integrity_and_search_checks(sqlite_target: store_db.Target) -> None:
    report = doctor.diagnose(sqlite_target)
    names = [check.name for check in report.checks]
    assert "doctor.check.integrity" in names
    assert "doctor.check.search" in names


def test_a_newer_schema_is_reported_not_misread(db: store_db.Target) -> None:
    mark = store_db.current().param
    store_db.current().execute_sql(
        f"INSERT INTO schema_version (version, name, applied_at) VALUES ({mark}, {mark}, {mark})",
        (LATEST + 98, "from the future", "2030-01-01 00:00:00"),
    )
    report = doctor.diagnose(db)

    assert not report.healthy
    assert report.schema_version == LATEST + 98
    assert "newer crm-tui" in messages(report)[0]


def test_a_dropped_history_guard_is_a_problem(db: store_db.Target) -> None:
    if db.engine == "sqlite":
        store_db.current().execute_sql("DROP TRIGGER history_event_no_update")
        missing = "history_event_no_update"
    else:
        store_db.current().execute_sql("DROP TRIGGER history_event_append_only ON history_event")
        missing = "history_event_append_only"
    report = doctor.diagnose(db)

    assert not check_named(report, "doctor.check.history_guard").ok
    assert messages(report) == [f"trigger {missing} is missing"]


def test_rows_pointing_nowhere_are_counted(db: store_db.Target, world: World) -> None:
    current = store_db.current()
    if db.engine == "sqlite":
        current.execute_sql("PRAGMA foreign_keys = OFF")
        current.execute_sql(
            "INSERT INTO interaction_tag (interaction_id, tag_id) VALUES (9999, 9999)"
        )
        current.execute_sql("PRAGMA foreign_keys = ON")
    else:
        # As a bulk load with triggers off would leave them.
        with current.atomic():
            current.execute_sql("SET LOCAL session_replication_role = replica")
            current.execute_sql(
                "INSERT INTO interaction_tag (interaction_id, tag_id) VALUES (9999, 9999)"
            )
    report = doctor.diagnose(db)

    assert not check_named(report, "doctor.check.foreign_keys").ok
    found = messages(report)
    assert "1 rows of interaction_tag point to a missing interaction" in found
    assert "1 rows of interaction_tag point to a missing tag" in found


def test_a_search_index_out_of_step_is_a_problem(sqlite_target: store_db.Target) -> None:
    from crm_tui.services import contacts, users

    users.add_user("ana", "Ana", role="admin")
    contacts.create_contact("C-001", "Ferretería López")
    for subject in ("first", "second"):
        create_interaction(
            InteractionDraft(type="call", contact="C-001", created_by="ana", subject=subject)
        )
    current = store_db.current()
    current.execute_sql(f"DROP TRIGGER {schema.SQLITE_SEARCH_TRIGGERS[2]}")
    current.execute_sql("UPDATE interaction SET subject = 'changed' WHERE subject = 'first'")
    report = doctor.diagnose(sqlite_target)

    assert not check_named(report, "doctor.check.search").ok
    assert messages(report) == [
        f"trigger {schema.SQLITE_SEARCH_TRIGGERS[2]} is missing",
        f"the search index {schema.SQLITE_SEARCH_TABLE} differs from the interactions in 1 "
        "rows: searches may miss them or find stale text",
    ]


def test_checking_changes_nothing(sqlite_target: store_db.Target) -> None:
    path = sqlite_target.path
    store_db.close()
    before = path.read_bytes()
    doctor.diagnose(sqlite_target)
    store_db.close()
    assert path.read_bytes() == before


def test_a_missing_file_is_an_error_not_a_new_database(tmp_path: Path) -> None:
    target = store_db.Target("sqlite", str(tmp_path / "missing.db"))
    with pytest.raises(StoreError, match="database not found"):
        doctor.diagnose(target)
    assert not target.path.exists()


def test_a_file_without_our_schema_is_a_problem(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    other.close()
    report = doctor.diagnose(store_db.Target("sqlite", str(path)))
    store_db.close()

    assert report.schema_version == 0
    assert messages(report) == [
        "this database has no crm-tui schema (is it another program's database?)"
    ]


def test_files_a_team_cannot_write_are_warned_about(sqlite_target: store_db.Target) -> None:
    path = sqlite_target.path
    os.chmod(path.parent, 0o2775)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            os.chmod(candidate, 0o664)
    assert doctor.diagnose(sqlite_target).warnings == ()

    os.chmod(path, 0o644)
    report = doctor.diagnose(sqlite_target)
    assert report.healthy
    assert [w.message() for w in report.warnings] == [
        f"{path} is not group-writable: other agents sharing this database cannot write to "
        "it (fine for one user; for a team: chgrp TEAM and chmod g+w)"
    ]


def test_postgres_has_no_file_warnings(postgres_target: store_db.Target) -> None:
    assert doctor.permission_warnings(postgres_target) == []


def test_an_attached_file_missing_from_the_store_is_a_problem(
    db: store_db.Target, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.services import attachments
    from crm_tui.services.comments import CommentTarget, add_comment

    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(tmp_path / "store"))
    source = tmp_path / "presupuesto.pdf"
    source.write_bytes(b"%PDF-1.4 presupuesto")
    stored = attachments.store_file(source)
    add_comment(
        CommentTarget(interaction_id=log_call(world)), "Adjunto", actor=world.agent, files=[stored]
    )
    assert doctor.diagnose(db).healthy

    (tmp_path / "store" / stored.sha256[:2] / stored.sha256).unlink()
    report = doctor.diagnose(db)

    assert not check_named(report, "doctor.check.attachments").ok
    assert "presupuesto.pdf" in messages(report)[0]


def test_an_interrupted_copy_left_in_the_store_is_a_warning(
    db: store_db.Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(store))
    store.mkdir()
    leftover = store / ".incoming-0123456789abcdef"
    leftover.write_bytes(b"half a file")

    def leftover_warnings() -> list[str]:
        return [w.key for w in doctor.diagnose(db).warnings if w.key.startswith("doctor.attach")]

    assert leftover_warnings() == []  # it may be a copy being written right now

    two_hours_ago = leftover.stat().st_mtime - 7200
    os.utime(leftover, (two_hours_ago, two_hours_ago))

    assert doctor.diagnose(db).healthy
    assert leftover_warnings() == ["doctor.attachments_leftover"]
