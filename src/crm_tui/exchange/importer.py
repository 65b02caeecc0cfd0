"""Importing a .csv, .xlsx or .xls file of interactions, all or nothing.

Every row is read and validated, and every problem is reported with its
line (the header is line 1) and column. Only a file without a single
problem is written, in one transaction: the users, contacts and
opportunities it names that do not exist yet (users as agents named by
their user name), then its interactions, each with an `imported` history
event. On PostgreSQL the rows are validated as they are written (see
`_write`); the first that fails rolls the transaction back.

A row whose `id` is already in the database is skipped and reported, never
updated; an unknown `id` is kept, so that exporting, importing into an
empty database and exporting again gives the same file; an empty `id`
means a new interaction. An empty `user` puts the interaction in the
shared pool; an empty `created_by` means whoever imports.

An import tells how far it is with `progress(stage, rows_so_far)`, in
three stages: READING the file (rows read; its last call gives the number
of data rows), CHECKING them (rows validated, up to that number) and
WRITING (interactions written, up to the report's `created`). On
PostgreSQL an import that writes has no CHECKING stage: its rows are
checked as they are written. Setting
`cancel` stops it with ImportCancelled at the next row or batch: nothing
is written, even when writing had begun (the transaction is rolled back).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from peewee import IntegrityError

from crm_tui import clock
from crm_tui.exchange import csv_format, xls_format, xlsx_format
from crm_tui.exchange.bulk import PendingRow, write_import
from crm_tui.exchange.columns import COLUMNS, Cell, Header, HeaderError
from crm_tui.exchange.formats import handler_for
from crm_tui.exchange.page_cache import small_page_cache
from crm_tui.exchange.references import ReferencePlan, existing_uids
from crm_tui.exchange.row_input import RowInput, RowProblem, problems_of
from crm_tui.i18n import register, t
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.interactions import validate
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.store.db import current, engine_of

register(
    {
        "exchange.error.import_cancelled": (
            "import cancelled; nothing was written",
            "importación cancelada; no se escribió nada",
        ),
    }
)

# Every row of a file, the header first, with the line it starts on.
Reader = Callable[[Path], Iterator[tuple[int, list[Cell]]]]

# By file suffix.
READERS: dict[str, Reader] = {
    ".csv": csv_format.read_rows,
    ".xlsx": xlsx_format.read_rows,
    ".xls": xls_format.read_rows,
}

READING = "reading"
CHECKING = "checking"
WRITING = "writing"
Progress = Callable[[str, int], None]
"""`progress(stage, rows_so_far)`: see the module's description."""

PROGRESS_EVERY = 500
PREVIEW_ROWS = 20


class ImportCancelled(CrmError):
    def __init__(self) -> None:
        super().__init__("exchange.error.import_cancelled")


@dataclass(frozen=True)
class ImportProblem:
    """Why a line of the file cannot be imported."""

    line: int
    column: str  # an interchange column; "" when the whole row or header is wrong
    message: str  # in the language of the import

    @property
    def text(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


Problem = tuple[int, str]  # (line, "column: message")


@dataclass(frozen=True)
class PreviewRow:
    """A row as it will be written, for a person to check before importing."""

    line: int
    type: TypeRecord
    status: str  # a STATUS code
    user: str | None  # the responsible's display name; None: the shared pool
    contact_code: str
    contact_name: str  # the database's for a known contact, the file's for a new one
    opportunity_code: str | None
    subject: str
    when: datetime  # occurred_at: what the lists show and sort by
    new_contact: bool  # the import creates this contact
    new_opportunity: bool  # ... and this opportunity


@dataclass(frozen=True)
class ImportReport:
    """What an import did, or with `dry_run` would do. With any error
    nothing is written and every count of created records is 0."""

    rows_read: int  # data rows, blank ones not counted
    created: int  # interactions
    skipped_existing: tuple[tuple[int, str], ...]  # (line, id) already in the database
    errors: tuple[Problem, ...]  # `problems` as (line, "column: message"), by line
    users_created: int
    contacts_created: int
    opportunities_created: int
    dry_run: bool
    problems: tuple[ImportProblem, ...] = ()  # by line
    # The first PREVIEW_ROWS rows to write (none when there are errors): a
    # view of the file, not an outcome, so reports compare without it.
    preview: tuple[PreviewRow, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self, lang: str | None = None) -> list[str]:
        """Each error as `line N: column: message`."""
        return [t("exchange.line", lang, line=line, message=text) for line, text in self.errors]

    def summary(self, lang: str | None = None) -> str:
        """One sentence for a person: what was (or would be) done."""
        if self.errors:
            lines_with_errors = len({line for line, _ in self.errors})
            return t("exchange.summary_errors", lang, rows=self.rows_read, errors=lines_with_errors)
        key = "exchange.summary_dry_run" if self.dry_run else "exchange.summary"
        return t(
            key,
            lang,
            rows=self.rows_read,
            created=self.created,
            users=self.users_created,
            contacts=self.contacts_created,
            opportunities=self.opportunities_created,
            skipped=len(self.skipped_existing),
        )


def _failed(rows_read: int, problems: list[ImportProblem], dry_run: bool) -> ImportReport:
    ordered = tuple(sorted(problems, key=lambda problem: problem.line))
    return ImportReport(
        rows_read=rows_read,
        created=0,
        skipped_existing=(),
        errors=tuple((problem.line, problem.text) for problem in ordered),
        users_created=0,
        contacts_created=0,
        opportunities_created=0,
        dry_run=dry_run,
        problems=ordered,
    )


class _Steps:
    """Progress and cancellation: `cancel` is looked at on every row, and
    progress told every PROGRESS_EVERY rows and at the end of each stage
    (a cancel asked for from `progress` itself is seen at once)."""

    def __init__(self, progress: Progress | None, cancel: threading.Event | None) -> None:
        self._progress = progress
        self._cancel = cancel

    def row(self, stage: str, rows_so_far: int) -> None:
        if rows_so_far % PROGRESS_EVERY == 0:
            self.reached(stage, rows_so_far)
        else:
            self.stop_if_cancelled()

    def reached(self, stage: str, rows_so_far: int) -> None:
        if self._progress is not None:
            self._progress(stage, rows_so_far)
        self.stop_if_cancelled()

    def stop_if_cancelled(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise ImportCancelled()


def _is_blank(cells: list[Cell]) -> bool:
    return not any(isinstance(cell, datetime) or cell.strip() for cell in cells)


@dataclass
class _ReadFile:
    rows: list[RowInput]
    rows_read: int
    problems: list[ImportProblem]

    def add(self, line: int, found: Iterable[RowProblem]) -> None:
        self.problems.extend(
            ImportProblem(line, problem.column, problem.error.message()) for problem in found
        )


def _read(path: Path, steps: _Steps) -> _ReadFile:
    """Every data row as a RowInput; a header or a row that cannot be read
    at all becomes a problem of its line."""
    lines = (item for item in handler_for(READERS, path)(path) if not _is_blank(item[1]))
    first = next(lines, None)
    if first is None:
        message = t("exchange.error.no_header", columns=", ".join(COLUMNS))
        return _ReadFile([], 0, [ImportProblem(1, "", message)])
    header_line, header_cells = first
    try:
        header = Header.parse(header_cells)
    except HeaderError as exc:
        problems = [ImportProblem(header_line, "", problem.message()) for problem in exc.problems]
        return _ReadFile([], 0, problems)
    read = _ReadFile([], 0, [])
    for line, cells in lines:
        read.rows_read += 1
        steps.row(READING, read.rows_read)
        try:
            values = header.values(cells)
        except CrmError as exc:
            read.problems.append(ImportProblem(line, "", exc.message()))
            continue
        read.rows.append(RowInput.read(line, values))
    steps.reached(READING, read.rows_read)
    return read


def _set_aside_known_ids(read: _ReadFile) -> list[tuple[int, str]]:
    """Take out of `read.rows` those whose id the database has (returned
    as (line, id)); an id given twice in the file is a problem."""
    known = existing_uids(row.uid for row in read.rows if row.uid)
    skipped: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    kept: list[RowInput] = []
    for row in read.rows:
        if row.uid in known:
            skipped.append((row.line, row.uid))
            continue
        if row.uid:
            if row.uid in first_line:
                message = t("exchange.error.repeated_id", value=row.uid, line=first_line[row.uid])
                read.problems.append(ImportProblem(row.line, "id", message))
                continue
            first_line[row.uid] = row.line
        kept.append(row)
    read.rows = kept
    return skipped


class _RowFailed(Exception):
    """A row did not pass its checks: nothing is written."""


class _Checks:
    """The rows' checks, from the file's last row to its first (the order
    they are written in), each row's problems added to `read.problems`."""

    def __init__(
        self, read: _ReadFile, plan: ReferencePlan, actor: UserRecord, steps: _Steps
    ) -> None:
        self._read = read
        self._plan = plan
        self._actor = actor
        self._steps = steps
        self._now = clock.now()
        self._left = iter(reversed(read.rows))
        self.checked = 0
        self.passed = 0
        # The file's first rows that passed (checked last), with their values.
        self._sample: deque[tuple[RowInput, dict[str, Any]]] = deque(maxlen=PREVIEW_ROWS)

    @property
    def sample(self) -> list[tuple[RowInput, dict[str, Any]]]:
        return list(reversed(self._sample))

    def passing(self, *, told: bool) -> Iterator[PendingRow]:
        """Each row as it passes: the first that does not raises
        _RowFailed, and `rest` checks the others. `told`: progress says
        CHECKING (else only a cancel is looked for)."""
        for row in self._left:
            pending = self._check(row, told=told)
            if pending is None:
                raise _RowFailed()
            yield pending
        if told:
            self._steps.reached(CHECKING, self.checked)

    def rest(self) -> None:
        """Check the rows not checked yet (nothing will be written)."""
        for row in self._left:
            self._check(row, told=True)
        self._steps.reached(CHECKING, self.checked)

    def _check(self, row: RowInput, *, told: bool) -> PendingRow | None:
        self.checked += 1
        if told:
            self._steps.row(CHECKING, self.checked)
        else:
            self._steps.stop_if_cancelled()
        problems = row.problems + self._plan.problems(row)
        try:
            values = validate(row.draft(self._actor.username), self._plan.resolver, self._now)
        except ValidationError as exc:
            problems += problems_of(exc)
        self._read.add(row.line, problems)
        if problems:
            return None
        self.passed += 1
        self._sample.append((row, values))
        return PendingRow.of(row.line, values)


def _preview(
    sample: list[tuple[RowInput, dict[str, Any]]], plan: ReferencePlan
) -> tuple[PreviewRow, ...]:
    contact_names = plan.contact_names(row.contact_code for row, _ in sample)
    resolver = plan.resolver

    def responsible(row: RowInput) -> str | None:
        user = resolver.user(row.user) if row.user else None
        return user.display_name if user is not None else None

    return tuple(
        PreviewRow(
            line=row.line,
            type=resolver.types.by_id(values["type"]),
            status=values["status"],
            user=responsible(row),
            contact_code=row.contact_code,
            contact_name=contact_names[row.contact_code],
            opportunity_code=row.opportunity_code or None,
            subject=values["subject"],
            when=values["occurred_at"],
            new_contact=row.contact_code in plan.new_contacts,
            new_opportunity=row.opportunity_code in plan.new_opportunities,
        )
        for row, values in sample
    )


def import_file(
    path: Path,
    *,
    actor: UserRecord,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ImportReport:
    """Import the interactions of a .csv, .xlsx or .xls file as `actor`.

    A file that cannot be read at all (missing, not UTF-8, not a workbook,
    an unsupported suffix) raises CrmError; problems of its content are
    listed in the report's `problems` and nothing is written. With `dry_run`
    the file is checked and counted but nothing is written either. For
    `progress` and `cancel` see the module's description."""
    with small_page_cache():
        return _import(path, actor, dry_run, _Steps(progress, cancel))


def _import(path: Path, actor: UserRecord, dry_run: bool, steps: _Steps) -> ImportReport:
    read = _read(path, steps)
    skipped = _set_aside_known_ids(read)
    plan = ReferencePlan(read.rows, actor)
    checks = _Checks(read, plan, actor, steps)
    # A file with a problem already known is only checked: a record the
    # plan cannot create fails every row naming it.
    if dry_run or read.problems or plan.has_problems or not read.rows:
        checks.rest()
    else:
        try:
            _write(path, plan, checks, actor=actor, steps=steps, expected_rows=len(read.rows))
        except _RowFailed:  # rolled back
            checks.rest()
    read.rows.clear()  # checked and written: free them
    if read.problems:
        return _failed(read.rows_read, read.problems, dry_run)
    return ImportReport(
        rows_read=read.rows_read,
        created=checks.passed,
        skipped_existing=tuple(skipped),
        errors=(),
        users_created=len(plan.new_users),
        contacts_created=len(plan.new_contacts),
        opportunities_created=len(plan.new_opportunities),
        dry_run=dry_run,
        preview=_preview(checks.sample, plan),
    )


def _write(
    path: Path,
    plan: ReferencePlan,
    checks: _Checks,
    *,
    actor: UserRecord,
    steps: _Steps,
    expected_rows: int,
) -> None:
    """Write the rows as they pass their checks, in one transaction.

    On PostgreSQL each row is checked as it is written (WRITING is the
    only progress), so the server stores the rows that passed while the
    next ones are checked, on the other core; a row that fails rolls the
    transaction back. On SQLite, which writes in this process, and where
    the write transaction keeps every other writer waiting, all rows are
    checked before it begins."""
    in_the_write = engine_of(current()) == "postgres"
    rows = checks.passing(told=False) if in_the_write else list(checks.passing(told=True))
    steps.reached(WRITING, 0)
    try:
        write_import(
            plan,
            rows,
            actor=actor,
            file_name=path.name,
            expected_rows=expected_rows,
            after_batch=lambda written: steps.reached(WRITING, written),
        )
    except IntegrityError as exc:
        # The checks saw the database before the write transaction began:
        # someone created the same id, code or name in between.
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise CrmError("exchange.error.changed_meanwhile", reason=reason) from exc
