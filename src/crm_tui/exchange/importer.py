"""Importing a .csv or .xlsx file of interactions, all or nothing.

Every row is read and validated first, and every problem is reported with
its line (the header is line 1). Only a file without a single problem is
written, in one transaction: the users, contacts and opportunities it names
that do not exist yet (users as agents named by their user name), then its
interactions, each with an `imported` history event.

A row whose `id` is already in the database is skipped and reported, never
updated; an unknown `id` is kept, so that exporting, importing into an
empty database and exporting again gives the same file; an empty `id`
means a new interaction. An empty `user` puts the interaction in the
shared pool; an empty `created_by` means whoever imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from peewee import IntegrityError

from crm_tui import clock
from crm_tui.exchange import csv_format, xlsx_format
from crm_tui.exchange.bulk import PendingRow, write_import
from crm_tui.exchange.columns import COLUMNS, Cell, Header, HeaderError
from crm_tui.exchange.formats import handler_for
from crm_tui.exchange.references import ReferencePlan, existing_uids
from crm_tui.exchange.row_input import RowInput, problems_of
from crm_tui.i18n import t
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.interactions import validate
from crm_tui.services.records import UserRecord

# Every row of a file, the header first, with the line it starts on.
Reader = Callable[[Path], Iterator[tuple[int, list[Cell]]]]

# By file suffix; None: announced, not supported yet (see exporter.WRITERS).
READERS: dict[str, Reader | None] = {
    ".csv": csv_format.read_rows,
    ".xlsx": xlsx_format.read_rows,
    ".xls": None,
}

Problem = tuple[int, str]  # (line, message)


@dataclass(frozen=True)
class ImportReport:
    """What an import did, or with `dry_run` would do. With any error
    nothing is written and every count of created records is 0."""

    rows_read: int  # data rows, blank ones not counted
    created: int  # interactions
    skipped_existing: tuple[tuple[int, str], ...]  # (line, id) already in the database
    errors: tuple[Problem, ...]  # (line, "column: message"), by line
    users_created: int
    contacts_created: int
    opportunities_created: int
    dry_run: bool

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


def _failed(rows_read: int, errors: list[Problem], dry_run: bool) -> ImportReport:
    return ImportReport(
        rows_read=rows_read,
        created=0,
        skipped_existing=(),
        errors=tuple(sorted(errors, key=lambda problem: problem[0])),
        users_created=0,
        contacts_created=0,
        opportunities_created=0,
        dry_run=dry_run,
    )


def _is_blank(cells: list[Cell]) -> bool:
    return not any(isinstance(cell, datetime) or cell.strip() for cell in cells)


@dataclass
class _ReadFile:
    rows: list[RowInput]
    rows_read: int
    errors: list[Problem]


def _read(path: Path) -> _ReadFile:
    """Every data row as a RowInput; a header or a row that cannot be read
    at all becomes an error of its line."""
    lines = (item for item in handler_for(READERS, path)(path) if not _is_blank(item[1]))
    first = next(lines, None)
    if first is None:
        message = t("exchange.error.no_header", columns=", ".join(COLUMNS))
        return _ReadFile([], 0, [(1, message)])
    header_line, header_cells = first
    try:
        header = Header.parse(header_cells)
    except HeaderError as exc:
        return _ReadFile([], 0, [(header_line, problem.message()) for problem in exc.problems])
    read = _ReadFile([], 0, [])
    for line, cells in lines:
        read.rows_read += 1
        try:
            values = header.values(cells)
        except CrmError as exc:
            read.errors.append((line, exc.message()))
            continue
        read.rows.append(RowInput.read(line, values))
    return read


def _set_aside_known_ids(read: _ReadFile) -> list[tuple[int, str]]:
    """Take out of `read.rows` those whose id the database has (returned
    as (line, id)); an id given twice in the file is an error."""
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
                read.errors.append((row.line, f"id: {message}"))
                continue
            first_line[row.uid] = row.line
        kept.append(row)
    read.rows = kept
    return skipped


def _validated(read: _ReadFile, plan: ReferencePlan, actor: UserRecord) -> list[PendingRow]:
    """Validate every row, adding its problems to `read.errors`; the rows
    ready to write (kept only while no row has failed: none will be)."""
    now = clock.now()
    pending: list[PendingRow] = []
    for row in read.rows:
        problems = row.problems + plan.problems(row)
        try:
            values = validate(row.draft(actor.username), plan.resolver, now)
        except ValidationError as exc:
            problems += problems_of(exc)
        else:
            if not problems and not read.errors:
                pending.append(PendingRow.of(row.line, values))
        read.errors.extend((row.line, problem.text()) for problem in problems)
    return pending


def import_file(path: Path, *, actor: UserRecord, dry_run: bool = False) -> ImportReport:
    """Import the interactions of a .csv or .xlsx file as `actor`.

    A file that cannot be read at all (missing, not UTF-8, not a workbook,
    an unsupported suffix) raises CrmError; problems of its content are
    listed in the report's `errors` and nothing is written. With `dry_run`
    the file is checked and counted but nothing is written either."""
    read = _read(path)
    skipped = _set_aside_known_ids(read)
    plan = ReferencePlan(read.rows, actor)
    pending = _validated(read, plan, actor)
    read.rows.clear()  # what is left to write is in `pending`: free the rest
    errors = read.errors
    if errors:
        return _failed(read.rows_read, errors, dry_run)
    if pending and not dry_run:
        try:
            write_import(plan, pending, actor=actor, file_name=path.name)
        except IntegrityError as exc:
            # Validation saw the database before the write transaction began:
            # someone created the same id, code or name in between.
            reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise CrmError("exchange.error.changed_meanwhile", reason=reason) from exc
    return ImportReport(
        rows_read=read.rows_read,
        created=len(pending),
        skipped_existing=tuple(skipped),
        errors=(),
        users_created=len(plan.new_users),
        contacts_created=len(plan.new_contacts),
        opportunities_created=len(plan.new_opportunities),
        dry_run=dry_run,
    )
