"""Display formatting: list and detail dates, relative phrases, colours,
truncation to terminal cells, money."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.color import Color

from crm_tui import formatting
from crm_tui.formatting import (
    TYPE_COLOURS,
    detail_datetime,
    format_money,
    full_datetime,
    list_date,
    preview,
    relative_phrase,
    textual_colour,
    truncate,
    type_colour,
)

# Monday 23 November 2026, 10:00.
NOW = datetime(2026, 11, 23, 10, 0)
SRC = Path(__file__).resolve().parents[1] / "src"


# --- list_date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dt", "es", "en"),
    [
        (datetime(2026, 11, 23, 14, 5), "14:05", "14:05"),
        (datetime(2026, 11, 23, 0, 0), "00:00", "00:00"),
        (datetime(2026, 11, 23, 23, 59), "23:59", "23:59"),
        (datetime(2026, 11, 12, 9, 0), "12 nov", "Nov 12"),
        (datetime(2026, 11, 24, 9, 0), "24 nov", "Nov 24"),
        (datetime(2026, 1, 5, 9, 0), "5 ene", "Jan 5"),
        (datetime(2026, 9, 3), "3 sept", "Sep 3"),
        (datetime(2026, 12, 31, 23, 0), "31 dic", "Dec 31"),
        (datetime(2024, 11, 12, 9, 0), "12 nov 2024", "Nov 12, 2024"),
        (datetime(2027, 1, 2, 9, 0), "2 ene 2027", "Jan 2, 2027"),
    ],
)
def test_list_date(dt: datetime, es: str, en: str) -> None:
    assert list_date(dt, "es", now=NOW) == es
    assert list_date(dt, "en", now=NOW) == en


def test_list_date_none_and_unknown_language() -> None:
    assert list_date(None, "es", now=NOW) == ""
    assert list_date(datetime(2026, 11, 12), "fr", now=NOW) == "Nov 12"


def test_list_date_has_no_dots_in_any_month() -> None:
    for month in range(1, 13):
        for lang in ("es", "en"):
            text = list_date(datetime(2026, month, 1), lang, now=datetime(2026, 12, 31))
            assert "." not in text
            assert "\u202f" not in text and "\xa0" not in text


def test_list_date_uses_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-23T10:00")
    assert list_date(datetime(2026, 11, 23, 8, 1), "en") == "08:01"
    assert list_date(datetime(2026, 11, 22, 8, 1), "es") == "22 nov"


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)))
def test_list_date_is_a_time_exactly_when_today(dt: datetime) -> None:
    for lang in ("es", "en"):
        text = list_date(dt, lang, now=NOW)
        if dt.date() == NOW.date():
            assert text == dt.strftime("%H:%M")
        else:
            assert ":" not in text
            assert (str(dt.year) in text) == (dt.year != NOW.year)


# --- full and detail dates ---------------------------------------------------------


def test_full_datetime() -> None:
    dt = datetime(2026, 11, 23, 14, 5)
    assert full_datetime(dt, "es") == "lunes, 23 de noviembre de 2026, 14:05"
    assert full_datetime(dt, "en") == "Monday, November 23, 2026, 2:05 PM"
    assert full_datetime(datetime(2026, 11, 24, 9, 30), "es") == (
        "martes, 24 de noviembre de 2026, 9:30"
    )
    assert full_datetime(None, "es") == ""


def test_full_datetime_ignores_the_machine_time_zone() -> None:
    code = (
        "from datetime import datetime; from crm_tui.formatting import full_datetime; "
        "print(full_datetime(datetime(2026, 11, 23, 14, 5), 'es'))"
    )
    for zone in ("America/New_York", "Asia/Tokyo"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": zone, "PYTHONPATH": str(SRC)},
        ).stdout.strip()
        assert out == "lunes, 23 de noviembre de 2026, 14:05"


@pytest.mark.parametrize(
    ("delta", "es", "en"),
    [
        (timedelta(0), "ahora", "now"),
        (timedelta(seconds=59), "ahora", "now"),
        (timedelta(seconds=-59), "ahora", "now"),
        (timedelta(minutes=-5), "hace 5 minutos", "5 minutes ago"),
        (timedelta(hours=-3), "hace 3 horas", "3 hours ago"),
        (timedelta(hours=3), "dentro de 3 horas", "in 3 hours"),
        (timedelta(days=2), "dentro de 2 días", "in 2 days"),
        (timedelta(days=-1), "hace 1 día", "1 day ago"),
        (timedelta(weeks=2), "dentro de 2 semanas", "in 2 weeks"),
        (timedelta(days=-800), "hace 2 años", "2 years ago"),
    ],
)
def test_relative_phrase(delta: timedelta, es: str, en: str) -> None:
    assert relative_phrase(NOW + delta, "es", now=NOW) == es
    assert relative_phrase(NOW + delta, "en", now=NOW) == en


def test_detail_datetime() -> None:
    dt = datetime(2026, 11, 25, 10, 0)
    assert detail_datetime(dt, "es", now=NOW) == (
        "miércoles, 25 de noviembre de 2026, 10:00 (dentro de 2 días)"
    )
    assert detail_datetime(dt, "en", now=NOW) == (
        "Wednesday, November 25, 2026, 10:00 AM (in 2 days)"
    )
    assert detail_datetime(datetime(2026, 11, 23, 7, 0), "es", now=NOW).endswith("(hace 3 horas)")
    assert detail_datetime(None, "en", now=NOW) == ""


# --- colours ----------------------------------------------------------------------------

CHANNELS = ("call", "email", "meeting", "visit", "message", "task", "note")


def test_every_channel_has_a_basic_colour() -> None:
    basic = {"red", "green", "yellow", "blue", "magenta", "cyan", "white"}
    assert set(TYPE_COLOURS) == set(CHANNELS)
    for colour in TYPE_COLOURS.values():
        assert colour in basic
        assert Color.parse(colour).number is not None  # one of the 16 terminal colours
    assert len(set(TYPE_COLOURS.values())) == len(TYPE_COLOURS)


@pytest.mark.parametrize(
    ("channel", "configured", "expected"),
    [
        ("call", None, "green"),
        ("call", "", "green"),
        ("email", "red", "red"),
        ("email", " Bright_Blue ", "bright_blue"),
        ("email", "bright blue", "bright_blue"),
        ("task", "#FF8800", "#ff8800"),
        ("task", "#f80", "#ff8800"),
        ("task", "grey50", "grey50"),
        ("visit", "not-a-colour", "yellow"),
        ("visit", "#12345", "yellow"),
        ("visit", "[bold]", "yellow"),
        ("visit", "rgb(1,2,3)", "yellow"),
        ("unknown-channel", None, "white"),
    ],
)
def test_type_colour(channel: str, configured: str | None, expected: str) -> None:
    assert type_colour(channel, configured) == expected


@pytest.mark.parametrize(
    ("colour", "expected"),
    [
        ("green", "ansi_green"),
        ("bright_blue", "ansi_bright_blue"),
        ("#aabbcc", "#aabbcc"),
        ("grey50", "#808080"),
        ("nonsense", "ansi_white"),
    ],
)
def test_textual_colour(colour: str, expected: str) -> None:
    assert textual_colour(colour) == expected


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("hello", 10, "hello"),
        ("hello", 5, "hello"),
        ("hello world", 5, "hell…"),
        ("hello world", 7, "hello…"),  # no space before the ellipsis
        ("hello", 1, "…"),
        ("hello", 0, ""),
        ("hello", -3, ""),
        ("", 3, ""),
        ("", 0, ""),
        ("\u200b", 0, "\u200b"),  # nothing to cut: zero cells
        ("日本語テキスト", 5, "日本…"),
        ("日本語テキスト", 6, "日本…"),
        ("日本語", 6, "日本語"),
        ("a👍b", 3, "a…"),
        ("👍👍", 2, "…"),
    ],
)
def test_truncate(text: str, width: int, expected: str) -> None:
    assert truncate(text, width) == expected


@given(st.text(), st.integers(min_value=0, max_value=60))
def test_truncate_fits_and_marks_a_cut(text: str, width: int) -> None:
    result = truncate(text, width)
    assert cell_len(result) <= width
    if cell_len(text) <= width:
        assert result == text
    elif width > 0:
        assert result.endswith("…")
    else:
        assert result == ""


def test_truncate_a_long_note_is_fast() -> None:
    note = "palabra " * 700
    assert truncate(note, 40) == ("palabra " * 5).rstrip() + "…"


def test_preview() -> None:
    assert preview("Llamar\n\n  al   cliente\tmañana", 80) == "Llamar al cliente mañana"
    assert preview("  first line\nsecond line  ", 14) == "first line se…"
    assert preview("\n\n", 10) == ""


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "es", "en"),
    [
        (0, "0,00", "0.00"),
        (7, "7,00", "7.00"),
        (1234.5, "1.234,50", "1,234.50"),
        (Decimal("1234567.005"), "1.234.567,01", "1,234,567.01"),
        ("2.675", "2,68", "2.68"),
        (-1234.565, "-1.234,57", "-1,234.57"),
        (-0.004, "0,00", "0.00"),
        (None, "", ""),
        ("abc", "", ""),
        (float("nan"), "", ""),
        (float("inf"), "", ""),
    ],
)
def test_format_money(value: Decimal | float | str | None, es: str, en: str) -> None:
    assert format_money(value, "es") == es
    assert format_money(value, "en") == en


# --- import cost ----------------------------------------------------------------------------


def test_importing_formatting_loads_neither_babel_nor_rich_nor_textual() -> None:
    code = (
        "import sys, crm_tui.formatting; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'babel', 'rich', 'textual'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC)},
    ).stdout.strip()
    assert out == "[]"


def test_message_registered() -> None:
    from crm_tui.i18n import t

    assert t("time.now", "es") == "ahora"
    assert formatting.ELLIPSIS == "…"
