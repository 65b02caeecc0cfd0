"""Repeating events: what people type in Spanish and English becomes one
normalised RRULE with an end, the sentence it is said back with reads as
the same rule, and the occurrences stay within the limits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crm_tui.services.errors import ValidationError
from crm_tui.services.recurrence import (
    MAX_OCCURRENCES,
    PRESETS,
    describe,
    is_last_week,
    occurrences,
    parse,
    preset_rule,
)

START = datetime(2026, 11, 23, 10, 0)  # a Monday, the fourth of its month
YEAR_LATER = "UNTIL=20271123T100000"


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("cada lunes", f"FREQ=WEEKLY;{YEAR_LATER};BYDAY=MO"),
        ("every Monday", f"FREQ=WEEKLY;{YEAR_LATER};BYDAY=MO"),
        ("los lunes", f"FREQ=WEEKLY;{YEAR_LATER};BYDAY=MO"),
        ("every first monday", f"FREQ=MONTHLY;{YEAR_LATER};BYDAY=+1MO"),
        ("el primer lunes de cada mes", f"FREQ=MONTHLY;{YEAR_LATER};BYDAY=+1MO"),
        ("cada último viernes del mes", f"FREQ=MONTHLY;{YEAR_LATER};BYDAY=-1FR"),
        ("todos los días laborables", "FREQ=WEEKLY;COUNT=200;BYDAY=MO,TU,WE,TH,FR"),
        ("every weekday", "FREQ=WEEKLY;COUNT=200;BYDAY=MO,TU,WE,TH,FR"),
        ("cada día laborable, 10 veces", "FREQ=WEEKLY;COUNT=10;BYDAY=MO,TU,WE,TH,FR"),
        ("every two weeks", f"FREQ=WEEKLY;INTERVAL=2;{YEAR_LATER}"),
        ("cada 2 semanas el lunes y jueves", f"FREQ=WEEKLY;INTERVAL=2;{YEAR_LATER};BYDAY=MO,TH"),
        ("cada mes el día 23", f"FREQ=MONTHLY;{YEAR_LATER};BYMONTHDAY=23"),
        ("monthly", f"FREQ=MONTHLY;{YEAR_LATER}"),
        ("cada año", f"FREQ=YEARLY;{YEAR_LATER}"),
        ("every monday until 2027-06-30", "FREQ=WEEKLY;UNTIL=20270630T235959;BYDAY=MO"),
        ("cada lunes hasta el 30/06/2027", "FREQ=WEEKLY;UNTIL=20270630T235959;BYDAY=MO"),
        ("every day, 5 times", "FREQ=DAILY;COUNT=5"),
        ("RRULE:FREQ=DAILY;COUNT=5", "FREQ=DAILY;COUNT=5"),
        ("rrule:freq=monthly;bysetpos=-1;byday=mo,tu,we,th,fr;count=3", None),
        ("no se repite", ""),
        ("", ""),
    ],
)
def test_what_people_type_becomes_one_rule(typed: str, rule: str | None) -> None:
    parsed = parse(typed, START)
    if rule is not None:
        assert parsed == rule
    assert parse(parsed, START) == parsed


def test_the_sentences_read_well_in_both_languages() -> None:
    rule = parse("every first monday, until 2027-06-30", START)
    assert describe(rule, "en") == "Every first Monday of the month, until 2027-06-30"
    assert describe(rule, "es") == "Cada primer lunes del mes, hasta el 2027-06-30"
    assert describe(parse("cada lunes y jueves, 8 veces", START), "es") == (
        "Cada lunes y jueves, 8 veces"
    )
    assert describe("", "es") == "No se repite"
    custom = parse("RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR;COUNT=3", START)
    assert describe(custom, "en").startswith("Custom rule RRULE:FREQ=MONTHLY")
    assert parse(describe(custom, "en"), START) == custom


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("de vez en cuando", "'de vez en cuando' is not a repetition"),
        ("every day, 300 times", "that repetition makes more than 200 events"),
        ("every day until 2028-12-31", "that repetition makes more than 200 events"),
        ("every monday until whenever", "'every monday until whenever' is not a repetition"),
        ("never, 3 times", "'never, 3 times' is not a repetition"),
        ("RRULE:FREQ=SOMETIMES", "'RRULE:FREQ=SOMETIMES' is not a repetition"),
    ],
)
def test_what_is_not_a_repetition_is_named(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(typed, START)
    assert refused.value.errors[0].field == "recurrence"
    assert refused.value.message().startswith(message)


def test_the_presets_follow_the_start() -> None:
    said = {code: describe(preset_rule(code, START), "en") for code in PRESETS}
    assert said == {
        "none": "Does not repeat",
        "daily": "Every day",
        "weekdays": "Every weekday",
        "weekly": "Every Monday",
        "biweekly": "Every 2 weeks on Monday",
        "monthly": "Every month on day 23",
        "monthly_nth": "Every fourth Monday of the month",
        "monthly_last": "Every last Monday of the month",
        "yearly": "Every year",
    }
    assert not is_last_week(START)
    assert is_last_week(datetime(2026, 11, 30, 10, 0))


def test_an_empty_rule_is_the_start_alone() -> None:
    assert occurrences(START, "") == [START]
    weekly = parse("cada lunes", START)
    assert occurrences(START, weekly, limit=2) == [START, START + timedelta(days=7)]
    assert occurrences(START, weekly, until=START + timedelta(days=20)) == [
        START + timedelta(days=days) for days in (0, 7, 14)
    ]


# --- properties -----------------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
ends = st.one_of(
    st.just(""),
    st.integers(min_value=1, max_value=MAX_OCCURRENCES).map(lambda n: f", {n} times"),
    st.integers(min_value=0, max_value=120).map(lambda days: f"until +{days}d"),
)
codes = st.sampled_from([code for code in PRESETS if code != "none"])
unhurried = settings(deadline=None)


def _typed(code: str, start: datetime, end: str, lang: str) -> str:
    """What a person types: the preset's sentence and an end."""
    # The form only offers "the last <weekday>" in the month's last week.
    assume(code != "monthly_last" or is_last_week(start))
    sentence = describe(preset_rule(code, start), lang)
    if end.startswith("until +"):
        day = start + timedelta(days=int(end[7:-1]))
        return f"{sentence} until {day:%Y-%m-%d}"
    return f"{sentence}{end}"


@unhurried
@given(code=codes, start=starts, end=ends)
def test_every_rule_is_said_back_as_itself_in_both_languages(
    code: str, start: datetime, end: str
) -> None:
    try:
        rule = parse(_typed(code, start, end, "en"), start)
    except ValidationError as exc:  # only an explicit end gives too many or none
        assert end and exc.errors[0].key in ("error.recurrence_too_many", "error.recurrence_empty")
        return
    for lang in ("en", "es"):
        said = describe(rule, lang)
        assert "RRULE" not in said
        assert parse(said, start) == rule
    # The sentence in either language means the same.
    assert parse(_typed(code, start, end, "es"), start) == rule


@unhurried
@given(code=codes, start=starts, end=ends)
def test_occurrences_stay_in_bounds(code: str, start: datetime, end: str) -> None:
    try:
        rule = parse(_typed(code, start, end, "en"), start)
    except ValidationError:
        return
    found = occurrences(start, rule)
    assert 0 < len(found) <= MAX_OCCURRENCES
    assert found == sorted(set(found))
    assert all(each >= start and each.time() == start.time() for each in found)
    if not end:  # the default end: a year, or MAX_OCCURRENCES
        assert found[-1] <= start + relativedelta(months=12)


@given(
    code=codes,
    start=starts,
    later=st.integers(0, 400),
)
def test_a_stored_rule_reads_the_same_from_any_occurrence(
    code: str, start: datetime, later: int
) -> None:
    """Editing a later occurrence re-validates its rule without changing it."""
    rule = parse(describe(preset_rule(code, start), "es"), start)
    assert parse(rule, start + timedelta(days=later)) == rule


@unhurried
@given(text=st.text(max_size=60), start=starts)
def test_any_text_is_a_rule_or_a_message(text: str, start: datetime) -> None:
    try:
        rule = parse(text, start)
    except ValidationError as exc:
        assert exc.errors[0].field == "recurrence"
        return
    assert len(occurrences(start, rule)) <= MAX_OCCURRENCES


def test_an_end_that_leaves_no_event_is_refused() -> None:
    saturday = datetime(2020, 2, 1, 0, 0)
    with pytest.raises(ValidationError) as refused:
        parse("every weekday until 2020-02-01", saturday)
    assert refused.value.message() == "that repetition gives no event after the start"
