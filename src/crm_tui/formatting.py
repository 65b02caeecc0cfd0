"""How dates, colours, money and long text are shown (no Textual here).

Formats (babel's CLDR data; `lang` is "es" or "en", anything else is English):

- `list_date`: today -> ``14:05`` (24-hour in both languages); another day
  of this year -> ``23 nov`` / ``Nov 23``; another year -> ``23 nov 2024`` /
  ``Nov 23, 2024``. Abbreviation dots are removed (babel's Spanish September
  is ``sept``).
- `full_datetime`: the locale's full date and its short time, joined by its
  own date-time pattern: ``lunes, 23 de noviembre de 2026, 14:05`` /
  ``Monday, November 23, 2026, 2:05 PM`` (English uses the 12-hour clock,
  as CLDR does). Babel's narrow and plain no-break spaces become plain spaces,
  so every result is safe for a terminal cell grid.
- `short_datetime`: ``Tue 24 Nov 10:00`` / ``mar 24 nov 10:00``, with the
  year when it is not this year's (forms, history sentences).
- `relative_phrase`: ``hace 3 horas`` / ``3 hours ago``, ``dentro de 2 días`` /
  ``in 2 days``, and ``ahora`` / ``now`` under a minute (babel's
  format_timedelta, which rounds: 36 hours is "2 days").

Import cost matters (every CLI run imports this): babel and rich are imported
inside the functions that use them, and babel Locale objects are cached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from crm_tui import clock
from crm_tui.i18n import CATALOG, register, t

if TYPE_CHECKING:
    from decimal import Decimal

    from babel import Locale

__all__ = [
    "TYPE_COLOURS",
    "detail_datetime",
    "format_money",
    "full_datetime",
    "list_date",
    "preview",
    "relative_phrase",
    "short_datetime",
    "stage_label",
    "textual_colour",
    "truncate",
    "type_colour",
]

register(
    {
        "time.now": ("now", "ahora"),
        # The stages the demo, the import and the help articles use; a
        # stage a team invents shows as it is stored.
        "stage.new": ("New", "Nueva"),
        "stage.qualified": ("Qualified", "Cualificada"),
        "stage.proposal": ("Proposal", "Propuesta"),
        "stage.negotiation": ("Negotiation", "Negociación"),
        "stage.won": ("Won", "Ganada"),
        "stage.lost": ("Lost", "Perdida"),
    }
)

ELLIPSIS = "…"

# Default label colour of each channel. Only the eight basic ANSI names: they
# are valid in Rich (style strings, Text) *and* in Textual (Content, CSS),
# and exist in a 16-colour terminal. Rich-only names such as "bright_blue"
# or "grey50" are silently dropped by Textual's Content: pass any colour
# through `textual_colour` before styling Textual Content with it.
TYPE_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        "call": "green",
        "email": "blue",
        "meeting": "magenta",
        "visit": "yellow",
        "message": "cyan",
        "task": "red",
        "note": "white",
    }
)
DEFAULT_COLOUR = "white"

_HEX6 = re.compile(r"#[0-9a-f]{6}", re.ASCII)
_HEX3 = re.compile(r"#[0-9a-f]{3}", re.ASCII)
_SPACES = re.compile(r"\s+")


def _lang(lang: str | None) -> str:
    return "es" if lang == "es" else "en"


@lru_cache(maxsize=4)
def _locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(lang)


def _plain(text: str) -> str:
    """Babel puts U+202F/U+00A0 in times ("2:05 PM"); terminals want spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


# --- dates -------------------------------------------------------------------


def list_date(dt: datetime | None, lang: str, now: datetime | None = None) -> str:
    """A date for a list column: `14:05` today, `23 nov`/`Nov 23` this year,
    `23 nov 2024`/`Nov 23, 2024` another year, "" for None."""
    if dt is None:
        return ""
    now = now if now is not None else clock.now()
    if dt.date() == now.date():
        return f"{dt.hour:02d}:{dt.minute:02d}"
    from babel.dates import format_date

    lang = _lang(lang)
    if dt.year == now.year:
        pattern = "d MMM" if lang == "es" else "MMM d"
    else:
        pattern = "d MMM y" if lang == "es" else "MMM d, y"
    return _plain(format_date(dt, pattern, locale=_locale(lang))).replace(".", "")


def full_datetime(dt: datetime | None, lang: str) -> str:
    """`lunes, 23 de noviembre de 2026, 14:05` / `Monday, November 23, 2026,
    2:05 PM`: the locale's full date and short time; "" for None."""
    if dt is None:
        return ""
    from babel.dates import format_date, format_time

    locale = _locale(_lang(lang))
    day = format_date(dt.date(), "full", locale=locale)
    # A naive time: babel does no time-zone conversion on it.
    moment = format_time(dt.time().replace(tzinfo=None), "short", locale=locale)
    return _plain(str(locale.datetime_formats["full"]).format(moment, day))


def relative_phrase(dt: datetime, lang: str, now: datetime | None = None) -> str:
    """`hace 3 horas`, `dentro de 2 días`, `3 hours ago`, `in 2 days`;
    `ahora`/`now` when less than a minute away."""
    now = now if now is not None else clock.now()
    delta = dt - now
    lang = _lang(lang)
    if abs(delta) < timedelta(minutes=1):
        return t("time.now", lang)
    from babel.dates import format_timedelta

    return _plain(format_timedelta(delta, add_direction=True, locale=_locale(lang)))


def detail_datetime(dt: datetime | None, lang: str, now: datetime | None = None) -> str:
    """`lunes, 23 de noviembre de 2026, 14:05 (dentro de 2 días)`; "" for None."""
    if dt is None:
        return ""
    return f"{full_datetime(dt, lang)} ({relative_phrase(dt, lang, now)})"


def short_datetime(value: datetime, lang: str, now: datetime) -> str:
    """`Tue 24 Nov 10:00` / `mar 24 nov 10:00`, with the year when it is
    not this year's; compact enough to sit beside an input at 80 columns."""
    from babel.dates import format_datetime

    pattern = "EEE d MMM HH:mm" if value.year == now.year else "EEE d MMM y HH:mm"
    return format_datetime(value, pattern, locale=lang).replace(".", "")


# --- colours -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _rich_colour_names() -> frozenset[str]:
    from rich.color import ANSI_COLOR_NAMES

    return frozenset(ANSI_COLOR_NAMES)


def normalise_colour(colour: str) -> str | None:
    """A Rich colour name (any case, spaces or hyphens for "_") or `#rrggbb`
    (`#rgb` is widened), in canonical form; None when it is neither."""
    value = colour.strip().lower()
    if _HEX6.fullmatch(value):
        return value
    if _HEX3.fullmatch(value):
        return "#" + "".join(ch * 2 for ch in value[1:])
    value = re.sub(r"[\s-]+", "_", value)
    return value if value in _rich_colour_names() else None


def type_colour(channel: str, configured: str | None = None) -> str:
    """The colour of an interaction type's label: the configured one when it
    is a valid Rich colour name or `#hex`, else the channel's default."""
    if configured:
        valid = normalise_colour(configured)
        if valid is not None:
            return valid
    return TYPE_COLOURS.get(channel, DEFAULT_COLOUR)


_STANDARD_NAMES = (
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "white",
)


def textual_colour(colour: str) -> str:
    """The same colour spelt so that Textual (Content, CSS) understands it.

    Textual ignores Rich-only names ("bright_blue", "grey50") without an
    error. The 16 standard names become Textual's `ansi_*` names (the
    terminal's own palette, right for 16 colours), other Rich names their
    hex value; `#rrggbb` passes through. Unknown -> `DEFAULT_COLOUR`."""
    value = normalise_colour(colour) or DEFAULT_COLOUR
    if value.startswith("#"):
        return value
    base = value.removeprefix("bright_")
    if base in _STANDARD_NAMES:
        return f"ansi_{value}"
    from rich.color import Color

    return Color.parse(value).get_truecolor().hex


# --- text --------------------------------------------------------------------


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal cells, ending in "…" when cut.
    Wide characters (CJK, emoji) count two cells and are never split."""
    from rich.cells import cell_len, chop_cells

    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    if width == 1:
        return ELLIPSIS
    # A grapheme is at most a few code points; a bounded prefix keeps a
    # 5,000-character note cheap to cut.
    head = chop_cells(text[: width * 8 + 64], width - 1)
    return (head[0].rstrip() if head else "") + ELLIPSIS


def preview(note: str, width: int) -> str:
    """One line of a note: runs of spaces and line breaks become one space,
    then `truncate`."""
    return truncate(_SPACES.sub(" ", note).strip(), width)


# --- numbers -----------------------------------------------------------------


def stage_label(stage: str, lang: str | None = None) -> str:
    """An opportunity's stage in the user's language when it is a known
    one; any other stage as it is stored."""
    key = f"stage.{stage}"
    return t(key, lang) if key in CATALOG else stage


def format_money(value: Decimal | float | str | None, lang: str) -> str:
    """`1.234,50` / `1,234.50`: two decimals (rounded half up), the locale's
    grouping and decimal signs; "" for None or a value that is not a number."""
    if value is None:
        return ""
    from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

    from babel.numbers import format_decimal

    # Enough precision for any amount a person types (babel quantizes again
    # in the current context).
    with localcontext(Context(prec=60, rounding=ROUND_HALF_UP)):
        try:
            amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            return ""
        if not amount.is_finite():
            return ""
        if amount.is_zero():
            amount = amount.copy_abs()  # -0.004 shows as 0.00, not -0.00
        text = format_decimal(amount, format="#,##0.00", locale=_locale(_lang(lang)))
    return _plain(text)


def file_size(size: int, lang: str) -> str:
    """`1.2 MB`, `340 KB`, `12 B`, counted in 1,024s as the attachment
    limit is (200 MB = 200 × 1,024 × 1,024 bytes), so a file at the limit
    reads "200 MB" next to the message that names it."""
    from babel.numbers import format_decimal

    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{format_decimal(round(size / scale, 1), locale=lang)} {unit}"
    return f"{size} B"
