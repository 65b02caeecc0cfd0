"""The interchange columns: what a row of an exported file holds, and how
an imported file's header row maps its cells onto them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from crm_tui.exchange import messages  # noqa: F401 (registers the message ids)
from crm_tui.services.dates import format_interchange
from crm_tui.services.errors import CrmError
from crm_tui.services.records import InteractionRecord

COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "status",
    "priority",
    "direction",
    "internal",
    "user",
    "created_by",
    "contact_code",
    "contact_name",
    "opportunity_code",
    "opportunity_title",
    "subject",
    "note",
    "outcome",
    "occurred_at",
    "starts_at",
    "ends_at",
    "follow_up_at",
    "location",
    "tags",
)
# A hand-made file may leave out any other column (it reads as empty).
REQUIRED_COLUMNS: tuple[str, ...] = ("type", "contact_code")

# A cell as the formats exchange it: text, or a date (minute precision).
Cell = str | datetime


def _minute(value: datetime | None) -> datetime | None:
    # The interchange format is `YYYY-MM-DD HH:MM`: seconds never travel.
    return value.replace(second=0, microsecond=0) if value is not None else None


def cell_text(cell: Cell | None) -> str:
    """A cell as interchange text: times `YYYY-MM-DD HH:MM`, empty for none."""
    if cell is None:
        return ""
    return format_interchange(cell) if isinstance(cell, datetime) else cell


def record_cells(record: InteractionRecord) -> tuple[Cell | None, ...]:
    """One interaction as a row of cells in `COLUMNS` order; None is an
    empty date."""
    by_column: dict[str, Cell | None] = {
        "id": record.uid,
        "type": record.type.code,
        "status": record.status,
        "priority": record.priority,
        "direction": record.direction,
        "internal": "yes" if record.internal else "no",
        "user": record.user or "",
        "created_by": record.created_by,
        "contact_code": record.contact_code,
        "contact_name": record.contact_name,
        "opportunity_code": record.opportunity_code or "",
        "opportunity_title": record.opportunity_title or "",
        "subject": record.subject,
        "note": record.note,
        "outcome": record.outcome or "",
        "occurred_at": _minute(record.occurred_at),
        "starts_at": _minute(record.starts_at),
        "ends_at": _minute(record.ends_at),
        "follow_up_at": _minute(record.follow_up_at),
        "location": record.location,
        "tags": ",".join(record.tags),
    }
    return tuple(by_column[column] for column in COLUMNS)


class HeaderError(CrmError):
    """The header row does not name the interchange columns: every problem
    found, each a message of its own."""

    def __init__(self, problems: list[CrmError]) -> None:
        super().__init__(problems[0].key, **problems[0].params)
        self.problems = problems

    def message(self, lang: str | None = None) -> str:
        return "; ".join(problem.message(lang) for problem in self.problems)


@dataclass(frozen=True)
class Header:
    """Where each interchange column sits in the file's rows."""

    positions: dict[str, int]

    @classmethod
    def parse(cls, cells: Sequence[Cell]) -> Header:
        """Read a header row: names in any order and case; an unknown,
        repeated or missing required name raises HeaderError (all of them
        in one message, so one fix of the file is enough)."""
        names = [str(cell).strip().lower() for cell in cells]
        while names and not names[-1]:
            names.pop()  # spreadsheets pad the header with empty cells
        problems: list[CrmError] = []
        unknown = [name or "(empty)" for name in names if name not in COLUMNS]
        if unknown:
            problems.append(
                CrmError(
                    "exchange.error.unknown_columns",
                    columns=", ".join(unknown),
                    known=", ".join(COLUMNS),
                )
            )
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:
            problems.append(
                CrmError("exchange.error.repeated_columns", columns=", ".join(repeated))
            )
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            problems.append(CrmError("exchange.error.missing_columns", columns=", ".join(missing)))
        if problems:
            raise HeaderError(problems)
        return cls({name: index for index, name in enumerate(names)})

    def values(self, cells: Sequence[Cell]) -> dict[str, Cell]:
        """The row's cells by column name, every interchange column present:
        one the file leaves out, or a row cut short, reads as empty text. A
        filled cell beyond the header's columns raises CrmError: its value
        would otherwise be lost without a word."""
        width = len(self.positions)
        count = len(cells)
        if count > width and any(str(cell).strip() for cell in cells[width:]):
            raise CrmError("exchange.error.too_many_cells", count=count, expected=width)
        return {
            column: cells[index] if index is not None and index < count else ""
            for column, index in zip(COLUMNS, self._indexes, strict=True)
        }

    @cached_property
    def _indexes(self) -> tuple[int | None, ...]:
        """Where each of `COLUMNS` sits in a row (None: not in the file)."""
        return tuple(self.positions.get(column) for column in COLUMNS)
