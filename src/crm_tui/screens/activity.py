"""All history of an opportunity or a contact ("Todo el historial"): the
comments and reports on it and on its interactions among its history
events, newest first, over the whole screen, older pages read as the list
reaches its end.

`v` shows only the comments and reports; `c` comments on the opportunity
(a contact has no comments of its own: its comments are those of its
opportunities and interactions, so the key is not offered there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Header, Static

from crm_tui.i18n import register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.comment_dialog import open_comment_box, opportunity_comment_title
from crm_tui.services.comments import CommentRecord, CommentTarget
from crm_tui.services.contacts import get_contact_by_id, get_opportunity_by_id
from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.records import ContactRecord, OpportunityRecord
from crm_tui.widgets import safe
from crm_tui.widgets.activity_feed import ActivityFeed, FeedTarget, comment_option_id
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.party_header import PartyHeader

register(
    {
        "ui.activity.title": ("All history", "Todo el historial"),
        "ui.activity.only_comments": ("only comments", "solo comentarios"),
        "ui.activity.key.only_comments": ("Only comments", "Solo comentarios"),
        "ui.activity.key.comment": ("Comment", "Comentar"),
        "ui.activity.key.back": ("Back", "Volver"),
    }
)


@dataclass(frozen=True)
class ActivityParty:
    """What the header shows: the opportunity (if it is one's history)
    and the contact, as they are now."""

    opportunity: OpportunityRecord | None
    contact: ContactRecord


def read_opportunity(opportunity_id: int) -> ActivityParty:
    opportunity = get_opportunity_by_id(opportunity_id)
    return ActivityParty(opportunity, get_contact_by_id(opportunity.contact_id))


def read_contact(contact_id: int) -> ActivityParty:
    return ActivityParty(None, get_contact_by_id(contact_id))


class ActivityScreen(CrmScreen[None]):
    """The history of `opportunity` or of `contact` (exactly one)."""

    DEFAULT_CSS = """
    ActivityScreen #activity-title {
        padding: 0 1;
        color: $text-accent;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ActivityScreen #activity-feed {
        height: 1fr;
        max-height: 100%;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_only_comments", "ui.activity.key.only_comments", id="only_comments"),
        Binding("c", "comment", "ui.activity.key.comment", id="comment"),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="refresh"),
        Binding("escape", "app.back", "ui.activity.key.back", show=False, id="close"),
    ]

    AUTO_FOCUS = "#activity-feed"

    def __init__(
        self,
        *,
        opportunity: OpportunityRecord | None = None,
        contact: ContactRecord | None = None,
    ) -> None:
        if (opportunity is None) == (contact is None):
            raise TypeError("all history is of an opportunity or of a contact")
        super().__init__()
        self.opportunity = opportunity
        self.contact = contact

    @property
    def target(self) -> FeedTarget:
        if self.opportunity is not None:
            return FeedTarget(opportunity_id=self.opportunity.id)
        assert self.contact is not None
        return FeedTarget(contact_id=self.contact.id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="activity-title")
        yield PartyHeader(id="party")
        yield ActivityFeed(self.target, id="activity-feed")
        yield KeyFooter()

    @property
    def feed(self) -> ActivityFeed:
        return self.query_one(ActivityFeed)

    def _title(self) -> Content:
        """`All history · OP-001 · Renovación de contrato`, and whether
        only comments show."""
        if self.opportunity is not None:
            code, name = self.opportunity.code, self.opportunity.title
        else:
            assert self.contact is not None
            code, name = self.contact.code, self.contact.name
        parts: list[Content | str] = [
            t("ui.activity.title"),
            " · ",
            safe.plain_line(code),
            " · ",
            safe.plain_line(name),
        ]
        if self.is_mounted and self.feed.only_comments:
            parts += [" · ", t("ui.activity.only_comments")]
        return Content.assemble(*parts)

    # -- reading -------------------------------------------------------------------------

    def load_data(self, *, first: bool) -> None:
        read: Callable[[], ActivityParty]
        if self.opportunity is not None:
            read = partial(read_opportunity, self.opportunity.id)
        else:
            assert self.contact is not None
            read = partial(read_contact, self.contact.id)
        run_db(self, read, done=self._show_party, failed=self._party_failed, group="activity")
        self.feed.reload()

    def _show_party(self, party: ActivityParty) -> None:
        header = self.query_one(PartyHeader)
        if party.opportunity is not None:
            self.opportunity = party.opportunity
            header.show_opportunity(party.opportunity, party.contact)
        else:
            self.contact = party.contact
            header.show_contact(party.contact)
        self._show_title()

    def _party_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(self.app, reason, severity="error")
        if isinstance(error, NotFound) and self.is_current:
            self.dismiss()

    def _show_title(self) -> None:
        self.query_one("#activity-title", Static).update(self._title())

    # -- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "comment":
            return self.opportunity is not None
        return True

    def action_toggle_only_comments(self) -> None:
        self.feed.only_comments = not self.feed.only_comments
        self._show_title()

    def action_comment(self) -> None:
        if self.opportunity is not None:
            target = CommentTarget(opportunity_id=self.opportunity.id)
            title = opportunity_comment_title(self.opportunity)
            open_comment_box(self, target, title, self._posted)

    def _posted(self, comment: CommentRecord) -> None:
        self.feed.reload(highlight=comment_option_id(comment))

    def action_refresh(self) -> None:
        self.load_data(first=False)
