"""`kill -9` in the middle of the big writers: an import of thousands of
rows, a campaign of thousands of calls, the migration of an old database.
Each runs as the real program in its own process and is killed at a
random moment (seeded), many times over one database: the import and the
campaign on SQLite and PostgreSQL, the migration on SQLite (a fresh copy
of the old database each time). After every kill:

- the operation is all there or not at all: the rows of every table are
  what they were before, or that plus exactly what a whole run adds;
- `doctor` finds the database healthy (SQLite's integrity check, the
  search index, references, the history guards);
- the next run works; a last run, not killed, completes.

Half of the kills land at a random moment of the whole run (start-up,
reading, checking, writing, committing); the other half wait until the
process is seen writing (it holds SQLite's write lock, or its PostgreSQL
transaction has written) and come at a random moment of the write.
"""

from __future__ import annotations

import csv
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from crm_tui.exchange.importer import import_file
from crm_tui.services.doctor import DoctorReport, diagnose, row_counts
from crm_tui.store import db as store_db
from crm_tui.store import migrations

from .conftest import World

pytestmark = pytest.mark.slow

PROGRAM = Path(sys.executable).parent / "crm-tui"
KILLS = 10
ROWS = 3000
CONTACTS_PER_FILE = 300
CAMPAIGN_CONTACTS = 3000
POLL_SECONDS = 0.002


class WriteWatch(Protocol):
    """Sees, from outside, whether another process is in the middle of a
    write transaction on the database."""

    def writing(self) -> bool: ...

    def settle(self) -> None:
        """Return once what a killed process left running in the database
        has ended (its transaction committed or rolled back)."""

    def close(self) -> None: ...


class SqliteWriteWatch:
    """A writer holds SQLite's write lock for its whole transaction: a
    BEGIN IMMEDIATE that cannot wait fails while it does. A killed process
    holds nothing: the operating system releases its locks."""

    def __init__(self, path: Path) -> None:
        self.probe = sqlite3.connect(path, timeout=0, isolation_level=None)

    def writing(self) -> bool:
        try:
            self.probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        self.probe.execute("ROLLBACK")
        return False

    def settle(self) -> None:
        pass

    def close(self) -> None:
        self.probe.close()


class PostgresWriteWatch:
    """A transaction that has written has a transaction id. The server
    ends a killed client's session on its own time (after the statement
    it is running, or at once when it was waiting for the next): until it
    has, the database may still change, so `settle` waits for it."""

    def __init__(self, url: str) -> None:
        import psycopg2

        self.probe = psycopg2.connect(url)
        self.probe.autocommit = True

    def _others(self, condition: str) -> bool:
        with self.probe.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                f" AND {condition})"
            )
            return bool(cursor.fetchone()[0])

    def writing(self) -> bool:
        return self._others("backend_xid IS NOT NULL")

    def settle(self) -> None:
        deadline = time.monotonic() + 30
        while self._others("TRUE"):
            assert time.monotonic() < deadline, "a killed client's session never ended"
            time.sleep(0.01)

    def close(self) -> None:
        self.probe.close()


@contextmanager
def watching(target: store_db.Target) -> Iterator[WriteWatch]:
    watch: WriteWatch
    if target.engine == "sqlite":
        watch = SqliteWriteWatch(target.path)
    else:
        watch = PostgresWriteWatch(target.location)
    try:
        yield watch
    finally:
        watch.close()


@dataclass(frozen=True)
class Kill:
    delay: float  # seconds
    once_writing: bool  # counted from when it is seen writing, else from its start


@dataclass(frozen=True)
class Run:
    killed: bool
    seconds: float
    writing_from: float | None  # seconds from its start
    writing_until: float | None


def run_writer(command: list[str], watch: WriteWatch, kill: Kill | None = None) -> Run:
    """Run `command`, watching when it writes; kill it with SIGKILL as
    `kill` says (if it is still running then)."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    kill_at = started + kill.delay if kill is not None and not kill.once_writing else None
    writing_from = writing_until = None
    killed = False
    while process.poll() is None:
        now = time.monotonic()
        if kill_at is not None and now >= kill_at:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
        writing = watch.writing()
        if writing and writing_from is None:
            writing_from = now - started
            if kill is not None and kill.once_writing:
                kill_at = now + kill.delay
        elif not writing and writing_from is not None and writing_until is None:
            writing_until = now - started
        time.sleep(POLL_SECONDS)
    err = process.communicate(timeout=60)[1]
    seconds = time.monotonic() - started
    if process.returncode == -signal.SIGKILL:
        assert killed
    else:
        # Finished before the kill came: it must have succeeded.
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
        killed = False
    watch.settle()
    return Run(killed, seconds, writing_from, writing_until)


def kills(seed: int, calibration: Run) -> list[Kill]:
    """KILLS moments: half anywhere in a run as long as `calibration`,
    half within its write."""
    rng = random.Random(seed)
    start = calibration.writing_from or 0.0
    write = (calibration.writing_until or calibration.seconds) - start
    return [
        Kill(rng.uniform(0, write), once_writing=True)
        if n % 2
        else Kill(rng.uniform(0, calibration.seconds), once_writing=False)
        for n in range(KILLS)
    ]


def counts(target: store_db.Target) -> Counter[str]:
    """Rows per table, read with a connection of its own."""
    store_db.connect(target, create=False)
    try:
        return Counter(dict(row_counts()))
    finally:
        store_db.close()


def healthy(target: store_db.Target) -> DoctorReport:
    """What `doctor` says of the database, which must be healthy."""
    try:
        report = diagnose(target)
    finally:
        store_db.close()
    assert report.healthy, [problem.message() for problem in report.problems]
    return report


SQLITE_SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
POSTGRES_SCHEMA = """
    SELECT 'column', table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public'
    UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public'
    UNION ALL SELECT 'trigger', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
        FROM pg_trigger WHERE NOT tgisinternal
    ORDER BY 1, 2, 3"""


def schema_of(target: store_db.Target) -> list[tuple[str, ...]]:
    """Every table, column, index and trigger, as the database records it."""
    if target.engine == "sqlite":
        connection: Any = sqlite3.connect(target.path)
        sql = SQLITE_SCHEMA
    else:
        import psycopg2

        connection = psycopg2.connect(target.location)
        sql = POSTGRES_SCHEMA
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(str(value) for value in row) for row in cursor.fetchall()]
    finally:
        connection.close()


def kill_repeatedly(
    target: store_db.Target, command: Callable[[int], list[str]], *, seed: int
) -> None:
    """Run `command(n)` once whole (it tells what a whole run adds and how
    long it takes), then KILLS times with a kill, then once more whole;
    after each, every table holds what it held or that plus a whole run,
    and the schema is as it was."""
    store_db.close()  # the watch must see only the writer
    with watching(target) as watch:
        before = counts(target)
        calibration = run_writer(command(0), watch)
        whole = counts(target) - before
        assert whole, "a whole run wrote nothing"
        healthy(target)
        # What a whole run may change of the schema it has changed now
        # (SQLite's statistics table, made by the first ANALYZE).
        schema = schema_of(target)
        outcomes = []
        for n, kill in enumerate(kills(seed, calibration), start=1):
            before = counts(target)
            run = run_writer(command(n), watch, kill)
            after = counts(target)
            assert after in (before, before + whole), f"run {n} half-applied ({kill})"
            assert schema_of(target) == schema, f"run {n} changed the schema ({kill})"
            healthy(target)
            if run.killed:
                outcomes.append(after != before)
        before = counts(target)
        run_writer(command(KILLS + 1), watch)
        assert counts(target) == before + whole
    healthy(target)
    # Shown with -s, and with a failure: where the kills landed.
    print(
        f"{command(0)[1]} on {target.engine}: a whole run {calibration.seconds:.2f} s, "
        f"writing from {calibration.writing_from} to {calibration.writing_until}; "
        f"{len(outcomes)} killed: {outcomes.count(True)} left it all, "
        f"{outcomes.count(False)} left nothing"
    )
    # Some kill interrupted the run (else nothing here was tested).
    assert False in outcomes


# --- import -----------------------------------------------------------------------------


IMPORT_COLUMNS = (
    "type",
    "status",
    "user",
    "contact_code",
    "contact_name",
    "subject",
    "note",
    "occurred_at",
    "tags",
)


def write_import_file(path: Path, n: int) -> Path:
    """ROWS calls for contacts new to the database (the import creates
    them), CONTACTS_PER_FILE of them, and a tag new to it, all named after
    `n`: each file adds the same number of rows to every table."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(IMPORT_COLUMNS)
        moment = datetime(2026, 11, 2, 9, 0)
        for row in range(ROWS):
            contact = row % CONTACTS_PER_FILE
            writer.writerow(
                [
                    "call",
                    "done",
                    "luis",
                    f"K{n:02d}-{contact:04d}",
                    f"Cliente {n}-{contact}",
                    f"Llamada {row} del lote {n}",
                    "Pide presupuesto; volver a llamar la semana que viene.",
                    (moment + timedelta(minutes=row)).strftime("%Y-%m-%d %H:%M"),
                    f"lote-{n}",
                ]
            )
    return path


def test_an_import_killed_at_any_moment_is_all_there_or_not_at_all(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    def command(n: int) -> list[str]:
        csv_file = write_import_file(tmp_path / f"lote-{n}.csv", n)
        return [str(PROGRAM), "import", "--db", db.location, str(csv_file), "--by", "ana"]

    kill_repeatedly(db, command, seed=1)


# --- campaign ---------------------------------------------------------------------------


def test_a_campaign_killed_at_any_moment_is_all_there_or_not_at_all(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    # CAMPAIGN_CONTACTS contacts, each with one interaction tagged
    # "renovar": the campaigns call the contacts of the tagged ones.
    contacts_file = tmp_path / "contacts.csv"
    with contacts_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["type", "contact_code", "contact_name", "occurred_at", "tags"])
        for n in range(CAMPAIGN_CONTACTS):
            writer.writerow(["visit", f"R-{n:05d}", f"Cliente {n}", "2026-10-01 10:00", "renovar"])
    assert import_file(contacts_file, actor=world.admin).ok

    def command(n: int) -> list[str]:
        return [
            str(PROGRAM),
            "campaign",
            "--db",
            db.location,
            "--name",
            f"Renovaciones {n:02d}",
            "--type",
            "call",
            "--tag",
            "renovar",
            "--agent",
            "luis",
            "--agent",
            "marta",
            "--start",
            "2027-01-04 09:00",
            "--by",
            "ana",
        ]

    kill_repeatedly(db, command, seed=2)


# --- migration --------------------------------------------------------------------------

# The schema the old database is made at: the outbox's rebuild (schema 3)
# and the indexes of 2 and 4 are still to come.
OLD_VERSION = 1
OLD_IMPORTS = 3
OLD_ROWS_PER_IMPORT = 4_000
OLD_OUTBOX_MESSAGES = 10_000


def made_at(path: Path, version: int, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """A SQLite database as the crm-tui that knew migrations up to
    `version` made it, left open."""
    target = store_db.Target("sqlite", str(path))
    with monkeypatch.context() as old_program:
        old_program.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
        store_db.connect(target)
    assert migrations.current_version(store_db.current()) == version
    return target


def fill_old_database(folder: Path) -> None:
    """Interactions with their history and queued e-mails, enough that
    the migration takes a while. Imported in files small enough to be
    written row by row: a large import rebuilds the list indexes as this
    program knows them, which an old schema does not have yet."""
    from crm_tui.services import defaults, users

    defaults.install_defaults()
    admin = users.add_user("ana", "Ana Ruiz", role="admin")
    users.add_user("luis", "Luis Gómez")
    for part in range(OLD_IMPORTS):
        rows = folder / f"old-{part}.csv"
        with rows.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["type", "user", "contact_code", "contact_name", "subject"])
            for n in range(OLD_ROWS_PER_IMPORT):
                writer.writerow(["call", "luis", f"M-{n % 500:03d}", "Cliente", f"Llamada {n}"])
        assert import_file(rows, actor=admin).ok
    database = store_db.current()
    with database.atomic():
        database.cursor().executemany(
            "INSERT INTO outbox_message (uid, kind, recipient, subject, body, status, attempts, "
            "last_error, created_at) VALUES (?, 'reminder', 'luis@example.com', ?, ?, 'queued', "
            "0, '', '2026-11-20 09:00:00')",
            [
                (f"m-{n}", f"Recordatorio {n}", "Mañana a las 10:00.")
                for n in range(OLD_OUTBOX_MESSAGES)
            ],
        )


def test_a_migration_killed_at_any_moment_leaves_a_whole_schema_and_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What each schema version looks like when it was reached unbroken.
    reference: dict[int, list[tuple[str, ...]]] = {}
    for version in range(OLD_VERSION, migrations.LATEST + 1):
        made = made_at(tmp_path / f"reference-{version}.db", version, monkeypatch)
        store_db.close()
        reference[version] = schema_of(made)
    pristine = made_at(tmp_path / "old.db", OLD_VERSION, monkeypatch)
    fill_old_database(tmp_path)
    store_db.close()  # the last connection: the WAL goes into the file
    assert schema_of(pristine) == reference[OLD_VERSION]

    def attempt(n: int) -> store_db.Target:
        folder = tmp_path / f"attempt-{n}"
        folder.mkdir()
        shutil.copy(pristine.path, folder / "crm.db")
        return store_db.Target("sqlite", str(folder / "crm.db"))

    def opening(target: store_db.Target) -> list[str]:
        # Any command that opens the database migrates it first.
        return [str(PROGRAM), "--user", "ana", "list", "--db", target.location, "--limit", "1"]

    calibration_target = attempt(0)
    with watching(calibration_target) as watch:
        calibration = run_writer(opening(calibration_target), watch)
    assert healthy(calibration_target).schema_version == migrations.LATEST
    rows = counts(calibration_target)
    versions_left = []
    for n, kill in enumerate(kills(3, calibration), start=1):
        target = attempt(n)
        with watching(target) as watch:
            run_writer(opening(target), watch, kill)
        version = healthy(target).schema_version
        versions_left.append(version)
        # The upgrade is all done or not begun: the schema is exactly the
        # old one, which the program that made it still opens, or the new.
        assert version in (OLD_VERSION, migrations.LATEST), f"attempt {n} ({kill})"
        assert schema_of(target) == reference[version], f"attempt {n} ({kill})"
        # It still opens, migrates the rest and has lost nothing.
        assert counts(target) == rows
        assert schema_of(target) == reference[migrations.LATEST]
        healthy(target)
    print(f"migration: a whole run {calibration.seconds:.2f} s; versions left {versions_left}")
    assert OLD_VERSION in versions_left
