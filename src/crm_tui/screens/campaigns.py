"""Campaigns: the team's list of call campaigns, newest first, each
with who created it, when, how many calls it scheduled and how many are
done, still open or cancelled, with a progress bar drawn in text (it reads
the same without colour). Enter shows the selected campaign's progress for
each agent (and the pool); `n` opens the form for a new campaign, for
roles with schedule-campaign (others see the list, and a line saying why
`n` is not offered)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Label

from crm_tui.formatting import list_date
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.campaign_form import CampaignFormScreen
from crm_tui.services.campaigns import (
    CallCounts,
    CampaignProgress,
    CampaignSummary,
    campaign_progress,
    list_campaigns,
)
from crm_tui.services.errors import CrmError
from crm_tui.services.permissions import SCHEDULE_CAMPAIGN
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Column, PagedTable, PageSource, keyset_source
from crm_tui.widgets.permission_gate import (
    Access,
    add_refusal_keys,
    allowed,
    gate_allows,
    refuse,
    with_access,
)

register(
    {
        "ui.campaigns.heading": ("Campaigns", "Campañas"),
        "ui.campaigns.more": ("{count} shown · more below", "{count} mostradas · hay más"),
        "ui.campaigns.all": ("{count} shown", "{count} mostradas"),
        "ui.campaigns.empty": (
            "No campaigns yet · n schedules one",
            "Aún no hay campañas · n programa una",
        ),
        "ui.campaigns.none": ("No campaigns yet", "Aún no hay campañas"),
        "ui.campaigns.column.name": ("Campaign", "Campaña"),
        "ui.campaigns.column.created_by": ("By", "Por"),
        "ui.campaigns.column.created_at": ("When", "Cuándo"),
        "ui.campaigns.column.total": ("Calls", "Llamadas"),
        "ui.campaigns.column.done": ("Done", "Hechas"),
        "ui.campaigns.column.open": ("Open", "Abiertas"),
        "ui.campaigns.column.cancelled": ("Cancel.", "Cancel."),
        "ui.campaigns.column.progress": ("Progress", "Progreso"),
        "ui.campaigns.column.agent": ("Agent", "Agente"),
        "ui.campaigns.pool": ("Shared pool", "Bolsa común"),
        "ui.campaigns.progress_of": ("Progress of {name}", "Progreso de {name}"),
        "ui.campaigns.key.new": ("New campaign", "Nueva campaña"),
        "ui.campaigns.key.close_progress": ("Close progress", "Cerrar progreso"),
    }
)

BAR_WIDTH = 10
# Scheduling a campaign: only with schedule-campaign (see permission_gate).
GATES = {"new_campaign": SCHEDULE_CAMPAIGN}


def progress_bar(counts: CallCounts, width: int = BAR_WIDTH) -> str:
    """`███████░░░  70%`: the share of calls nobody has to make any more
    (done or cancelled), in blocks that read without colour."""
    if counts.total == 0:
        return "░" * width + "    -"
    share = counts.settled / counts.total
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {round(share * 100):3d}%"


def _number(value: int, lang: str) -> Text:
    return safe.cell(format_count(value, lang), justify="right")


def name_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return safe.cell(campaign.name)


def created_by_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return safe.cell(campaign.created_by)


def created_at_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return safe.cell(list_date(campaign.created_at, lang, now))


def total_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return _number(campaign.total, lang)


def done_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return _number(campaign.calls.done, lang)


def open_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return _number(campaign.calls.open, lang)


def cancelled_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return _number(campaign.calls.cancelled, lang)


def progress_cell(campaign: CampaignSummary, lang: str, now: datetime) -> Text:
    return safe.cell(progress_bar(campaign.calls))


CampaignColumn = Column[CampaignSummary]

CAMPAIGN_COLUMNS = (
    CampaignColumn(
        "name", "ui.campaigns.column.name", name_cell, max_width=40, min_width=10, weight=3
    ),
    CampaignColumn(
        "created_by",
        "ui.campaigns.column.created_by",
        created_by_cell,
        max_width=16,
        min_width=5,
        weight=1,
    ),
    CampaignColumn("created_at", "ui.campaigns.column.created_at", created_at_cell, max_width=12),
    CampaignColumn("total", "ui.campaigns.column.total", total_cell, max_width=8),
    CampaignColumn("done", "ui.campaigns.column.done", done_cell, max_width=8),
    CampaignColumn("open", "ui.campaigns.column.open", open_cell, max_width=8),
    CampaignColumn("cancelled", "ui.campaigns.column.cancelled", cancelled_cell, max_width=8),
    CampaignColumn("progress", "ui.campaigns.column.progress", progress_cell, max_width=16),
)


CAMPAIGN_PAGES: PageSource[CampaignSummary] = keyset_source(
    lambda before, limit: list_campaigns(limit=limit, before_id=before),
    lambda campaign: campaign.id,
)


class CampaignTable(PagedTable[CampaignSummary]):
    """The campaigns, newest first."""


class CampaignsScreen(CrmScreen[None]):
    """Every campaign, paged; Enter shows one's progress by agent under the
    list; `n` schedules a new one (roles with schedule-campaign)."""

    DEFAULT_CSS = """
    CampaignsScreen #campaign-progress {
        display: none;
        height: auto;
        max-height: 50%;
        border-top: solid $accent;
    }
    CampaignsScreen #campaign-progress.-shown {
        display: block;
    }
    CampaignsScreen #campaign-progress-heading {
        text-style: bold;
    }
    CampaignsScreen #campaign-agents {
        height: auto;
        max-height: 10;
    }
    CampaignsScreen #campaigns-read-only {
        width: 1fr;
        padding: 0 1;
        color: $warning;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_campaign", "ui.campaigns.key.new", id="new_campaign"),
        Binding("r", "refresh", "ui.key.refresh", id="refresh"),
        Binding("escape", "close_progress", "ui.campaigns.key.close_progress", id="close_progress"),
    ]

    def __init__(self) -> None:
        super().__init__()
        add_refusal_keys(self, GATES)
        self._progress_of: int | None = None  # the campaign whose progress shows

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="list-bar"):
            yield Label(safe.plain_line(t("ui.campaigns.heading")), id="list-heading")
            yield Label(safe.plain_line(t("ui.status.opening")), id="list-status")
        yield CampaignTable(CAMPAIGN_COLUMNS, id="campaigns")
        with Vertical(id="campaign-progress"):
            yield Label(id="campaign-progress-heading")
            yield DataTable[Text](cursor_type="none", id="campaign-agents")
        note = Label(id="campaigns-read-only")
        note.display = False
        yield note
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()

    @property
    def table(self) -> CampaignTable:
        return self.query_one(CampaignTable)

    @property
    def progress_panel(self) -> Vertical:
        return self.query_one("#campaign-progress", Vertical)

    def load_data(self, *, first: bool) -> None:
        with_access(self, self._access_known)
        if first:
            self.table.load(CAMPAIGN_PAGES)
        else:
            self.table.reload()
            self._reload_progress()

    def _access_known(self, access: Access) -> None:
        note = self.query_one("#campaigns-read-only", Label)
        may = SCHEDULE_CAMPAIGN in access.permissions
        note.update(safe.plain_line("" if may else access.refusal(SCHEDULE_CAMPAIGN)))
        note.display = not may

    @on(PagedTable.StateChanged)
    def _show_state(self, state: PagedTable.StateChanged) -> None:
        if state.loaded:
            text = t("ui.campaigns.more" if state.more else "ui.campaigns.all", count=state.loaded)
        elif state.loading:
            text = t("ui.status.loading")
        elif state.failed:
            text = t("ui.status.failed")
        elif allowed(self, SCHEDULE_CAMPAIGN):
            text = t("ui.campaigns.empty")
        else:
            text = t("ui.campaigns.none")
        self.query_one("#list-status", Label).update(safe.plain_line(text))

    # -- progress by agent ------------------------------------------------------------

    @on(PagedTable.Opened)
    def _open(self, event: PagedTable.Opened) -> None:
        self._load_progress(event.record.id)

    def _load_progress(self, campaign_id: int) -> None:
        run_db(
            self,
            partial(campaign_progress, campaign_id),
            done=self._show_progress,
            failed=self._progress_failed,
            group="campaign-progress",
        )

    def _reload_progress(self) -> None:
        if self._progress_of is not None and self.progress_panel.has_class("-shown"):
            self._load_progress(self._progress_of)

    def _show_progress(self, progress: CampaignProgress) -> None:
        self._progress_of = progress.campaign.id
        lang = language()
        self.query_one("#campaign-progress-heading", Label).update(
            safe.plain_line(t("ui.campaigns.progress_of", name=progress.campaign.name))
        )
        agents = self.query_one("#campaign-agents", DataTable)
        agents.clear(columns=True)
        for key in ("agent", "total", "done", "open", "cancelled", "progress"):
            agents.add_column(t(f"ui.campaigns.column.{key}"), key=key)
        for agent in progress.agents:
            name = agent.display_name if agent.username else t("ui.campaigns.pool")
            agents.add_row(
                safe.cell(name),
                _number(agent.calls.total, lang),
                _number(agent.calls.done, lang),
                _number(agent.calls.open, lang),
                _number(agent.calls.cancelled, lang),
                safe.cell(progress_bar(agent.calls)),
                key=agent.username or "",
            )
        self.progress_panel.add_class("-shown")

    def _progress_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(self.app, reason, severity="error")

    def action_close_progress(self) -> None:
        self.progress_panel.remove_class("-shown")
        self.table.focus()

    # -- actions ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return gate_allows(self, GATES, action, parameters)

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_new_campaign(self) -> None:
        # Only reached with the permission (check_action); scheduling asks
        # the service again, which refuses a role that lost it meanwhile.
        self.app.push_screen(CampaignFormScreen(self.actor))

    def action_refresh(self) -> None:
        self.table.reload()
        self._reload_progress()
