"""The filter sidebar (`f`): type, responsible, status, date range, tags,
direction and free text, each option with how many interactions it would
match.

Sections combine with AND, the options ticked within one with OR. What is
ticked is a `FilterState` (a frozen value the browser keeps per screen
while the app runs); every change a person makes posts
`FilterSidebar.Changed` with the filter it means. The counts are asked for
by the browser (it knows the list's scope and search) and handed in with
`show_counts`; they are written into the options in place, so focus,
highlight and ticks never move under the person.

Type labels, user names and tags are user data: every option is built
from safe Content, never from a markup string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label

from crm_tui import clock
from crm_tui.formatting import textual_colour
from crm_tui.i18n import language, register, t
from crm_tui.services.dates import PRESETS, format_interchange, parse_range_bound, preset_range
from crm_tui.services.errors import ValidationError
from crm_tui.services.facets import Facets, facet_counts, tag_counts
from crm_tui.services.records import InteractionFilter, TypeRecord, UserRecord
from crm_tui.services.types import list_types
from crm_tui.services.users import list_users
from crm_tui.services.vocab import DIRECTION, STATUS, Vocabulary
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.choice_list import Choice, ChoiceList, format_count
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.interaction_table import type_parts
from crm_tui.widgets.search_box import SearchBox

register(
    {
        "ui.filters.title": ("Filters", "Filtros"),
        "ui.filters.title_total": ("Filters · {count} match", "Filtros · {count} coinciden"),
        "ui.filters.type": ("Type", "Tipo"),
        "ui.filters.user": ("Responsible", "Responsable"),
        "ui.filters.pool": ("Shared pool", "Bolsa común"),
        "ui.filters.status": ("Status", "Estado"),
        "ui.filters.date": ("Date", "Fecha"),
        "ui.filters.period.any": ("Any date", "Cualquier fecha"),
        "ui.filters.period.today": ("Today", "Hoy"),
        "ui.filters.period.this_week": ("This week", "Esta semana"),
        "ui.filters.period.last_30_days": ("Last 30 days", "Últimos 30 días"),
        "ui.filters.period.custom": ("Custom range", "Rango propio"),
        "ui.filters.since": ("Since", "Desde"),
        "ui.filters.until": ("Until", "Hasta"),
        "ui.filters.range_placeholder": ("date, Enter applies", "fecha, Intro aplica"),
        "ui.filters.tags": ("Tags (most used)", "Etiquetas (más usadas)"),
        "ui.filters.no_tags": ("none in this list", "ninguna en esta lista"),
        "ui.filters.direction": ("Direction", "Dirección"),
        "ui.filters.text": ("Text", "Texto"),
        "ui.filters.text_placeholder": ("subject, note, comments", "asunto, nota, comentarios"),
        "ui.filters.clear": ("Clear all filters", "Quitar todos los filtros"),
        "ui.key.leave_filters": ("Back to the list", "Volver a la lista"),
    }
)

ANY_DATE = "any"
CUSTOM_RANGE = "custom"
PERIODS = (ANY_DATE, *PRESETS, CUSTOM_RANGE)

POOL = ""
"""The shared pool's option among the users (no username is empty)."""

TEXT_DEBOUNCE_SECONDS = 0.3
"""Typing in the text filter pauses this long before it applies, as the
search box does."""


@dataclass(frozen=True)
class FilterState:
    """What is ticked and typed in the sidebar. A date preset is kept by
    name, so "today" is today whenever the filter is applied again; a
    custom range keeps the bounds last applied (Enter) and their text."""

    types: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    pool: bool = False
    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    period: str = ANY_DATE
    since_text: str = ""
    until_text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""

    def date_range(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        if self.period == CUSTOM_RANGE:
            return self.since, self.until
        if self.period in PRESETS:
            return preset_range(self.period, now)
        return None, None

    def refinement(self, now: datetime) -> InteractionFilter:
        """The filter this state means, with presets taken relative to `now`."""
        since, until = self.date_range(now)
        return InteractionFilter(
            types=self.types,
            users=self.users,
            unassigned=self.pool,
            statuses=self.statuses,
            tags=self.tags,
            directions=self.directions,
            since=since,
            until=until,
            search=self.text.strip(),
        )

    @property
    def active_sections(self) -> int:
        """How many sections narrow the list (for "3 filters")."""
        dated = self.period not in (ANY_DATE, CUSTOM_RANGE) or (
            self.period == CUSTOM_RANGE and (self.since is not None or self.until is not None)
        )
        return sum(
            (
                bool(self.types),
                bool(self.users) or self.pool,
                bool(self.statuses),
                dated,
                bool(self.tags),
                bool(self.directions),
                bool(self.text.strip()),
            )
        )


NO_FILTERS = FilterState()


@dataclass(frozen=True)
class FilterCounts:
    """Everything the sidebar's options show, fetched in one worker: the
    types and users that exist, and the counts under the current filter."""

    types: list[TypeRecord]
    users: list[UserRecord]
    facets: Facets
    tags: list[tuple[str, int]]


def count_filters(f: InteractionFilter) -> FilterCounts:
    """The options and their counts under `f` (queries: call it from a
    worker). Tags are counted without the tag filter itself, so ticking one
    tag still shows the others to add (OR)."""
    return FilterCounts(
        types=list_types(),
        users=list_users(),
        facets=facet_counts(f),
        tags=tag_counts(replace(f, tags=())),
    )


# -- the widget ---------------------------------------------------------------


def _section(key: str) -> Label:
    return Label(safe.plain_line(t(key)), classes="filter-section")


def _vocabulary_choices(
    vocabulary: Vocabulary, counts: dict[str, int] | None, lang: str
) -> list[Choice]:
    return [
        Choice(
            term.code,
            safe.plain_line(term.label(lang)),
            None if counts is None else counts.get(term.code, 0),
        )
        for term in vocabulary.terms
    ]


def _type_choice(record: TypeRecord, count: int, lang: str) -> Choice:
    label, colour = type_parts(record, lang)
    return Choice(record.code, safe.plain_line(label, textual_colour(colour)), count)


def _ticked(values: Sequence[str], selected: Sequence[str]) -> tuple[str, ...]:
    """The ticked values in the order the options show them."""
    chosen = set(selected)
    return tuple(value for value in values if value in chosen)


class FilterSidebar(VerticalScroll, can_focus=False):
    """The filters of one interaction list; hidden until the browser shows it."""

    DEFAULT_CSS = """
    FilterSidebar {
        dock: left;
        width: 32;
        height: 1fr;
        border-right: vkey $border;
        background: $surface;
        scrollbar-size-vertical: 1;
        padding: 0 1 0 0;
    }
    FilterSidebar #filters-title {
        width: 1fr;
        padding: 0 1;
        text-style: bold;
        color: $text;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    FilterSidebar .filter-section {
        width: 1fr;
        margin-top: 1;
        padding: 0 1;
        text-style: bold;
        color: $text-muted;
    }
    FilterSidebar ChoiceList {
        padding: 0 0 0 1;
    }
    FilterSidebar Input {
        margin: 0 0 0 1;
    }
    FilterSidebar FormField .form-label {
        width: 7;
        padding: 0 1;
    }
    FilterSidebar FormField .form-error {
        margin-left: 1;
    }
    FilterSidebar #filter-no-tags {
        display: none;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
    }
    FilterSidebar #filter-clear {
        margin: 1 0 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "ui.key.leave_filters", show=False, id="leave_filters"),
    ]

    @dataclass
    class Changed(Message):
        """The person changed a filter: `refinement` is what it now means."""

        sidebar: FilterSidebar
        refinement: InteractionFilter
        state: FilterState

        @property
        def control(self) -> FilterSidebar:
            return self.sidebar

    @dataclass
    class Left(Message):
        """Escape: the person is done with the filters."""

        sidebar: FilterSidebar

        @property
        def control(self) -> FilterSidebar:
            return self.sidebar

    def __init__(self, state: FilterState = NO_FILTERS, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localise_bindings(self)
        self.state = state
        self._counts: FilterCounts | None = None

    def compose(self) -> ComposeResult:
        yield Label(safe.plain_line(t("ui.filters.title")), id="filters-title")
        yield _section("ui.filters.type")
        yield ChoiceList(id="filter-types")
        yield _section("ui.filters.user")
        yield ChoiceList(id="filter-users")
        yield _section("ui.filters.status")
        yield ChoiceList(id="filter-statuses")
        yield _section("ui.filters.date")
        yield ChoiceList(single=True, id="filter-period")
        for bound in ("since", "until"):
            yield FormField(
                t(f"ui.filters.{bound}"),
                Input(
                    placeholder=t("ui.filters.range_placeholder"),
                    id=f"filter-{bound}",
                    compact=True,
                ),
            )
        yield _section("ui.filters.tags")
        yield ChoiceList(id="filter-tags")
        yield Label(safe.plain_line(t("ui.filters.no_tags")), id="filter-no-tags")
        yield _section("ui.filters.direction")
        yield ChoiceList(id="filter-directions")
        yield _section("ui.filters.text")
        yield SearchBox(
            t("ui.filters.text_placeholder"), pause=TEXT_DEBOUNCE_SECONDS, id="filter-text"
        )
        yield Button(Content(t("ui.filters.clear")), id="filter-clear", compact=True, flat=True)

    def on_mount(self) -> None:
        self._show_options()
        self._show_state()

    # -- widgets -----------------------------------------------------------------

    def _list(self, name: str) -> ChoiceList:
        return self.query_one(f"#filter-{name}", ChoiceList)

    def _input(self, name: str) -> Input:
        return self.query_one(f"#filter-{name}", Input)

    def _field(self, name: str) -> FormField:
        return self.query_one(f"#filter-{name}-field", FormField)

    # -- what the options and ticks show -----------------------------------------

    def show_counts(self, counts: FilterCounts) -> None:
        """New options and counts (after any filter or data change)."""
        self._counts = counts
        if self.is_mounted:
            self._show_options()

    def _show_options(self) -> None:
        lang = language()
        counts = self._counts
        state = self.state
        facets = counts.facets if counts else None
        self._list("period").set_choices(
            [Choice(name, safe.plain_line(t(f"ui.filters.period.{name}"))) for name in PERIODS],
            [state.period],
        )
        self._list("statuses").set_choices(
            _vocabulary_choices(STATUS, facets.statuses if facets else None, lang),
            state.statuses,
        )
        self._list("directions").set_choices(
            _vocabulary_choices(DIRECTION, facets.directions if facets else None, lang),
            state.directions,
        )
        title = t("ui.filters.title")
        if counts is not None and facets is not None:
            title = t("ui.filters.title_total", count=format_count(facets.total, lang))
            self._list("types").set_choices(
                [
                    _type_choice(record, facets.types.get(record.code, 0), lang)
                    for record in counts.types
                ],
                state.types,
            )
            self._list("users").set_choices(self._user_choices(counts), self._ticked_users())
            tags = self._tag_choices(counts)
            self._list("tags").set_choices(tags, state.tags)
            self.query_one("#filter-no-tags", Label).display = not tags
        self.query_one("#filters-title", Label).update(safe.plain_line(title))

    def _user_choices(self, counts: FilterCounts) -> list[Choice]:
        users = counts.facets.users
        choices = [
            Choice(POOL, safe.plain_line(t("ui.filters.pool"), "italic"), users.get(None, 0))
        ]
        choices += [
            Choice(user.username, safe.plain_line(user.display_name), users.get(user.username, 0))
            for user in counts.users
        ]
        return choices

    def _tag_choices(self, counts: FilterCounts) -> list[Choice]:
        """The most used tags, plus any ticked one that is not among them
        (so it can always be unticked)."""
        shown = dict(counts.tags)
        names = [name for name, _count in counts.tags]
        names += sorted(name for name in self.state.tags if name not in shown)
        return [Choice(name, safe.plain_line(name), shown.get(name)) for name in names]

    def _ticked_users(self) -> tuple[str, ...]:
        return (*((POOL,) if self.state.pool else ()), *self.state.users)

    def _show_state(self) -> None:
        """Ticks and texts as `self.state` says (after a restore or clear)."""
        state = self.state
        self._list("types").set_selected(state.types)
        self._list("users").set_selected(self._ticked_users())
        self._list("statuses").set_selected(state.statuses)
        self._list("period").set_selected([state.period])
        self._list("tags").set_selected(state.tags)
        self._list("directions").set_selected(state.directions)
        self._input("since").value = state.since_text
        self._input("until").value = state.until_text
        self._input("text").value = state.text
        self._field("since").show_errors([])
        self._field("until").show_errors([])

    # -- changes the person makes ------------------------------------------------

    def _apply(self, state: FilterState) -> None:
        if state == self.state:
            return
        self.state = state
        self.post_message(self.Changed(self, state.refinement(clock.now()), state))

    def clear(self) -> None:
        """Every filter off (the clear key and button)."""
        self.query_one("#filter-text", SearchBox).cancel_pending()
        if self.state == NO_FILTERS:
            return
        self._apply(NO_FILTERS)
        self._show_state()

    @on(ChoiceList.SelectionToggled)
    def _toggled(self, event: ChoiceList.SelectionToggled[str]) -> None:
        event.stop()
        choices = event.selection_list
        assert isinstance(choices, ChoiceList)
        if choices.id == "filter-period":
            self._choose_period(event.selection.value)
            return
        ticked = _ticked(choices.values, choices.selected)
        state = self.state
        if choices.id == "filter-types":
            state = replace(state, types=ticked)
        elif choices.id == "filter-users":
            users = tuple(name for name in ticked if name != POOL)
            state = replace(state, users=users, pool=POOL in ticked)
        elif choices.id == "filter-statuses":
            state = replace(state, statuses=ticked)
        elif choices.id == "filter-tags":
            state = replace(state, tags=ticked)
        elif choices.id == "filter-directions":
            state = replace(state, directions=ticked)
        self._apply(state)

    def _choose_period(self, period: str) -> None:
        """One period at a time; unticking the current one means any date.
        A custom range applies what the two inputs hold."""
        periods = self._list("period")
        if period not in periods.selected:
            period = ANY_DATE
        if period == CUSTOM_RANGE:
            if not self._apply_range():
                periods.set_selected([self.state.period])
            return
        periods.set_selected([period])
        self._apply(replace(self.state, period=period))

    @on(Input.Submitted, "#filter-since, #filter-until")
    def _range_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply_range()

    def _apply_range(self) -> bool:
        """Read both bounds (natural dates, either may be empty); a wrong
        one keeps its text and says why under it. True when applied."""
        now = clock.now()
        since_text = self._input("since").value
        until_text = self._input("until").value
        bounds: dict[str, datetime | None] = {}
        for name, text, end in (("since", since_text, False), ("until", until_text, True)):
            errors: list[str] = []
            bounds[name] = None
            if text.strip():
                try:
                    bounds[name] = parse_range_bound(text, end=end, now=now, field_id=name)
                except ValidationError as error:
                    errors = error.for_field(name)
            self._field(name).show_errors(errors)
        since, until = bounds["since"], bounds["until"]
        if since is not None and until is not None and until < since:
            self._field("until").show_errors(
                [
                    t(
                        "error.end_before_start",
                        end=format_interchange(until),
                        start=format_interchange(since),
                    )
                ]
            )
            return False
        if self._field("since").has_error or self._field("until").has_error:
            return False
        self._list("period").set_selected([CUSTOM_RANGE])
        self._apply(
            replace(
                self.state,
                period=CUSTOM_RANGE,
                since_text=since_text.strip(),
                until_text=until_text.strip(),
                since=since,
                until=until,
            )
        )
        return True

    @on(SearchBox.Search, "#filter-text")
    def _text_asked(self, event: SearchBox.Search) -> None:
        event.stop()
        self._apply(replace(self.state, text=event.value))

    @on(Button.Pressed, "#filter-clear")
    def _clear_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.clear()

    def action_leave(self) -> None:
        self.post_message(self.Left(self))
