"""The one place where text that came from a person (subjects, notes,
names, codes typed on the command line, error messages quoting them)
becomes something Textual or Rich draws.

A plain `str` handed to Label, Static, DataTable cells, OptionList, Button,
Select, Tree or `notify` is parsed as markup: `[@click=app.quit]x[/]`
becomes a working action and a stray `[/]` raises MarkupError. And neither
Rich nor Textual strips terminal escape sequences. So every piece of user
text goes through here: control characters are removed again on the way
out (the services remove them on the way in, but a database can be written
by other programs) and the result is wrapped, never parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual.content import Content

from crm_tui.services.text import clean_line, clean_text

if TYPE_CHECKING:
    from textual.app import App

Severity = Literal["information", "warning", "error"]


def plain(text: str, style: str = "") -> Content:
    """Multi-line user text for a Label or Static, shown as typed."""
    return Content.styled(clean_text(text), style) if style else Content(clean_text(text))


def plain_line(text: str, style: str = "") -> Content:
    """Single-line user text (line breaks and tabs become spaces)."""
    return Content.styled(clean_line(text), style) if style else Content(clean_line(text))


def cell(text: str, style: str = "", *, justify: Literal["left", "right"] = "left") -> Text:
    """User text for a DataTable cell: one line, cut with "…" when the
    column is narrower than the text."""
    return Text(
        clean_line(text),
        style=style,
        justify=justify,
        no_wrap=True,
        overflow="ellipsis",
        end="",
    )


def notify(
    app: App[Any],
    message: str,
    *,
    title: str = "",
    severity: Severity = "information",
    timeout: float | None = None,
) -> None:
    """A toast whose message and title are shown as typed. Thread-safe,
    like `App.notify`, so workers may call it."""
    app.notify(
        clean_text(message),
        title=clean_line(title),
        severity=severity,
        timeout=timeout,
        markup=False,
    )
