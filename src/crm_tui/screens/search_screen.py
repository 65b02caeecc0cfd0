"""What the contacts and opportunities screens share: a main screen that is
one searchable, paged list, whose rows open another screen."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.widgets import Header

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Identified, PagedTable
from crm_tui.widgets.search_list import SearchList

T = TypeVar("T", bound=Identified)

LIST_ID = "search-list"


class SearchListScreen(CrmScreen[None], Generic[T]):
    """Subclasses say which list (`make_list`) and what Enter on a row
    opens (`open_record`)."""

    def make_list(self) -> SearchList[T]:
        raise NotImplementedError

    def open_record(self, record: T) -> None:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Header()
        search_list = self.make_list()
        search_list.id = LIST_ID
        yield search_list
        yield KeyFooter()

    def on_mount(self) -> None:
        self.search_list.table.focus()

    @property
    def search_list(self) -> SearchList[T]:
        return self.query_one(f"#{LIST_ID}", SearchList)

    def load_data(self, *, first: bool) -> None:
        if first:
            self.search_list.start()
        else:
            self.search_list.reload()

    @on(PagedTable.Opened)
    def _open(self, event: PagedTable.Opened) -> None:
        if event.table is self.search_list.table:
            self.open_record(event.record)
