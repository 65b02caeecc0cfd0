"""Notifications: the mentions, assignments and reminders of whoever is
working, newest first, a keyset page at a time (a user may have thousands).

Read and unread ones are listed together by default, as a mail inbox lists
them: the order is the order things happened, and the one just read stays
under the cursor instead of vanishing from the list. Unread ones carry a
"●" and are bold, so they read without colour; `u` narrows the list to the
unread ones when there are many. Enter marks one read and opens what it is
about: the interaction, or the opportunity's timeline when it is about an
opportunity alone; a target deleted since is said, not opened. `a` marks
every one read. Below the list, the one under the cursor is shown whole,
since at 80 columns its text is cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import DataTable, Header, Label, Static

from crm_tui import clock
from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.navigation import open_interaction, open_opportunity
from crm_tui.services.contacts import get_opportunity
from crm_tui.services.errors import NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.notifications import (
    NOTIFICATION_KIND,
    NotificationRecord,
    list_notifications,
    mark_read,
)
from crm_tui.services.records import InteractionRecord
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import short_datetime
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Column, PagedTable, PageSource, keyset_source

register(
    {
        "ui.notifications.heading": ("Notifications", "Notificaciones"),
        "ui.notifications.heading_unread": (
            "Notifications · unread only",
            "Notificaciones · solo sin leer",
        ),
        "ui.notifications.more": ("{count} shown · more below", "{count} mostradas · hay más"),
        "ui.notifications.all": ("{count} shown", "{count} mostradas"),
        "ui.notifications.empty": ("No notifications yet", "Aún no hay notificaciones"),
        "ui.notifications.empty_unread": ("Nothing unread", "Nada sin leer"),
        "ui.notifications.column.new": ("New", "Nueva"),
        "ui.notifications.column.kind": ("Kind", "Tipo"),
        "ui.notifications.column.who": ("Who", "Quién"),
        "ui.notifications.column.when": ("When", "Cuándo"),
        "ui.notifications.column.target": ("About", "Sobre"),
        "ui.notifications.column.text": ("Text", "Texto"),
        "ui.notifications.unread_mark": ("●", "●"),
        "ui.notifications.system": ("The system", "El sistema"),
        "ui.notifications.target.interaction": ("interaction {id}", "interacción {id}"),
        "ui.notifications.target.deleted": ("deleted", "eliminada"),
        "ui.notifications.gone": (
            "What this notification is about has been deleted",
            "Lo que trata esta notificación se ha eliminado",
        ),
        "ui.notifications.marked": ("{count} marked read", "{count} marcadas como leídas"),
        "ui.notifications.key.read_all": ("Mark all read", "Marcar todas leídas"),
        "ui.notifications.key.unread_only": ("Unread / all", "Sin leer / todas"),
    }
)


# --- cells ---------------------------------------------------------------------------


def _style(record: NotificationRecord) -> str:
    return "" if record.read else "bold"


def new_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell("" if record.read else t("ui.notifications.unread_mark", lang), "bold")


def kind_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell(NOTIFICATION_KIND.label(record.kind, lang), _style(record))


def who_text(record: NotificationRecord, lang: str) -> str:
    return record.actor_name or record.actor or t("ui.notifications.system", lang)


def who_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell(who_text(record, lang), _style(record))


def when_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell(list_date(record.created_at, lang, now), _style(record))


def target_text(record: NotificationRecord, lang: str) -> str:
    """ "interaction 12 · OP-001", "OP-001" (an opportunity alone),
    "deleted", or "" when it is about nothing in particular."""
    if record.target_deleted:
        return t("ui.notifications.target.deleted", lang)
    parts = []
    if record.interaction_id is not None:
        parts.append(t("ui.notifications.target.interaction", lang, id=record.interaction_id))
    if record.opportunity_code:
        parts.append(record.opportunity_code)
    return " · ".join(parts)


def target_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell(target_text(record, lang), _style(record))


def text_cell(record: NotificationRecord, lang: str, now: datetime) -> Text:
    return safe.cell(record.text, _style(record))


NotificationColumn = Column[NotificationRecord]

NOTIFICATION_COLUMNS = (
    NotificationColumn("new", "ui.notifications.column.new", new_cell, max_width=6),
    NotificationColumn("kind", "ui.notifications.column.kind", kind_cell, max_width=13),
    NotificationColumn(
        "who", "ui.notifications.column.who", who_cell, max_width=20, min_width=6, weight=1
    ),
    NotificationColumn("when", "ui.notifications.column.when", when_cell, max_width=13),
    # As wide as it needs: "interaction 12 · OP-001" cut short says nothing.
    NotificationColumn("target", "ui.notifications.column.target", target_cell, max_width=28),
    NotificationColumn(
        "text", "ui.notifications.column.text", text_cell, max_width=None, min_width=10, weight=3
    ),
)


def preview(record: NotificationRecord, lang: str, now: datetime) -> Content:
    """The whole of one notification: what, who, when, about what, then
    its text on the lines below."""
    facts = [
        NOTIFICATION_KIND.label(record.kind, lang),
        who_text(record, lang),
        short_datetime(record.created_at, lang, now),
        target_text(record, lang),
    ]
    heading = safe.plain_line(" · ".join(fact for fact in facts if fact), "bold")
    return Content.assemble(heading, "\n", safe.plain(record.text))


def notifications_of(user_id: int, *, unread_only: bool) -> PageSource[NotificationRecord]:
    """Pages of the user's notifications, newest first, by id."""
    return keyset_source(
        lambda before, limit: list_notifications(
            user_id, unread_only=unread_only, before_id=before, limit=limit
        ),
        lambda record: record.id,
    )


# --- following one -------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """Where a notification leads now: an interaction, an opportunity's
    timeline, nowhere because it was deleted, or nowhere at all."""

    interaction: InteractionRecord | None = None
    opportunity: str | None = None
    deleted: bool = False


def follow(user_id: int, record: NotificationRecord) -> Destination:
    """Mark the notification read and look up its target as it is now
    (it may have been deleted since the list was read). Queries: call it
    from a worker."""
    mark_read(user_id, [record.id])
    try:
        if record.interaction_id is not None:
            return Destination(interaction=get_interaction(record.interaction_id))
        if record.opportunity_code is not None:
            return Destination(opportunity=get_opportunity(record.opportunity_code).code)
    except NotFound:
        return Destination(deleted=True)
    return Destination(deleted=record.target_deleted)


class NotificationsScreen(CrmScreen[None]):
    """The actor's notifications; a main screen of its own (key N)."""

    DEFAULT_CSS = """
    NotificationsScreen #notification-preview {
        height: auto;
        max-height: 6;
        border-top: solid $panel-lighten-2;
        padding: 0 1;
    }
    NotificationsScreen #notification-preview.-empty {
        display: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "read_all", "ui.notifications.key.read_all", id="read_all"),
        Binding("u", "toggle_unread", "ui.notifications.key.unread_only", id="unread_only"),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unread_only = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(self._heading()), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield PagedTable(NOTIFICATION_COLUMNS, id="notifications")
        yield Static(id="notification-preview", classes="-empty")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> PagedTable[NotificationRecord]:
        table: PagedTable[NotificationRecord] = self.query_one("#notifications", PagedTable)
        return table

    def _heading(self) -> str:
        key = "ui.notifications.heading_unread" if self.unread_only else "ui.notifications.heading"
        return t(key)

    def load_data(self, *, first: bool) -> None:
        if first:
            self._load_from_the_top()
        else:
            self.table.reload()

    def _load_from_the_top(self) -> None:
        self.table.load(notifications_of(self.actor.id, unread_only=self.unread_only))

    @on(PagedTable.StateChanged)
    def _show_state(self, event: PagedTable.StateChanged) -> None:
        if event.loading:
            text = t("ui.status.loading")
        elif event.failed:
            text = t("ui.status.failed")
        elif not event.loaded:
            empty = (
                "ui.notifications.empty_unread" if self.unread_only else "ui.notifications.empty"
            )
            text = t(empty)
        else:
            text = t(
                "ui.notifications.more" if event.more else "ui.notifications.all",
                count=event.loaded,
            )
        self.query_one("#list-status", Label).update(safe.plain_line(text))
        self._show_preview()

    @on(DataTable.RowHighlighted)
    def _show_preview(self) -> None:
        record = self.table.record_at_cursor()
        box = self.query_one("#notification-preview", Static)
        box.set_class(record is None, "-empty")
        if record is not None:
            box.update(preview(record, language(), clock.now()))

    # -- actions ----------------------------------------------------------------------

    @on(PagedTable.Opened)
    def _open(self, event: PagedTable.Opened) -> None:
        event.stop()
        record: NotificationRecord = event.record
        run_db(
            self,
            partial(follow, self.actor.id, record),
            done=partial(self._arrive, record),
            group="notification-open",
        )

    def _arrive(self, record: NotificationRecord, destination: Destination) -> None:
        self.table.replace_record(replace(record, read=True))
        self._show_preview()
        self.crm.poll_changes()  # the count in the header
        if destination.interaction is not None:
            open_interaction(self.app, destination.interaction)
        elif destination.opportunity is not None:
            open_opportunity(self.app, destination.opportunity)
        elif destination.deleted:
            safe.notify(self.app, t("ui.notifications.gone"), severity="warning")

    def action_read_all(self) -> None:
        if not self.is_ready:
            return
        run_db(
            self,
            partial(mark_read, self.actor.id),
            done=self._all_read,
            group="notification-read-all",
        )

    def _all_read(self, count: int) -> None:
        safe.notify(self.app, t("ui.notifications.marked", count=count))
        self.table.reload()
        self.crm.poll_changes()

    def action_toggle_unread(self) -> None:
        self.unread_only = not self.unread_only
        self.query_one("#list-heading", Label).update(safe.plain_line(self._heading()))
        if self.is_ready:
            self._load_from_the_top()

    def action_refresh(self) -> None:
        if self.is_ready:
            self.load_data(first=False)
