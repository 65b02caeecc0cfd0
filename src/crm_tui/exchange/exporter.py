"""Exporting the filtered interactions to a file, streamed page by page.

The file appears complete or not at all: rows go to a hidden file beside
the target, which replaces the target only once fully written. A failed or
cancelled export leaves whatever was at the path before untouched.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from crm_tui.exchange import csv_format, xlsx_format
from crm_tui.exchange.columns import Cell, record_cells
from crm_tui.exchange.formats import handler_for
from crm_tui.services.errors import CrmError
from crm_tui.services.listing import iter_interactions
from crm_tui.services.records import InteractionFilter

# Writes the header and the rows (cells in interchange order) to a path.
Writer = Callable[[Path, Iterable[Sequence[Cell | None]]], None]

# By file suffix; None: a format announced in the command line but not
# written yet (supporting it is giving it its writer here).
WRITERS: dict[str, Writer | None] = {
    ".csv": csv_format.write_rows,
    ".xlsx": xlsx_format.write_rows,
    ".xls": None,
    ".ics": None,
}
PROGRESS_EVERY = 500


class ExportCancelled(CrmError):
    def __init__(self) -> None:
        super().__init__("exchange.error.cancelled")


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


def export_interactions(
    f: InteractionFilter,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write the interactions matching `f` (newest first) to `path` in the
    format its suffix names; return how many rows were written.
    `progress(rows_so_far)` is called every few hundred rows and at the
    end; setting `cancel` stops the export with ExportCancelled."""
    writer = handler_for(WRITERS, path)
    written = 0

    def rows() -> Iterator[tuple[Cell | None, ...]]:
        nonlocal written
        for record in iter_interactions(f):
            if cancel is not None and cancel.is_set():
                raise ExportCancelled()
            yield record_cells(record)
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)

    temporary = _reserve_temporary(path)
    try:
        writer(temporary, rows())
        _flush_to_disk(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        raise CrmError(
            "exchange.error.cannot_write", path=str(path), reason=exc.strerror or exc
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)
    if progress is not None:
        progress(written)
    return written
