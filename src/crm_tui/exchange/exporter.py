"""Exporting interactions to a file, streamed page by page: the filtered
list, or one interaction with its comments and its history.

The format follows the file's suffix. An Excel workbook (.xlsx, .xls)
holds every sheet of `export_sheets`: the interactions, then for a list
a sheet about the export (when, by whom, how many, which filter), for one
interaction its comments and its history. A .csv holds the first sheet
only, in the interchange columns; an .ics holds the scheduled events
among the interactions. The writers of .xls and .ics (and their
libraries) are imported only when such a file is written.

Who may: with `actor` given (the CLI and the app always give it), only a
role with the `export` permission; a refusal is on record in the history.
Exports are for the team and keep internal interactions, as the team sees
them; `exclude_internal` leaves them out, for a file meant for a
customer. An .ics never carries an internal event's description (its
note): calendar files get shared; the event stays, marked CLASS:PRIVATE.

The file appears complete or not at all: rows go to a hidden file beside
the target, which replaces the target only once fully written. A failed or
cancelled export leaves whatever was at the path before untouched.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from crm_tui import clock
from crm_tui.exchange import csv_format, export_sheets, xlsx_format
from crm_tui.exchange.columns import Cell, record_cells
from crm_tui.exchange.formats import handler_for
from crm_tui.exchange.page_cache import small_page_cache
from crm_tui.exchange.sheets import Sheet
from crm_tui.i18n import language, register
from crm_tui.services.errors import CrmError
from crm_tui.services.listing import get_interaction, iter_interactions
from crm_tui.services.permissions import EXPORT, require
from crm_tui.services.records import InteractionFilter, InteractionRecord, UserRecord

register(
    {
        "exchange.error.internal_only": (
            "the filter asks for internal interactions only, and this export leaves "
            "internal ones out: there is nothing to write",
            "el filtro pide solo interacciones internas, y esta exportación las deja "
            "fuera: no hay nada que escribir",
        ),
        "exchange.error.internal_one": (
            "interaction {id} is internal, and this export leaves internal ones out",
            "la interacción {id} es interna, y esta exportación deja fuera las internas",
        ),
    }
)

PROGRESS_EVERY = 500


class ExportCancelled(CrmError):
    def __init__(self) -> None:
        super().__init__("exchange.error.cancelled")


class _Records:
    """The interactions of an export, read once: counted as they go,
    reporting progress, stopping with ExportCancelled once `cancel` is set."""

    def __init__(
        self,
        records: Iterable[InteractionRecord],
        progress: Callable[[int], None] | None,
        cancel: threading.Event | None,
    ) -> None:
        self._records = records
        self._progress = progress
        self._cancel = cancel
        self.count = 0

    def checkpoint(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise ExportCancelled()

    def __iter__(self) -> Iterator[InteractionRecord]:
        for record in self._records:
            self.checkpoint()
            yield record
            self.count += 1
            if self._progress is not None and self.count % PROGRESS_EVERY == 0:
                self._progress(self.count)


@dataclass(frozen=True)
class _Export:
    """What an export writes: the records, and the workbook made of them
    (its first sheet's rows read from the records as the writer asks)."""

    records: _Records
    # The sheets, given the rows of the first one.
    workbook: Callable[[Iterator[tuple[Cell | None, ...]]], list[Sheet]]
    lang: str

    def sheets(self) -> list[Sheet]:
        return self.workbook(record_cells(record) for record in self.records)


# Writes the export to a path; returns how many rows (for .ics: events).
Writer = Callable[[Path, _Export], int]


def _to_xlsx(path: Path, export: _Export) -> int:
    xlsx_format.write_workbook(path, export.sheets())
    return export.records.count


def _to_xls(path: Path, export: _Export) -> int:
    from crm_tui.exchange import xls_format

    xls_format.write_workbook(path, export.sheets())
    return export.records.count


def _to_csv(path: Path, export: _Export) -> int:
    csv_format.write_rows(path, export.sheets()[0].rows)
    return export.records.count


def _to_ics(path: Path, export: _Export) -> int:
    from crm_tui.exchange import ics_export

    return ics_export.write_events(
        path, (_shareable(record) for record in export.records), lang=export.lang
    )


def _shareable(record: InteractionRecord) -> InteractionRecord:
    """The record as a calendar file may show it: an internal event without
    its note (its description)."""
    return replace(record, note="") if record.internal else record


# By file suffix, in the order a person is offered them.
WRITERS: dict[str, Writer] = {
    ".xlsx": _to_xlsx,
    ".xls": _to_xls,
    ".csv": _to_csv,
    ".ics": _to_ics,
}
FORMATS: tuple[str, ...] = tuple(WRITERS)


def export_interactions(
    f: InteractionFilter,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    lang: str | None = None,
    by: str | None = None,
    database: str | None = None,
    actor: UserRecord | None = None,
    exclude_internal: bool = False,
) -> int:
    """Write the interactions matching `f` (newest first) to `path` in the
    format its suffix names; return how many rows were written (for .ics:
    how many events). `progress(rows_so_far)` is called every few hundred
    rows and at the end; setting `cancel` stops the export with
    ExportCancelled. `lang` is the language of the sheets for people
    (default: the current one); `by` (who exports, default: `actor`) and
    `database` (where from, without a password) go on the export sheet
    when given. `actor`: who exports, refused without the export
    permission; `exclude_internal`: leave internal interactions out (the
    export sheet then names the filter "internal: no")."""
    _may_export(actor, path)
    if exclude_internal:
        if f.internal:
            raise CrmError("exchange.error.internal_only")
        f = replace(f, internal=False)
    writer = handler_for(WRITERS, path)
    lang = lang or language()
    by = by or (_person(actor) if actor else None)
    records = _Records(iter_interactions(f), progress, cancel)
    info = export_sheets.ExportInfo(at=clock.now(), filter=f, by=by, database=database)

    def workbook(rows: Iterator[tuple[Cell | None, ...]]) -> list[Sheet]:
        return [
            export_sheets.interactions_sheet(rows),
            export_sheets.export_sheet(info, lambda: records.count, lang),
        ]

    return _write(path, writer, _Export(records, workbook, lang), progress)


def export_interaction(
    ref: str | int,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    lang: str | None = None,
    actor: UserRecord | None = None,
    exclude_internal: bool = False,
) -> int:
    """Write one interaction (by Id or global id) to `path`: in a workbook
    its row, its comments and reports, and its history, each on a sheet;
    in .csv its row; in .ics its event. Returns the rows of the first
    sheet (1), for .ics the events (0 when it is not scheduled). An
    unknown interaction raises CrmError; `progress`, `cancel`, `actor`
    and `exclude_internal` (an internal one is then refused) as for
    `export_interactions`."""
    _may_export(actor, path)
    writer = handler_for(WRITERS, path)
    lang = lang or language()
    record = get_interaction(ref)
    if exclude_internal and record.internal:
        raise CrmError("exchange.error.internal_one", id=record.id)
    records = _Records((record,), progress, cancel)
    now = clock.now()

    def workbook(rows: Iterator[tuple[Cell | None, ...]]) -> list[Sheet]:
        return [
            export_sheets.interactions_sheet(rows, one=True),
            export_sheets.comments_sheet(record.id, lang, records.checkpoint),
            export_sheets.history_sheet(record.id, lang, now, records.checkpoint),
        ]

    return _write(path, writer, _Export(records, workbook, lang), progress)


def _may_export(actor: UserRecord | None, path: Path) -> None:
    if actor is not None:
        require(actor, EXPORT, attempted=f"export to {path.name}")


def _person(user: UserRecord) -> str:
    return f"{user.display_name} ({user.username})"


def _write(
    path: Path, writer: Writer, export: _Export, progress: Callable[[int], None] | None
) -> int:
    temporary = _reserve_temporary(path)
    try:
        with small_page_cache():
            written = writer(temporary, export)
        _flush_to_disk(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_write", path=str(path), reason=exc.strerror or exc
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)
    if progress is not None:
        progress(export.records.count)
    return written


def _reserve_temporary(path: Path) -> Path:
    """A new hidden file in the target's folder (same file system, so the
    final rename is atomic). Created with the default permissions a new
    file gets there, which it keeps once renamed."""
    folder = path.parent
    if not folder.is_dir():
        raise CrmError("exchange.error.no_folder", folder=str(folder))
    temporary = folder / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_write", path=str(path), reason=exc.strerror or exc
        ) from exc
    return temporary


def _flush_to_disk(path: Path) -> None:
    # Without it a crash just after the rename can leave an empty file.
    with path.open("rb") as file:
        os.fsync(file.fileno())
