"""A heading, a search box, a filter sidebar and a paged table of
interactions: what the all-interactions list, an opportunity's timeline and
a contact's screen share.

The browser shows the interactions of its `scope` (everything, one
opportunity, one contact), narrowed by `refinement` (what the filter
sidebar, `f`, picks) and by the text in its search box. `scope` stays None
until the database is open, so the first frame never waits for it.

A screen that gives the browser a `state_key` gets its filters back when it
is opened again while the app runs (`CrmApp.view_state[state_key]`), the
sidebar shown or hidden as it was left.

The sidebar is built the first time it shows: hidden, it would be nearly
half the widgets of a timeline (28 of 63) to compose and style before the
first frame. Until then the browser keeps its filters (`filter_state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Label

from crm_tui import clock
from crm_tui.i18n import register, t
from crm_tui.services.permissions import EXPORT
from crm_tui.services.records import InteractionFilter
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.filter_sidebar import (
    NO_FILTERS,
    FilterCounts,
    FilterSidebar,
    FilterState,
    count_filters,
)
from crm_tui.widgets.interaction_table import (
    COLUMNS,
    ColumnSpec,
    InteractionTable,
    RecordPage,
    filtered_source,
)
from crm_tui.widgets.list_timing import FILTER, SEARCH
from crm_tui.widgets.permission_gate import add_refusal_keys, gate_allows, refuse, with_access
from crm_tui.widgets.search_box import SearchBox

register(
    {
        "ui.key.filters": ("Filters", "Filtros"),
        "ui.key.export": ("Export", "Exportar"),
        "ui.key.clear_filters": ("Clear all filters", "Quitar todos los filtros"),
        "ui.key.next_panel": ("Between list and filters", "Entre lista y filtros"),
        "ui.key.previous_panel": (
            "Between list and filters (back)",
            "Entre lista y filtros (atrás)",
        ),
        "ui.status.filters": ("{text} · {count} filters", "{text} · {count} filtros"),
        "ui.status.one_filter": ("{text} · 1 filter", "{text} · 1 filtro"),
        "ui.status.no_match_filters": (
            "Nothing matches the filters",
            "Nada coincide con los filtros",
        ),
    }
)

# Typing pauses this long before the search runs, so a word typed quickly
# costs one query, not one per letter.
SEARCH_DEBOUNCE_SECONDS = 0.3

# Filter changes wait this long before the sidebar's counts are asked for,
# so ticking several options quickly costs one count, not one per tick
# (the list itself reloads at once: its query is cheap).
COUNTS_DEBOUNCE_SECONDS = 0.15

# Narrower than this, the sidebar lies over the list instead of squeezing
# it: the list keeps the columns it had, and the sidebar takes what it
# covers only while it shows.
OVERLAY_BELOW_WIDTH = 100

NO_FILTER = InteractionFilter()

# `x` only for roles with the export permission (see permission_gate).
GATES = {"export": EXPORT}


@dataclass(frozen=True)
class BrowserViewState:
    """What a browser remembers between visits to its screen."""

    filters: FilterState = NO_FILTERS
    sidebar_shown: bool = False


def narrowed(scope: InteractionFilter, refinement: InteractionFilter) -> InteractionFilter:
    """`scope` with every field that `refinement` sets replaced by it (a
    sidebar never widens the scope: it has no opportunity or contact)."""
    changes = {
        field.name: getattr(refinement, field.name)
        for field in fields(InteractionFilter)
        if getattr(refinement, field.name) != getattr(NO_FILTER, field.name)
    }
    return replace(scope, **changes)


def status_text(state: InteractionTable.StateChanged, search: str, filters: int = 0) -> str:
    """The line beside the heading: how much is shown, or why nothing is,
    and how many filters are on."""
    if state.loaded:
        text = t("ui.status.more" if state.more else "ui.status.all", count=state.loaded)
    elif state.loading:
        text = t("ui.status.loading")
    elif state.failed:
        text = t("ui.status.failed")
    elif search.strip():
        text = t("ui.status.no_match", search=search.strip())
    elif filters:
        text = t("ui.status.no_match_filters")
    else:
        text = t("ui.status.empty")
    if filters == 1:
        return t("ui.status.one_filter", text=text)
    if filters:
        return t("ui.status.filters", text=text, count=filters)
    return text


class InteractionBrowser(Widget):
    """Heading with the count shown, a search box (`/`), the filter sidebar
    (`f`) and the table; `x` exports what the table shows (roles with the
    export permission). The table's `Opened` message bubbles up to the
    screen."""

    DEFAULT_CSS = """
    InteractionBrowser {
        height: 1fr;
    }
    InteractionBrowser #browser-body {
        height: 1fr;
        layers: default filters;
    }
    InteractionBrowser FilterSidebar.-overlay {
        layer: filters;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "ui.key.search", key_display="/", id="search"),
        Binding("f", "toggle_filters", "ui.key.filters", id="filters"),
        Binding("F", "clear_filters", "ui.key.clear_filters", show=False, id="clear_filters"),
        Binding("r", "refresh", "ui.key.refresh", id="refresh"),
        Binding("x", "export", "ui.key.export", id="export"),
        Binding("escape", "clear_search", "ui.key.clear_search", show=False, id="clear_search"),
        Binding("tab", "cycle_focus(1)", "ui.key.next_panel", show=False, id="next_panel"),
        Binding(
            "shift+tab",
            "cycle_focus(-1)",
            "ui.key.previous_panel",
            show=False,
            id="previous_panel",
        ),
    ]

    scope: reactive[InteractionFilter | None] = reactive(None, init=False)
    refinement: reactive[InteractionFilter] = reactive(NO_FILTER, init=False)
    search: reactive[str] = reactive("", init=False)
    filters_shown: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        heading: str,
        columns: Sequence[ColumnSpec] = COLUMNS,
        *,
        state_key: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        localise_bindings(self)
        add_refusal_keys(self, GATES)
        self.heading = heading
        self.columns = tuple(columns)
        self.state_key = state_key
        self._counts_timer: Timer | None = None
        self._table_state: InteractionTable.StateChanged | None = None
        self.filter_state: FilterState = NO_FILTERS
        """The sidebar's filters, also while it is not built."""
        self._preloaded: tuple[InteractionFilter, RecordPage] | None = None

    def compose(self) -> ComposeResult:
        remembered = self._saved_state()
        # Before the screen gives the scope, so the first load is already
        # filtered (and without firing the watchers now).
        self.filter_state = remembered.filters
        self.set_reactive(InteractionBrowser.filters_shown, remembered.sidebar_shown)
        self.set_reactive(InteractionBrowser.refinement, remembered.filters.refinement(clock.now()))
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(self.heading), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield SearchBox(t("ui.search.placeholder"), pause=SEARCH_DEBOUNCE_SECONDS, id="search")
        with Horizontal(id="browser-body"):
            if remembered.sidebar_shown:
                yield self._new_sidebar()
            with Vertical(id="browser-list"):
                yield InteractionTable(self.columns, id="interactions")

    def _new_sidebar(self) -> FilterSidebar:
        sidebar = FilterSidebar(self.filter_state, id="filters")
        if self.size.width:  # laid out already (else `on_resize` says)
            sidebar.set_class(self.size.width < OVERLAY_BELOW_WIDTH, "-overlay")
        return sidebar

    def _built_sidebar(self) -> FilterSidebar | None:
        """The sidebar, if it has been shown."""
        found = self.query(FilterSidebar)
        return found.first() if found else None

    def _build_sidebar(self) -> AwaitMount | None:
        """Mount the sidebar (beside the list) the first time it is wanted."""
        if self._built_sidebar() is not None:
            return None
        return self.body.mount(self._new_sidebar(), before="#browser-list")

    def on_resize(self) -> None:
        sidebar = self._built_sidebar()
        if sidebar is not None:
            sidebar.set_class(self.size.width < OVERLAY_BELOW_WIDTH, "-overlay")

    @property
    def table(self) -> InteractionTable:
        return self.query_one(InteractionTable)

    @property
    def sidebar(self) -> FilterSidebar:
        """The filter sidebar (only once it has been shown)."""
        return self.query_one(FilterSidebar)

    @property
    def search_input(self) -> SearchBox:
        return self.query_one("#search", SearchBox)

    @property
    def body(self) -> Horizontal:
        """Where a screen docks a side panel (filters, upcoming events)."""
        return self.query_one("#browser-body", Horizontal)

    def set_heading(self, heading: str) -> None:
        self.heading = heading
        self.query_one("#list-heading", Label).update(safe.plain_line(heading))

    def effective_filter(self) -> InteractionFilter | None:
        """What the table shows: scope, refinement and search together."""
        if self.scope is None:
            return None
        wanted = narrowed(self.scope, self.refinement)
        if self.search:
            wanted = replace(wanted, search=" ".join(filter(None, (wanted.search, self.search))))
        return wanted

    def reload(self) -> None:
        """The same list again (after something changed), and new counts."""
        self.table.reload()
        self._count_soon()
        with_access(self)  # a change may have been to what the user may do

    # -- view state ------------------------------------------------------------

    def watch_scope(self) -> None:
        self._load()

    def watch_refinement(self) -> None:
        self._load(measure=FILTER)

    def watch_search(self) -> None:
        self._load(measure=SEARCH)

    def watch_filters_shown(self, shown: bool) -> None:
        sidebar = self._built_sidebar()
        if sidebar is not None:
            sidebar.display = shown
        elif shown:
            self._build_sidebar()
        if shown:
            self._count_soon()
        self._remember()

    def preload(self, wanted: InteractionFilter, first_page: RecordPage) -> None:
        """The first page of `wanted`, already read: the next load shows it
        without a query if that load is of `wanted` (nothing narrowed it)."""
        self._preloaded = (wanted, first_page)

    def _load(self, *, measure: str | None = None) -> None:
        wanted = self.effective_filter()
        preloaded, self._preloaded = self._preloaded, None
        if wanted is not None:
            page = preloaded[1] if preloaded is not None and preloaded[0] == wanted else None
            self.table.load(filtered_source(wanted), measure=measure, first_page=page)
            self._count_soon()
            with_access(self)

    def _saved_state(self) -> BrowserViewState:
        if self.state_key is None:
            return BrowserViewState()
        saved = self._view_states().get(self.state_key)
        return saved if isinstance(saved, BrowserViewState) else BrowserViewState()

    def _remember(self) -> None:
        if self.state_key is not None:
            self._view_states()[self.state_key] = BrowserViewState(
                self.filter_state, self.filters_shown
            )

    def _view_states(self) -> dict[str, object]:
        """`CrmApp.view_state`; a browser in another app (a widget test)
        remembers nothing."""
        states = getattr(self.app, "view_state", None)
        return states if isinstance(states, dict) else {}

    @on(InteractionTable.StateChanged)
    def _table_changed(self, state: InteractionTable.StateChanged) -> None:
        self._table_state = state
        self._show_status()

    def _show_status(self) -> None:
        if self._table_state is None:
            return
        filters = self.filter_state.active_sections
        text = status_text(self._table_state, self.search, filters)
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    # -- the filter sidebar ----------------------------------------------------

    @on(FilterSidebar.Changed)
    def _filters_changed(self, event: FilterSidebar.Changed) -> None:
        event.stop()
        self._use_filters(event.state, event.refinement)

    def _use_filters(self, state: FilterState, refinement: InteractionFilter) -> None:
        """The list as `state` filters it (`refinement`, what it means now)."""
        self.filter_state = state
        self.refinement = refinement
        self._remember()
        self._show_status()

    @on(FilterSidebar.Left)
    def _filters_left(self, event: FilterSidebar.Left) -> None:
        event.stop()
        self.table.focus()

    def _count_soon(self) -> None:
        """Counts for the sidebar after a short pause (only while it shows:
        a hidden sidebar costs no query)."""
        if self._counts_timer is not None:
            self._counts_timer.stop()
            self._counts_timer = None
        if self.filters_shown and self.scope is not None:
            self._counts_timer = self.set_timer(COUNTS_DEBOUNCE_SECONDS, self._count)

    def _count(self) -> None:
        self._counts_timer = None
        wanted = self.effective_filter()
        if wanted is None or not self.filters_shown:
            return
        run_db(self, lambda: count_filters(wanted), done=self._show_counts, group="filter-counts")

    def _show_counts(self, counts: FilterCounts) -> None:
        sidebar = self._built_sidebar()
        if sidebar is not None:
            sidebar.show_counts(counts)

    # -- search ----------------------------------------------------------------

    @on(SearchBox.Search)
    def _search_asked(self, event: SearchBox.Search) -> None:
        event.stop()
        self.search = event.value
        if event.submitted:
            self.table.focus_with_rows()

    # -- actions ---------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return gate_allows(self, GATES, action, parameters)

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_focus_search(self) -> None:
        self.search_input.focus()

    def action_clear_search(self) -> None:
        self.search_input.clear_search()
        self.search = ""
        self.table.focus_with_rows()

    def action_refresh(self) -> None:
        self.reload()

    def action_export(self) -> None:
        """`x`: what the table shows (scope, filters and search) to a file."""
        wanted = self.effective_filter()
        if wanted is None:
            return  # the database is not open yet: nothing is shown to export
        from crm_tui.screens.export_dialog import ExportDialog

        self.app.push_screen(ExportDialog(wanted))

    async def action_toggle_filters(self) -> None:
        """`f`: show the filters and go to them, or hide them and go back
        to the list."""
        if not self.filters_shown:
            built = self._build_sidebar()
            if built is not None:
                await built  # in the focus chain before it is focused
        self.filters_shown = not self.filters_shown
        if self.filters_shown:
            # Once laid out: a hidden sidebar has nothing in the focus chain.
            self.call_after_refresh(self._focus_filters)
        else:
            self.table.focus()

    def _focus_filters(self) -> None:
        ring = self._focus_ring()
        if len(ring) > 1:
            ring[1].focus()

    def action_clear_filters(self) -> None:
        sidebar = self._built_sidebar()
        if sidebar is not None:
            sidebar.clear()
        elif self.filter_state != NO_FILTERS:
            # Remembered from an earlier visit, the sidebar not shown since.
            self._use_filters(NO_FILTERS, NO_FILTERS.refinement(clock.now()))

    def action_cycle_focus(self, step: int) -> None:
        """Tab: from the list into the filters, through them and back to
        the list; elsewhere (the search box, a side panel) as usual."""
        ring = self._focus_ring()
        focused = self.screen.focused
        if focused in ring and len(ring) > 1:
            ring[(ring.index(focused) + step) % len(ring)].focus()
        elif step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def _focus_ring(self) -> list[Widget]:
        """The table, then what can take focus in the sidebar when it shows."""
        if not self.filters_shown:
            return [self.table]
        sidebar = self.sidebar
        return [
            self.table,
            *(widget for widget in self.screen.focus_chain if sidebar in widget.ancestors),
        ]
