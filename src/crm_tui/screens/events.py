"""Upcoming events: the actor's open scheduled events (as responsible or
as creator), the overdue ones first, then day by day under a heading per
day, over the next 14 days; `h` looks 30 or 90 days ahead instead. `D`
closes the highlighted event with a report of what happened.

The list is short by nature (at most `EVENT_LIMIT` events), so it is read
in one query, not paged; the rows are drawn in the same worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Label

from crm_tui import clock
from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.close_event_dialog import open_close_event
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.errors import CrmError
from crm_tui.services.events import DayGroup, upcoming_events
from crm_tui.services.records import InteractionRecord
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.event_agenda import (
    AgendaGroup,
    AgendaLayout,
    AgendaRow,
    EventAgenda,
    lay_out,
)
from crm_tui.widgets.interaction_table import (
    CONTACT_COLUMN,
    STATUS_COLUMN,
    SUBJECT_COLUMN,
    TYPE_COLUMN,
    USER_COLUMN,
    ColumnSpec,
    row_cells,
)
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.events_list.heading": (
            "Upcoming events · next {days} days",
            "Próximos eventos · próximos {days} días",
        ),
        "ui.events_list.overdue": ("Overdue", "Vencidos"),
        "ui.events_list.today": ("Today · {date}", "Hoy · {date}"),
        "ui.events_list.tomorrow": ("Tomorrow · {date}", "Mañana · {date}"),
        "ui.events_list.count": ("Events: {count}", "Eventos: {count}"),
        "ui.events_list.count_overdue": (
            "Events: {count} · overdue: {overdue}",
            "Eventos: {count} · vencidos: {overdue}",
        ),
        "ui.events_list.first": ("The first {count} events", "Los primeros {count} eventos"),
        "ui.events_list.empty": (
            "Nothing scheduled in the next {days} days",
            "Nada programado en los próximos {days} días",
        ),
        "ui.events_list.column.when": ("When", "Cuándo"),
        "ui.events_list.key.horizon": ("14/30/90 days", "14/30/90 días"),
        "ui.events_list.key.calendar": ("Calendar", "Calendario"),
    }
)

# How far ahead the list looks; `h` moves to the next one, round again.
HORIZONS = (14, 30, 90)
# More than a day's worth for anyone; the service's own default.
EVENT_LIMIT = 200


def when_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    """The time of an event on its day; the date of an overdue one."""
    if record.due_at < now:
        return safe.cell(list_date(record.due_at, lang, now), "red")
    return safe.cell(f"{record.due_at:%H:%M}")


WHEN_COLUMN = ColumnSpec("when", "ui.events_list.column.when", when_cell, max_width=13)

EVENT_COLUMNS = (
    WHEN_COLUMN,
    TYPE_COLUMN,
    STATUS_COLUMN,
    CONTACT_COLUMN,
    SUBJECT_COLUMN,
    USER_COLUMN,
)


def day_label(day: date, lang: str, today: date) -> str:
    """`Mon, Nov 23` / `Lun, 23 nov`, with the year when it is not this one."""
    from babel.dates import format_skeleton

    skeleton = "MMMEd" if day.year == today.year else "yMMMEd"
    label = format_skeleton(skeleton, day, locale="es" if lang == "es" else "en")
    return label[:1].upper() + label[1:]


def group_heading(group: DayGroup, lang: str, today: date) -> str:
    if group.overdue or group.day is None:
        return t("ui.events_list.overdue", lang)
    label = day_label(group.day, lang, today)
    if group.day == today:
        return t("ui.events_list.today", lang, date=label)
    if group.day == today + timedelta(days=1):
        return t("ui.events_list.tomorrow", lang, date=label)
    return label


@dataclass(frozen=True)
class Agenda:
    groups: tuple[AgendaGroup, ...]
    layout: AgendaLayout
    count: int
    overdue: int


def load_agenda(username: str, days: int, lang: str, width: int) -> Agenda:
    """The user's events over `days` days, drawn and laid out for `width`
    cells (queries: run in a worker)."""
    now = clock.now()
    groups = upcoming_events(username, days=days, now=now, limit=EVENT_LIMIT)
    drawn = tuple(
        AgendaGroup(
            group_heading(group, lang, now.date()),
            group.overdue,
            tuple(
                AgendaRow(record, row_cells(EVENT_COLUMNS, record, lang, now))
                for record in group.items
            ),
        )
        for group in groups
    )
    overdue = sum(len(group.items) for group in groups if group.overdue)
    count = sum(len(group.items) for group in groups)
    return Agenda(drawn, lay_out(EVENT_COLUMNS, drawn, width), count, overdue)


def status_text(agenda: Agenda, days: int) -> str:
    if not agenda.count:
        return t("ui.events_list.empty", days=days)
    if agenda.count >= EVENT_LIMIT:
        return t("ui.events_list.first", count=agenda.count)
    if agenda.overdue:
        return t("ui.events_list.count_overdue", count=agenda.count, overdue=agenda.overdue)
    return t("ui.events_list.count", count=agenda.count)


class EventsScreen(CrmScreen[None]):
    """The actor's scheduled events, overdue first, grouped by day."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "ui.key.refresh", id="refresh"),
        Binding("h", "next_horizon", "ui.events_list.key.horizon", id="horizon"),
        Binding("D", "close_event", "ui.close_event.key.open", id="close_event"),
        Binding("v", "calendar", "ui.events_list.key.calendar", id="events_calendar"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days = HORIZONS[0]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(self._heading()), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield EventAgenda(EVENT_COLUMNS, id="agenda")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.agenda.options.focus()

    @property
    def agenda(self) -> EventAgenda:
        return self.query_one(EventAgenda)

    def _heading(self) -> str:
        return t("ui.events_list.heading", days=self.days)

    def _set_status(self, text: str) -> None:
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    def load_data(self, *, first: bool) -> None:
        self._set_status(t("ui.status.loading"))
        username, days, lang = self.actor.username, self.days, language()
        width = self.agenda.width_for_rows
        run_db(
            self,
            lambda: load_agenda(username, days, lang, width),
            done=lambda agenda: self._show(agenda, days),
            failed=self._failed,
            group="events",
        )

    def _show(self, agenda: Agenda, days: int) -> None:
        self._set_status(status_text(agenda, days))
        empty = t("ui.events_list.empty", days=days)
        self.agenda.show(agenda.groups, empty=empty, layout=agenda.layout)

    def _failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self._set_status(t("ui.status.failed"))
        safe.notify(self.app, reason, severity="error")

    def action_refresh(self) -> None:
        self.load_data(first=False)

    def action_next_horizon(self) -> None:
        self.days = HORIZONS[(HORIZONS.index(self.days) + 1) % len(HORIZONS)]
        self.query_one("#list-heading", Label).update(safe.plain_line(self._heading()))
        if self.is_ready:
            self.load_data(first=False)

    def action_close_event(self) -> None:
        record = self.agenda.record_at_cursor()
        if record is not None:
            open_close_event(self, record)

    def action_calendar(self) -> None:
        from crm_tui.screens.calendar import CalendarScreen  # opened rarely: loaded then

        if self.is_ready:
            self.app.push_screen(CalendarScreen(self.actor.username))

    @on(EventAgenda.Opened)
    def _open(self, event: EventAgenda.Opened) -> None:
        open_interaction(self.app, event.record)
