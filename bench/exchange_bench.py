"""The exchange section of `make bench`: `crm-tui export` and `crm-tui
import` on 100,000 interactions, each format, as a user runs them.

    .venv/bin/python bench/run.py --only exchange [--no-pg]

bench/run.py builds the databases (its demo builder and cache) and calls
`measure_exchange`; this module measures and lays out the tables.

Each measure is one run of the installed command in a process of its own,
started by a small helper process (`--spawn`) that times it and reads its
peak resident memory from `os.wait4`. The helper is there because Linux
hands a new process the memory high-water mark of the one that started it
(it survives `exec`): started from the bench itself, which has built
databases in memory, every figure would read as the bench's own. The
helper starts no library, so its few MB are the least a figure can show.

Measured per engine: export of the 100,000-row database to each format,
and of a 10,000-row one (the same generator) to show that the exporter
streams: its memory may grow by SQLite's page cache, which a small file
cannot fill, but not with the rows; import of each exported
.csv, .xlsx and .xls into a new empty database, with its validation, and
a count of what arrived. Once, on SQLite, the floor: the same cells
written by bare openpyxl in write-only mode, read with plain sqlite3
(`--floor`), on both databases, against which the .xlsx export's time
and memory are shown.

A format the command does not handle yet, or any failure, is a failed
cell with the last line the command wrote to stderr; the other measures
go on.

The module imports nothing but the standard library at its top: the
helper runs it without site-packages (`python -S`) to stay small.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

EXPORT_FORMATS = (".xlsx", ".xls", ".csv", ".ics")
IMPORT_FORMATS = (".csv", ".xlsx", ".xls")  # the formats import reads
ACTOR = "bench"  # who exports and imports (the demo's own login, an admin)
# The exporter streams when its peak memory at ten times the rows grows by
# no more than SQLite's page cache (which a small database cannot fill: the
# cache grows with the file, up to the size the export sets) and this much.
# Holding the rows instead would take about 2 KB each: 180 MB more.
STREAMING_SLACK_MB = 10.0
# The floor's query: the interchange columns (exchange/columns.py COLUMNS,
# which its names must match, and the header row is) in the export's order
# (newest first), empty text as NULL (an empty cell, as the exporter writes
# it), tags sorted and joined as the exporter does.
FLOOR_SQL = """
SELECT i.uid AS id, t.code AS type, i.status AS status, i.priority AS priority,
       i.direction AS direction, CASE WHEN i.internal THEN 'yes' ELSE 'no' END AS internal,
       r.username AS user, c_by.username AS created_by, c.code AS contact_code,
       NULLIF(c.name, '') AS contact_name, o.code AS opportunity_code,
       NULLIF(o.title, '') AS opportunity_title, NULLIF(i.subject, '') AS subject,
       NULLIF(i.note, '') AS note, i.outcome AS outcome, i.occurred_at AS occurred_at,
       i.starts_at AS starts_at, i.ends_at AS ends_at, i.follow_up_at AS follow_up_at,
       NULLIF(i.location, '') AS location,
       (SELECT group_concat(name, ',') FROM (
            SELECT tag.name FROM interaction_tag
            JOIN tag ON tag.id = interaction_tag.tag_id
            WHERE interaction_tag.interaction_id = i.id ORDER BY tag.name)) AS tags
FROM interaction i
JOIN interaction_type t ON t.id = i.type_id
JOIN contact c ON c.id = i.contact_id
LEFT JOIN opportunity o ON o.id = i.opportunity_id
LEFT JOIN user r ON r.id = i.user_id
JOIN user c_by ON c_by.id = i.created_by_id
ORDER BY i.occurred_at DESC, i.id DESC
"""
FLOOR_DATE_COLUMNS = range(15, 19)  # occurred_at .. follow_up_at in FLOOR_SQL


@dataclass(frozen=True)
class Databases:
    """What run.py hands over for one engine: two demo databases of the
    same generator and seed, and a maker of new empty ones."""

    engine: str
    rows: int
    location: str
    small_rows: int
    small_location: str
    empty: Callable[[], str]  # a new, empty database each call (dropped if there)


@dataclass(frozen=True)
class Measure:
    """One run of a command: its wall time, CPU time and peak memory, or
    why it failed."""

    seconds: float = 0.0
    rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class EngineResult:
    engine: str
    rows: int
    small_rows: int
    exports: dict[str, Measure] = field(default_factory=dict)
    small_exports: dict[str, Measure] = field(default_factory=dict)
    events: int | None = None  # VEVENTs in the .ics of `rows` interactions
    page_cache_mb: float = 0.0  # how far SQLite's page cache may grow (0: PostgreSQL)
    imports: dict[str, Measure] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)  # interactions that arrived

    def growth_mb(self, suffix: str) -> float | None:
        """How much more memory the export of `rows` took than that of
        `small_rows` (None if either failed)."""
        full, small = self.exports[suffix], self.small_exports[suffix]
        return full.rss_mb - small.rss_mb if full.ok and small.ok else None

    def streams(self, suffix: str) -> bool:
        growth = self.growth_mb(suffix)
        return growth is not None and growth <= self.page_cache_mb + STREAMING_SLACK_MB

    @property
    def measures(self) -> list[Measure]:
        return [*self.exports.values(), *self.small_exports.values(), *self.imports.values()]

    @property
    def failed(self) -> bool:
        wrong_counts = any(count != self.rows for count in self.imported.values())
        return wrong_counts or any(not measure.ok for measure in self.measures)


@dataclass
class ExchangeResult:
    engines: list[EngineResult]
    floor: Measure | None  # bare openpyxl on the first SQLite database
    floor_rows: int = 0
    small_floor: Measure | None = None  # ... and on its smaller one
    small_floor_rows: int = 0
    helper_mb: float = 0.0  # the spawning helper's own peak: no figure can be lower

    @property
    def failed(self) -> bool:
        floors = (self.floor, self.small_floor)
        floor_failed = any(floor is not None and not floor.ok for floor in floors)
        return floor_failed or any(engine.failed for engine in self.engines)

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every command measured: what the section costs on
        an idle machine, whatever the wall times say under load."""
        floors = [floor for floor in (self.floor, self.small_floor) if floor is not None]
        measures = [*floors, *(measure for engine in self.engines for measure in engine.measures)]
        return sum(measure.cpu_seconds for measure in measures)


# --- measuring (in the bench's process) ---------------------------------------------


def measure_exchange(
    databases: list[Databases], workdir: Path, say: Callable[[str], None]
) -> ExchangeResult:
    """Every measure of the section, engine after engine; the exported
    files go to `workdir` (the caller removes it)."""
    result = ExchangeResult(engines=[], floor=None)
    for engine in databases:
        result.engines.append(measure_engine(engine, workdir / engine.engine, say))
    sqlite = next((engine for engine in databases if engine.engine == "sqlite"), None)
    if sqlite is not None:
        say(
            f"measuring the floor: {sqlite.rows:,} and {sqlite.small_rows:,} rows "
            "by bare openpyxl write-only"
        )
        result.floor = measure_floor(sqlite.location, workdir / "floor.xlsx")
        result.floor_rows = sqlite.rows
        result.small_floor = measure_floor(sqlite.small_location, workdir / "small-floor.xlsx")
        result.small_floor_rows = sqlite.small_rows
    result.helper_mb = helper_baseline_mb()
    return result


def measure_floor(database: str, out: Path) -> Measure:
    from crm_tui.exchange.columns import COLUMNS

    if floor_header(floor_cursor(database, limit=0)) != COLUMNS:
        return Measure(failure="FLOOR_SQL no longer selects the interchange COLUMNS")
    return spawn([sys.executable, __file__, "--floor", database, str(out)])


def measure_engine(db: Databases, folder: Path, say: Callable[[str], None]) -> EngineResult:
    folder.mkdir(parents=True, exist_ok=True)
    result = EngineResult(db.engine, db.rows, db.small_rows)
    if db.engine == "sqlite":
        result.page_cache_mb = page_cache_mb()
    for suffix in EXPORT_FORMATS:
        say(f"measuring {db.engine}: export {db.rows:,} and {db.small_rows:,} rows to {suffix}")
        out = folder / f"interactions{suffix}"
        result.exports[suffix] = crm_tui(
            "export", "--db", db.location, "--out", str(out), "--by", ACTOR
        )
        small_out = folder / f"small{suffix}"
        result.small_exports[suffix] = crm_tui(
            "export", "--db", db.small_location, "--out", str(small_out), "--by", ACTOR
        )
        small_out.unlink(missing_ok=True)
    if result.exports[".ics"].ok:
        result.events = count_events(folder / "interactions.ics")
    for suffix in IMPORT_FORMATS:
        say(f"measuring {db.engine}: import {db.rows:,} rows from {suffix}")
        source = folder / f"interactions{suffix}"
        if not result.exports[suffix].ok:
            result.imports[suffix] = Measure(failure=f"no {suffix} export to import")
            continue
        target = db.empty()
        result.imports[suffix] = crm_tui("import", str(source), "--db", target, "--by", ACTOR)
        if result.imports[suffix].ok:
            result.imported[suffix] = count_interactions(target)
    return result


def crm_tui(*arguments: str) -> Measure:
    """The installed command (beside this Python), messages in English."""
    command = Path(sys.executable).with_name("crm-tui")
    if not command.exists():
        return Measure(failure=f"{command} is missing: run make venv")
    return spawn([str(command), "--lang", "en", *arguments])


def spawn(argv: list[str]) -> Measure:
    """Run `argv` under a fresh helper process; its time and peak memory."""
    done = subprocess.run(
        [sys.executable, "-S", __file__, "--spawn", json.dumps(argv)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return Measure(failure=last_line(done.stderr) or f"the helper exited {done.returncode}")
    report = json.loads(lines[-1])
    if report["exit"] != 0:
        return Measure(failure=last_line(done.stderr) or f"exit status {report['exit']}")
    return Measure(report["seconds"], report["rss_mb"], report["cpu_seconds"])


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1].strip() if lines else ""


def helper_baseline_mb() -> float:
    """The helper's own peak, with no command to run (`true`)."""
    done = subprocess.run(
        [sys.executable, "-S", __file__, "--spawn", json.dumps(["/bin/true"]), "--own"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["own_mb"])


def count_events(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as file:
        return sum(1 for line in file if line.rstrip("\r\n") == "BEGIN:VEVENT")


def page_cache_mb() -> float:
    """The page cache an export gives its SQLite connection (the app's
    own is larger; the exporter lowers it while it reads)."""
    from crm_tui.exchange.page_cache import PAGE_CACHE_KIB

    return PAGE_CACHE_KIB / 1024


def count_interactions(location: str) -> int:
    """How many interactions a database holds, read independently of the
    command that wrote them."""
    from crm_tui.store.db import close, connect, resolve_target
    from crm_tui.store.models import Interaction

    connect(resolve_target(location), create=False, migrate=False)
    try:
        return int(Interaction.select().count())
    finally:
        close()


# --- the table ----------------------------------------------------------------------


def seconds_text(measure: Measure) -> str:
    return f"failed: {measure.failure}" if measure.failure else f"{measure.seconds:.1f}"


def mb_text(measure: Measure) -> str:
    return "-" if measure.failure else f"{measure.rss_mb:.0f}"


def against(measure: Measure, floor: Measure | None) -> str:
    """`measure`'s time as a multiple of the floor's ("-" if either failed)."""
    if floor is None or not (measure.ok and floor.ok):
        return "-"
    return f"{measure.seconds / floor.seconds:.2f}×"


def export_table(result: ExchangeResult) -> tuple[list[str], list[list[str]]]:
    """Headings and rows: per engine and format, the full export, the
    small one, how memory grew, and the .xlsx time against the floor (the
    full export's, then the small one's); last, the floor itself."""
    headings = [
        "engine",
        "export to",
        "rows",
        "time s",
        "peak MB",
        "small: rows",
        "small: time s",
        "small: peak MB",
        "memory full/small",
        "streams",
        "time vs floor",
    ]
    floor, small_floor = result.floor, result.small_floor
    table = []
    for engine in result.engines:
        for suffix in EXPORT_FORMATS:
            full, small = engine.exports[suffix], engine.small_exports[suffix]
            rows = f"{engine.rows:,}"
            if suffix == ".ics" and engine.events is not None:
                rows += f" ({engine.events:,} events)"
            growth = engine.growth_mb(suffix)
            ratio = streams = "-"
            if growth is not None:
                ratio = f"{full.rss_mb / small.rss_mb:.2f}"
                streams = f"{'yes' if engine.streams(suffix) else 'NO'} ({round(growth):+d} MB)"
            against_floor = "-"
            if suffix == ".xlsx":
                against_floor = f"{against(full, floor)} (small {against(small, small_floor)})"
            table.append(
                [
                    engine.engine,
                    suffix,
                    rows,
                    seconds_text(full),
                    mb_text(full),
                    f"{engine.small_rows:,}",
                    seconds_text(small),
                    mb_text(small),
                    ratio,
                    streams,
                    against_floor,
                ]
            )
    if floor is not None:
        small = small_floor or Measure(failure="not measured")
        ratio = growth = "-"
        if floor.ok and small.ok:
            ratio = f"{floor.rss_mb / small.rss_mb:.2f}"
            growth = f"({round(floor.rss_mb - small.rss_mb):+d} MB)"
        table.append(
            [
                "sqlite",
                ".xlsx floor: bare openpyxl",
                f"{result.floor_rows:,}",
                seconds_text(floor),
                mb_text(floor),
                f"{result.small_floor_rows:,}",
                seconds_text(small),
                mb_text(small),
                ratio,
                growth,
                "1.00×",
            ]
        )
    return headings, table


def import_table(result: ExchangeResult) -> tuple[list[str], list[list[str]]]:
    headings = ["engine", "import from", "rows in file", "time s", "peak MB", "imported"]
    table = []
    for engine in result.engines:
        for suffix in IMPORT_FORMATS:
            measure = engine.imports[suffix]
            arrived = engine.imported.get(suffix)
            check = "-"
            if arrived is not None:
                check = f"{arrived:,} " + ("(all)" if arrived == engine.rows else "(WRONG)")
            table.append(
                [
                    engine.engine,
                    suffix,
                    f"{engine.rows:,}",
                    seconds_text(measure),
                    mb_text(measure),
                    check,
                ]
            )
    return headings, table


def exchange_notes(result: ExchangeResult) -> list[str]:
    notes = [
        f"Exchange: one run of each command (`crm-tui export --db DB --out FILE --by {ACTOR}`, "
        f"`crm-tui import FILE --db NEW --by {ACTOR}`), each in its own process; time is "
        "the command's wall time from its start to its exit, peak MB its peak resident memory "
        f"(`wait4` ru_maxrss; the helper that starts it accounts for {result.helper_mb:.0f} MB, "
        "the least any figure can show). Small: the same export of a smaller demo database "
        "(same generator and seed). Import: into a new empty database, all rows validated; "
        "imported is what the database holds afterwards. The commands used "
        f"{result.cpu_seconds / 60:.1f} min of CPU in all (wall times grow with the load "
        "average)."
    ]
    for engine in result.engines:
        growths = {suffix: engine.growth_mb(suffix) for suffix in EXPORT_FORMATS}
        measured = {suffix: growth for suffix, growth in growths.items() if growth is not None}
        if measured:
            allowed = engine.page_cache_mb + STREAMING_SLACK_MB
            cache = (
                f"SQLite's page cache, which the export sets to {engine.page_cache_mb:.1f} MB and "
                f"the {engine.small_rows:,}-row file is too small to fill, plus "
                if engine.page_cache_mb
                else ""
            )
            notes.append(
                f"{engine.engine} streaming check: with {engine.rows // engine.small_rows}× the "
                f"rows, peak memory grew by "
                + ", ".join(
                    f"{round(growth):+d} MB ({suffix})" for suffix, growth in measured.items()
                )
                + f"; an export streams if it grows by at most {cache}{STREAMING_SLACK_MB:.0f} MB "
                f"({allowed:.0f} MB)."
            )
        if engine.events is not None:
            notes.append(
                f"{engine.engine}: the .ics holds {engine.events:,} events, the scheduled ones "
                f"(a start or due time) among the {engine.rows:,} interactions."
            )
    if result.floor is not None:
        notes.append(
            f"Floor: the same rows' cells ({result.floor_rows:,} and "
            f"{result.small_floor_rows:,}: the interchange columns, dates as date cells, empty "
            "text as empty cells), read with plain sqlite3 from the SQLite databases and "
            "appended to `openpyxl.Workbook(write_only=True)`, each in a process of its own; "
            "time vs floor divides the .xlsx export's time by the floor's on the same database "
            "(for PostgreSQL too: same data)."
        )
        notes += floor_memory_notes(result)
    return notes


def floor_memory_notes(result: ExchangeResult) -> list[str]:
    """The .xlsx export's peak memory beside the floor's, at each size."""
    notes = []
    for engine in result.engines:
        pairs = [
            (result.floor_rows, engine.exports[".xlsx"], result.floor),
            (result.small_floor_rows, engine.small_exports[".xlsx"], result.small_floor),
        ]
        shown = [
            f"{rows:,} rows {export.rss_mb:.0f} MB against {floor.rss_mb:.0f} MB"
            for rows, export, floor in pairs
            if floor is not None and export.ok and floor.ok
        ]
        if shown:
            notes.append(
                f"{engine.engine} .xlsx export peak memory vs the floor: " + "; ".join(shown) + "."
            )
    return notes


# --- in the helper processes ----------------------------------------------------------


def run_and_wait(argv: list[str]) -> dict[str, Any]:
    """Start `argv` (its stdout and stderr are this process's), wait for
    it; its exit code, wall time, CPU time and peak memory."""
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": seconds,
        "rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def own_peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def floor_cursor(database: str, *, limit: int | None = None) -> sqlite3.Cursor:
    """FLOOR_SQL on a read-only connection (closed with the process)."""
    import sqlite3

    sql = FLOOR_SQL if limit is None else f"{FLOOR_SQL} LIMIT {limit:d}"
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute(sql)


def floor_header(cursor: sqlite3.Cursor) -> tuple[str, ...]:
    return tuple(column[0] for column in cursor.description)


def write_floor(database: str, out: Path) -> None:
    """The floor itself: plain sqlite3 rows into a write-only workbook."""
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("interactions")
    rows = floor_cursor(database)
    sheet.append(list(floor_header(rows)))
    for row in rows:
        cells = list(row)
        for column in FLOOR_DATE_COLUMNS:
            if cells[column] is not None:
                moment = datetime.fromisoformat(cells[column])
                cells[column] = moment.replace(second=0, microsecond=0)
        sheet.append(cells)
    workbook.save(out)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="helper processes of the exchange bench")
    parser.add_argument("--spawn", help="JSON argv: run it, report time and peak memory")
    parser.add_argument("--own", action="store_true", help="with --spawn: add its own peak")
    parser.add_argument("--floor", nargs=2, metavar=("DB", "OUT"), help="bare openpyxl export")
    args = parser.parse_args()
    if args.spawn:
        report = run_and_wait(json.loads(args.spawn))
        if args.own:
            report["own_mb"] = own_peak_mb()
        print(json.dumps(report))
        return 0
    if args.floor:
        write_floor(args.floor[0], Path(args.floor[1]))
        return 0
    parser.error("give --spawn or --floor (bench/run.py --only exchange runs the section)")
    return 2


if __name__ == "__main__":
    sys.exit(main())
