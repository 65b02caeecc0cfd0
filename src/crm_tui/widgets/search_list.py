"""A heading, an incremental search box and a paged table: what the
contacts and opportunities lists share.

Typing narrows the list once the typing pauses, so a name typed quickly
costs one query, not one per letter; Enter searches at once and goes to
the list. The table's `Opened` message bubbles up to the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label

from crm_tui.i18n import t
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.paged_table import Identified, PagedTable, PageSource
from crm_tui.widgets.search_box import SearchBox

# A pause this long after a key press runs the search.
SEARCH_DEBOUNCE_SECONDS = 0.25

T = TypeVar("T", bound=Identified)


@dataclass(frozen=True)
class ListTexts:
    """Message ids of what a list says about itself; `more` and `all` get
    `count`."""

    heading: str
    placeholder: str
    more: str
    all: str
    empty: str


def status_text(texts: ListTexts, state: PagedTable.StateChanged, search: str) -> str:
    """The line beside the heading: how much is shown, or why nothing is."""
    if state.loaded:
        return t(texts.more if state.more else texts.all, count=state.loaded)
    if state.loading:
        return t("ui.status.loading")
    if state.failed:
        return t("ui.status.failed")
    if search:
        return t("ui.status.no_match", search=search)
    return t(texts.empty)


class SearchList(Widget, Generic[T]):
    """Heading with the count shown, a search box (`/`) and `table`, which
    shows `source_for(search)`. Nothing loads until `start` is called (once
    the database is open)."""

    DEFAULT_CSS = """
    SearchList {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "ui.key.search", key_display="/", id="search"),
        Binding("r", "refresh", "ui.key.refresh", id="refresh"),
        Binding("escape", "clear_search", "ui.key.clear_search", show=False, id="clear_search"),
    ]

    def __init__(
        self,
        table: PagedTable[T],
        source_for: Callable[[str], PageSource[T]],
        texts: ListTexts,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        localise_bindings(self)
        self.table = table
        self.source_for = source_for
        self.texts = texts
        self.search: str | None = None
        """The text the table shows the matches of (None: not started)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(t(self.texts.heading)), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield SearchBox(t(self.texts.placeholder), pause=SEARCH_DEBOUNCE_SECONDS, id="search")
        yield self.table

    @property
    def search_input(self) -> SearchBox:
        return self.query_one("#search", SearchBox)

    def start(self) -> None:
        """Show the matches of what the box holds (everything when empty)."""
        self._apply_search(self.search_input.value)

    def reload(self) -> None:
        """The same search again, the cursor staying on its record."""
        if self.search is None:
            self.start()
        else:
            self.table.reload()

    @on(PagedTable.StateChanged)
    def _show_state(self, state: PagedTable.StateChanged) -> None:
        if state.table is not self.table:
            return
        text = status_text(self.texts, state, self.search or "")
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    # -- search ----------------------------------------------------------------

    @on(SearchBox.Search)
    def _search_asked(self, event: SearchBox.Search) -> None:
        event.stop()
        self._apply_search(event.value)
        if event.submitted:
            self.table.focus()

    def _apply_search(self, value: str) -> None:
        search = value.strip()
        # Still the question the table answers (a pause after a key that
        # changed nothing, Enter after the pause): no query.
        if search == self.search:
            return
        self.search = search
        self.table.load(self.source_for(search))

    # -- actions ---------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.search_input.focus()

    def action_clear_search(self) -> None:
        self.search_input.clear_search()
        self._apply_search("")
        self.table.focus()

    def action_refresh(self) -> None:
        self.reload()
