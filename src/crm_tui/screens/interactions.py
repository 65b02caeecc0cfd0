"""All interactions, newest first, with a full-text search: the screen a
person lands on. A screen pop (`--opportunity`, `--contact`) narrows it to
one opportunity or contact and says so in its heading."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label

from crm_tui.i18n import t
from crm_tui.services.records import InteractionFilter
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.interaction_table import InteractionTable, filtered_source

# Typing pauses this long before the search runs, so a word typed quickly
# costs one query, not one per letter.
SEARCH_DEBOUNCE_SECONDS = 0.3


@dataclass(frozen=True)
class ListScope:
    """What the list is narrowed to, and the heading that says so
    ("" for the unfiltered list)."""

    filter: InteractionFilter = InteractionFilter()
    heading: str = ""


def status_text(state: InteractionTable.StateChanged, search: str) -> str:
    """The line beside the heading: how much is shown, or why nothing is."""
    if state.loaded:
        return t("ui.status.more" if state.more else "ui.status.all", count=state.loaded)
    if state.loading:
        return t("ui.status.loading")
    if state.failed:
        return t("ui.status.failed")
    if search.strip():
        return t("ui.status.no_match", search=search.strip())
    return t("ui.status.empty")


class InteractionsScreen(Screen[None]):
    """The list of interactions. `scope` stays None until the database is
    open (the app sets it), so the first frame never waits for it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "ui.key.search", key_display="/", id="search"),
        Binding("r", "refresh", "ui.key.refresh", id="refresh"),
        Binding("escape", "clear_search", "ui.key.clear_search", show=False, id="clear_search"),
    ]

    scope: reactive[ListScope | None] = reactive(None, init=False)
    search: reactive[str] = reactive("", init=False)

    def __init__(self) -> None:
        super().__init__()
        localise_bindings(self)
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(t("ui.list.all")), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield Input(placeholder=t("ui.search.placeholder"), id="search", compact=True)
        yield InteractionTable(id="interactions")
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> InteractionTable:
        return self.query_one(InteractionTable)

    @property
    def search_input(self) -> Input:
        return self.query_one("#search", Input)

    # -- view state --------------------------------------------------------------

    def watch_scope(self, scope: ListScope | None) -> None:
        heading = scope.heading if scope and scope.heading else t("ui.list.all")
        self.query_one("#list-heading", Label).update(safe.plain_line(heading))
        self._load()

    def watch_search(self) -> None:
        self._load()

    def _load(self) -> None:
        if self.scope is None:
            return
        wanted = replace(self.scope.filter, search=self.search)
        self.table.load(filtered_source(wanted))

    @on(InteractionTable.StateChanged)
    def _show_state(self, state: InteractionTable.StateChanged) -> None:
        text = status_text(state, self.search)
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    @on(InteractionTable.Opened)
    def _open(self, event: InteractionTable.Opened) -> None:
        from crm_tui.screens.interaction_detail import InteractionDetailScreen

        self.app.push_screen(InteractionDetailScreen(event.record))

    # -- search ------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_typed(self, event: Input.Changed) -> None:
        self._cancel_pending_search()
        value = event.value
        self._search_timer = self.set_timer(
            SEARCH_DEBOUNCE_SECONDS, lambda: self._apply_search(value)
        )

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._cancel_pending_search()
        self._apply_search(event.value)
        self.table.focus()

    def _apply_search(self, value: str) -> None:
        self.search = value.strip()

    def _cancel_pending_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None

    # -- actions -----------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.search_input.focus()

    def action_clear_search(self) -> None:
        self._cancel_pending_search()
        self.search_input.value = ""
        self.search = ""
        self.table.focus()

    def action_refresh(self) -> None:
        self.table.reload()
