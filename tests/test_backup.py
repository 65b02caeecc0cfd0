"""Backups as an administrator takes and checks them: `crm-tui backup`
while agents keep writing, `crm-tui doctor --backup`, and the copy the
program takes itself before it upgrades a schema.

Real files, real processes: the writers and the killed backups are
separate `crm-tui`/Python processes on the same SQLite file, and the
PostgreSQL backups go through the real pg_dump and pg_restore."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from crm_tui.demo import build_demo
from crm_tui.services import defaults, doctor
from crm_tui.services.attachments import store_file
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.store import db as store_db
from crm_tui.store import migrations
from crm_tui.store.models import ALL_MODELS

from .conftest import World
from .test_cli import PROGRAM, Crm, crm, on  # noqa: F401 (crm: the fixture)
from .test_migrations import empty, made_by_version  # noqa: F401 (empty: the fixture)

sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
postgres_only = pytest.mark.parametrize("db", ["postgres"], indirect=True)

WRITER = textwrap.dedent(
    """
    import pathlib, sys
    from crm_tui.store import db
    from crm_tui.services.interactions import InteractionDraft, create_interaction, set_status
    from crm_tui.services.users import get_user

    db.connect(db.Target("sqlite", sys.argv[1]))
    stop, name = pathlib.Path(sys.argv[2]), sys.argv[3]
    actor = get_user("luis")
    written = 0
    while not stop.exists():
        record = create_interaction(InteractionDraft(
            type="call", contact="C-001", created_by="luis", status="pending", kind="task",
            subject=f"writer {name} #{written}"))
        set_status(record.id, "done", actor=actor)
        written += 1
    print(written)
    """
)


def back_up(crm: Crm, target: store_db.Target, out: Path, *options: str) -> str:  # noqa: F811
    result = crm("backup", *on(target), "--out", str(out), *options)
    assert result.code == 0, result.err
    return result.out


def checked(crm: Crm, backup: Path) -> str:  # noqa: F811
    result = crm("doctor", "--backup", str(backup))
    assert result.code == 0, result.out + result.err
    assert result.out.endswith("healthy\n")
    return result.out


def scalar(path: Path, sql: str) -> Any:
    """One value read from the SQLite file at `path`, opened read-only."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchone()[0]


def every_row() -> dict[str, list[tuple[object, ...]]]:
    """Each table's rows as the models read them, in key order."""
    rows = {}
    for model in ALL_MODELS:
        keys = list(model._meta.get_primary_keys()) or list(model._meta.sorted_fields)
        rows[model._meta.table_name] = list(model.select().order_by(*keys).tuples())
    return rows


# --- SQLite while agents write ----------------------------------------------------


WRITTEN_BY_WRITERS = "SELECT COUNT(*) FROM interaction WHERE subject LIKE 'writer %'"


@sqlite_only
@pytest.mark.slow
def test_a_backup_taken_while_four_agents_write_is_one_consistent_moment(
    db: store_db.Target, world: World, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db.location, str(stop), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        wait_until(lambda: scalar(db.path, WRITTEN_BY_WRITERS) >= 40)
        out = tmp_path / "backup" / "crm.db"
        out.parent.mkdir()
        backup = subprocess.run(
            [str(PROGRAM), "backup", "--db", db.location, "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert backup.returncode == 0, backup.stderr
        at_backup = scalar(out, WRITTEN_BY_WRITERS)
        wait_until(lambda: scalar(db.path, WRITTEN_BY_WRITERS) >= at_backup + 40)
    finally:
        stop.touch()
    written = 0
    for writer in writers:
        output, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
        assert errors == ""
        written += int(output)
    assert f"wrote {out}: a SQLite copy" in backup.stdout

    # Taken mid-way: the writers had written before it and went on after it.
    assert 40 <= at_backup < written == scalar(db.path, WRITTEN_BY_WRITERS)
    # One moment: every interaction in the copy has its creation event and
    # no event names an interaction the copy lacks; each writer was at most
    # between its two transactions (created, not yet done).
    assert (
        scalar(
            out,
            "SELECT COUNT(*) FROM history_event WHERE action = 'interaction_created' "
            "AND interaction_id IN (SELECT id FROM interaction WHERE subject LIKE 'writer %')",
        )
        == at_backup
    )
    assert (
        scalar(
            out,
            "SELECT COUNT(*) FROM history_event WHERE interaction_id IS NOT NULL "
            "AND interaction_id NOT IN (SELECT id FROM interaction)",
        )
        == 0
    )
    done = scalar(out, WRITTEN_BY_WRITERS + " AND status = 'done'")
    assert done == scalar(out, "SELECT COUNT(*) FROM history_event WHERE action = 'status_changed'")
    assert at_backup - done <= 4
    # A single file in DELETE mode, which doctor finds healthy.
    assert sorted(path.name for path in out.parent.iterdir()) == ["crm.db"]
    assert scalar(out, "PRAGMA journal_mode") == "delete"
    assert doctor.diagnose_backup(out).healthy


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- killed half-way -----------------------------------------------------------


@pytest.fixture(scope="module")
def large_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[store_db.Target]:
    """A demo database of about 100 MB: a copy takes long enough to be killed
    at a quarter, half and three quarters of the way."""
    target = store_db.Target("sqlite", str(tmp_path_factory.mktemp("large") / "crm.db"))
    build_demo(target, interactions=60_000, login="ana")
    store_db.close()
    yield target


@pytest.mark.slow
def test_a_backup_killed_half_way_leaves_no_file_and_the_database_healthy(
    large_database: store_db.Target, tmp_path: Path
) -> None:
    out = tmp_path / "crm-backup.db"
    size = large_database.path.stat().st_size
    for fraction in (0, 0.25, 0.5, 0.75, 0):
        backup = subprocess.Popen(
            [str(PROGRAM), "backup", "--db", large_database.location, "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        written = kill_when_written(backup, tmp_path, fraction * size)
        assert 0 < written < size
        assert not out.exists()
        assert scalar(large_database.path, "PRAGMA quick_check") == "ok"

    assert doctor.diagnose(large_database).healthy
    # The next backup to that name completes and clears what the killed ones left.
    completed = subprocess.run(
        [str(PROGRAM), "backup", "--db", large_database.location, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert [path.name for path in tmp_path.iterdir()] == [out.name]
    assert doctor.diagnose_backup(out).healthy


def kill_when_written(backup: subprocess.Popen[bytes], folder: Path, at_least: float) -> int:
    """SIGKILL `backup` once its partial file in `folder` holds more than
    `at_least` bytes; how many it held."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert backup.poll() is None, "the backup finished before it could be killed"
        for partial in folder.glob(".*.partial"):
            try:
                written = partial.stat().st_size
            except FileNotFoundError:
                continue
            if written > at_least:
                backup.send_signal(signal.SIGKILL)
                backup.wait()
                return written
        time.sleep(0.001)
    raise AssertionError("no partial file appeared")


# --- the command ---------------------------------------------------------------


@sqlite_only
def test_the_backup_says_what_it_wrote_and_never_overwrites_unasked(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    out = tmp_path / "monday.db"
    printed = back_up(crm, db, out)
    assert printed.startswith(f"wrote {out}: a SQLite copy (one file; crm-tui --db opens it), ")
    assert "rows: user 3, contact 2, opportunity 2, interaction 0, comment 0, history_event " in (
        printed
    )
    assert f"(they would be kept in {tmp_path / 'attachments'}, outside the database)" in printed
    assert f"check it with: crm-tui doctor --backup {out}\n" in printed

    again = crm("backup", *on(db), "--out", str(out))
    assert (again.code, again.out) == (1, "")
    assert again.err == (
        f"crm-tui: {out} already exists; choose another file or add --force to replace it\n"
    )
    back_up(crm, db, out, "--force")

    refusals = {
        db.location: f"{db.location} is the database itself; write the backup to another file",
        str(tmp_path): f"{tmp_path} is a folder; give the name of the backup file to write",
        str(
            tmp_path / "no" / "x.db"
        ): f"the folder {tmp_path / 'no'} does not exist; create it first",
    }
    for target, message in refusals.items():
        refused = crm("backup", *on(db), "--out", target, "--force")
        assert (refused.code, refused.err) == (1, f"crm-tui: {message}\n")
    missing = tmp_path / "missing.db"
    refused = crm("backup", "--db", str(missing), "--out", str(tmp_path / "copy.db"))
    assert (refused.code, refused.err) == (1, f"crm-tui: database not found: {missing}\n")
    assert not missing.exists()


@sqlite_only
def test_attachments_are_copied_beside_the_backup_when_asked(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    offer = tmp_path / "oferta.pdf"
    offer.write_bytes(b"%PDF-1.4 oferta firmada")
    stored = store_file(offer)
    add_comment(
        CommentTarget(opportunity_id=world.opportunity.id),
        "Oferta",
        actor=world.admin,
        files=[stored],
    )
    store = tmp_path / "attachments"

    without = tmp_path / "without.db"
    printed = back_up(crm, db, without)
    assert f"attached files: 1 (23 B), kept in {store} outside the database, are NOT" in printed
    assert f"add --attachments to copy them into {without}.attachments/" in printed
    report = doctor.diagnose_backup(without)
    assert report.healthy
    assert "lists attachments (1) but not their files" in report.warnings[0].message()

    with_files = tmp_path / "with.db"
    printed = back_up(crm, db, with_files, "--attachments")
    assert f"attached files: 1 (23 B) from {store} are in {with_files}.attachments/" in printed
    copied = Path(f"{with_files}.attachments") / stored.sha256[:2] / stored.sha256
    assert copied.read_bytes() == offer.read_bytes()
    assert "ok       attached files" in checked(crm, with_files)

    copied.unlink()
    damaged = crm("doctor", "--backup", str(with_files))
    assert damaged.code == 1
    assert "1 attached files are missing from" in damaged.out


@sqlite_only
def test_doctor_names_a_damaged_copy_and_a_file_that_is_no_backup(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    out = tmp_path / "copy.db"
    back_up(crm, db, out)
    with out.open("r+b") as file:  # scribble over the pages after the first
        file.seek(4096 * 3)
        file.write(b"\xa5" * 4096 * 4)
    damaged = crm("doctor", "--backup", str(out))
    assert damaged.code == 1
    assert "PROBLEM" in damaged.out + damaged.err

    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup\n")
    for path, message in (
        (notes, f"{notes} is neither a SQLite file nor a pg_dump archive (custom format)"),
        (tmp_path / "gone.db", f"backup file not found: {tmp_path / 'gone.db'}"),
    ):
        result = crm("doctor", "--backup", str(path))
        assert result.code == 1
        assert result.err.startswith(f"crm-tui: {message}")


# --- PostgreSQL ------------------------------------------------------------------


@postgres_only
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_postgres_is_backed_up_with_pg_dump_and_doctor_reads_the_archive(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    out = tmp_path / "crm.dump"
    printed = back_up(crm, db, out)
    assert f"wrote {out}: a pg_dump archive (custom format; pg_restore restores it)" in printed
    assert "rows: user 3, contact 2, opportunity 2, interaction 0" in printed

    report = checked(crm, out)
    assert f"database: {out} (pg_dump archive)" in report
    assert "ok       every table is in the archive" in report
    assert f"schema version: {migrations.LATEST}" in report
    assert "user 3, contact 2, opportunity 2" in report

    out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    truncated = crm("doctor", "--backup", str(out))
    assert truncated.code == 1
    assert "pg_restore cannot read it" in truncated.out


@postgres_only
def test_a_failing_pg_dump_is_reported_and_leaves_no_file(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    failing = tools / "pg_dump"
    failing.write_text(
        "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\n"
        "exit 1\n"
    )
    failing.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    out = tmp_path / "crm.dump"
    result = crm("backup", *on(db), "--out", str(out))
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "crm-tui: pg_dump failed: pg_dump: error: aborting because of server version "
        "mismatch (add --logical to write a SQLite export instead)\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bin"]


@pytest.fixture(params=["--logical", "no pg_dump on PATH"])
def without_pg_dump(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> list[str]:
    """The options of a backup that does without pg_dump: asked with
    --logical, or because pg_dump is not installed."""
    if request.param.startswith("--"):
        return [request.param]
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    return []


@postgres_only
def test_postgres_without_pg_dump_is_exported_row_for_row_into_sqlite(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
    without_pg_dump: list[str],
) -> None:
    add_comment(
        CommentTarget(opportunity_id=world.opportunity.id), "Llamó «Ana»", actor=world.admin
    )
    source_rows = every_row()
    out = tmp_path / "crm.db"
    printed = back_up(crm, db, out, *without_pg_dump)
    assert "a logical export into SQLite (same schema, every row; crm-tui --db opens it)" in printed
    assert ("pg_dump is not on PATH" in printed) == (not without_pg_dump)

    checked(crm, out)
    store_db.connect(store_db.Target("sqlite", str(out)), create=False)
    assert every_row() == source_rows
    assert migrations.current_version(store_db.current()) == migrations.LATEST


# --- before a migration ----------------------------------------------------------


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user data folder, where PostgreSQL's pre-migration dumps go."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "crm-tui" / "backups"


def test_an_old_database_with_rows_is_backed_up_before_its_schema_is_upgraded(
    empty: store_db.Target,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    data_home: Path,
) -> None:
    made_by_version(empty, 3, monkeypatch)
    defaults.install_defaults()  # rows: the interaction types
    store_db.close()
    if empty.engine == "postgres" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")

    store_db.connect(empty)
    assert migrations.current_version(store_db.current()) == migrations.LATEST
    folder = empty.path.parent if empty.engine == "sqlite" else data_home
    [copy] = folder.glob("*.before-v*")
    name = empty.path.name if empty.engine == "sqlite" else empty.location.rsplit("/", 1)[1]
    suffix = ".bak" if empty.engine == "sqlite" else ".dump"
    assert copy.name.startswith(f"{name}.before-v{migrations.LATEST}.") and copy.suffix == suffix
    assert f"a copy as it was is in {copy}" in caplog.text

    report = doctor.diagnose_backup(copy)
    assert report.healthy
    assert report.schema_version == 3
    assert dict(report.row_counts)["interaction_type"] > 0


@pytest.mark.parametrize("empty", ["postgres"], indirect=True)
def test_without_pg_dump_postgres_is_upgraded_with_a_warning(
    empty: store_db.Target,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    data_home: Path,
    tmp_path: Path,
) -> None:
    made_by_version(empty, 3, monkeypatch)
    defaults.install_defaults()
    store_db.close()
    monkeypatch.setenv("PATH", str(tmp_path))

    store_db.connect(empty)
    assert migrations.current_version(store_db.current()) == migrations.LATEST
    assert not data_home.exists()
    assert "without a backup first: pg_dump is not on PATH" in caplog.text


def test_a_brand_new_database_is_not_backed_up(
    empty: store_db.Target,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    data_home: Path,
) -> None:
    store_db.connect(empty)  # brand-new: every migration, nothing to keep
    store_db.close()
    assert not data_home.exists()
    if empty.engine == "sqlite":
        assert [path.name for path in empty.path.parent.iterdir() if ".before-v" in path.name] == []
