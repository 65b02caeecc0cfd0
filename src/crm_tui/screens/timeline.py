"""One opportunity: a header with the opportunity and its contact, its
interactions newest first (search `/`, filters `f`), and its upcoming
events on the right. `c` comments on the opportunity; `H` opens all its
history; `D` on an upcoming event closes it with a report.

The interactions and the events are the opportunity's activities: they
show only to roles with see-activities-opportunity-tab, and only in the
stages configured for it (Settings › Activities by stage); otherwise the
screen says why in their place, and the keys that act on them are hidden.
Deleting an interaction needs delete-interaction.

The events panel needs room the list's columns want at 80 columns, so
below `PANEL_MIN_WIDTH` it starts hidden; `E` shows or hides it at any
width, and that choice holds for every timeline while the app runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.navigation import open_contact, open_interaction
from crm_tui.screens.party import PartyScreen
from crm_tui.screens.stage_dialog import open_stage_dialog
from crm_tui.services.activities_tab import activities_stages, shows_activities
from crm_tui.services.comments import CommentTarget
from crm_tui.services.contacts import STAGE, get_contact_by_id, get_opportunity
from crm_tui.services.errors import CrmError
from crm_tui.services.events import opportunity_upcoming
from crm_tui.services.permissions import SEE_ACTIVITIES
from crm_tui.services.records import (
    ContactRecord,
    InteractionFilter,
    InteractionRecord,
    OpportunityRecord,
)
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.interaction_browser import InteractionBrowser
from crm_tui.widgets.interaction_table import TIMELINE_COLUMNS
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.party_header import PartyHeader
from crm_tui.widgets.permission_gate import (
    Access,
    known_access,
)
from crm_tui.widgets.upcoming_panel import UpcomingPanel

register(
    {
        "ui.timeline.key.contact": ("Open the contact", "Abrir el cliente"),
        "ui.timeline.key.upcoming": ("Upcoming events", "Próximos eventos"),
        "ui.timeline.key.comment": ("Comment", "Comentar"),
        "ui.timeline.key.stage": ("Stage", "Etapa"),
        "ui.timeline.activities_not_in_stage": (
            "Activities are not shown in stage {stage}; Settings › Activities by stage",
            "Las actividades no se muestran en la etapa {stage}; Ajustes › Actividades por etapa",
        ),
    }
)

# Narrower than this, the list keeps the whole width until `E` is pressed.
PANEL_MIN_WIDTH = 100
# Where the app remembers whether the person showed or hid the panel.
PANEL_CHOICE = "timeline.upcoming_shown"


# Actions on the activities: hidden with them.
ACTIVITY_ACTIONS = frozenset({"new", "edit", "delete", "all_history", "toggle_upcoming"})


@dataclass(frozen=True)
class TimelineParty:
    opportunity: OpportunityRecord
    contact: ContactRecord
    activities_stages: frozenset[str] = frozenset()
    """The stages that show the activities (none: every stage)."""


def fetch_opportunity(code: str) -> TimelineParty:
    opportunity = get_opportunity(code)
    return TimelineParty(
        opportunity, get_contact_by_id(opportunity.contact_id), activities_stages()
    )


def activities_hidden_because(party: TimelineParty, access: Access) -> str | None:
    """Why the timeline does not show the opportunity's activities to
    someone with `access`; None when it does."""
    if SEE_ACTIVITIES not in access.permissions:
        return access.refusal(SEE_ACTIVITIES)
    stage = party.opportunity.stage
    if not shows_activities(stage, party.activities_stages):
        return t("ui.timeline.activities_not_in_stage", stage=STAGE.label(stage, language()))
    return None


class TimelineScreen(PartyScreen[TimelineParty]):
    """The timeline of the opportunity with code `code`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("C", "open_contact", "ui.timeline.key.contact", id="open_contact"),
        Binding("E", "toggle_upcoming", "ui.timeline.key.upcoming", id="toggle_upcoming"),
        Binding("c", "comment", "ui.timeline.key.comment", id="comment"),
        Binding("S", "change_stage", "ui.timeline.key.stage", id="change_stage"),
    ]

    DEFAULT_CSS = """
    TimelineScreen #activities-hidden {
        display: none;
        height: 1fr;
        padding: 1 2;
        color: $text-muted;
        text-style: italic;
    }
    TimelineScreen.-no-activities #activities-hidden {
        display: block;
    }
    TimelineScreen.-no-activities #browser {
        display: none;
    }
    """

    kind = "opportunity"
    fetch = staticmethod(fetch_opportunity)

    def compose(self) -> ComposeResult:
        yield Header()
        yield PartyHeader(id="party")
        yield InteractionBrowser(
            t("ui.party.interactions"), TIMELINE_COLUMNS, state_key="timeline", id="browser"
        )
        yield Static(id="activities-hidden")
        yield KeyFooter()

    @on(events.Mount)
    async def _add_panel(self) -> None:
        # Beside the list, under the search box; the filter sidebar takes
        # the other side.
        await self.browser.body.mount(UpcomingPanel(id="upcoming"))
        self._place_panel()
        self.table.focus()

    @property
    def panel(self) -> UpcomingPanel:
        return self.query_one(UpcomingPanel)

    # -- the party -----------------------------------------------------------------

    def access_read(self, access: Access) -> None:
        self._show_or_hide_activities()

    def show_party(self, party: TimelineParty) -> None:
        self.query_one(PartyHeader).show_opportunity(party.opportunity, party.contact)
        self._show_or_hide_activities()

    # -- whether the activities show -----------------------------------------------

    @property
    def activities_hidden(self) -> bool:
        return self.has_class("-no-activities")

    def _show_or_hide_activities(self) -> None:
        """Once both the opportunity and what the user may do are known."""
        access = known_access(self)
        if self.party is None or access is None:
            return
        reason = activities_hidden_because(self.party, access)
        was_hidden = self.activities_hidden
        self.query_one("#activities-hidden", Static).update(safe.plain(reason or ""))
        self.set_class(reason is not None, "-no-activities")
        self._place_panel()
        if reason is not None and self.browser.has_focus_within:
            self.set_focus(None)  # a hidden list must not answer Enter or j/k
        elif reason is None and (was_hidden or self.focused is None):
            self.table.focus()  # shown again (a new stage): back to the list
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ACTIVITY_ACTIONS and self.activities_hidden:
            return False
        return super().check_action(action, parameters)

    @staticmethod
    def code_of(party: TimelineParty) -> str:
        return party.opportunity.code

    @staticmethod
    def scope_of(party: TimelineParty) -> InteractionFilter:
        return InteractionFilter(opportunities=(party.opportunity.code,))

    def new_for(self, party: TimelineParty) -> tuple[str, str | None]:
        return party.opportunity.contact_code, party.opportunity.code

    def all_history(self, party: TimelineParty) -> Screen[None]:
        # Imported when asked for, as `navigation` imports screens.
        from crm_tui.screens.activity import ActivityScreen

        return ActivityScreen(opportunity=party.opportunity)

    # -- comments ------------------------------------------------------------------

    def action_comment(self) -> None:
        if self.party is not None:
            opportunity = self.party.opportunity
            target = CommentTarget(opportunity_id=opportunity.id)
            from crm_tui.screens.comment_dialog import open_comment_box, opportunity_comment_title

            title = opportunity_comment_title(opportunity)
            open_comment_box(self, target, title, lambda _comment: self.refresh_if_stale())

    def action_change_stage(self) -> None:
        if self.party is not None:
            open_stage_dialog(self, self.party.opportunity)

    # -- upcoming events -----------------------------------------------------------

    def load_more(self) -> None:
        run_db(
            self,
            partial(opportunity_upcoming, self.code),
            done=self._show_upcoming,
            failed=self._upcoming_failed,
            group="timeline-upcoming",
        )

    def _show_upcoming(self, records: list[InteractionRecord]) -> None:
        self.panel.show(records, language(), clock.now())

    def _upcoming_failed(self, _error: CrmError | DatabaseError, _reason: str) -> None:
        # The header's query says what is wrong; the panel only says it is empty-handed.
        self.panel.show_failed()

    @on(UpcomingPanel.Opened)
    def _open_event(self, event: UpcomingPanel.Opened) -> None:
        open_interaction(self.app, event.record)

    @on(UpcomingPanel.CloseRequested)
    def _close_event(self, event: UpcomingPanel.CloseRequested) -> None:
        # Imported here: the dialogs pull in triage and recurrence, which
        # the timeline's first frame does not need (issue 8's start-up).
        from crm_tui.screens.close_event_dialog import open_close_event

        open_close_event(self, event.record)

    def selected_record(self) -> InteractionRecord | None:
        if self.panel.has_focus_within:
            return self.panel.highlighted_record()
        return super().selected_record()

    def on_resize(self) -> None:
        self._place_panel()

    def _place_panel(self) -> None:
        if not self.query(UpcomingPanel):
            return  # a resize before the panel is mounted: `_add_panel` places it
        choice = self.crm.view_state.get(PANEL_CHOICE)
        shown = choice if isinstance(choice, bool) else self.size.width >= PANEL_MIN_WIDTH
        shown = shown and not self.activities_hidden
        panel = self.panel
        if not shown and panel.has_focus_within:
            self.table.focus()
        panel.display = shown

    def action_toggle_upcoming(self) -> None:
        self.crm.view_state[PANEL_CHOICE] = not self.panel.display
        self._place_panel()

    # -- the contact ---------------------------------------------------------------

    def action_open_contact(self) -> None:
        if self.party is not None:
            self.go_to_party("contact", self.party.contact.code, open_contact)
