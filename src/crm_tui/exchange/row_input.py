"""One data row of an imported file, read into typed values as soon as it
is read: dates parsed, `internal` understood, names cleaned and interned.

A large file is held in memory until every row is validated (all or
nothing), so rows are kept compact: the names that repeat on every row
(types, users, contacts) are one shared string each, dates are datetimes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from crm_tui.exchange.columns import Cell
from crm_tui.i18n import register
from crm_tui.services.dates import format_interchange, parse_interchange
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.interactions import InteractionDraft
from crm_tui.services.text import clean_line
from crm_tui.services.vocab import parse_flag

register(
    {
        # Not `error.bad_date`: that one offers what people may type in a
        # form ("tomorrow 10:00"), which a file may not hold.
        "exchange.error.bad_date": (
            "{value!r} is not a date; write it as YYYY-MM-DD HH:MM, e.g. 2026-11-23 14:05",
            "{value!r} no es una fecha; escríbala como YYYY-MM-DD HH:MM, p. ej. 2026-11-23 14:05",
        ),
    }
)

# What validate() calls a field, where the file's column is named otherwise.
_COLUMN_OF_FIELD = {"contact": "contact_code", "opportunity": "opportunity_code"}


def column_of(field_id: str) -> str:
    return _COLUMN_OF_FIELD.get(field_id, field_id)


@dataclass(frozen=True)
class RowProblem:
    column: str
    error: CrmError


def problems_of(error: ValidationError) -> list[RowProblem]:
    return [
        RowProblem(column_of(item.field), CrmError(item.key, **item.params))
        for item in error.errors
    ]


def _text(cell: Cell) -> str:
    # A spreadsheet may turn a text column's value into a date cell.
    return format_interchange(cell) if isinstance(cell, datetime) else cell


@lru_cache(maxsize=16_384)
def _clean_name(text: str) -> str:
    return sys.intern(clean_line(text))


# `internal` holds one of a few spellings on every row: each is read once
# (a spelling that is not a flag raises every time: errors are not cached).
_flag = lru_cache(maxsize=64)(parse_flag)


def _name(cell: Cell) -> str:
    """A name or code that repeats on many rows: cleaned once, then shared."""
    return _clean_name(_text(cell))


@dataclass(slots=True)
class RowInput:
    line: int
    uid: str
    type: str
    status: str
    priority: str
    direction: str
    internal: bool
    user: str  # "": the shared pool
    created_by: str  # "": whoever imports
    contact_code: str
    contact_name: str
    opportunity_code: str
    opportunity_title: str
    subject: str
    note: str
    outcome: str
    occurred_at: datetime | None
    starts_at: datetime | None
    ends_at: datetime | None
    follow_up_at: datetime | None
    location: str
    tags: str
    problems: list[RowProblem] = field(default_factory=list)

    @classmethod
    def read(cls, line: int, values: dict[str, Cell]) -> RowInput:
        """The row's values (by interchange column); what cannot be read
        (a date, the internal flag) is noted in `problems`."""
        problems: list[RowProblem] = []

        def when(column: str) -> datetime | None:
            cell = values[column]
            try:
                return parse_interchange(cell, field_id=column)
            except ValidationError:
                problems.append(RowProblem(column, CrmError("exchange.error.bad_date", value=cell)))
                return None

        try:
            internal = _flag(_text(values["internal"]), "internal")
        except ValidationError as exc:
            problems.extend(problems_of(exc))
            internal = False
        return cls(
            line=line,
            uid=clean_line(_text(values["id"])),
            type=_name(values["type"]),
            status=_name(values["status"]),
            priority=_name(values["priority"]),
            direction=_name(values["direction"]),
            internal=internal,
            user=_name(values["user"]),
            created_by=_name(values["created_by"]),
            contact_code=_name(values["contact_code"]),
            contact_name=_name(values["contact_name"]),
            opportunity_code=_name(values["opportunity_code"]),
            opportunity_title=_name(values["opportunity_title"]),
            subject=_text(values["subject"]),
            note=_text(values["note"]),
            outcome=_name(values["outcome"]),
            occurred_at=when("occurred_at"),
            starts_at=when("starts_at"),
            ends_at=when("ends_at"),
            follow_up_at=when("follow_up_at"),
            location=_text(values["location"]),
            tags=_name(values["tags"]),
            problems=problems,
        )

    def _unreadable(self, column: str) -> bool:
        return any(problem.column == column for problem in self.problems)

    def draft(self, actor_username: str) -> InteractionDraft:
        return InteractionDraft(
            type=self.type,
            contact=self.contact_code,
            created_by=self.created_by or actor_username,
            opportunity=self.opportunity_code or None,
            user=self.user or None,
            pool=not self.user,
            status=self.status or None,
            priority=self.priority,
            direction=self.direction,
            internal=self.internal,
            subject=self.subject,
            note=self.note,
            outcome=self.outcome or None,
            occurred_at=self.occurred_at,
            starts_at=self.starts_at,
            # An end is not checked against a start that could not be read.
            ends_at=None if self._unreadable("starts_at") else self.ends_at,
            follow_up_at=self.follow_up_at,
            location=self.location,
            tags=tuple(self.tags.split(",")),
            uid=self.uid or None,
        )
