"""What an opportunity's timeline and a contact's screen share: a header
about the party (opportunity or contact) over its interactions, the same
keys to create, edit, delete, open and refresh them, and `H` for all the
party's history.

The party is looked up by code in a worker; the list is scoped to the
code the database answered with, so it never loads before the party is
known. A code that does not exist (any more) is a toast and back. A
screen pop's screen comes with its party and its first page already read
(`PartyScreen.read_ahead`, beside the database's opening), so its rows are
in its first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from peewee import DatabaseError
from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from crm_tui.i18n import register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.interaction_actions import confirm_delete, start_edit, start_new_interaction
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.permissions import DELETE_INTERACTION
from crm_tui.services.records import InteractionFilter, InteractionRecord
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.interaction_table import InteractionTable, RecordPage, filtered_source
from crm_tui.widgets.permission_gate import (
    Access,
    add_refusal_keys,
    gate_allows,
    refuse,
    with_access,
)

register(
    {
        "ui.party.key.new": ("New", "Nueva"),
        "ui.party.key.edit": ("Edit", "Editar"),
        "ui.party.key.delete": ("Delete", "Borrar"),
        "ui.party.key.all_history": ("All history", "Todo el historial"),
        "ui.party.interactions": ("Interactions", "Interacciones"),
        "ui.party.nothing_selected": (
            "Select an interaction first",
            "Seleccione antes una interacción",
        ),
    }
)

PartyT = TypeVar("PartyT")


@dataclass(frozen=True)
class PartyRead(Generic[PartyT]):
    """A party and the first page of its interactions (of `scope`), read
    by `screen_class.read_ahead` before its screen opened."""

    screen_class: type[PartyScreen[PartyT]]
    party: PartyT
    scope: InteractionFilter
    first_page: RecordPage

    def screen(self) -> PartyScreen[PartyT]:
        """The party's screen, showing what was read (build it on the UI
        thread)."""
        return self.screen_class(self.screen_class.code_of(self.party), self)


# Keys that need a permission: hidden without it (see widgets.permission_gate).
GATES = {"delete": DELETE_INTERACTION}


class PartyScreen(CrmScreen[None], Generic[PartyT]):
    """A screen about one party, found by `code`. Subclasses say how to
    fetch it (`fetch`, run in a worker), show it (`show_party`), which
    interactions are its own (`scope_of`) and whom a new one is for."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "ui.party.key.new", id="new"),
        Binding("e", "edit", "ui.party.key.edit", id="edit"),
        Binding("delete", "delete", "ui.party.key.delete", key_display="del", id="delete"),
        Binding("H", "all_history", "ui.party.key.all_history", id="all_history"),
        # The list's own `r` reloads only the list; this one reloads the
        # whole screen, so it comes first (but never takes an `r` typed
        # into a text box: see check_action).
        Binding("r", "refresh", "ui.key.refresh", priority=True, id="refresh"),
    ]

    kind: ClassVar[str]
    """Which party a screen of this class shows: "opportunity" or "contact"."""

    def __init__(self, code: str, read: PartyRead[PartyT] | None = None) -> None:
        """`read`: the party of `code` and its first page (`read_ahead`),
        shown on the first load instead of reading them again."""
        super().__init__()
        self.code = code.strip()
        self.party: PartyT | None = None
        self._read = read
        add_refusal_keys(self, GATES)

    @classmethod
    def read_ahead(cls, code: str) -> PartyRead[PartyT]:
        """What the screen of `code` shows first, read before it opens
        (service calls only: runs in a worker)."""
        party = cls.fetch(code)
        scope = cls.scope_of(party)
        return PartyRead(cls, party, scope, filtered_source(scope)(None))

    # -- what a subclass provides ----------------------------------------------------

    @staticmethod
    def fetch(code: str) -> PartyT:
        """The party with this code (service calls only: runs in a worker)."""
        raise NotImplementedError

    def show_party(self, party: PartyT) -> None:
        raise NotImplementedError

    @staticmethod
    def code_of(party: PartyT) -> str:
        raise NotImplementedError

    @staticmethod
    def scope_of(party: PartyT) -> InteractionFilter:
        raise NotImplementedError

    def new_for(self, party: PartyT) -> tuple[str, str | None]:
        """(contact code, opportunity code) of a new interaction."""
        raise NotImplementedError

    def all_history(self, party: PartyT) -> Screen[None]:
        """The screen of all the party's history (`H`)."""
        raise NotImplementedError

    def load_more(self) -> None:
        """Anything else the screen shows, (re)loaded with the party."""

    # -- loading -----------------------------------------------------------------------

    @property
    def browser(self) -> InteractionBrowser:
        return self.query_one(InteractionBrowser)

    @property
    def table(self) -> InteractionTable:
        return self.browser.table

    def access_read(self, access: Access) -> None:
        """What the user may do is known (again); the keys already follow."""

    def load_data(self, *, first: bool) -> None:
        with_access(self, self.access_read)
        read, self._read = self._read, None
        if first and read is not None:
            self.browser.preload(read.scope, read.first_page)
            self._party_loaded(read.party)
        else:
            run_db(
                self,
                partial(self.fetch, self.code),
                done=self._party_loaded,
                failed=self._party_failed,
                group=f"{self.kind}-party",
            )
        if not first:
            self.browser.reload()
        self.load_more()

    def _party_loaded(self, party: PartyT) -> None:
        self.party = party
        self.code = self.code_of(party)
        self.show_party(party)
        if self.browser.scope is None:
            self.browser.scope = self.scope_of(party)

    def _party_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(self.app, reason, severity="error")
        if isinstance(error, NotFound) and self.is_current:
            self.dismiss()

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not gate_allows(self, GATES, action, parameters):
            return False
        # In a text box the key is a letter of what is being typed.
        return not (action == "refresh" and isinstance(self.focused, Input))

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_refresh(self) -> None:
        if self.is_ready:
            self.load_data(first=False)

    def action_all_history(self) -> None:
        if self.party is not None:
            self.app.push_screen(self.all_history(self.party))

    def action_new(self) -> None:
        if self.party is None:
            return  # not loaded yet: nobody to create it for
        contact, opportunity = self.new_for(self.party)
        start_new_interaction(self, contact=contact, opportunity=opportunity, on_done=self._written)

    def selected_record(self) -> InteractionRecord | None:
        """What `e` and `delete` act on: the row under the list's cursor."""
        return self.table.record_at_cursor()

    def _with_selected(self, act: Callable[[InteractionRecord], Any]) -> None:
        record = self.selected_record()
        if record is None:
            safe.notify(self.app, t("ui.party.nothing_selected"), severity="warning")
            return
        act(record)

    def action_edit(self) -> None:
        self._with_selected(lambda record: start_edit(self, record, on_done=self._written))

    def action_delete(self) -> None:
        self._with_selected(lambda record: confirm_delete(self, record, on_done=self._written))

    def _written(self, _record: InteractionRecord) -> None:
        # A form reports its save before it closes, and this screen reloads
        # when shown again; a delete is written after its dialog closed, so
        # the reload has to be asked for here.
        self.refresh_if_stale()

    @on(InteractionTable.Opened)
    def _open_interaction(self, event: InteractionTable.Opened) -> None:
        open_interaction(self.app, event.record)

    def go_to_party(self, kind: str, code: str, opener: Callable[[Any, str], None]) -> None:
        """Open the screen of another party, or go back to it when it is
        the one this screen was opened from (contact → timeline → contact
        does not pile up screens)."""
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if isinstance(below, PartyScreen) and below.kind == kind and below.code == code:
            self.dismiss()
        else:
            opener(self.app, code)
