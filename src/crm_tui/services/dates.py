"""Dates people type, in Spanish and English, and the interchange format.

python-dateutil's parser does not understand "mañana 10:00" or "next monday"
(and with ``fuzzy=True`` silently answers today), so this is a small explicit
grammar over ``datetime``/``relativedelta``. Input is matched case- and
accent-insensitively (``vocab.fold``) with runs of spaces collapsed.

Accepted (``now`` = the reference instant, default ``clock.now()``)::

    DATE [TIME]        2026-11-23  2026-11-23 14:05  2026-11-23T14:05[:ss]
                       23/11/2026  23/11/26  23-11-2026  23.11.2026  23/11 (this year)
                       23 nov  23 de noviembre de 2026  nov 23  November 23, 2026
                       hoy today  mañana tomorrow  pasado mañana  day after tomorrow
                       ayer yesterday  anteayer  day before yesterday
                       lunes monday mon  el lunes  next monday  (el) próximo lunes
                       lunes que viene   -> the next such day strictly after today
                       last monday  el lunes pasado -> the last one strictly before today
    TIME               14:05  14:05:30  9am  9:30 pm  10h30  a las 10  at 9
                       5 de la tarde  9 de la mañana
                       9  10h   (a bare hour: only after a date, "lunes 9", "mañana 10h")
    TIME DATE          10:00 mañana  9am tomorrow  a las 10 mañana
    TIME alone         14:05  9am  a las 10          -> today at that time
    ahora / now        -> now
    OFFSET [TIME]      +2d +3h +30m +1w -1d +1 mes  +2 días  +1 semana
                       in 2 days  in an hour  en 2 días  dentro de 3 horas
                       2 days ago  hace 2 días
                       (a time may follow day, week and month offsets: +1d 10:00)

A date without a time gives ``has_time=False`` and the value at 00:00. An
offset without a time is exact (``now + offset``) and counts as having a
time. Seconds and microseconds are always dropped. Anything else, and
impossible dates or times (2026-02-30, 25:00), raise the ``error.bad_date``
ValidationError for the given field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from crm_tui import clock
from crm_tui.services.errors import ValidationError
from crm_tui.services.vocab import fold

__all__ = [
    "PRESETS",
    "ParsedDate",
    "format_interchange",
    "move_into_working_hours",
    "parse_interchange",
    "parse_offset",
    "parse_range_bound",
    "parse_when",
    "preset_range",
]


@dataclass(frozen=True)
class ParsedDate:
    """What `parse_when` understood: the instant, and whether a time was given
    (when not, `value` is at 00:00 and the caller decides what the day means)."""

    value: datetime
    has_time: bool


# --- vocabulary (folded: lower case, no accents) ---------------------------

_NOW_WORDS = frozenset({"ahora", "ahora mismo", "now", "right now"})

_DAY_WORDS: dict[str, int] = {
    "hoy": 0,
    "today": 0,
    "manana": 1,
    "tomorrow": 1,
    "pasado manana": 2,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "ayer": -1,
    "yesterday": -1,
    "anteayer": -2,
    "antier": -2,
    "antes de ayer": -2,
    "antes de anoche": -2,
    "day before yesterday": -2,
    "the day before yesterday": -2,
}

# Spanish abbreviations (lun, mar, ...) are left out on purpose: "mar" is
# also March, and "mar 10" must mean one thing.
_WEEKDAYS: dict[str, int] = {
    "lunes": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sabado": 5,
    "domingo": 6,
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}

_MONTHS: dict[str, int] = {
    "enero": 1,
    "ene": 1,
    "january": 1,
    "jan": 1,
    "febrero": 2,
    "feb": 2,
    "february": 2,
    "marzo": 3,
    "mar": 3,
    "march": 3,
    "abril": 4,
    "abr": 4,
    "april": 4,
    "apr": 4,
    "mayo": 5,
    "may": 5,
    "junio": 6,
    "jun": 6,
    "june": 6,
    "julio": 7,
    "jul": 7,
    "july": 7,
    "agosto": 8,
    "ago": 8,
    "august": 8,
    "aug": 8,
    "septiembre": 9,
    "setiembre": 9,
    "sept": 9,
    "sep": 9,
    "september": 9,
    "octubre": 10,
    "oct": 10,
    "october": 10,
    "noviembre": 11,
    "nov": 11,
    "november": 11,
    "diciembre": 12,
    "dic": 12,
    "december": 12,
    "dec": 12,
}

_UNITS: dict[str, str] = {
    **dict.fromkeys(
        ("m", "min", "mins", "minute", "minutes", "minuto", "minutos"),
        "minutes",
    ),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "hora", "horas"), "hours"),
    **dict.fromkeys(("d", "day", "days", "dia", "dias"), "days"),
    **dict.fromkeys(
        ("w", "wk", "wks", "week", "weeks", "sem", "semana", "semanas"),
        "weeks",
    ),
    **dict.fromkeys(("month", "months", "mes", "meses"), "months"),
}
_ONE_WORDS = frozenset({"a", "an", "one", "un", "una", "uno"})


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "pasado manana" wins over "manana", "minutos" over "m".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_END = r"(?=$|[\s,])"


@lru_cache(maxsize=32)
def _rx(pattern: str) -> re.Pattern[str]:
    """Compiled on first use: importing this module stays cheap."""
    return re.compile(pattern, re.ASCII)


_ISO_PAT = (
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:t([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?)?" + _END
)
_NUMERIC_PAT = r"([0-9]{1,2})([/.-])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?" + _END
_MONTH_ALT = _alternation(_MONTHS)
_DAY_MONTH_PAT = (
    rf"([0-9]{{1,2}})(?:\s+de)?\s+({_MONTH_ALT})\.?(?:(?:\s+de\s+|,?\s+)([0-9]{{4}}))?" + _END
)
_MONTH_DAY_PAT = rf"({_MONTH_ALT})\.?\s+([0-9]{{1,2}})(?:,?\s+([0-9]{{4}}))?" + _END
_DAY_WORD_PAT = rf"({_alternation(_DAY_WORDS)})" + _END
_WEEKDAY_PAT = (
    rf"(?:(?:el|on)\s+)?(?:(next|proximo|last)\s+)?({_alternation(_WEEKDAYS)})"
    r"(?:\s+(que viene|proximo|pasado))?" + _END
)
_OFFSET_PAT = (
    r"(?:(?P<sign>[+-])\s*|(?P<fwd>in|en|dentro de)\s+|(?P<back>hace)\s+)?"
    rf"(?P<n>[0-9]{{1,6}}|{_alternation(_ONE_WORDS)})\s*(?P<unit>{_alternation(_UNITS)})"
    r"(?P<ago>\s+ago)?" + _END
)

_TIME_PREFIX_PAT = r"^(?:a\s+las|a\s+la|at|@)\s*"
_MERIDIEM_PAT = (
    r"\s*(a\.?\s?m\.?|p\.?\s?m\.?|de la manana|de la madrugada|de la tarde|de la noche"
    r"|in the morning|in the afternoon|in the evening|at night)$"
)
_PM_SUFFIXES = ("p", "de la tarde", "de la noche", "in the afternoon", "in the evening", "at night")
_CLOCK_PAT = r"([0-9]{1,2})(?::([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?)?"
# "10h30" is a time anywhere; "10h" only where a bare hour is (after a date):
# alone, "3h" reads too much like the offset "+3h".
_H_CLOCK_PAT = r"([0-9]{1,2})h([0-9]{2})?"


def _normalise(text: str) -> str:
    return " ".join(fold(text).split())


def _rest(s: str, end: int) -> str:
    return s[end:].lstrip(" ,")


# --- times -----------------------------------------------------------------


def _parse_time(s: str, *, bare_hour: bool) -> time | None:
    """A time of day, or None. A plain number ("9") is an hour only when
    `bare_hour` (after a date); alone it needs a colon, an "h", am/pm or a
    prefix ("a las", "at")."""
    s = s.strip(" ,")
    marked = False
    prefix = _rx(_TIME_PREFIX_PAT).match(s)
    if prefix:
        marked = True
        s = s[prefix.end() :]
    meridiem: str | None = None
    suffix = _rx(_MERIDIEM_PAT).search(s)
    if suffix:
        meridiem = suffix.group(1)
        s = s[: suffix.start()]
    second = 0
    clock_match = _rx(_CLOCK_PAT).fullmatch(s)
    if clock_match:
        hour = int(clock_match.group(1))
        minute = int(clock_match.group(2) or 0)
        second = int(clock_match.group(3) or 0)
        marked = marked or clock_match.group(2) is not None
    else:
        h_match = _rx(_H_CLOCK_PAT).fullmatch(s)
        if not h_match:
            return None
        hour = int(h_match.group(1))
        minute = int(h_match.group(2) or 0)
        marked = marked or h_match.group(2) is not None
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        pm = meridiem.startswith(_PM_SUFFIXES)
        if pm and hour < 12:
            hour += 12
        elif hour == 12 and (not pm or meridiem == "de la noche"):
            hour = 0  # 12 am, 12 de la noche: midnight
        marked = True
    if not (marked or bare_hour):
        return None
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("time out of range")
    return time(hour, minute)


# --- days ------------------------------------------------------------------


def _year(group: str | None, today: date) -> int:
    if group is None:
        return today.year
    year = int(group)
    return 2000 + year if len(group) == 2 else year


def _weekday(today: date, weekday: int, forward: bool) -> date:
    if forward:
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    back = (today.weekday() - weekday - 1) % 7 + 1
    return today - timedelta(days=back)


_DayMatch = tuple[date, str, time | None]


def _match_iso(s: str, today: date) -> _DayMatch | None:
    m = _rx(_ISO_PAT).match(s)
    if not m:
        return None
    day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m.group(4) is None:
        return day, _rest(s, m.end()), None
    hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
    if second > 59:
        raise ValueError("second out of range")
    return day, _rest(s, m.end()), time(hour, minute)


def _match_numeric(s: str, today: date) -> _DayMatch | None:
    m = _rx(_NUMERIC_PAT).match(s)
    if not m:
        return None
    day = date(_year(m.group(4), today), int(m.group(3)), int(m.group(1)))
    return day, _rest(s, m.end()), None


def _match_day_month(s: str, today: date) -> _DayMatch | None:
    m = _rx(_DAY_MONTH_PAT).match(s)
    if not m:
        return None
    day = date(_year(m.group(3), today), _MONTHS[m.group(2)], int(m.group(1)))
    return day, _rest(s, m.end()), None


def _match_month_day(s: str, today: date) -> _DayMatch | None:
    m = _rx(_MONTH_DAY_PAT).match(s)
    if not m:
        return None
    day = date(_year(m.group(3), today), _MONTHS[m.group(1)], int(m.group(2)))
    return day, _rest(s, m.end()), None


def _match_day_word(s: str, today: date) -> _DayMatch | None:
    m = _rx(_DAY_WORD_PAT).match(s)
    if not m:
        return None
    return today + timedelta(days=_DAY_WORDS[m.group(1)]), _rest(s, m.end()), None


def _match_weekday(s: str, today: date) -> _DayMatch | None:
    m = _rx(_WEEKDAY_PAT).match(s)
    if not m:
        return None
    before, after = m.group(1), m.group(3)
    backwards = before == "last" or after == "pasado"
    if backwards and (before in {"next", "proximo"} or after in {"que viene", "proximo"}):
        return None
    day = _weekday(today, _WEEKDAYS[m.group(2)], forward=not backwards)
    return day, _rest(s, m.end()), None


_DAY_MATCHERS: tuple[Callable[[str, date], _DayMatch | None], ...] = (
    _match_iso,
    _match_numeric,
    _match_day_month,
    _match_month_day,
    _match_day_word,
    _match_weekday,
)


def _day_then_time(s: str, today: date) -> tuple[datetime, bool] | None:
    for matcher in _DAY_MATCHERS:
        found = matcher(s, today)
        if found is None:
            continue
        day, rest, at = found
        if at is not None:
            if rest:
                continue
            return datetime.combine(day, at), True
        if not rest:
            return datetime.combine(day, time()), False
        tm = _parse_time(rest, bare_hour=True)
        if tm is not None:
            return datetime.combine(day, tm), True
    return None


def _time_then_day(s: str, today: date) -> tuple[datetime, bool] | None:
    """ "10:00 mañana", "9am tomorrow", "a las 10 el lunes"."""
    for index, char in enumerate(s):
        if char != " ":
            continue
        tm = _parse_time(s[:index], bare_hour=False)
        if tm is None:
            continue
        found = _day_then_time(s[index + 1 :], today)
        if found is not None and not found[1]:
            return datetime.combine(found[0].date(), tm), True
    return None


# --- offsets ---------------------------------------------------------------


def _offset(s: str, base: datetime) -> tuple[datetime, bool] | None:
    m = _rx(_OFFSET_PAT).match(s)
    if not m:
        return None
    sign, fwd, back, ago = m.group("sign"), m.group("fwd"), m.group("back"), m.group("ago")
    if not (sign or fwd or back or ago) or ((sign or fwd or back) and ago):
        return None
    raw = m.group("n")
    amount = 1 if raw in _ONE_WORDS else int(raw)
    if sign == "-" or back or ago:
        amount = -amount
    unit = _UNITS[m.group("unit")]
    from dateutil.relativedelta import relativedelta

    value = base + relativedelta(**{unit: amount})  # type: ignore[arg-type]
    rest = _rest(s, m.end())
    if not rest:
        return value, True
    if unit in {"minutes", "hours"}:
        return None
    tm = _parse_time(rest, bare_hour=True)
    if tm is None:
        return None
    return datetime.combine(value.date(), tm), True


# --- public API ------------------------------------------------------------


def _parse(s: str, base: datetime) -> tuple[datetime, bool] | None:
    if not s:
        return None
    if s in _NOW_WORDS:
        return base, True
    return (
        _offset(s, base)
        or _time_alone(s, base)
        or _day_then_time(s, base.date())
        or _time_then_day(s, base.date())
    )


def _time_alone(s: str, base: datetime) -> tuple[datetime, bool] | None:
    tm = _parse_time(s, bare_hour=False)
    return (datetime.combine(base.date(), tm), True) if tm is not None else None


def parse_when(
    text: str, *, now: datetime | None = None, field_id: str = "occurred_at"
) -> ParsedDate:
    """Understand a date (and maybe a time) as people type it, in Spanish or
    English; see the module docstring for the grammar. Raises the
    `error.bad_date` ValidationError on anything else."""
    base = now if now is not None else clock.now()
    try:
        found = _parse(_normalise(text), base)
    except (ValueError, OverflowError):  # impossible dates, out-of-range arithmetic
        found = None
    if found is None:
        raise ValidationError.single(field_id, "error.bad_date", value=text)
    value, has_time = found
    return ParsedDate(value.replace(second=0, microsecond=0), has_time)


def parse_range_bound(
    text: str, *, end: bool, now: datetime | None = None, field_id: str | None = None
) -> datetime:
    """A `--since` (end=False) or `--until` (end=True) bound, both inclusive.

    A bare date covers the whole day: since -> 00:00:00, until -> 23:59:59.
    With a time (or an offset such as -7d) it is that minute: since -> :00,
    until -> :59. The field defaults to "since"/"until"."""
    field_id = field_id or ("until" if end else "since")
    parsed = parse_when(text, now=now, field_id=field_id)
    if not parsed.has_time:
        return datetime.combine(parsed.value.date(), time(23, 59, 59) if end else time())
    return parsed.value.replace(second=59) if end else parsed.value


def parse_offset(text: str, base: datetime, *, field_id: str = "due_offset") -> datetime:
    """A task template's default due time from `base`: `+2d`, `+4h`,
    `next monday 09:00`, `lunes 09:00`. A day without a time keeps the time
    of day of `base` (so `tomorrow` is 24 hours later, like `+1d`)."""
    parsed = parse_when(text, now=base, field_id=field_id)
    if parsed.has_time:
        return parsed.value
    return datetime.combine(parsed.value.date(), base.time().replace(second=0, microsecond=0))


# Date ranges the filter sidebar offers by name.
PRESETS = ("today", "this_week", "last_30_days")


def preset_range(name: str, now: datetime) -> tuple[datetime, datetime]:
    """The (since, until) of a preset, both inclusive, whole days from
    00:00 to 23:59:59.999999: `today`; `this_week`, Monday to Sunday;
    `last_30_days`, the 30 days ending today."""
    today = now.date()
    if name == "today":
        first, last = today, today
    elif name == "this_week":
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=6)
    elif name == "last_30_days":
        first, last = today - timedelta(days=29), today
    else:
        raise ValueError(f"unknown date range preset {name!r}; known: {', '.join(PRESETS)}")
    return datetime.combine(first, time.min), datetime.combine(last, time.max)


def format_interchange(dt: datetime | None) -> str:
    """`YYYY-MM-DD HH:MM` (the export/import format), "" for None."""
    if dt is None:
        return ""
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}"


_INTERCHANGE_PAT = (
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[ Tt]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?)?"
)


def parse_interchange(text: str | date | None, field_id: str = "occurred_at") -> datetime | None:
    """Read an interchange time: "" -> None; `YYYY-MM-DD HH:MM`, with seconds,
    with an ISO "T", or a bare date (00:00). Seconds are kept, fractions
    dropped. A `datetime`/`date` (a spreadsheet date cell) is taken as is.
    Anything else raises the `error.bad_date` ValidationError."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return text.replace(microsecond=0, tzinfo=None)
    if isinstance(text, date):
        return datetime.combine(text, time())
    stripped = text.strip()
    if not stripped:
        return None
    m = _rx(_INTERCHANGE_PAT).fullmatch(stripped)
    if m:
        try:
            return datetime(
                int(m.group(1)),
                int(m.group(2)),
                int(m.group(3)),
                int(m.group(4) or 0),
                int(m.group(5) or 0),
                int(m.group(6) or 0),
            )
        except ValueError:
            pass
    raise ValidationError.single(field_id, "error.bad_date", value=text)


def move_into_working_hours(
    dt: datetime,
    start: time = time(9),
    end: time = time(18),
    weekdays_only: bool = True,
) -> datetime:
    """The same instant when it falls in working hours [start, end), else the
    next start of working hours: before hours -> that day's start; at or after
    `end` -> the next working day's start; Saturday/Sunday -> Monday's start
    (when `weekdays_only`)."""
    if start >= end:
        raise ValueError(f"working hours start ({start}) must be before their end ({end})")

    def working_day(day: date) -> bool:
        return not weekdays_only or day.weekday() < 5

    day = dt.date()
    if working_day(day):
        moment = dt.time()
        if moment < start:
            return datetime.combine(day, start)
        if moment < end:
            return dt
    day += timedelta(days=1)
    while not working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, start)
