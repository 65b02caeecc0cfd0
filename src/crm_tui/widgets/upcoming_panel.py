"""The open scheduled events of one opportunity, soonest first, beside its
timeline: the overdue ones (still open, start already past) come first and
say so in words, not only in colour. Enter on one announces `Opened`; `D`
(while the panel has focus) announces `CloseRequested`, to close it with a
report.

The panel only shows what its screen hands it (`show`); the screen runs
the query (services.events.opportunity_upcoming) in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from crm_tui.formatting import list_date, preview, textual_colour
from crm_tui.i18n import register, t
from crm_tui.services.queue import is_overdue
from crm_tui.services.records import InteractionRecord
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_table import type_parts

register(
    {
        "ui.upcoming.heading": ("Upcoming events", "Próximos eventos"),
        "ui.upcoming.count": ("Upcoming events · {count}", "Próximos eventos · {count}"),
        "ui.upcoming.overdue": ("⚠ OVERDUE", "⚠ VENCIDO"),
        "ui.upcoming.empty": ("Nothing scheduled.", "Nada programado."),
        "ui.upcoming.failed": ("Could not be loaded.", "No se pudo cargar."),
        "ui.upcoming.key.close": ("Done with a report", "Completar con reporte"),
    }
)

# A subject is cut here; the panel is narrow and the detail shows it whole.
SUBJECT_CELLS = 80


def event_when(record: InteractionRecord, lang: str, now: datetime) -> str:
    """`14:00` today; `Nov 24 10:00` / `24 nov 10:00` another day."""
    day = list_date(record.due_at, lang, now)
    if record.due_at.date() == now.date():
        return day
    return f"{day} {record.due_at:%H:%M}"


def event_prompt(record: InteractionRecord, lang: str, now: datetime) -> Content:
    """Two lines: when (and OVERDUE), then type and subject."""
    when = Content.styled(event_when(record, lang, now), "bold")
    if is_overdue(record, now):
        when = Content.assemble(
            Content.styled(t("ui.upcoming.overdue", lang), "bold $text-error"), " ", when
        )
    label, colour = type_parts(record.type, lang)
    about = preview(record.subject or record.note, SUBJECT_CELLS)
    what = Content.assemble(
        safe.plain_line(label, textual_colour(colour)), " ", safe.plain_line(about)
    )
    return Content("\n").join([when, what])


class UpcomingPanel(Vertical):
    """A heading with the count and a list of events."""

    DEFAULT_CSS = """
    UpcomingPanel {
        width: 25;
        height: 1fr;
        border-left: solid $primary-muted;
        padding-left: 1;
    }
    UpcomingPanel #upcoming-heading {
        text-style: bold;
        color: $text-accent;
    }
    UpcomingPanel #upcoming-note {
        color: $text-muted;
    }
    UpcomingPanel #upcoming-list {
        height: 1fr;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("D", "close_event", "ui.upcoming.key.close", id="upcoming_close_event"),
    ]

    @dataclass
    class Opened(Message):
        """Enter (or a click) on an event."""

        panel: UpcomingPanel
        record: InteractionRecord

        @property
        def control(self) -> UpcomingPanel:
            return self.panel

    @dataclass
    class CloseRequested(Message):
        """`D` on an event: close it with a report."""

        panel: UpcomingPanel
        record: InteractionRecord

        @property
        def control(self) -> UpcomingPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localise_bindings(self)
        self._records: dict[str, InteractionRecord] = {}

    def compose(self) -> ComposeResult:
        yield Label(t("ui.upcoming.heading"), id="upcoming-heading")
        yield Label(t("ui.status.loading"), id="upcoming-note")
        yield OptionList(id="upcoming-list", compact=True, markup=False)

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#upcoming-list", OptionList)

    def show(self, records: Sequence[InteractionRecord], lang: str, now: datetime) -> None:
        """Show `records` (soonest first), keeping the highlighted event
        when it is still there, else the first."""
        option_list = self.option_list
        highlighted = option_list.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self._records = {str(record.id): record for record in records}
        options: list[Option | None] = []
        for record in records:
            if options:
                options.append(None)
            options.append(Option(event_prompt(record, lang, now), id=str(record.id)))
        option_list.set_options(options)
        if keep in self._records:
            option_list.highlighted = option_list.get_option_index(keep)
        elif records:
            option_list.highlighted = 0  # so Enter, `e` and `delete` have an event to act on
        heading = (
            t("ui.upcoming.count", count=len(records)) if records else t("ui.upcoming.heading")
        )
        self.query_one("#upcoming-heading", Label).update(heading)
        note = self.query_one("#upcoming-note", Label)
        note.update(t("ui.upcoming.empty"))
        note.display = not records

    def highlighted_record(self) -> InteractionRecord | None:
        option = self.option_list.highlighted_option
        return self._records.get(option.id or "") if option is not None else None

    def action_close_event(self) -> None:
        record = self.highlighted_record()
        if record is not None:
            self.post_message(self.CloseRequested(self, record))

    def show_failed(self) -> None:
        note = self.query_one("#upcoming-note", Label)
        note.update(t("ui.upcoming.failed"))
        note.display = True

    @on(OptionList.OptionSelected, "#upcoming-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        record = self._records.get(event.option.id or "")
        if record is not None:
            self.post_message(self.Opened(self, record))
