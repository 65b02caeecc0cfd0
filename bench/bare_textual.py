"""The floor of crm-tui's first screen: a bare Textual app with a header, a
table of 50 rows and a footer, and nothing else (no database, no
screens of its own). bench/run.py starts it as it starts crm-tui, in a
fresh process, and times it to the frame that paints its rows.

    .venv/bin/python bench/bare_textual.py    # to look at it; q quits
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header

ROWS = 50
COLUMNS = ("Id", "Type", "Status", "Responsible", "Date", "Subject")


class BareApp(App[None]):
    """Header, a 50-row table, footer; `painted_at` is the
    `time.perf_counter()` of the first frame with the rows."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        for number in range(1, ROWS + 1):
            table.add_row(
                Text(str(number), justify="right"),
                Text("📞 Call", style="green"),
                Text("Pending", style="yellow"),
                Text(f"Agent {number % 7}"),
                Text("Nov 12"),
                Text(f"Call about offer {number}"),
            )
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()


if __name__ == "__main__":
    BareApp().run()
