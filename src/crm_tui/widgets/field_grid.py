"""Name and value pairs in two columns: the names as wide as the longest,
the values wrapping in the rest. Values are Content (user text already
made safe by whoever built them)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.widgets import Label, Static

from crm_tui.widgets import safe

Field = tuple[str, Content]
"""A field's name (plain text, never markup) and its value."""


class FieldGrid(Grid):
    """`show` replaces the fields; when the names are the same as before
    (a refresh of the same record), the values change in place, so the
    screen neither flickers nor loses its scroll position."""

    DEFAULT_CSS = """
    FieldGrid {
        grid-size: 2;
        grid-columns: auto 1fr;
        grid-gutter: 0 2;
        height: auto;
    }
    FieldGrid > .field-name {
        color: $text-muted;
        text-style: bold;
    }
    FieldGrid > .field-value {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(self, fields: Sequence[Field] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fields = tuple(fields)

    def compose(self) -> ComposeResult:
        for name, value in self._fields:
            yield Label(safe.plain_line(name), classes="field-name")
            yield Static(value, classes="field-value")

    def show(self, fields: Sequence[Field]) -> None:
        fields = tuple(fields)
        same_names = [name for name, _ in fields] == [name for name, _ in self._fields]
        self._fields = fields
        cells = list(self.query_children(".field-value").results(Static))
        if same_names and len(cells) == len(fields):
            for cell, (_name, value) in zip(cells, fields, strict=True):
                cell.update(value)
        else:
            self.refresh(recompose=True)
