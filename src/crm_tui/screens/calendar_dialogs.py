"""The calendar's two small questions: which day to go to (typed as
people type dates: "lunes", "12/12", "+3d"), and whose calendar to show
(a supervisor picks from the active people, narrowed fuzzily as a name is
typed). Both keep the focus in their one input: arrows move the choice,
Enter takes it, Escape leaves."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.reassign_dialog import person_label
from crm_tui.services.dates import parse_when
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.records import UserRecord
from crm_tui.services.users import list_users
from crm_tui.services.vocab import fold
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.calendar.goto.title": ("Go to date", "Ir a la fecha"),
        "ui.calendar.goto.placeholder": ("monday, 12/12, +3d", "lunes, 12/12, +3d"),
        "ui.calendar.goto.not_yet": ("→ not a date yet", "→ aún no es una fecha"),
        "ui.calendar.people.title": ("Whose calendar", "Calendario de quién"),
        "ui.calendar.people.placeholder": (
            "Type to filter people",
            "Escriba para filtrar personas",
        ),
        "ui.calendar.people.loading": ("Loading people…", "Cargando personas…"),
        "ui.calendar.people.no_match": ("Nobody matches “{text}”", "Nadie coincide con «{text}»"),
        "ui.calendar.key.go": ("Go", "Ir"),
        "ui.calendar.key.choose": ("Choose", "Elegir"),
        "ui.calendar.key.cancel": ("Cancel", "Cancelar"),
        "ui.calendar.key.next_person": ("Next person", "Siguiente persona"),
        "ui.calendar.key.previous_person": ("Previous person", "Persona anterior"),
    }
)

DIALOG_CSS = """
{name} > .dialog-frame {{
    max-width: 60;
    margin: 1 2;
}}
{name} .dialog-message {{
    width: 1fr;
    height: auto;
    color: $text-muted;
}}
{name} .dialog-message.-problem {{
    color: $error;
}}
"""


def long_day(day: date, lang: str) -> str:
    """`lunes, 23 de noviembre de 2026` / `Monday, November 23, 2026`."""
    from babel.dates import format_date

    return format_date(day, "full", locale="es" if lang == "es" else "en")


def typed_day(text: str) -> date:
    """The day `text` names, or the `error.bad_date` ValidationError."""
    return parse_when(text, now=clock.now(), field_id="day").value.date()


class GoToDateDialog(DialogScreen[date | None]):
    """Dismissed with the day typed, or None when cancelled. The day the
    text means is shown under it while typing."""

    DEFAULT_CSS = DIALOG_CSS.format(name="GoToDateDialog")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go", "ui.calendar.key.go", id="calendar_goto_go"),
        Binding("escape", "cancel", "ui.calendar.key.cancel", id="calendar_goto_cancel"),
    ]

    AUTO_FOCUS = "#calendar-goto-text"

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-frame") as dialog:
            dialog.border_title = t("ui.calendar.goto.title")
            yield Input(
                placeholder=t("ui.calendar.goto.placeholder"),
                id="calendar-goto-text",
                compact=True,
            )
            yield Label(classes="dialog-message", id="calendar-goto-message")
        yield KeyFooter()

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#calendar-goto-message", Label)
        message.update(safe.plain(text))
        message.set_class(problem, "-problem")

    @on(Input.Changed, "#calendar-goto-text")
    def _preview(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self._say("")
            return
        try:
            day = typed_day(event.value)
        except ValidationError:
            self._say(t("ui.calendar.goto.not_yet"))
            return
        self._say(f"→ {long_day(day, language())}")

    @on(Input.Submitted, "#calendar-goto-text")
    def action_go(self) -> None:
        text = self.query_one("#calendar-goto-text", Input).value
        try:
            day = typed_day(text)
        except ValidationError as error:
            self._say(error.message(), problem=True)
            return
        self.dismiss(day)

    def action_cancel(self) -> None:
        self.dismiss(None)


def best_matches(text: str, people: list[UserRecord]) -> list[UserRecord]:
    """The people whose label holds the letters typed in order (any case,
    accents optional), best match first; everyone when nothing is typed."""
    wanted = fold(text).strip()
    if not wanted:
        return people
    matcher = Matcher(wanted)
    scored = [(matcher.match(fold(person_label(person))), person) for person in people]
    return [person for score, person in sorted(scored, key=lambda s: -s[0]) if score > 0]


class PersonChooser(DialogScreen[str | None]):
    """Dismissed with the chosen username, or None when cancelled."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PersonChooser")
        + """
    PersonChooser #calendar-people {
        height: auto;
        max-height: 12;
        margin-top: 1;
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "ui.calendar.key.next_person", show=False, id="people_next"),
        Binding(
            "up", "move(-1)", "ui.calendar.key.previous_person", show=False, id="people_previous"
        ),
        Binding("enter", "choose", "ui.calendar.key.choose", id="people_choose"),
        Binding("escape", "cancel", "ui.calendar.key.cancel", id="people_cancel"),
    ]

    AUTO_FOCUS = "#calendar-people-filter"

    def __init__(self, current: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.current = current
        self.people: list[UserRecord] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-frame") as dialog:
            dialog.border_title = t("ui.calendar.people.title")
            yield Input(
                placeholder=t("ui.calendar.people.placeholder"),
                id="calendar-people-filter",
                compact=True,
            )
            yield OptionList(
                Option(safe.plain_line(t("ui.calendar.people.loading")), disabled=True),
                id="calendar-people",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        run_db(
            self,
            lambda: list_users(active_only=True),
            done=self._loaded,
            failed=self._failed,
            group="calendar-people",
        )

    @property
    def options(self) -> OptionList:
        return self.query_one("#calendar-people", OptionList)

    def _loaded(self, people: list[UserRecord]) -> None:
        self.people = people
        self._show_choices()

    def _failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self.options.set_options([Option(safe.plain_line(reason, "bold"), disabled=True)])

    @on(Input.Changed, "#calendar-people-filter")
    def _show_choices(self) -> None:
        if self.people is None:
            return
        text = self.query_one("#calendar-people-filter", Input).value
        choices = [
            Option(safe.plain_line(person_label(person)), id=person.username)
            for person in best_matches(text, self.people)
        ]
        if not choices:
            no_match = t("ui.calendar.people.no_match", text=text.strip())
            self.options.set_options([Option(safe.plain_line(no_match), disabled=True)])
            return
        self.options.set_options(choices)
        self.options.highlighted = next(
            (i for i, option in enumerate(choices) if option.id == self.current), 0
        )

    def action_move(self, step: int) -> None:
        if step > 0:
            self.options.action_cursor_down()
        else:
            self.options.action_cursor_up()

    @on(Input.Submitted, "#calendar-people-filter")
    def action_choose(self) -> None:
        index = self.options.highlighted
        if index is not None:
            self._choose(self.options.get_option_at_index(index))

    @on(OptionList.OptionSelected, "#calendar-people")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        if option.id is not None and not option.disabled:
            self.dismiss(option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
