"""Demo data: a realistic, deterministic sales floor for trying the app and
for benchmarks (`crm-tui demo`, `make run`, `make bench`).

Everything derives from one seeded `random.Random` and the clock, so the
same seed (with `CRM_TUI_NOW` fixed) gives the same database, global uids
included. Speed matters: the default database is built on the first
`make run`, and the benchmark builds a million interactions. So rows are
plain tuples generated in id order (interaction ids ascend with
`occurred_at`), written in large batches (SQLite `executemany`, PostgreSQL
`COPY`) inside one transaction, with the list indexes built once at the end
(`store.schema.bulk_load`) and, on SQLite, each batch put in the full-text
search while the next one is generated. A large demo is generated
in a child process while this one writes, so both cores work.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
import queue
import random
import threading
import time
import traceback
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from peewee import Database

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services import defaults, users
from crm_tui.services.errors import CrmError
from crm_tui.services.vocab import fold
from crm_tui.store import db as store_db
from crm_tui.store import schema

# Bumped whenever the generated data changes, so that cached benchmark
# databases built by an older generator are rebuilt.
GENERATOR_VERSION = 3

DEFAULT_CONTACTS = 500
DEFAULT_INTERACTIONS = 20_000
# Without a contact count, one contact per this many interactions (at least
# the default): a million interactions come with 50,000 contacts and, at
# four each, 200,000 opportunities, the sizes issue 8 measures at.
INTERACTIONS_PER_CONTACT = 20
OPPORTUNITIES_PER_CONTACT = 4
MAX_CONTACTS = 2_000_000
MAX_INTERACTIONS = 50_000_000
# From this size on, a child process generates while this one writes;
# below it, starting the child costs more than it saves.
PARALLEL_FROM = 100_000
# Messages the generator process may have waiting to be sent: a batch of
# interactions comes as seven (its tables, search, progress).
MESSAGES_AHEAD = 16

# Progress stages, in order, as passed to the `progress` callback (the CLI
# has a label for each).
STAGES = ("users", "contacts", "opportunities", "interactions", "indexes")

Progress = Callable[[str, int, int], None]
Row = tuple[Any, ...]
# What a history event is about: (contact, opportunity, interaction) ids.
Link = tuple[int | None, int | None, int | None]
NO_LINK: Link = (None, None, None)

register(
    {
        "demo.not_empty": (
            "{path} already holds contacts or interactions; the demo fills only an empty "
            "database (give a new file or an empty PostgreSQL database)",
            "{path} ya tiene clientes o interacciones; la demo solo llena una base de datos "
            "vacía (indique un archivo nuevo o una base de datos PostgreSQL vacía)",
        ),
        "demo.bad_count": (
            "the number of {what} must be a whole number from {low:,} to {high:,}; got {value}",
            "el número de {what} debe ser un entero entre {low:,} y {high:,}; se indicó {value}",
        ),
    }
)


class DemoError(CrmError):
    """The demo cannot be built as asked: a bad count, or a database that
    already holds someone's data."""


@dataclass(frozen=True)
class DemoSummary:
    users: int  # added: users already in the database are kept and not counted
    contacts: int
    opportunities: int
    interactions: int
    comments: int
    history_events: int
    notifications: int
    seconds: float


def build_demo(
    target: store_db.Target,
    *,
    seed: int = 1,
    contacts: int | None = None,
    interactions: int | None = None,
    login: str | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Create (or fill an empty) database at `target` with demo data: a
    dozen staff plus `login` (default: the login name) as admin, contacts,
    four opportunities per contact, and interactions over the last two years
    up to three weeks ahead, with comments, mentions and their history.

    Refuses a database that already holds contacts or interactions. The
    load is one transaction. A new SQLite file is built under another name
    and renamed into place only once complete, so an interrupted build (even
    a killed process) never leaves a file at `target` that looks like a
    finished demo; on failure the partial file is removed."""
    interactions = DEFAULT_INTERACTIONS if interactions is None else interactions
    if contacts is None:
        contacts = max(DEFAULT_CONTACTS, interactions // INTERACTIONS_PER_CONTACT)
    _check_count("interactions", interactions, 0, MAX_INTERACTIONS)
    _check_count("contacts", contacts, 1, MAX_CONTACTS)
    login = users.validate_new_user(login or users.login_name(), "", None, "admin")[0]
    started = time.perf_counter()
    created_file = target.engine == "sqlite" and not target.path.exists()
    building = _building_target(target) if created_file else target
    try:
        db = store_db.connect(building)
        try:
            defaults.install_defaults()
            if _holds_data(db):
                raise DemoError("demo.not_empty", path=target.describe())
            plan = Plan(seed, contacts, interactions, login, clock.now())
            counts = _load(db, plan, progress or _silent, own_file=created_file)
        finally:
            store_db.close()
        if created_file:
            # Closed in WAL mode, the file stands alone (no -wal or -shm left).
            building.path.replace(target.path)
    except BaseException:
        if created_file:
            _remove_sqlite_files(building.path)
        raise
    return DemoSummary(**counts, seconds=round(time.perf_counter() - started, 2))


def _building_target(target: store_db.Target) -> store_db.Target:
    """Where a new SQLite demo is built before it is renamed to `target`:
    beside it (a rename within one file system is atomic), named per
    process so that two builds never share a file."""
    path = target.path
    path.parent.mkdir(parents=True, exist_ok=True)
    return store_db.Target("sqlite", str(path.with_name(f".{path.name}.building-{os.getpid()}")))


def _check_count(what: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DemoError("demo.bad_count", what=what, low=low, high=high, value=value)


def _silent(stage: str, done: int, total: int) -> None:
    """The progress callback when nobody listens."""


def _holds_data(db: Database) -> bool:
    return any(
        db.execute_sql(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
        for table in ("contact", "interaction")
    )


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Plan:
    seed: int
    contacts: int
    interactions: int
    login: str
    now: datetime


# --- loading ----------------------------------------------------------------

# Tables given explicit ids; PostgreSQL's sequences are moved past them.
ID_TABLES = (
    "user", "contact", "opportunity", "tag", "interaction", "comment", "history_event",
    "notification",
)  # fmt: skip
# Every table the demo fills.
LOADED_TABLES = (*ID_TABLES, "interaction_tag")


@dataclass(frozen=True)
class Snapshot:
    """What the generator needs to know about the database, read before it
    starts, so it can run in another process: existing users and tags are
    reused, new ids continue after the existing ones."""

    last_ids: dict[str, int]
    users: dict[str, tuple[int, str]]  # username → (id, display name)
    tags: dict[str, int]
    types: dict[str, int]  # interaction type code → id
    retry_rule: int | None  # the shipped rule that creates a call after no answer

    @classmethod
    def read(cls, db: Database) -> Snapshot:
        def rows(sql: str) -> list[Row]:
            return list(db.execute_sql(sql).fetchall())

        retry_rules = [
            rule_id
            for rule_id, trigger in rows('SELECT id, "trigger" FROM rule ORDER BY id')
            if json.loads(trigger).get("on") == "call_outcome"
        ]
        return cls(
            last_ids={
                table: int(rows(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')[0][0])
                for table in ID_TABLES
            },
            users={
                name: (user_id, shown)
                for name, user_id, shown in rows('SELECT username, id, display_name FROM "user"')
            },
            tags=dict(rows("SELECT name, id FROM tag")),
            types=dict(rows("SELECT code, id FROM interaction_type")),
            retry_rule=retry_rules[0] if retry_rules else None,
        )


class Writer(Protocol):
    """Where the generator puts rows, one table's batch at a time."""

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None: ...

    def interactions_loaded(self, first_id: int, last_id: int) -> None:
        """Interactions `first_id`..`last_id` and all their comments are written."""


def _sqlite_payload(rows: list[Row]) -> Any:
    return rows


def _copy_text(rows: list[Row]) -> Any:
    """Rows as PostgreSQL COPY text. Generated text never holds a tab or a
    backslash (checked when the word lists load); newlines are escaped."""
    return "".join(
        "\t".join(["\\N" if value is None else str(value) for value in row]).replace("\n", "\\n")
        + "\n"
        for row in rows
    )


# How each engine's rows are prepared for writing (possibly in the child).
PAYLOADS: dict[str, Callable[[list[Row]], Any]] = {
    "sqlite": _sqlite_payload,
    "postgres": _copy_text,
}


class _Store:
    """Writes prepared rows into the open database."""

    def __init__(self, db: Database, engine: str) -> None:
        self.connection = db.connection()
        self.engine = engine

    def write(self, table: str, columns: Sequence[str], payload: Any) -> None:
        names = ", ".join(columns)
        if self.engine == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.connection.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})', payload
            )
        else:
            with self.connection.cursor() as cursor:
                cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN', io.StringIO(payload))


@dataclass
class _DirectWriter:
    store: _Store
    prepare: Callable[[list[Row]], Any]
    load: schema.BulkLoad

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        if rows:
            self.store.write(table, columns, self.prepare(rows))

    def interactions_loaded(self, first_id: int, last_id: int) -> None:
        self.load.add_to_search(first_id, last_id)


@dataclass
class _PipeWriter:
    """The child's writer: prepared rows and progress go to the parent."""

    sender: _Sender
    prepare: Callable[[list[Row]], Any]

    def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        if rows:
            self.sender.send(("insert", table, tuple(columns), self.prepare(rows)))

    def interactions_loaded(self, first_id: int, last_id: int) -> None:
        self.sender.send(("interactions_loaded", first_id, last_id))

    def progress(self, stage: str, done: int, total: int) -> None:
        self.sender.send(("progress", stage, done, total))


def _load(db: Database, plan: Plan, progress: Progress, *, own_file: bool) -> dict[str, int]:
    if store_db.engine_of(db) == "postgres":
        return _fill(db, "postgres", plan, progress)
    with _sqlite_bulk_settings(db, own_file=own_file):
        return _fill(db, "sqlite", plan, progress)


# The page cache while rows go in: each new row also goes into its table's
# unique uid index at a random place, and a cache that holds those indexes
# whole spares rereading their pages.
LOAD_CACHE_KIB = 262_144
# The page cache while the indexes are built. SQLite sorts an index's rows
# in runs the size of the page cache and, given worker threads and a
# temporary store on disk (it starts no workers when temporary data is
# kept in memory), sorts the runs on both cores and merges them. Rebuilding
# the 1M demo's indexes took 8 to 13 s so, against 22 s sorting each as one
# run in a 256 MB cache on one thread (on a busy 2-core machine).
INDEX_BUILD_CACHE_KIB = 4_096


@contextmanager
def _sqlite_bulk_settings(db: Database, *, own_file: bool) -> Iterator[None]:
    """Settings for the load only: no syncing, a big cache (a small one for
    the index builds: `_sqlite_index_build_settings`), helper threads and a
    temporary store on disk so that those builds sort on both cores.
    (SQLite refuses to change the temporary store within the load's
    transaction; what the load itself sorts fits in the cache.)

    Foreign keys and CHECK constraints are not checked row by row: the
    generator only refers to rows it wrote before and only writes allowed
    values (the tests run `foreign_key_check`, and `integrity_check`, which
    checks the CHECKs); the CHECKs took half of each interaction's insert,
    about 7 s at a million. A file the demo created itself skips the WAL,
    so the data is written once instead of twice. (Not `analysis_limit`:
    its sampled statistics led the planner to sort every interaction to
    show the first page.)

    Restored after a successful load. After a failed one the connection is
    closed, which forgets them, and a file the demo created is removed."""
    load = {
        "synchronous": 0,
        "cache_size": -LOAD_CACHE_KIB,
        "threads": 2,
        "temp_store": 1,
        "foreign_keys": 0,
        "ignore_check_constraints": 1,
    }
    saved = {name: int(db.execute_sql(f"PRAGMA {name}").fetchone()[0]) for name in load}
    for name, value in load.items():
        db.execute_sql(f"PRAGMA {name} = {value}")
    if own_file:
        db.execute_sql("PRAGMA journal_mode = OFF")
    yield
    for name, value in saved.items():
        db.execute_sql(f"PRAGMA {name} = {value}")
    if own_file:
        db.execute_sql("PRAGMA journal_mode = WAL")
    else:
        # The whole load went through the WAL: fold it into the file, shrink it.
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_index_build_settings(db: Database) -> None:
    """Once every row is in, a small cache, so that the index builds sort
    in runs on both cores (see `INDEX_BUILD_CACHE_KIB`)."""
    db.execute_sql(f"PRAGMA cache_size = -{INDEX_BUILD_CACHE_KIB}")


@store_db.writes
def _fill(db: Database, engine: str, plan: Plan, progress: Progress) -> dict[str, int]:
    if engine == "postgres":
        for setting in (
            "SET LOCAL synchronous_commit = off",
            "SET LOCAL maintenance_work_mem = '512MB'",
            "SET LOCAL max_parallel_maintenance_workers = 2",
        ):
            db.execute_sql(setting)
    snapshot = Snapshot.read(db)
    store = _Store(db, engine)
    with schema.bulk_load(db, engine) as load, _other_upkeep_suspended(db, engine):
        context = _child_context() if plan.interactions >= PARALLEL_FROM else None
        if context is not None:
            counts = _generate_in_child(
                context, plan, snapshot, engine, store=store, load=load, progress=progress
            )
        else:
            writer = _DirectWriter(store, PAYLOADS[engine], load)
            generator = Generator(plan, snapshot, writer, progress)
            generator.run()
            counts = generator.counts()
        progress("indexes", 0, 1)
        if engine == "sqlite":
            _sqlite_index_build_settings(db)
    if engine == "postgres":
        for table in ID_TABLES:  # COPY with explicit ids leaves the sequences behind
            db.execute_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
            )
    progress("indexes", 1, 1)
    return counts


@contextmanager
def _other_upkeep_suspended(db: Database, engine: str) -> Iterator[None]:
    """What `schema.bulk_load` leaves in place on the loaded tables, taken
    down for the load and put back from its own definition after it: the
    secondary indexes it does not know (the campaign index, the small ones
    of schema 1, any a later migration adds) and, on PostgreSQL, the foreign
    keys, which it checks row by row (a tenth of the load at a million rows)
    where adding them back checks every row in one join. Read from the
    catalog, so the schema stays exactly what the migrations made. Within
    the load's transaction: a failed load rolls the drops back."""
    indexes = _secondary_indexes(db, engine)
    foreign_keys = _foreign_keys(db) if engine == "postgres" else []
    for table, name, _ in foreign_keys:
        db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        db.execute_sql(definition)
    for table, name, definition in foreign_keys:
        db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _secondary_indexes(db: Database, engine: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on the loaded tables that no
    constraint owns (not a primary key or UNIQUE column's)."""
    if engine == "sqlite":
        marks = ", ".join("?" * len(LOADED_TABLES))
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name"
        )
        return list(db.execute_sql(sql, LOADED_TABLES).fetchall())
    sql = """SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid)
             FROM pg_index
             JOIN pg_class AS index_class ON index_class.oid = pg_index.indexrelid
             JOIN pg_class AS table_class ON table_class.oid = pg_index.indrelid
             WHERE table_class.relnamespace = current_schema()::regnamespace
               AND table_class.relname = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)
             ORDER BY 1"""
    return list(db.execute_sql(sql, (list(LOADED_TABLES),)).fetchall())


def _foreign_keys(db: Database) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of the loaded tables' foreign keys
    on PostgreSQL."""
    sql = """SELECT table_class.relname, conname, pg_get_constraintdef(pg_constraint.oid)
             FROM pg_constraint
             JOIN pg_class AS table_class ON table_class.oid = pg_constraint.conrelid
             WHERE contype = 'f'
               AND table_class.relnamespace = current_schema()::regnamespace
               AND table_class.relname = ANY(%s)
             ORDER BY 1, 2"""
    return list(db.execute_sql(sql, (list(LOADED_TABLES),)).fetchall())


def _child_context() -> ForkContext | None:
    """Forking, where it is safe: on POSIX, from a single-threaded program
    (the CLI, the benchmark). Spawning instead would re-run the caller's
    main script in the child, which breaks any script without a
    `__name__ == "__main__"` guard; elsewhere the demo generates inline."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    return multiprocessing.get_context("fork")


def _generate_in_child(
    context: ForkContext,
    plan: Plan,
    snapshot: Snapshot,
    engine: str,
    *,
    store: _Store,
    load: schema.BulkLoad,
    progress: Progress,
) -> dict[str, int]:
    """Run the generator in a child process and write what it sends. The
    child queues a few messages at most (`_Sender`), so it never runs far
    ahead (bounded memory); a failure on either side stops both. The child
    only computes: it never touches the database connection it inherits."""
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_produce, args=(sender, plan, snapshot, engine), name="crm-tui-demo", daemon=True
    )
    child.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError("the demo generator process ended unexpectedly") from None
            if message[0] == "insert":
                store.write(*message[1:])
            elif message[0] == "interactions_loaded":
                # Indexed for search while the child generates the next batch.
                load.add_to_search(*message[1:])
            elif message[0] == "progress":
                progress(*message[1:])
            elif message[0] == "done":
                counts: dict[str, int] = message[1]
                return counts
            else:
                raise RuntimeError(f"the demo generator failed:\n{message[1]}")
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


class _Sender:
    """The child's end of the pipe, sending from a thread of its own so that
    the generator goes on with the next batch while the parent still writes
    the last one: the pipe alone holds too little, and the generator waited
    on it while every batch of interactions was written. The generator's
    thread pickles; the sending thread then waits on the pipe without
    holding the interpreter. At most `MESSAGES_AHEAD` wait to be sent."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: queue.Queue[bytes | None] = queue.Queue(maxsize=MESSAGES_AHEAD)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="crm-tui-demo-sender", daemon=True)
        self.thread.start()

    def send(self, message: tuple[Any, ...]) -> None:
        if self.error is not None:
            raise self.error
        self.pending.put(pickle.dumps(message))

    def close(self) -> None:
        """Send what is pending, then close the pipe."""
        self.pending.put(None)
        self.thread.join()
        self.connection.close()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (data := self.pending.get()) is not None:
                self.connection.send_bytes(data)
        except BaseException as error:  # the parent is gone: `send` raises it
            self.error = error
            while self.pending.get() is not None:  # so that `send` never blocks
                pass


def _produce(connection: Connection, plan: Plan, snapshot: Snapshot, engine: str) -> None:
    """The child process: generate every row and send it to the parent."""
    sender = _Sender(connection)
    try:
        writer = _PipeWriter(sender, PAYLOADS[engine])
        generator = Generator(plan, snapshot, writer, writer.progress)
        generator.run()
        sender.send(("done", generator.counts()))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


# --- words, weights and time ----------------------------------------------------


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    text = resources.files("crm_tui").joinpath("data", "demo_words.json").read_text("utf-8")
    if "\t" in text or "\\" in text:  # they would need escaping in COPY text
        raise ValueError("demo_words.json must not contain tabs or backslashes")
    words: dict[str, Any] = json.loads(text)
    return words


def _table(pairs: Sequence[tuple[Any, float]], size: int = 1024) -> list[Any]:
    """A lookup table of `size` entries (a power of two) in which each value
    appears in proportion to its weight: `table[getrandbits(10)]` is a
    weighted choice far cheaper than `random.choices` for every row."""
    total = sum(weight for _, weight in pairs)
    cumulative = list(accumulate(weight / total for _, weight in pairs))
    last = len(pairs) - 1
    return [pairs[min(bisect(cumulative, (i + 0.5) / size), last)][0] for i in range(size)]


def _zipf(values: Sequence[Any], offset: float) -> list[Any]:
    """A 4096-entry table in which earlier values are more frequent, as
    surnames and products are: the rare ones make selective searches."""
    return _table([(value, 1 / (rank + offset)) for rank, value in enumerate(values)], 4096)


DAY = 86_400
SETUP_DAYS = 365  # staff and customers exist before the first interaction
PAST_DAYS = 730  # interactions span about two years...
AHEAD_DAYS = 21  # ...and the calendar a few weeks ahead
WORKING_HOURS = ((8, 1), (9, 3), (10, 4), (11, 4), (12, 4), (13, 2), (14, 1), (15, 3),
                 (16, 4), (17, 3), (18, 2), (19, 1))  # fmt: skip
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.9, 0.12, 0.03)
FUTURE_DAY_WEIGHT = 0.3  # only what is already scheduled lies ahead


class _Time:
    """Demo time as whole seconds since the first demo day; converted to
    the 'YYYY-MM-DD HH:MM:SS' text both engines store by table lookup,
    which is much cheaper than formatting a datetime for every row."""

    def __init__(self, now: datetime) -> None:
        self.first_day = (now - timedelta(days=SETUP_DAYS + PAST_DAYS)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.epoch = int(self.first_day.timestamp())
        self.now = int((now - self.first_day).total_seconds())
        days = SETUP_DAYS + PAST_DAYS + AHEAD_DAYS + 2
        self.days = [
            (self.first_day + timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(days)
        ]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]

    def text(self, second: int) -> str:
        return self.days[second // DAY] + self.clock[second % DAY]

    def weekday(self, day: int) -> int:
        return (self.first_day + timedelta(days=day)).weekday()


def _uid(rng: random.Random, epoch_seconds: int) -> str:
    """A UUIDv7 (time-ordered, as `store.ids.new_uid` makes) for a row made
    at `epoch_seconds`, its random bits drawn from the seeded generator."""
    bits = rng.getrandbits(84)
    millis = epoch_seconds * 1000 + (bits & 0x3FF) % 1000
    rand_b = bits >> 22  # 62 bits
    return "%08x-%04x-7%03x-%04x-%012x" % (  # noqa: UP031 (the fastest way here)
        millis >> 16,
        millis & 0xFFFF,
        (bits >> 10) & 0xFFF,
        0x8000 | (rand_b >> 48),
        rand_b & 0xFFFFFFFFFFFF,
    )


def _slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _json(details: dict[str, Any]) -> str:
    """History details as `services.history.record` writes them."""
    return json.dumps(details, ensure_ascii=False, default=str, sort_keys=True)


# --- people and opportunities ---------------------------------------------------

USER_COLUMNS = ("id", "uid", "username", "display_name", "email", "role", "active", "created_at")
CONTACT_COLUMNS = (
    "id", "uid", "code", "name", "company", "phone", "email", "credit_hold", "owner_id",
    "created_at",
)  # fmt: skip
OPPORTUNITY_COLUMNS = (
    "id", "uid", "code", "title", "contact_id", "stage", "sub_stage", "owner_id", "value",
    "created_at",
)  # fmt: skip
HISTORY_COLUMNS = (
    "id", "uid", "at", "actor_id", "action", "contact_id", "opportunity_id", "interaction_id",
    "details",
)  # fmt: skip
STAGE_WEIGHTS = (("new", 15), ("qualified", 15), ("proposal", 20), ("negotiation", 10),
                 ("won", 25), ("lost", 15))  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.es", "outlook.es", "telefonica.net")
MAILBOXES = ("info", "compras", "administracion", "pedidos", "contacto")
BATCH = 25_000  # rows per write: bounded memory, few round trips
# Template slots filled from the word lists, and numeric ones.
LIST_SLOTS = {"department": "departments", "competitor": "competitors", "weekday": "weekdays",
              "city": "cities"}  # fmt: skip
NUMBER_SLOTS = {
    "quantity": (2, 3, 4, 5, 6, 10, 12, 15, 20, 24, 25, 30, 50, 100),
    "percent": (3, 5, 7, 8, 10, 12, 15, 20),
    "room": (1, 2, 3, 4, 5, 6),
}


@dataclass
class Generator:
    """Generates the whole demo in id order and hands it to a `Writer`."""

    plan: Plan
    snapshot: Snapshot
    writer: Writer
    progress: Progress
    history: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)
        self.words = _words()
        self.time = _Time(self.plan.now)
        self.now = self.time.now
        self.last_id = dict(self.snapshot.last_ids)
        self.written = dict.fromkeys(ID_TABLES, 0)
        self.surnames = _zipf(self.words["surnames"], 5)
        self.hours = _table(WORKING_HOURS)

    def run(self) -> None:
        self.add_users()
        self.add_contacts()
        self.add_opportunities()
        _Floor(self).add_interactions()

    def counts(self) -> dict[str, int]:
        written = self.written
        return {
            "users": written["user"],
            "contacts": written["contact"],
            "opportunities": written["opportunity"],
            "interactions": written["interaction"],
            "comments": written["comment"],
            "history_events": written["history_event"],
            "notifications": written["notification"],
        }

    # small helpers

    def new_id(self, table: str) -> int:
        self.last_id[table] += 1
        self.written[table] += 1
        return self.last_id[table]

    def uid(self, second: int) -> str:
        return _uid(self.rng, self.time.epoch + second)

    def pick(self, values: Sequence[Any]) -> Any:
        return values[int(self.rng.random() * len(values))]

    def working_second(self, day: int) -> int:
        rng = self.rng
        return day * DAY + self.hours[rng.getrandbits(10)] * 3600 + int(rng.random() * 3600)

    def person(self) -> str:
        return f"{self.pick(self.words['first_names'])} {self.surnames[self.rng.getrandbits(12)]}"

    def slot(self, key: str) -> str:
        """A value for a {key} in a phrase template."""
        if key == "person":
            return self.person()
        if key in NUMBER_SLOTS:
            return str(self.pick(NUMBER_SLOTS[key]))
        return str(self.pick(self.words[LIST_SLOTS[key]]))

    def record(
        self, second: int, actor: int | None, action: str, details: str, link: Link = NO_LINK
    ) -> None:
        """A history event, as `services.history.record` would write it."""
        contact, opportunity, interaction = link
        self.history.append(
            (self.new_id("history_event"), self.uid(second), self.time.text(second), actor,
             action, contact, opportunity, interaction, details)
        )  # fmt: skip

    def flush_history(self) -> None:
        self.writer.insert("history_event", HISTORY_COLUMNS, self.history)
        self.history = []

    # users, contacts, opportunities

    def add_users(self) -> None:
        """The staff of the word list, and the login user as admin; users
        already in the database (e.g. the login user) are kept as they are."""
        staff = {
            f"{_slug(first)}.{_slug(surnames.split()[0])}": (f"{first} {surnames}", role)
            for first, surnames, role in self.words["staff"]
        }
        login = self.plan.login
        staff[login] = (staff.get(login, (login, ""))[0], "admin")
        self.names: dict[int, tuple[str, str]] = {}  # id → (username, display name)
        roles: dict[str, list[int]] = {"agent": [], "supervisor": [], "admin": []}
        rows = []
        for username, (staff_name, role) in staff.items():
            name = staff_name
            if username in self.snapshot.users:
                user_id, name = self.snapshot.users[username]
            else:
                user_id = self.new_id("user")
                email = (
                    f"{username if '@' not in username else _slug(username)}@ventas-demo.example"
                )
                rows.append(
                    (user_id, self.uid(0), username, name, email, role, 1, self.time.text(0))
                )
            self.names[user_id] = (username, name)
            roles[role].append(user_id)
        self.writer.insert("user", USER_COLUMNS, rows)
        admin = roles["admin"][0]
        for row in rows:
            self.record(0, admin, "user_added", _json({"role": row[5], "username": row[2]}))
        self.flush_history()
        self.login_id = next(i for i, (username, _) in self.names.items() if username == login)
        # The login user works the floor too, so `make run` opens onto a full queue.
        self.agents = [*roles["agent"], self.login_id]
        self.supervisors = roles["supervisor"]
        self.progress("users", len(rows), len(rows))

    def customer(self) -> tuple[str, str, str]:
        """Name, company and e-mail of a person (often self-employed) or of
        a business, built from the word lists."""
        rng, words = self.rng, self.words
        first = self.pick(words["first_names"])
        surname, other = self.surnames[rng.getrandbits(12)], self.surnames[rng.getrandbits(12)]
        if rng.random() < 0.45:
            company = ""
            if rng.random() < 0.4:
                company = f"{self.business()} {self.pick(words['legal_forms'])}"
            number = rng.randrange(100)
            email = f"{_slug(first)}.{_slug(surname)}{number}@{self.pick(EMAIL_DOMAINS)}"
            return f"{first} {surname} {other}", company, email
        name = self.business()
        company = f"{name} {self.pick(words['legal_forms'])}"
        return name, company, f"{self.pick(MAILBOXES)}@{_slug(name)[:24]}.es"

    def business(self) -> str:
        rng, words = self.rng, self.words
        sector = self.pick(words["company_sectors"])
        brand = (
            self.pick(words["brand_prefixes"]) + self.pick(words["brand_suffixes"])
        ).capitalize()
        surname = self.surnames[rng.getrandbits(12)]
        shape = rng.random()
        if shape < 0.2:
            return f"{sector} {surname}"
        if shape < 0.45:
            return f"{sector} {brand}"
        if shape < 0.7:
            return f"{brand} {self.pick(words['cities'])}"
        return f"{sector} {surname} y {self.surnames[rng.getrandbits(12)]}"

    def add_contacts(self) -> None:
        rng, total = self.rng, self.plan.contacts
        days = sorted(int(rng.random() * SETUP_DAYS * 0.9) for _ in range(total))
        self.contact_created = [self.working_second(day) for day in days]
        self.contact_base = self.last_id["contact"]
        self.contact_owner: list[int] = []
        for start in range(0, total, BATCH):
            rows = []
            for second in self.contact_created[start : start + BATCH]:
                contact_id = self.new_id("contact")
                code = f"CLI-{contact_id - self.contact_base:06d}"
                name, company, email = self.customer()
                if rng.random() < 0.1:
                    email = ""
                prefix = 600 + rng.randrange(100) if rng.random() < 0.7 else 910 + rng.randrange(80)
                phone = f"+34 {prefix} {rng.randrange(1000):03d} {rng.randrange(1000):03d}"
                owner = self.pick(self.agents)
                credit_hold = 1 if rng.random() < 0.05 else 0
                rows.append(
                    (contact_id, self.uid(second), code, name, company, phone, email,
                     credit_hold, owner, self.time.text(second))
                )  # fmt: skip
                self.contact_owner.append(owner)
                details = _json({"code": code, "name": name})
                self.record(second, owner, "contact_created", details, (contact_id, None, None))
            self.writer.insert("contact", CONTACT_COLUMNS, rows)
            self.flush_history()
            self.progress("contacts", min(start + BATCH, total), total)

    def add_opportunities(self) -> None:
        """Four per contact on average, at least one each, grouped by
        contact so that a contact's opportunities are a run of ids."""
        rng, words, contacts = self.rng, self.words, self.plan.contacts
        per_contact = [1] * contacts
        for _ in range((OPPORTUNITIES_PER_CONTACT - 1) * contacts):
            per_contact[int(rng.random() * contacts)] += 1
        self.opportunity_count = per_contact
        self.opportunity_first: list[int] = []
        products = _zipf(words["products"], 12)
        stages = _table(STAGE_WEIGHTS)
        year = self.time.first_day.year + 1
        total = OPPORTUNITIES_PER_CONTACT * contacts
        rows: list[Row] = []
        for index, count in enumerate(per_contact):
            contact_id = self.contact_base + index + 1
            self.opportunity_first.append(self.last_id["opportunity"] + 1)
            for _ in range(count):
                opportunity_id = self.new_id("opportunity")
                code = f"OPP-{self.written['opportunity']:06d}"
                day = self.contact_created[index] // DAY + int(rng.random() * 90)
                second = self.working_second(day)
                template = self.pick(words["opportunity_titles"])
                title = template.format(
                    product=products[rng.getrandbits(12)], year=year + rng.randrange(3)
                )
                stage = stages[rng.getrandbits(10)]
                owner = self.contact_owner[index] if rng.random() < 0.8 else self.pick(self.agents)
                value = int(rng.lognormvariate(8.5, 1.1)) // 50 * 50 + 50
                rows.append(
                    (opportunity_id, self.uid(second), code, title, contact_id, stage,
                     self.pick(words["stages"][stage]), owner, value, self.time.text(second))
                )  # fmt: skip
                details = _json({"code": code, "title": title})
                link = (contact_id, opportunity_id, None)
                self.record(second, owner, "opportunity_created", details, link)
            if len(rows) >= BATCH or index == contacts - 1:
                self.writer.insert("opportunity", OPPORTUNITY_COLUMNS, rows)
                self.flush_history()
                rows = []
                self.progress("opportunities", self.written["opportunity"], total)


# --- interactions -----------------------------------------------------------------

INTERACTION_COLUMNS = (
    "id", "uid", "type_id", "kind", "status", "priority", "direction", "internal", "subject",
    "note", "outcome", "contact_id", "opportunity_id", "user_id", "created_by_id", "entry_name",
    "occurred_at", "starts_at", "ends_at", "follow_up_at", "due_at", "location", "rule_id",
    "version", "created_at", "updated_at",
)  # fmt: skip
TAG_COLUMNS = ("interaction_id", "tag_id")
COMMENT_COLUMNS = ("id", "uid", "interaction_id", "author_id", "kind", "body", "created_at")
NOTIFICATION_COLUMNS = (
    "id", "uid", "user_id", "kind", "actor_id", "interaction_id", "text", "created_at", "read_at",
)  # fmt: skip

PAST_TYPES = (("call", 50), ("email", 14), ("task", 10), ("message", 8), ("meeting", 6),
              ("visit", 6), ("note", 6))  # fmt: skip
FUTURE_TYPES = (("call", 55), ("meeting", 20), ("visit", 15), ("email", 5), ("message", 5))
INBOUND_SHARE = {"call": 0.25, "email": 0.4, "message": 0.4}
PRIORITIES = (("normal", 70), ("high", 18), ("low", 8), ("urgent", 4))
OUTCOMES = (("connected", 55), ("no_answer", 18), ("voicemail", 10), ("callback", 8),
            ("busy", 7), ("wrong_number", 2))  # fmt: skip
# Length in minutes of a scheduled item, by type.
DURATIONS = {"call": (5, 20), "meeting": (30, 120), "visit": (45, 150), "email": (0, 0),
             "message": (0, 0)}  # fmt: skip
RECENT = 21 * DAY  # open items are mostly recent: older ones were dealt with
# Status of a scheduled item whose time has passed, recent or older.
RECENT_SCHEDULED = (("done", 70), ("pending", 15), ("cancelled", 10), ("in_progress", 5))
OLD_SCHEDULED = (("done", 88), ("cancelled", 11), ("pending", 1))
# Status of a task whose due date has passed, recent or older.
RECENT_TASK = (("done", 75), ("pending", 12), ("in_progress", 6), ("cancelled", 7))
OLD_TASK = (("done", 92), ("cancelled", 7), ("pending", 1))
# Around now, the login user's own work shows every type, kind and status:
# what `make run` opens onto, and what even a tiny demo is sure to hold.
# (type, kind, status), from the most recent past interaction backwards...
SHOWCASE_PAST = (
    ("task", "task", "in_progress"),
    ("call", "scheduled", "pending"),  # overdue
    ("call", "automatic", "pending"),  # a retry the rules created, overdue
    ("meeting", "scheduled", "cancelled"),
    ("visit", "scheduled", "done"),
    ("task", "task", "pending"),
    ("call", "logged", "done"),
    ("email", "logged", "done"),
    ("message", "logged", "done"),
    ("note", "logged", "done"),
)
# ...and from the next one ahead onwards.
SHOWCASE_AHEAD = (("meeting", "scheduled", "pending"), ("call", "scheduled", "pending"))
Forced = tuple[str, str]  # (kind, status)


class _Timing(NamedTuple):
    """An interaction's kind and status and its times (seconds): when it
    was recorded and, if its status changed since (an event closed, a task
    done), when that happened."""

    kind: str
    status: str
    starts: int | None
    ends: int | None
    follow_up: int | None
    created: int
    changed: int | None


class _Slots(dict[str, str]):
    """The values a phrase template names ({person}, {product}, ...), each
    drawn only when a template asks for it."""

    def __init__(self, generator: Generator, product: str) -> None:
        super().__init__(product=product)
        self.generator = generator

    def __missing__(self, key: str) -> str:
        value = self.generator.slot(key)
        self[key] = value
        return value


class _Floor:
    """Interactions batch by batch, each with its tags, comments, mention
    notifications and history, ids in time order."""

    def __init__(self, generator: Generator) -> None:
        g = self.g = generator
        self.rng = g.rng
        words, snapshot = g.words, g.snapshot
        self.type_ids = snapshot.types
        self.past_types = _table([pair for pair in PAST_TYPES if pair[0] in self.type_ids])
        self.future_types = _table([pair for pair in FUTURE_TYPES if pair[0] in self.type_ids])
        self.tag_ids = self.ensure_tags(words["tags"])
        self.priorities = _table(PRIORITIES)
        self.outcomes = _table(OUTCOMES)
        self.recent_scheduled = _table(RECENT_SCHEDULED)
        self.old_scheduled = _table(OLD_SCHEDULED)
        self.recent_task = _table(RECENT_TASK)
        self.old_task = _table(OLD_TASK)
        self.products = words["products"]
        self.product_index = _zipf(range(len(self.products)), 12)
        # subjects[type][template][product], formatted once instead of per row
        self.subjects = {
            code: [[template.format(product=product) for product in self.products]
                   for template in templates]
            for code, templates in words["subjects"].items()
        }  # fmt: skip
        # Contacts are not equally busy: a few get many of the interactions.
        self.contact_order = list(range(g.plan.contacts))
        self.rng.shuffle(self.contact_order)
        self.details_cache: dict[tuple[Any, ...], str] = {}
        self.comments: list[Row] = []
        self.notifications: list[Row] = []

    def ensure_tags(self, names: list[str]) -> list[int]:
        g = self.g
        ids = dict(g.snapshot.tags)
        rows = []
        for name in names:
            if name not in ids:
                ids[name] = g.new_id("tag")
                rows.append((ids[name], g.uid(0), name))
        g.writer.insert("tag", ("id", "uid", "name"), rows)
        return [ids[name] for name in names]

    def add_interactions(self) -> None:
        total = self.g.plan.interactions
        seconds = self.interaction_times(total)
        ahead = bisect(seconds, self.g.now)  # position of the first one ahead
        self.showcase = {
            **{ahead - 1 - n: shown for n, shown in enumerate(SHOWCASE_PAST) if n < ahead},
            **{ahead + n: shown for n, shown in enumerate(SHOWCASE_AHEAD) if ahead + n < total},
        }
        for start in range(0, total, BATCH):
            self.write_batch(start, seconds[start : start + BATCH])
            self.g.progress("interactions", min(start + BATCH, total), total)

    def interaction_times(self, total: int) -> list[int]:
        """When each interaction happens, ascending: working hours, few at
        weekends, a growing business, and only scheduled items ahead."""
        g, rng = self.g, self.rng
        first, last = SETUP_DAYS, SETUP_DAYS + PAST_DAYS + AHEAD_DAYS
        today = g.now // DAY
        weights = []
        for day in range(first, last + 1):
            weight = WEEKDAY_WEIGHT[g.time.weekday(day)]
            weight *= min(1.0, 0.6 + 0.4 * (day - first) / PAST_DAYS)
            weights.append(weight * FUTURE_DAY_WEIGHT if day > today else weight)
        days = rng.choices(range(first, last + 1), weights=weights, k=total)
        seconds = sorted(g.working_second(day) for day in days)
        # Scheduled items start on a quarter hour; rounding up keeps the order.
        return [second if second <= g.now else second + (-second % 900) for second in seconds]

    def details(self, *key: Any) -> str:
        """History details JSON, cached: few distinct values, a million rows."""
        text = self.details_cache.get(key)
        if text is None:
            action, *values = key
            if action == "interaction_created":
                kind, status, code, user = values
                text = _json({"kind": kind, "status": status, "type": code, "user": user})
            elif action == "status_changed":
                text = _json({"from": values[0], "to": values[1]})
            elif action == "assignment_added":
                text = _json({"to": values[0]})
            else:  # a call event
                text = _json({"outcome": values[0]})
            self.details_cache[key] = text
        return text

    def duration(self, code: str) -> int:
        low, high = DURATIONS[code]
        return 60 * (low + int(self.rng.random() * (high - low + 1)))

    def scheduled_kind(self, code: str, forced: Forced | None, *, automatic_share: float) -> str:
        """Scheduled; some calls were created by the retry rule instead."""
        if forced:
            return forced[0]
        automatic = code == "call" and self.rng.random() < automatic_share
        return "automatic" if automatic else "scheduled"

    def timing(self, code: str, second: int, forced: Forced | None = None) -> _Timing:
        """Kind, status and times, consistent with each other and with the
        clock: ahead lie pending scheduled items; behind, mostly done ones,
        some cancelled, and recent ones still open (overdue). `forced`
        fixes the kind and status."""
        rng, now = self.rng, self.g.now
        rnd, bits = rng.random, rng.getrandbits
        planned = second - 600 - int(rnd() * 10 * DAY)  # when a scheduled item was planned
        if second > now:
            kind = self.scheduled_kind(code, forced, automatic_share=0.1)
            created = min(planned, now - int(rnd() * DAY))
            ends = second + self.duration(code)
            if (forced[1] == "cancelled") if forced else rnd() < 0.04:
                cancelled = created + int(rnd() * (now - created))
                return _Timing(kind, "cancelled", second, ends, None, created, cancelled)
            return _Timing(kind, "pending", second, ends, None, created, None)
        recent = now - second < RECENT
        if code == "task":
            due = second + (1 + int(rnd() * 10)) * DAY
            if forced:
                status = forced[1]
            elif due > now:
                status = "in_progress" if rnd() < 0.3 else "pending"
            else:
                status = (self.recent_task if recent else self.old_task)[bits(10)]
            changed: int | None = None
            if status != "pending":
                changed = second + int(rnd() * (min(due, now) - second))
            return _Timing("task", status, None, None, due, second, changed)
        scheduled_call = forced[0] != "logged" if forced else rnd() < 0.12
        if code in ("meeting", "visit") or (code == "call" and scheduled_call):
            kind = self.scheduled_kind(code, forced, automatic_share=0.25)
            ends = second + self.duration(code)
            if forced:
                status = forced[1]
            else:
                status = (self.recent_scheduled if recent else self.old_scheduled)[bits(10)]
            if status == "done":
                changed = min(now, ends + int(rnd() * 4 * 3600))
            elif status == "in_progress":
                changed = second
            elif status == "cancelled":
                changed = planned + int(rnd() * (second - planned))
            else:
                changed = None
            return _Timing(kind, status, second, ends, None, planned, changed)
        if forced:
            status = forced[1]
        else:
            status = "in_progress" if now - second < DAY and rnd() < 0.2 else "done"
        return _Timing("logged", status, None, None, None, second, None)

    def note(self, code: str, timing: _Timing, outcome: str | None, slots: _Slots) -> str:
        """A Spanish note from phrase fragments: who was spoken to, about
        which product, what they want, what happens next."""
        rng, words, pick = self.rng, self.g.words, self.g.pick
        if outcome is not None and outcome != "connected":
            return str(pick(words["call_outcomes"][outcome])).format_map(slots)
        if timing.status in ("pending", "cancelled"):
            return str(pick(words["note_bodies"])).format_map(slots)
        if timing.kind == "logged" and rng.random() < 0.1:
            return ""
        parts = [pick(words["note_openings"][code]), pick(words["note_bodies"])]
        if rng.random() < 0.3:
            parts.append(pick(words["note_bodies"]))
        if rng.random() < 0.7:
            parts.append(pick(words["note_closings"]))
        separator = "\n" if rng.random() < 0.05 else " "
        return separator.join(parts).format_map(slots)

    def write_batch(self, start: int, seconds: list[int]) -> None:
        g, rng = self.g, self.rng
        rnd, bits, text, now = rng.random, rng.getrandbits, g.time.text, g.now
        contacts, agents, supervisors = len(self.contact_order), g.agents, g.supervisors
        record, details = g.record, self.details
        rows: list[Row] = []
        tag_rows: list[Row] = []
        tags = len(self.tag_ids)
        for position, second in enumerate(seconds, start):
            interaction_id = g.new_id("interaction")
            code = (self.future_types if second > now else self.past_types)[bits(10)]
            shown = self.showcase.get(position)
            index = self.contact_order[int(contacts * rnd() ** 2)]
            contact_id = g.contact_base + 1 + index
            opportunity_id = None
            if rnd() < 0.85:
                opportunity_id = g.opportunity_first[index]
                opportunity_id += int(rnd() * g.opportunity_count[index])
            responsible: int = g.contact_owner[index] if rnd() < 0.7 else g.pick(agents)
            creator: int = responsible if rnd() < 0.85 else g.pick(supervisors)
            user: int | None = responsible
            forced = None
            if shown is not None:
                code, forced, user, creator = shown[0], shown[1:], g.login_id, g.login_id
            timing = self.timing(code, second, forced)
            pool_candidate = timing.kind != "logged" and timing.status == "pending"
            if pool_candidate and code == "call" and not shown and rnd() < 0.03:
                # In the shared pool until an agent claims it; what was done or
                # cancelled always had someone responsible.
                user = None
            outcome = None
            follow_up = timing.follow_up
            if code == "call" and timing.status == "done":
                outcome = self.outcomes[bits(10)]
                if outcome == "callback" or (outcome == "connected" and rnd() < 0.1):
                    follow_up = second + (1 + int(rnd() * 7)) * DAY
            inbound = timing.kind == "logged" and rnd() < INBOUND_SHARE.get(code, 0.0)
            product = self.product_index[bits(12)]
            slots = _Slots(g, self.products[product])
            subjects = self.subjects[code]
            location = ""
            if code in ("meeting", "visit"):
                location = g.pick(g.words["locations"]).format_map(slots)
            created, changed = timing.created, timing.changed
            created_text = text(created)
            rows.append(
                (
                    interaction_id,
                    g.uid(created),
                    self.type_ids[code],
                    timing.kind,
                    timing.status,
                    self.priorities[bits(10)],
                    "inbound" if inbound else "outbound",
                    1 if rnd() < (0.4 if code == "note" else 0.03) else 0,
                    subjects[int(rnd() * len(subjects))][product],
                    self.note(code, timing, outcome, slots),
                    outcome,
                    contact_id,
                    opportunity_id,
                    user,
                    creator,
                    g.names[creator][1],
                    text(second),
                    None if timing.starts is None else text(timing.starts),
                    None if timing.ends is None else text(timing.ends),
                    None if follow_up is None else text(follow_up),
                    text(timing.starts or follow_up or second),
                    location,
                    g.snapshot.retry_rule if timing.kind == "automatic" else None,
                    1 if changed is None else 2,
                    created_text,
                    created_text if changed is None else text(changed),
                )
            )
            draw = rnd()
            if draw < 0.3:
                first_tag = int(rnd() * tags)
                tag_rows.append((interaction_id, self.tag_ids[first_tag]))
                if draw < 0.05:
                    other = (first_tag + 1 + int(rnd() * (tags - 1))) % tags
                    tag_rows.append((interaction_id, self.tag_ids[other]))
            # History as create_interaction and a later status change record it.
            link = (contact_id, opportunity_id, interaction_id)
            username = None if user is None else g.names[user][0]
            status = timing.status if changed is None else "pending"
            created_details = details("interaction_created", timing.kind, status, code, username)
            record(created, creator, "interaction_created", created_details, link)
            if code == "call" and timing.kind == "logged":
                if inbound:
                    action = "call_missed" if outcome == "no_answer" else "call_inbound"
                else:
                    action = "call_outbound"
                record(created, creator, action, details(action, outcome), link)
            if user is not None and user != creator:
                assigned = details("assignment_added", username)
                record(created, creator, "assignment_added", assigned, link)
            if changed is not None:
                change = details("status_changed", "pending", timing.status)
                record(changed, user or creator, "status_changed", change, link)
            draw = rnd()
            if draw < 0.1:
                count = 1 if draw < 0.07 else 2 if draw < 0.09 else 3
                authors = (user or creator, creator)
                self.add_comments(count, second, timing, authors=authors, slots=slots, link=link)
        g.writer.insert("interaction", INTERACTION_COLUMNS, rows)
        g.writer.insert("interaction_tag", TAG_COLUMNS, tag_rows)
        g.writer.insert("comment", COMMENT_COLUMNS, self.comments)
        g.writer.insert("notification", NOTIFICATION_COLUMNS, self.notifications)
        g.flush_history()
        if rows:
            g.writer.interactions_loaded(rows[0][0], rows[-1][0])
        self.comments, self.notifications = [], []

    def add_comments(
        self,
        count: int,
        second: int,
        timing: _Timing,
        *,
        authors: tuple[int, int],
        slots: _Slots,
        link: Link,
    ) -> None:
        """Comments after the fact: a report when an event was closed,
        otherwise remarks, some @mentioning a colleague, who is notified."""
        g, rng = self.g, self.rng
        rnd, now, words, text = rng.random, g.now, g.words, g.time.text
        interaction_id = link[2]
        moment = max(timing.created, min(second, now))
        for number in range(count):
            author = g.pick((*authors, g.pick(g.supervisors)))
            mentioned = None
            report = timing.status == "done" and timing.kind == "scheduled"
            if number == 0 and report and rnd() < 0.5:
                kind, at = "report", min(now, timing.changed or moment)
                body = str(g.pick(words["reports"])).format_map(slots)
            else:
                kind, at = "comment", min(now, moment + 300 + int(rnd() * 2 * DAY))
                if rnd() < 0.3:
                    mentioned = g.pick([member for member in g.names if member != author])
                    slots["mention"] = "@" + g.names[mentioned][0]
                    body = str(g.pick(words["mention_comments"])).format_map(slots)
                else:
                    body = str(g.pick(words["comments"])).format_map(slots)
            moment = at
            comment_id = g.new_id("comment")
            self.comments.append(
                (comment_id, g.uid(at), interaction_id, author, kind, body, text(at))
            )
            added = _json({"comment": comment_id, "kind": kind})
            g.record(at, author, "comment_added", added, link)
            if mentioned is not None:
                read_at = None if now - at < 3 * DAY else text(at + int(rnd() * DAY))
                self.notifications.append(
                    (g.new_id("notification"), g.uid(at), mentioned, "mention", author,
                     interaction_id, body, text(at), read_at)
                )  # fmt: skip
