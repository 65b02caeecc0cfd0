"""The calendar: one person's events (responsible or creator) a day or an
ISO week (Monday to Sunday) at a time, in every status, the overdue ones
marked in words as well as colour.

The day view lists the day's events in time order, today's split by a
"now" line. The week view shows seven columns side by side on a terminal
at least `WIDE_COLUMNS` wide, and the week as an agenda day by day on a
narrower one. Left/right (`h`/`l`) step a day, or a week in the week view;
`[`/`]` step a week; `t` comes back to today and `g` goes to a typed date.
A role with see-others-calendar can show someone else's calendar with `u`
(without it the key is hidden: everyone sees their own). Enter opens the
event and `D` closes it with a report. (There is no contact here, so new
events are made from a contact or an opportunity, not from the calendar.)

Every move reads the range again in a worker of one exclusive group, so a
held-down key only ever waits for the last answer; the rows are drawn in
that worker too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import ClassVar, Literal

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Header, Label

from crm_tui import clock
from crm_tui.formatting import textual_colour
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.calendar_dialogs import GoToDateDialog, PersonChooser, long_day
from crm_tui.screens.close_event_dialog import open_close_event
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.calendar import (
    CalendarDay,
    CalendarEvent,
    CalendarPage,
    calendar_events,
    event_end,
    is_overdue_event,
)
from crm_tui.services.errors import CrmError
from crm_tui.services.permissions import SEE_OTHERS_CALENDAR
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.vocab import STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.calendar_week import WeekColumn, WeekEntry, WeekGrid
from crm_tui.widgets.event_agenda import AgendaGroup, AgendaLayout, AgendaRow, EventAgenda, lay_out
from crm_tui.widgets.interaction_table import (
    CONTACT_COLUMN,
    STATUS_STYLES,
    TYPE_COLUMN,
    ColumnSpec,
    row_cells,
    subject_preview,
    type_parts,
)
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.permission_gate import add_refusal_keys, gate_allows, refuse, with_access

register(
    {
        "ui.calendar.title": ("Calendar", "Calendario"),
        "ui.calendar.week": ("week {number}, {range}", "semana {number}, {range}"),
        "ui.calendar.overdue": ("⚠ Overdue", "⚠ Vencido"),
        "ui.calendar.today": ("{day} · today", "{day} · hoy"),
        "ui.calendar.now": ("── now {time} ──", "── ahora {time} ──"),
        "ui.calendar.no_events": ("No events", "Sin eventos"),
        "ui.calendar.empty_day": ("{day} · no events", "{day} · sin eventos"),
        "ui.calendar.count": ("Events: {count}", "Eventos: {count}"),
        "ui.calendar.count_overdue": (
            "Events: {count} · overdue: {overdue}",
            "Eventos: {count} · vencidos: {overdue}",
        ),
        "ui.calendar.more": (
            "{count} shown · {more} more not shown",
            "{count} mostrados · {more} más sin mostrar",
        ),
        "ui.calendar.not_open": (
            "This event is done or cancelled already",
            "Este evento ya está completo o cancelado",
        ),
        "ui.calendar.column.time": ("Time", "Hora"),
        "ui.calendar.key.day": ("Day", "Día"),
        "ui.calendar.key.week": ("Week", "Semana"),
        "ui.calendar.key.previous": ("Previous", "Anterior"),
        "ui.calendar.key.next": ("Next", "Siguiente"),
        "ui.calendar.key.previous_week": ("Previous week", "Semana anterior"),
        "ui.calendar.key.next_week": ("Next week", "Semana siguiente"),
        "ui.calendar.key.today": ("Today", "Hoy"),
        "ui.calendar.key.goto": ("Go to date", "Ir a fecha"),
        "ui.calendar.key.user": ("Whose calendar", "Otro usuario"),
    }
)

View = Literal["day", "week"]

# From this many columns the week is seven columns side by side.
WIDE_COLUMNS = 120
DAYS_IN_WEEK = 7
CLOSED_STYLE = "dim"
# Choosing whose calendar: only with see-others-calendar (see permission_gate).
GATES = {"choose_user": SEE_OTHERS_CALENDAR}


# --- what a row shows -------------------------------------------------------------------


def time_range(record: InteractionRecord) -> str:
    """`09:00–10:30`, or `09:00` for an event without an end that day."""
    start = record.starts_at or record.due_at
    end = event_end(record)
    if end > start and end.date() == start.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M}"


def time_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(time_range(record))


def standing(record: InteractionRecord, lang: str, now: datetime) -> tuple[str, str]:
    """How the event stands, in words and a colour: overdue, or its status."""
    if is_overdue_event(record, now):
        return t("ui.calendar.overdue", lang), "bold red"
    return STATUS.label(record.status, lang), STATUS_STYLES.get(record.status, "")


def standing_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    return safe.cell(*standing(record, lang, now))


def subject_cell(record: InteractionRecord, lang: str, now: datetime) -> Text:
    """The subject (and recent note); closed events dimmed."""
    text = subject_preview(record, lang, now)
    if not record.is_open:
        text.stylize(CLOSED_STYLE)
    return text


TIME_COLUMN = ColumnSpec("time", "ui.calendar.column.time", time_cell, max_width=11)
STANDING_COLUMN = ColumnSpec("status", "ui.column.status", standing_cell, max_width=12)
SUBJECT_COLUMN = ColumnSpec(
    "subject", "ui.column.subject", subject_cell, max_width=None, min_width=12, weight=4
)
CALENDAR_COLUMNS = (TIME_COLUMN, TYPE_COLUMN, STANDING_COLUMN, CONTACT_COLUMN, SUBJECT_COLUMN)


def week_prompt(event: CalendarEvent, lang: str, now: datetime) -> Content:
    """An event in a week column: time, type glyph and subject, contact,
    and how it stands unless it is simply pending."""
    record = event.record
    glyph_label, colour = type_parts(record.type, lang)
    glyph = glyph_label.split(" ", 1)[0]
    closed = CLOSED_STYLE if not record.is_open else ""
    lines = [
        Content.styled(time_range(record), "bold"),
        Content.assemble(
            (glyph, textual_colour(colour)), " ", safe.plain_line(record.subject, closed)
        ),
        safe.plain_line(record.contact_name, "$text-muted"),
    ]
    if event.overdue or record.status != "pending":
        lines.append(Content.from_rich_text(standing_cell(record, lang, now)))
    return Content("\n").join(lines)


# --- dates ------------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def day_heading(day: date, lang: str, today: date) -> str:
    """`lunes, 23 de noviembre` / `Monday, November 23`, today said so."""
    from babel.dates import format_date

    pattern = "EEEE, d 'de' MMMM" if lang == "es" else "EEEE, MMMM d"
    label = format_date(day, pattern, locale="es" if lang == "es" else "en")
    label = label[:1].upper() + label[1:]
    return t("ui.calendar.today", lang, day=label) if day == today else label


def short_heading(day: date, lang: str) -> str:
    """`Lun 23` / `Mon 23`: a week column's heading."""
    from babel.dates import format_date

    label = format_date(day, "EEE d", locale="es" if lang == "es" else "en").replace(".", "")
    return label[:1].upper() + label[1:]


def range_label(view: View, anchor: date, lang: str) -> str:
    """`lunes, 23 de noviembre de 2026`, or `semana 48, 23–29 nov 2026`."""
    if view == "day":
        return long_day(anchor, lang)
    from babel.dates import format_interval

    monday = week_start(anchor)
    sunday = monday + timedelta(days=DAYS_IN_WEEK - 1)
    span = format_interval(monday, sunday, "yMMMd", locale="es" if lang == "es" else "en")
    span = span.replace("\u2009", " ")  # babel's thin spaces around the dash
    return t("ui.calendar.week", lang, number=monday.isocalendar().week, range=span)


# --- loading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarQuery:
    """What to show: whose, which view, around which day, for what width."""

    username: str
    viewer: UserRecord
    view: View
    anchor: date
    lang: str
    width: int
    wide: bool  # the week as seven columns

    @property
    def first_day(self) -> date:
        return self.anchor if self.view == "day" else week_start(self.anchor)

    @property
    def days(self) -> int:
        return 1 if self.view == "day" else DAYS_IN_WEEK

    @property
    def as_grid(self) -> bool:
        return self.view == "week" and self.wide


@dataclass(frozen=True)
class CalendarView:
    """A page read and drawn: agenda groups and their layout, or the grid's
    seven columns."""

    query: CalendarQuery
    page: CalendarPage
    groups: tuple[AgendaGroup, ...] = ()
    layout: AgendaLayout | None = None
    columns: tuple[WeekColumn, ...] = ()


def agenda_groups(
    day: CalendarDay, lang: str, now: datetime, *, split_at_now: bool
) -> list[AgendaGroup]:
    """A day's heading over its rows; today's split by a "now" line."""
    rows = [
        AgendaRow(event.record, row_cells(CALENDAR_COLUMNS, event.record, lang, now))
        for event in day.events
    ]
    heading = day_heading(day.day, lang, now.date())
    if not rows:
        return [AgendaGroup(t("ui.calendar.empty_day", lang, day=heading), False, ())]
    if not split_at_now or day.day != now.date():
        return [AgendaGroup(heading, False, tuple(rows))]
    before = tuple(row for row in rows if row.record.due_at < now)
    after = tuple(row for row in rows if row.record.due_at >= now)
    now_line = t("ui.calendar.now", lang, time=f"{now:%H:%M}")
    return [AgendaGroup(heading, False, before), AgendaGroup(now_line, False, after)]


def load_view(query: CalendarQuery) -> CalendarView:
    """Read the range and draw it for `query.width` (queries: in a worker)."""
    now = clock.now()
    page = calendar_events(
        query.username, query.first_day, query.days, viewer=query.viewer, now=now
    )
    lang = query.lang
    if query.as_grid:
        columns = tuple(
            WeekColumn(
                short_heading(day.day, lang),
                day.day == now.date(),
                tuple(WeekEntry(e.record, week_prompt(e, lang, now)) for e in day.events),
                t("ui.calendar.no_events", lang),
            )
            for day in page.days
        )
        return CalendarView(query, page, columns=columns)
    groups = tuple(
        group
        for day in page.days
        for group in agenda_groups(day, lang, now, split_at_now=query.view == "day")
    )
    return CalendarView(query, page, groups, lay_out(CALENDAR_COLUMNS, groups, query.width))


def status_text(page: CalendarPage) -> str:
    count = page.count
    if page.more:
        return t("ui.calendar.more", count=count, more=page.more)
    overdue = sum(event.overdue for day in page.days for event in day.events)
    if overdue:
        return t("ui.calendar.count_overdue", count=count, overdue=overdue)
    return t("ui.calendar.count", count=count)


# --- the screen -------------------------------------------------------------------------


class CalendarScreen(CrmScreen[None]):
    """A person's calendar (the actor's unless `username` says whose)."""

    DEFAULT_CSS = """
    CalendarScreen #calendar-agenda.-hidden, CalendarScreen #calendar-week.-hidden {
        display: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "show_view('day')", "ui.calendar.key.day", id="calendar_day"),
        Binding("w", "show_view('week')", "ui.calendar.key.week", id="calendar_week"),
        Binding("left,h", "step(-1)", "ui.calendar.key.previous", id="calendar_previous"),
        Binding("right,l", "step(1)", "ui.calendar.key.next", id="calendar_next"),
        Binding(
            "left_square_bracket",
            "step_week(-1)",
            "ui.calendar.key.previous_week",
            key_display="[",
            show=False,
            id="calendar_previous_week",
        ),
        Binding(
            "right_square_bracket",
            "step_week(1)",
            "ui.calendar.key.next_week",
            key_display="]",
            show=False,
            id="calendar_next_week",
        ),
        Binding("t", "today", "ui.calendar.key.today", id="calendar_today"),
        # Priority: the agenda's list takes `g` for its first row.
        Binding("g", "go_to", "ui.calendar.key.goto", priority=True, id="calendar_goto"),
        Binding("u", "choose_user", "ui.calendar.key.user", id="calendar_user"),
        Binding("D", "close_event", "ui.close_event.key.open", id="calendar_close_event"),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="calendar_refresh"),
    ]

    def __init__(self, username: str | None = None) -> None:
        super().__init__()
        add_refusal_keys(self, GATES)
        self.username = username  # None: the actor's, known once the database is open
        self.view: View = "week"
        self.shown_day = clock.now().date()
        self.owner_name: str | None = None  # whose calendar, as last read

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(t("ui.calendar.title")), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield EventAgenda(CALENDAR_COLUMNS, id="calendar-agenda")
        yield WeekGrid(id="calendar-week")
        yield KeyFooter()

    @property
    def agenda(self) -> EventAgenda:
        return self.query_one(EventAgenda)

    @property
    def grid(self) -> WeekGrid:
        return self.query_one(WeekGrid)

    @property
    def as_grid(self) -> bool:
        return self.view == "week" and self.size.width >= WIDE_COLUMNS

    def on_mount(self) -> None:
        # Textual calls CrmScreen.on_mount (the first load) after this one.
        self._arrange()

    def on_resize(self) -> None:
        if self.grid.has_class("-hidden") == self.as_grid:  # crossed WIDE_COLUMNS
            self._arrange()
            self.load_data(first=False)

    def _arrange(self) -> None:
        """Show the grid or the agenda, and give it the focus."""
        grid = self.as_grid
        self.grid.set_class(not grid, "-hidden")
        self.agenda.set_class(grid, "-hidden")
        if grid:
            self.grid.focus()
        else:
            self.agenda.options.focus()

    def _set_heading(self) -> None:
        lang = language()
        name = self.owner_name or self.username or self.actor.display_name
        parts = (t("ui.calendar.title"), name, range_label(self.view, self.shown_day, lang))
        self.query_one("#list-heading", Label).update(safe.plain_line(" · ".join(parts)))

    def _set_status(self, text: str) -> None:
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    def load_data(self, *, first: bool) -> None:
        with_access(self)
        actor = self.actor
        query = CalendarQuery(
            username=self.username or actor.username,
            viewer=actor,
            view=self.view,
            anchor=self.shown_day,
            lang=language(),
            width=self.agenda.width_for_rows,
            wide=self.size.width >= WIDE_COLUMNS,
        )
        self._set_heading()
        self._set_status(t("ui.status.loading"))
        run_db(
            self, partial(load_view, query), done=self._show, failed=self._failed, group="calendar"
        )

    def _show(self, shown: CalendarView) -> None:
        self.owner_name = shown.page.user.display_name
        self._set_heading()
        self._set_status(status_text(shown.page))
        if shown.query.as_grid:
            self.grid.show(shown.columns)
        else:
            self.agenda.show(shown.groups, empty=t("ui.calendar.no_events"), layout=shown.layout)

    def _failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self._set_status(t("ui.status.failed"))
        safe.notify(self.app, reason, severity="error")

    def _go(self, *, view: View | None = None, day: date | None = None) -> None:
        self.view = view or self.view
        self.shown_day = day or self.shown_day
        self._arrange()
        if self.is_ready:
            self.load_data(first=False)

    # -- actions -----------------------------------------------------------------------

    def action_show_view(self, view: View) -> None:
        self._go(view=view)

    def action_step(self, step: int) -> None:
        days = DAYS_IN_WEEK if self.view == "week" else 1
        self._go(day=self.shown_day + timedelta(days=step * days))

    def action_step_week(self, step: int) -> None:
        self._go(day=self.shown_day + timedelta(days=step * DAYS_IN_WEEK))

    def action_today(self) -> None:
        self._go(day=clock.now().date())

    def action_go_to(self) -> None:
        self.app.push_screen(GoToDateDialog(), self._went)

    def _went(self, day: date | None) -> None:
        if day is not None:
            self._go(day=day)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return gate_allows(self, GATES, action, parameters)

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_choose_user(self) -> None:
        if not self.is_ready:
            return
        self.app.push_screen(PersonChooser(self.username or self.actor.username), self._chosen)

    def _chosen(self, username: str | None) -> None:
        if username is not None and username != (self.username or self.actor.username):
            self.username = username
            self.owner_name = None
            self._go()

    def action_refresh(self) -> None:
        if self.is_ready:
            self.load_data(first=False)

    def _record_at_cursor(self) -> InteractionRecord | None:
        if self.as_grid:
            return self.grid.record_at_cursor()
        return self.agenda.record_at_cursor()

    def action_close_event(self) -> None:
        record = self._record_at_cursor()
        if record is None:
            return
        if not record.is_open:
            safe.notify(self.app, t("ui.calendar.not_open"), severity="warning")
            return
        open_close_event(self, record)

    @on(EventAgenda.Opened)
    @on(WeekGrid.Opened)
    def _open(self, event: EventAgenda.Opened | WeekGrid.Opened) -> None:
        open_interaction(self.app, event.record)
