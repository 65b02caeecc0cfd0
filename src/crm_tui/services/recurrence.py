"""Repeating events: what people type ("cada lunes", "every first monday",
"todos los días laborables, 10 veces", "RRULE:FREQ=...") as one normalised
iCalendar RRULE value, a sentence that says it back in either language,
and the occurrences it gives from a start.

A stored rule always has an end: the one typed ("until DATE", "hasta el
DATE", "N times", "N veces"), or else the default, twelve months from the
start or `MAX_OCCURRENCES` occurrences, whichever comes first. Every
occurrence becomes an interaction of its own, so an end typed that gives
more than `MAX_OCCURRENCES` is refused rather than cut short silently.

Normalising goes through python-dateutil (`rrulestr`, then its own text),
so `parse` of a stored rule gives the same rule back, whatever the start:
editing an occurrence re-validates its rule without changing it.

What `describe` writes, `parse` reads: "Every first Monday of the month,
until 2027-06-30" is both the sentence shown and valid input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from itertools import islice

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from crm_tui.i18n import register, t
from crm_tui.services.dates import parse_when
from crm_tui.services.errors import ValidationError
from crm_tui.services.vocab import fold

__all__ = [
    "DEFAULT_MONTHS",
    "MAX_OCCURRENCES",
    "PRESETS",
    "describe",
    "is_last_week",
    "occurrences",
    "parse",
    "preset_rule",
]

register(
    {
        "error.bad_recurrence": (
            "{value!r} is not a repetition; write e.g. every monday, every weekday, "
            "every first monday, cada día laborable, monthly, until 2027-06-30, 10 times",
            "{value!r} no es una repetición; escriba p. ej. cada lunes, cada día laborable, "
            "cada primer lunes, every monday, cada mes, hasta el 2027-06-30, 10 veces",
        ),
        "error.recurrence_too_many": (
            "that repetition makes more than {limit} events; give an earlier end or fewer times",
            "esa repetición crea más de {limit} eventos; indique un fin anterior o menos veces",
        ),
        "error.recurrence_without_start": (
            "a repetition needs a start",
            "una repetición necesita un inicio",
        ),
        "error.recurrence_empty": (
            "that repetition gives no event after the start",
            "esa repetición no da ningún evento tras el inicio",
        ),
        "recurrence.custom": ("custom rule {rule}", "regla personalizada {rule}"),
        "recurrence.none": ("does not repeat", "no se repite"),
        "recurrence.daily": ("every day", "cada día"),
        "recurrence.daily_n": ("every {n} days", "cada {n} días"),
        "recurrence.weekdays": ("every weekday", "cada día laborable"),
        "recurrence.weekly": ("every week", "cada semana"),
        "recurrence.weekly_n": ("every {n} weeks", "cada {n} semanas"),
        "recurrence.weekly_on": ("every {days}", "cada {days}"),
        "recurrence.weekly_n_on": ("every {n} weeks on {days}", "cada {n} semanas el {days}"),
        "recurrence.monthly": ("every month", "cada mes"),
        "recurrence.monthly_n": ("every {n} months", "cada {n} meses"),
        "recurrence.monthly_day": ("every month on day {day}", "cada mes el día {day}"),
        "recurrence.monthly_n_day": (
            "every {n} months on day {day}",
            "cada {n} meses el día {day}",
        ),
        "recurrence.monthly_nth": (
            "every {nth} {day} of the month",
            "cada {nth} {day} del mes",
        ),
        "recurrence.monthly_n_nth": (
            "every {n} months on the {nth} {day}",
            "cada {n} meses el {nth} {day}",
        ),
        "recurrence.yearly": ("every year", "cada año"),
        "recurrence.yearly_n": ("every {n} years", "cada {n} años"),
        "recurrence.count": ("{rule}, {count} times", "{rule}, {count} veces"),
        "recurrence.until": ("{rule}, until {date}", "{rule}, hasta el {date}"),
        "recurrence.and": ("and", "y"),
    }
)

MAX_OCCURRENCES = 200
DEFAULT_MONTHS = 12

# The choices a form offers, each a rule built from the start.
PRESETS = (
    "none",
    "daily",
    "weekdays",
    "weekly",
    "biweekly",
    "monthly",
    "monthly_nth",
    "monthly_last",
    "yearly",
)

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAYS = "MO,TU,WE,TH,FR"
_DAY_NAMES = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_ORDINALS = {
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"},
    "es": {1: "primer", 2: "segundo", 3: "tercer", 4: "cuarto", 5: "quinto", -1: "último"},
}

# --- reading what people type (folded: lower case, no accents) -------------------------

_WEEKDAY_WORDS: dict[str, str] = {
    fold(word): code
    for names in (*_DAY_NAMES.values(), ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    for code, word in zip(_DAY_CODES, names, strict=True)
}

_ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
    "primer": 1,
    "primero": 1,
    "primeros": 1,
    "segundo": 2,
    "segundos": 2,
    "tercer": 3,
    "tercero": 3,
    "terceros": 3,
    "cuarto": 4,
    "cuartos": 4,
    "quinto": 5,
    "quintos": 5,
    "ultimo": -1,
    "ultimos": -1,
}

_NUMBER_WORDS: dict[str, int] = {
    "other": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
}

_UNITS: dict[str, str] = {
    "day": "DAILY",
    "days": "DAILY",
    "dia": "DAILY",
    "dias": "DAILY",
    "week": "WEEKLY",
    "weeks": "WEEKLY",
    "semana": "WEEKLY",
    "semanas": "WEEKLY",
    "month": "MONTHLY",
    "months": "MONTHLY",
    "mes": "MONTHLY",
    "meses": "MONTHLY",
    "year": "YEARLY",
    "years": "YEARLY",
    "ano": "YEARLY",
    "anos": "YEARLY",
}


def _meaning(rule: str, *phrases: str) -> dict[str, str]:
    return dict.fromkeys(phrases, rule)


# Whole phrases, each the rule it means.
_PHRASES: dict[str, str] = {
    **_meaning("", "", "none", "never", "no", "does not repeat", "no se repite", "nunca"),
    **_meaning(
        "FREQ=DAILY",
        *("daily", "every day", "each day", "cada dia", "todos los dias", "diario"),
        *("diariamente", "a diario"),
    ),
    **_meaning(
        f"FREQ=WEEKLY;BYDAY={_WEEKDAYS}",
        *("weekdays", "every weekday", "on weekdays", "every working day", "every business day"),
        *("working days", "monday to friday", "cada dia laborable", "todos los dias laborables"),
        *("dias laborables", "cada dia habil", "todos los dias habiles", "de lunes a viernes"),
        "entre semana",
    ),
    **_meaning(
        "FREQ=WEEKLY",
        *("weekly", "every week", "each week", "cada semana", "todas las semanas", "semanal"),
        "semanalmente",
    ),
    **_meaning(
        "FREQ=WEEKLY;INTERVAL=2",
        *("biweekly", "fortnightly", "every other week", "cada dos semanas", "quincenal"),
        "quincenalmente",
    ),
    **_meaning(
        "FREQ=MONTHLY",
        *("monthly", "every month", "each month", "cada mes", "todos los meses", "mensual"),
        "mensualmente",
    ),
    **_meaning(
        "FREQ=YEARLY",
        *("yearly", "annually", "every year", "each year", "cada ano", "todos los anos", "anual"),
        "anualmente",
    ),
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


_WEEKDAY = rf"(?:{_alternation(_WEEKDAY_WORDS)})s?"
_DAY_LIST = rf"{_WEEKDAY}(?:\s*(?:,|\band\b|\by\b|\be\b)\s*{_WEEKDAY})*"
_EVERY = r"(?:every|each|cada|todos los|todas las|on|the|los|las|el)"
_NUMBER = rf"(?:\d+|{_alternation(_NUMBER_WORDS)})"
_NTH = rf"(?P<nth>{_alternation(_ORDINAL_WORDS)}) (?P<nthday>{_WEEKDAY})"
_OF_MONTH = r"(?: (?:of the month|of every month|of each month|del mes|de cada mes|de mes))?"
_DETAIL = (
    rf"(?:(?:on |el |los |las )?(?:the )?(?:{_NTH}|(?:day|dia) (?P<monthday>\d{{1,2}})"
    rf"|(?P<days>{_DAY_LIST})))"
)

_RX_DAYS = re.compile(rf"^(?:{_EVERY} )*(?P<days>{_DAY_LIST})$")
_RX_NTH = re.compile(rf"^(?:{_EVERY} )*{_NTH}{_OF_MONTH}$")
_RX_INTERVAL = re.compile(
    rf"^(?:(?:every|each|cada) (?:(?P<n>{_NUMBER}) )?(?P<unit>{_alternation(_UNITS)})"
    rf"|(?P<adverb>monthly|weekly|mensual|mensualmente|semanal|semanalmente))"
    rf"(?: {_DETAIL})?$"
)
_RX_UNTIL = re.compile(
    r"^(?P<rule>.*?)[,;]?\s*\b(?:until|till|through|hasta(?: el)?) (?P<date>.+)$"
)
_RX_COUNT = re.compile(
    r"^(?P<rule>.*?)[,;]?\s*(?:\b(?:for|durante) )?(?P<count>\d+) "
    r"(?:times|occurrences|events|veces|ocurrencias|eventos)$"
)


@dataclass(frozen=True)
class _End:
    count: int | None = None
    until: datetime | None = None


def _bad(text: str, field_id: str) -> ValidationError:
    return ValidationError.single(field_id, "error.bad_recurrence", value=text)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _day_codes(days: str) -> list[str]:
    words = re.findall(_WEEKDAY, days)
    codes = [
        _WEEKDAY_WORDS[word] if word in _WEEKDAY_WORDS else _WEEKDAY_WORDS[word[:-1]]
        for word in words
    ]
    return sorted(set(codes), key=_DAY_CODES.index)


def _nth_part(match: re.Match[str]) -> str:
    nth = _ORDINAL_WORDS[match["nth"]]
    (code,) = _day_codes(match["nthday"])
    return f"BYDAY={nth}{code}"


def _from_interval(match: re.Match[str]) -> str | None:
    if match["adverb"]:
        freq = "MONTHLY" if match["adverb"].startswith("m") else "WEEKLY"
        interval = 1
    else:
        freq = _UNITS[match["unit"]]
        interval = _number(match["n"]) if match["n"] else 1
    parts = [f"FREQ={freq}"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    if match["nth"]:
        if freq != "MONTHLY":
            return None
        parts.append(_nth_part(match))
    elif match["monthday"]:
        if freq != "MONTHLY":
            return None
        parts.append(f"BYMONTHDAY={int(match['monthday'])}")
    elif match["days"]:
        if freq != "WEEKLY":
            return None
        parts.append(f"BYDAY={','.join(_day_codes(match['days']))}")
    return ";".join(parts)


def _understand(words: str) -> str | None:
    """The RRULE value (no end) that folded `words` mean; "" for none."""
    if words in _PHRASES:
        return _PHRASES[words]
    if match := _RX_DAYS.match(words):
        return f"FREQ=WEEKLY;BYDAY={','.join(_day_codes(match['days']))}"
    if match := _RX_NTH.match(words):
        return f"FREQ=MONTHLY;{_nth_part(match)}"
    if match := _RX_INTERVAL.match(words):
        return _from_interval(match)
    return None


def _split_end(words: str, start: datetime, text: str, field_id: str) -> tuple[str, _End]:
    if match := _RX_COUNT.match(words):
        count = int(match["count"])
        if count < 1:
            raise _bad(text, field_id)
        return match["rule"].strip(), _End(count=count)
    if match := _RX_UNTIL.match(words):
        try:
            until = parse_when(match["date"], now=start, field_id=field_id)
        except ValidationError:
            raise _bad(text, field_id) from None
        # A day without a time ends with that day.
        value = until.value if until.has_time else datetime.combine(until.value, time(23, 59, 59))
        return match["rule"].strip(), _End(until=value)
    return words, _End()


def _rule_of(value: str, start: datetime, text: str, field_id: str) -> rrule:
    try:
        made = rrulestr(value, dtstart=start, forceset=False)
    except (ValueError, TypeError, KeyError, IndexError):
        raise _bad(text, field_id) from None
    if not isinstance(made, rrule):
        raise _bad(text, field_id)
    return made


def _rule_text(made: rrule) -> str:
    line = next(line for line in str(made).splitlines() if line.startswith("RRULE:"))
    return line.removeprefix("RRULE:")


def _count(made: rrule) -> int:
    return sum(1 for _ in islice(made, MAX_OCCURRENCES + 1))


def parse(text: str, start: datetime, *, field_id: str = "recurrence") -> str:
    """The normalised RRULE value (no "RRULE:") that `text` means for an
    event starting at `start`, always with an end; "" when it says the
    event does not repeat. Refuses (ValidationError on `field_id`) what it
    cannot read and an end that gives more than MAX_OCCURRENCES events."""
    cleaned = " ".join(text.split())
    start = start.replace(microsecond=0)
    folded = fold(cleaned)
    raw_rule = "rrule:" in folded or folded.startswith("freq=")
    if raw_rule:
        # Also what `describe` says of a rule it has no sentence for.
        raw = cleaned[folded.index("rrule:") + 6 :] if "rrule:" in folded else cleaned
        raw = raw.upper()
        made = _rule_of(raw, start, text, field_id)
        bounded = "COUNT=" in raw or "UNTIL=" in raw
    else:
        words, end = _split_end(fold(cleaned).rstrip(". "), start, text, field_id)
        meaning = _understand(words)
        if meaning is None:
            raise _bad(text, field_id)
        if not meaning:
            if end != _End():
                raise _bad(text, field_id)
            return ""
        made = _rule_of(meaning, start, text, field_id)
        bounded = end != _End()
        if bounded:
            made = made.replace(count=end.count, until=end.until)
    if bounded:
        count = _count(made)
        if count > MAX_OCCURRENCES:
            raise ValidationError.single(
                field_id, "error.recurrence_too_many", limit=MAX_OCCURRENCES
            )
        if count == 0 and not raw_rule:
            # Typed words whose end leaves nothing ("weekdays until today"
            # on a Saturday). A stored rule is read again from any of its
            # occurrences, so it is not judged from one start.
            raise ValidationError.single(field_id, "error.recurrence_empty")
    else:
        made = made.replace(until=start + relativedelta(months=DEFAULT_MONTHS))
        if _count(made) > MAX_OCCURRENCES:
            made = made.replace(until=None, count=MAX_OCCURRENCES)
    return _rule_text(made)


def preset_rule(code: str, start: datetime) -> str:
    """The rule (without an end: `parse` adds the default one) of the
    form's choice `code` for an event starting at `start`; "" for "none".
    "monthly_last" only makes sense when `is_last_week(start)`."""
    day = _DAY_CODES[start.weekday()]
    nth = (start.day - 1) // 7 + 1
    return {
        "none": "",
        "daily": "FREQ=DAILY",
        "weekdays": f"FREQ=WEEKLY;BYDAY={_WEEKDAYS}",
        "weekly": f"FREQ=WEEKLY;BYDAY={day}",
        "biweekly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        "monthly": f"FREQ=MONTHLY;BYMONTHDAY={start.day}",
        "monthly_nth": f"FREQ=MONTHLY;BYDAY={nth}{day}",
        "monthly_last": f"FREQ=MONTHLY;BYDAY=-1{day}",
        "yearly": "FREQ=YEARLY",
    }[code]


def is_last_week(start: datetime) -> bool:
    """Whether `start` is its weekday's last in the month."""
    return (start + relativedelta(days=7)).month != start.month


def occurrences(
    start: datetime, rule: str, *, limit: int = MAX_OCCURRENCES, until: datetime | None = None
) -> list[datetime]:
    """The starts `rule` gives from `start` (at most `limit`, none after
    `until`); [start] when `rule` is empty."""
    if not rule.strip():
        return [start] if until is None or start <= until else []
    made = _rule_of(rule, start.replace(microsecond=0), rule, "recurrence")
    found = made if until is None else made.between(start, until, inc=True)
    return list(islice(found, max(0, limit)))


# --- saying it back -----------------------------------------------------------------------

_RX_DAY = re.compile(r"^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$")
_DESCRIBED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL"}


def _day_list(codes: list[str], lang: str) -> str:
    names = [_DAY_NAMES[lang][_DAY_CODES.index(code)] for code in codes]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {t('recurrence.and', lang)} {names[-1]}"


def _sentence(parts: dict[str, str], lang: str) -> str | None:
    """The sentence for the rule's repetition (not its end), or None when
    the rule has parts no sentence says."""
    freq = parts.get("FREQ")
    n = int(parts.get("INTERVAL", "1"))
    days = [_RX_DAY.match(item) for item in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    if any(day is None for day in days) or n < 1:
        return None
    plain = [day[2] for day in days if day and not day[1]]
    nths = [(int(day[1]), day[2]) for day in days if day and day[1]]
    monthday = parts.get("BYMONTHDAY", "")
    if freq == "DAILY" and not days and not monthday:
        return t("recurrence.daily" if n == 1 else "recurrence.daily_n", lang, n=n)
    if freq == "WEEKLY" and not nths and not monthday:
        if not plain:
            return t("recurrence.weekly" if n == 1 else "recurrence.weekly_n", lang, n=n)
        if n == 1 and ",".join(plain) == _WEEKDAYS:
            return t("recurrence.weekdays", lang)
        key = "recurrence.weekly_on" if n == 1 else "recurrence.weekly_n_on"
        return t(key, lang, n=n, days=_day_list(plain, lang))
    if freq == "MONTHLY" and not plain:
        if monthday.isdigit() and not nths:
            key = "recurrence.monthly_day" if n == 1 else "recurrence.monthly_n_day"
            return t(key, lang, n=n, day=int(monthday))
        if len(nths) == 1 and not monthday and nths[0][0] in _ORDINALS[lang]:
            nth, code = nths[0]
            key = "recurrence.monthly_nth" if n == 1 else "recurrence.monthly_n_nth"
            day = _DAY_NAMES[lang][_DAY_CODES.index(code)]
            return t(key, lang, n=n, nth=_ORDINALS[lang][nth], day=day)
        if not nths and not monthday:
            return t("recurrence.monthly" if n == 1 else "recurrence.monthly_n", lang, n=n)
    if freq == "YEARLY" and not days and not monthday:
        return t("recurrence.yearly" if n == 1 else "recurrence.yearly_n", lang, n=n)
    return None


def _until_text(value: str) -> str:
    until = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    if until.time() == time(23, 59, 59):
        return until.strftime("%Y-%m-%d")
    return until.strftime("%Y-%m-%d %H:%M")


def describe(rule: str, lang: str) -> str:
    """`rule` as a sentence ("Every first Monday of the month, until
    2027-06-30"), which `parse` reads back as the same rule; a rule no
    sentence says shows as itself ("custom rule RRULE:...")."""
    rule = rule.strip()
    if not rule:
        return t("recurrence.none", lang).capitalize()
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    sentence = _sentence(parts, lang) if set(parts) <= _DESCRIBED else None
    if sentence is None or parts.get("UNTIL", "").endswith("Z"):
        sentence = t("recurrence.custom", lang, rule=f"RRULE:{rule}")
        return sentence[0].upper() + sentence[1:]
    if "COUNT" in parts:
        sentence = t("recurrence.count", lang, rule=sentence, count=int(parts["COUNT"]))
    elif "UNTIL" in parts:
        sentence = t("recurrence.until", lang, rule=sentence, date=_until_text(parts["UNTIL"]))
    return sentence[0].upper() + sentence[1:]
