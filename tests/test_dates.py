"""Dates people type (Spanish and English), range bounds, offsets, the
interchange format and working hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.services.dates import (
    PRESETS,
    ParsedDate,
    format_interchange,
    move_into_working_hours,
    parse_interchange,
    parse_offset,
    parse_range_bound,
    parse_when,
    preset_range,
)
from crm_tui.services.errors import ValidationError

# Monday 23 November 2026, 10:00.
NOW = datetime(2026, 11, 23, 10, 0)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute)


def test_now_is_a_monday() -> None:
    assert NOW.weekday() == 0


# (text, expected value, has_time)
EXAMPLES: list[tuple[str, datetime, bool]] = [
    # ISO and numeric dates
    ("2026-11-23", at(23), False),
    ("2026-11-23 14:05", at(23, 14, 5), True),
    ("2026-11-23T14:05", at(23, 14, 5), True),
    ("2026-11-23T14:05:59", at(23, 14, 5), True),
    ("2026-11-23T14:05:59.123456", at(23, 14, 5), True),
    ("2027-01-05", datetime(2027, 1, 5), False),
    ("23/11/2026", at(23), False),
    ("23/11/2026 14:05", at(23, 14, 5), True),
    ("5/1/2027", datetime(2027, 1, 5), False),
    ("23/11/26", at(23), False),
    ("23-11-2026", at(23), False),
    ("23.11.2026", at(23), False),
    ("23/11", at(23), False),
    ("1/3", at(1, month=3), False),
    ("23/11 9:30", at(23, 9, 30), True),
    # month names, as lists show them
    ("23 nov", at(23), False),
    ("23 Nov 2024", at(23, year=2024), False),
    ("23 de noviembre de 2026", at(23), False),
    ("23 de noviembre de 2026, 14:05", at(23, 14, 5), True),
    ("3 sept", at(3, month=9), False),
    ("Nov 23", at(23), False),
    ("November 23, 2026", at(23), False),
    ("Nov 23, 2026, 2:05 PM", at(23, 14, 5), True),
    ("mar 10", at(10, month=3), False),
    # time alone: today
    ("14:05", at(23, 14, 5), True),
    ("9:05", at(23, 9, 5), True),
    ("14:05:30", at(23, 14, 5), True),
    ("9am", at(23, 9), True),
    ("9:30 pm", at(23, 21, 30), True),
    ("12am", at(23, 0), True),
    ("12pm", at(23, 12), True),
    ("10h30", at(23, 10, 30), True),
    ("a las 10", at(23, 10), True),
    ("at 9", at(23, 9), True),
    ("ahora", NOW, True),
    ("now", NOW, True),
    # day words
    ("hoy", at(23), False),
    ("today", at(23), False),
    ("mañana", at(24), False),
    ("manana", at(24), False),
    ("MAÑANA", at(24), False),
    ("tomorrow", at(24), False),
    ("pasado mañana", at(25), False),
    ("pasado manana", at(25), False),
    ("day after tomorrow", at(25), False),
    ("ayer", at(22), False),
    ("yesterday", at(22), False),
    ("anteayer", at(21), False),
    ("day before yesterday", at(21), False),
    # weekdays: the next one strictly after today (today is Monday)
    ("lunes", at(30), False),
    ("Lunes", at(30), False),
    ("martes", at(24), False),
    ("miércoles", at(25), False),
    ("miercoles", at(25), False),
    ("jueves", at(26), False),
    ("viernes", at(27), False),
    ("sábado", at(28), False),
    ("sabado", at(28), False),
    ("domingo", at(29), False),
    ("monday", at(30), False),
    ("tuesday", at(24), False),
    ("wednesday", at(25), False),
    ("Thursday", at(26), False),
    ("friday", at(27), False),
    ("saturday", at(28), False),
    ("sunday", at(29), False),
    ("wed", at(25), False),
    ("next monday", at(30), False),
    ("next friday", at(27), False),
    ("el próximo lunes", at(30), False),
    ("el proximo lunes", at(30), False),
    ("proximo lunes", at(30), False),
    ("próximo viernes", at(27), False),
    ("el lunes", at(30), False),
    ("el lunes que viene", at(30), False),
    ("on friday", at(27), False),
    ("last friday", at(20), False),
    ("last monday", at(16), False),
    ("el viernes pasado", at(20), False),
    # day words and weekdays followed by a time
    ("mañana 10:00", at(24, 10), True),
    ("manana 10:00", at(24, 10), True),
    ("mañana, 10:00", at(24, 10), True),
    ("mañana a las 10", at(24, 10), True),
    ("mañana a las 10:30", at(24, 10, 30), True),
    ("mañana a la 1", at(24, 1), True),
    ("mañana 10h", at(24, 10), True),
    ("mañana a las 5 de la tarde", at(24, 17), True),
    ("mañana a las 9 de la mañana", at(24, 9), True),
    ("hoy a las 11 de la noche", at(23, 23), True),
    ("hoy 18:00", at(23, 18), True),
    ("ayer 15:30", at(22, 15, 30), True),
    ("pasado mañana 8:15", at(25, 8, 15), True),
    ("lunes 9", at(30, 9), True),
    ("el próximo lunes a las 9", at(30, 9), True),
    ("viernes 16:45", at(27, 16, 45), True),
    ("tomorrow 9am", at(24, 9), True),
    ("tomorrow 9 am", at(24, 9), True),
    ("tomorrow at 9:30 p.m.", at(24, 21, 30), True),
    ("today at 5pm", at(23, 17), True),
    ("yesterday 15:30", at(22, 15, 30), True),
    ("day after tomorrow 8:15", at(25, 8, 15), True),
    ("monday 14:30", at(30, 14, 30), True),
    ("next monday 09:00", at(30, 9), True),
    ("next monday 9", at(30, 9), True),
    # a time before the day
    ("10:00 mañana", at(24, 10), True),
    ("a las 10 mañana", at(24, 10), True),
    ("9am tomorrow", at(24, 9), True),
    ("at 9 tomorrow", at(24, 9), True),
    ("14:30 next monday", at(30, 14, 30), True),
    # relative offsets: exact, from now
    ("+2d", at(25, 10), True),
    ("+3h", at(23, 13), True),
    ("+30m", at(23, 10, 30), True),
    ("+1w", at(30, 10), True),
    ("-1d", at(22, 10), True),
    ("-90m", at(23, 8, 30), True),
    ("+ 2d", at(25, 10), True),
    ("+2 días", at(25, 10), True),
    ("+2 dias", at(25, 10), True),
    ("+1 semana", at(30, 10), True),
    ("+2 horas", at(23, 12), True),
    ("+15 minutos", at(23, 10, 15), True),
    ("+1 mes", at(23, 10, month=12), True),
    ("+2 days", at(25, 10), True),
    ("+1 week", at(30, 10), True),
    ("in 2 days", at(25, 10), True),
    ("in 3 hours", at(23, 13), True),
    ("in an hour", at(23, 11), True),
    ("in 1 month", at(23, 10, month=12), True),
    ("en 2 días", at(25, 10), True),
    ("en 2 dias", at(25, 10), True),
    ("en una hora", at(23, 11), True),
    ("dentro de 3 horas", at(23, 13), True),
    ("dentro de 2 semanas", datetime(2026, 12, 7, 10), True),
    ("hace 2 días", at(21, 10), True),
    ("hace 1 hora", at(23, 9), True),
    ("2 days ago", at(21, 10), True),
    ("3 hours ago", at(23, 7), True),
    # day offsets with a time
    ("+1d 10:00", at(24, 10), True),
    ("+1d 9", at(24, 9), True),
    ("en 2 días a las 9", at(25, 9), True),
    ("in 2 days at 9am", at(25, 9), True),
    # spacing and case
    ("  Mañana   10:00  ", at(24, 10), True),
    ("TOMORROW 9AM", at(24, 9), True),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), EXAMPLES)
def test_parse_when_examples(text: str, expected: datetime, has_time: bool) -> None:
    assert parse_when(text, now=NOW) == ParsedDate(expected, has_time)


BAD = [
    "",
    "   ",
    "foo",
    "2026-02-30",
    "2026-13-01",
    "2026-11-31",
    "31/02/2026",
    "32/1",
    "25:00",
    "24:00",
    "14:60",
    "mañana 25:00",
    "mañana 24",
    "13pm",
    "0am",
    "3h",  # an hour alone: too easily meant as +3h
    "2 days",  # no direction
    "+2h 10:00",  # a time after an hour offset makes no sense
    "+2x",
    "+9999999d",
    "-999999w",
    "next",
    "el",
    "next last monday",
    "el próximo lunes pasado",
    "mañana foo",
    "2026-11-23T",
    "2026-11-23 14:05 extra",
    "dentro de",
    "hace",
    "sáb 10",  # Spanish weekday abbreviations are not accepted
    "12/11/2026/1",
]


@pytest.mark.parametrize("text", BAD)
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_when(text, now=NOW)
    error = info.value
    assert error.key == "error.bad_date"
    assert error.errors[0].field == "occurred_at"
    assert error.params["value"] == text


def test_bad_date_message_in_both_languages_and_field() -> None:
    with pytest.raises(ValidationError) as info:
        parse_when("2026-02-30", now=NOW, field_id="starts_at")
    assert info.value.errors[0].field == "starts_at"
    assert info.value.message("en").startswith("'2026-02-30' is not a date")
    assert info.value.message("es").startswith("'2026-02-30' no es una fecha")


def test_leap_day() -> None:
    assert parse_when("2028-02-29", now=NOW).value == datetime(2028, 2, 29)
    with pytest.raises(ValidationError):
        parse_when("29/02/2027", now=NOW)


def test_seconds_and_microseconds_are_dropped() -> None:
    now = datetime(2026, 11, 23, 10, 0, 42, 123456)
    assert parse_when("+2h", now=now).value == datetime(2026, 11, 23, 12, 0)
    assert parse_when("ahora", now=now).value == datetime(2026, 11, 23, 10, 0)


def test_weekday_on_each_day_of_the_week_is_strictly_after() -> None:
    for offset in range(7):
        today = NOW + timedelta(days=offset)
        for name, weekday in (("lunes", 0), ("friday", 4), ("domingo", 6)):
            value = parse_when(name, now=today).value
            assert value.weekday() == weekday
            assert 1 <= (value.date() - today.date()).days <= 7
            past = parse_when(f"last {name}" if name == "friday" else f"{name} pasado", now=today)
            assert past.value.weekday() == weekday
            assert 1 <= (today.date() - past.value.date()).days <= 7


def test_month_offset_clamps_to_the_end_of_the_month() -> None:
    assert parse_when("+1 mes", now=datetime(2026, 1, 31, 9, 0)).value == datetime(2026, 2, 28, 9)


def test_default_now_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-23T10:00")
    assert parse_when("mañana 10:00").value == datetime(2026, 11, 24, 10, 0)
    assert parse_when("+1h").value == datetime(2026, 11, 23, 11, 0)


# --- range bounds --------------------------------------------------------------


def test_range_bound_bare_date_covers_the_whole_day() -> None:
    assert parse_range_bound("2026-11-23", end=False, now=NOW) == datetime(2026, 11, 23, 0, 0, 0)
    assert parse_range_bound("2026-11-23", end=True, now=NOW) == datetime(2026, 11, 23, 23, 59, 59)
    assert parse_range_bound("ayer", end=False, now=NOW) == datetime(2026, 11, 22, 0, 0, 0)
    assert parse_range_bound("yesterday", end=True, now=NOW) == datetime(2026, 11, 22, 23, 59, 59)
    assert parse_range_bound("23/11", end=True, now=NOW) == datetime(2026, 11, 23, 23, 59, 59)


def test_range_bound_with_a_time_is_that_minute() -> None:
    assert parse_range_bound("2026-11-23 14:05", end=False, now=NOW) == datetime(
        2026, 11, 23, 14, 5, 0
    )
    assert parse_range_bound("2026-11-23 14:05", end=True, now=NOW) == datetime(
        2026, 11, 23, 14, 5, 59
    )
    assert parse_range_bound("-7d", end=False, now=NOW) == datetime(2026, 11, 16, 10, 0)


def test_range_bound_error_names_since_or_until() -> None:
    with pytest.raises(ValidationError) as since:
        parse_range_bound("nope", end=False, now=NOW)
    assert since.value.errors[0].field == "since"
    with pytest.raises(ValidationError) as until:
        parse_range_bound("nope", end=True, now=NOW)
    assert until.value.errors[0].field == "until"
    with pytest.raises(ValidationError) as custom:
        parse_range_bound("nope", end=True, now=NOW, field_id="x")
    assert custom.value.errors[0].field == "x"


# --- offsets for task templates -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+2d", datetime(2026, 11, 25, 10, 0)),
        ("+4h", datetime(2026, 11, 23, 14, 0)),
        ("+30m", datetime(2026, 11, 23, 10, 30)),
        ("next monday 09:00", datetime(2026, 11, 30, 9, 0)),
        ("lunes 09:00", datetime(2026, 11, 30, 9, 0)),
        ("viernes 17:00", datetime(2026, 11, 27, 17, 0)),
        ("tomorrow", datetime(2026, 11, 24, 10, 0)),  # keeps the base's time of day
        ("mañana 8:00", datetime(2026, 11, 24, 8, 0)),
    ],
)
def test_parse_offset(text: str, expected: datetime) -> None:
    assert parse_offset(text, NOW) == expected


def test_parse_offset_rejects_nonsense() -> None:
    with pytest.raises(ValidationError) as info:
        parse_offset("soon", NOW)
    assert info.value.errors[0].field == "due_offset"


# --- interchange ------------------------------------------------------------------


def test_format_interchange() -> None:
    assert format_interchange(None) == ""
    assert format_interchange(datetime(2026, 11, 23, 14, 5, 59)) == "2026-11-23 14:05"
    assert format_interchange(datetime(905, 1, 2, 3, 4)) == "0905-01-02 03:04"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("   ", None),
        ("2026-11-23 14:05", datetime(2026, 11, 23, 14, 5)),
        (" 2026-11-23 14:05 ", datetime(2026, 11, 23, 14, 5)),
        ("2026-11-23 14:05:30", datetime(2026, 11, 23, 14, 5, 30)),
        ("2026-11-23T14:05", datetime(2026, 11, 23, 14, 5)),
        ("2026-11-23T14:05:30.250", datetime(2026, 11, 23, 14, 5, 30)),
        ("2026-11-23 9:05", datetime(2026, 11, 23, 9, 5)),
        ("2026-11-23", datetime(2026, 11, 23, 0, 0)),
    ],
)
def test_parse_interchange(text: str, expected: datetime | None) -> None:
    assert parse_interchange(text, "occurred_at") == expected


def test_parse_interchange_takes_spreadsheet_cells() -> None:
    assert parse_interchange(None) is None
    assert parse_interchange(datetime(2026, 11, 23, 14, 5, 1, 999)) == datetime(
        2026, 11, 23, 14, 5, 1
    )
    assert parse_interchange(date(2026, 11, 23)) == datetime(2026, 11, 23)


@pytest.mark.parametrize(
    "text",
    ["mañana", "23/11/2026", "2026-02-30 10:00", "2026-11-23 24:00", "2026-11-23 10", "x"],
)
def test_parse_interchange_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_interchange(text, "starts_at")
    assert info.value.key == "error.bad_date"
    assert info.value.errors[0].field == "starts_at"


# --- working hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (datetime(2026, 11, 23, 10, 30), datetime(2026, 11, 23, 10, 30)),  # inside
        (datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 23, 9, 0)),  # at the start
        (datetime(2026, 11, 23, 7, 15), datetime(2026, 11, 23, 9, 0)),  # before hours
        (datetime(2026, 11, 23, 18, 0), datetime(2026, 11, 24, 9, 0)),  # at the end
        (datetime(2026, 11, 23, 19, 40), datetime(2026, 11, 24, 9, 0)),  # after hours
        (datetime(2026, 11, 27, 18, 30), datetime(2026, 11, 30, 9, 0)),  # Friday evening
        (datetime(2026, 11, 28, 11, 0), datetime(2026, 11, 30, 9, 0)),  # Saturday
        (datetime(2026, 11, 29, 8, 0), datetime(2026, 11, 30, 9, 0)),  # Sunday
    ],
)
def test_move_into_working_hours(given: datetime, expected: datetime) -> None:
    assert move_into_working_hours(given) == expected


def test_move_into_working_hours_options() -> None:
    saturday = datetime(2026, 11, 28, 11, 0)
    assert move_into_working_hours(saturday, weekdays_only=False) == saturday
    assert move_into_working_hours(
        datetime(2026, 11, 23, 16, 0), start=time(8), end=time(15)
    ) == datetime(2026, 11, 24, 8, 0)
    with pytest.raises(ValueError):
        move_into_working_hours(saturday, start=time(18), end=time(9))


# --- properties ---------------------------------------------------------------------

minute_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31, 23, 59)
).map(lambda dt: dt.replace(second=0, microsecond=0))


@given(minute_datetimes)
def test_interchange_round_trip(dt: datetime) -> None:
    text = format_interchange(dt)
    assert len(text) == 16
    assert parse_interchange(text, "occurred_at") == dt


@given(st.text())
def test_parse_when_raises_only_validation_error(text: str) -> None:
    try:
        result = parse_when(text, now=NOW)
    except ValidationError as exc:
        assert exc.key == "error.bad_date"
    else:
        assert result.value.second == 0
        assert result.value.microsecond == 0


DATE_PIECES = [*"0123456789 +-:/.,hdmwapt", "mañana", "lunes", " a las ", "de ", "nov", "next "]


@given(st.lists(st.sampled_from(DATE_PIECES), max_size=12).map("".join))
def test_parse_when_raises_only_validation_error_on_date_like_text(text: str) -> None:
    try:
        result = parse_when(text, now=NOW)
    except ValidationError as exc:
        assert exc.key == "error.bad_date"
    else:
        assert isinstance(result.value, datetime)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_range_bounds_of_a_bare_date_cover_the_whole_day(day: date) -> None:
    text = day.isoformat()
    since = parse_range_bound(text, end=False, now=NOW)
    until = parse_range_bound(text, end=True, now=NOW)
    assert since <= until
    assert since == datetime.combine(day, time(0, 0, 0))
    assert until == datetime.combine(day, time(23, 59, 59))


@given(
    st.integers(min_value=0, max_value=5000),
    st.sampled_from(
        [
            ("d", timedelta(days=1)),
            ("h", timedelta(hours=1)),
            ("m", timedelta(minutes=1)),
            ("w", timedelta(weeks=1)),
            (" días", timedelta(days=1)),
            (" horas", timedelta(hours=1)),
            (" minutos", timedelta(minutes=1)),
            (" semanas", timedelta(weeks=1)),
        ]
    ),
    st.sampled_from(["+", "-"]),
    minute_datetimes.filter(lambda dt: 2000 <= dt.year <= 2100),
)
def test_relative_offsets_add_exactly(
    amount: int, unit: tuple[str, timedelta], sign: str, now: datetime
) -> None:
    suffix, step = unit
    delta = amount * step
    expected = now + delta if sign == "+" else now - delta
    assert parse_when(f"{sign}{amount}{suffix}", now=now) == ParsedDate(expected, True)
    if sign == "+":
        assert parse_when(f"in {amount}{suffix}", now=now).value == expected
        assert parse_when(f"en {amount}{suffix}", now=now).value == expected


END_OF_DAY = time(23, 59, 59, 999_999)


@pytest.mark.parametrize(
    ("name", "since", "until"),
    [
        ("today", at(23), datetime.combine(date(2026, 11, 23), END_OF_DAY)),
        # Monday 23 Nov: the week runs from that Monday to Sunday 29.
        ("this_week", at(23), datetime.combine(date(2026, 11, 29), END_OF_DAY)),
        ("last_30_days", at(25, month=10), datetime.combine(date(2026, 11, 23), END_OF_DAY)),
    ],
)
def test_preset_ranges(name: str, since: datetime, until: datetime) -> None:
    assert preset_range(name, NOW) == (since, until)


@pytest.mark.parametrize("day", range(23, 30))
def test_this_week_is_the_same_on_every_day_of_it(day: int) -> None:
    assert preset_range("this_week", at(day, 18, 30)) == (
        at(23),
        datetime.combine(date(2026, 11, 29), END_OF_DAY),
    )


def test_last_30_days_counts_today_and_crosses_years() -> None:
    since, until = preset_range("last_30_days", datetime(2027, 1, 10, 8, 0))
    assert (since, until) == (datetime(2026, 12, 12), datetime(2027, 1, 10, 23, 59, 59, 999_999))
    assert (until.date() - since.date()).days + 1 == 30


def test_every_preset_is_known_and_nothing_else() -> None:
    for name in PRESETS:
        since, until = preset_range(name, NOW)
        assert since <= NOW <= until
    with pytest.raises(ValueError, match="unknown date range preset"):
        preset_range("yesterday", NOW)
