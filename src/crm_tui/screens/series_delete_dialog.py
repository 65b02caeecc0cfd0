"""Deleting one occurrence of a repeating event: the question of
`ConfirmScreen`, with a second way to say yes, "this one and the open ones
after it", which ends the series early."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Button

from crm_tui.i18n import register, t
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.widgets import safe

register(
    {
        "ui.series_delete.question": (
            "{question}\nIt repeats: {count} open occurrences from this one on.",
            "{question}\nSe repite: {count} repeticiones abiertas desde esta.",
        ),
        "ui.series_delete.this_one": ("This one", "Solo esta"),
        "ui.series_delete.rest": ("This and the following", "Esta y las siguientes"),
        "ui.series_delete.key.rest": ("And the following", "Y las siguientes"),
    }
)


class SeriesDeleteScreen(ConfirmScreen):
    """Dismissed with True to delete (`whole_rest` says whether the
    following occurrences go too), False to keep everything."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "confirm_rest", "ui.series_delete.key.rest", id="confirm_rest"),
    ]

    def __init__(self, question: str, *, rest: int) -> None:
        super().__init__(
            t("ui.series_delete.question", question=question, count=rest),
            confirm_label=t("ui.series_delete.this_one"),
            danger=True,
        )
        self.whole_rest = False

    def on_mount(self) -> None:
        buttons = self.query_one("#confirm-buttons")
        buttons.mount(
            Button(
                safe.plain_line(t("ui.series_delete.rest")),
                variant="error",
                compact=True,
                id="confirm-rest",
            ),
            before="#confirm-no",
        )

    @on(Button.Pressed, "#confirm-rest")
    def action_confirm_rest(self) -> None:
        self.whole_rest = True
        self.dismiss(True)
