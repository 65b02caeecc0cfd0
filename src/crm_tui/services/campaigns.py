"""Bulk call campaigns: one pending scheduled call per contact, spread over
agents in consecutive slots within working hours, or into the shared pool.

Distribution. Each agent has a lane of consecutive slots starting at the
first opening at or after `start`; call k goes to agent k mod n (round
robin), at that agent's next free slot. A slot must end by the close of
working hours, and an agent takes at most `per_day` calls a day; either
way the lane goes on at the next working day's opening. A slot that would
overlap an open scheduled item the agent already has (an earlier campaign,
a meeting) is skipped, so no agent is ever booked twice at once. The pool
is one shared lane: one slot per call, consecutive, `per_day` calls a day
at most — the pool is worked in due order, so its calls become due at a
steady pace instead of all at once.

Progress: each call counts as done, cancelled or still open (pending or
in progress) under whoever is responsible for it now, read with one
grouped query per campaign page over the (campaign, status, user) index.

Speed: 10,000 calls must be written in well under a second, so rows are
written in bulk (`store.batch_insert`: COPY on PostgreSQL, where 500-row
INSERTs spent a third of the time quoting, parsing and planning their
parameters; multi-row INSERTs on SQLite), not through `create_interaction`,
which costs a dozen statements per call; their ids are read back in one
query, and their history written in bulk. Everything is validated first
and written in one transaction: all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from peewee import JOIN, fn

from crm_tui import clock
from crm_tui.i18n import register, t
from crm_tui.services import history
from crm_tui.services.contacts import search_contacts
from crm_tui.services.dates import move_into_working_hours, parse_when
from crm_tui.services.errors import (
    CrmError,
    FieldError,
    FieldName,
    NotFound,
    ValidationError,
)
from crm_tui.services.listing import conditions
from crm_tui.services.notifications import notify
from crm_tui.services.permissions import SCHEDULE_CAMPAIGN, requires
from crm_tui.services.records import InteractionFilter, UserRecord
from crm_tui.services.text import NAME_LIMIT, check_length, clean_line
from crm_tui.services.types import TypeIndex
from crm_tui.services.users import to_record
from crm_tui.services.vocab import OPEN_STATUSES
from crm_tui.store.batch_insert import insert_all
from crm_tui.store.bulk import lookup
from crm_tui.store.db import writes
from crm_tui.store.ids import new_uid
from crm_tui.store.models import Campaign, Contact, Interaction, User

register(
    {
        "field.campaign_name": ("campaign name", "nombre de la campaña"),
        "field.campaign_contacts": ("contacts", "clientes"),
        "field.campaign_agents": ("agents", "agentes"),
        "error.campaign_contacts_or_filter": (
            "choose the contacts one way: codes, filters or a contact search",
            "elija los clientes de una sola forma: códigos, filtros o una búsqueda de clientes",
        ),
        "error.campaign_no_matching_contacts": (
            "no contact matches the search",
            "ningún cliente coincide con la búsqueda",
        ),
        "error.unknown_campaign": ("unknown campaign {value}", "campaña desconocida {value}"),
        "error.campaign_agents_or_pool": (
            "give either agents or the pool, not both",
            "indique agentes o la bolsa común, no ambos",
        ),
        "error.campaign_no_contacts": (
            "the filters select no contacts",
            "los filtros no seleccionan ningún cliente",
        ),
        "error.campaign_hours": (
            "{value!r} is not working hours; write e.g. 09:00-18:00 (start before end)",
            "{value!r} no es un horario; escriba p. ej. 09:00-18:00 (inicio antes del fin)",
        ),
        "error.campaign_slot": (
            "the slot must be from 1 minute to the length of the working day "
            "({limit} minutes), not {value}",
            "la franja debe durar de 1 minuto a la jornada ({limit} minutos), no {value}",
        ),
        "error.campaign_per_day": (
            "calls per day must be at least 1, not {value}",
            "las llamadas por día deben ser al menos 1, no {value}",
        ),
        "campaign.notice": (
            "{count:,} calls scheduled for you in campaign {name}",
            "{count:,} llamadas programadas para usted en la campaña {name}",
        ),
    }
)

DEFAULT_HOURS = "09:00-18:00"
DEFAULT_SLOT_MINUTES = 15
CAMPAIGN_PAGE = 50
# Contacts a search reads per query while collecting a campaign's contacts.
_SEARCH_PAGE = 1_000
_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class ContactSearch:
    """Contacts as the contacts list finds them: `text` in the code, name,
    company or phone (empty: every contact), of the owner `owner` (a
    username) when given."""

    text: str = ""
    owner: str | None = None


@dataclass(frozen=True)
class CampaignPlan:
    """What a supervisor asks for. The contacts are `contacts` (codes), the
    distinct contacts of the interactions `selection` matches, or those
    `contact_search` finds; the calls go to `agents` (usernames) or, with
    `pool`, to the shared pool."""

    name: str
    type: str  # interaction type: code or label
    start: datetime | str
    contacts: tuple[str, ...] = ()
    selection: InteractionFilter | None = None
    contact_search: ContactSearch | None = None
    agents: tuple[str, ...] = ()
    pool: bool = False
    slot_minutes: int = DEFAULT_SLOT_MINUTES
    per_day: int | None = None  # calls per agent (or for the pool) a day; None: no limit
    hours: str = DEFAULT_HOURS  # working hours, weekdays only


@dataclass(frozen=True)
class CampaignRecord:
    id: int
    uid: str
    name: str
    total: int  # calls scheduled
    last: datetime | None  # the start of the last call


@dataclass(frozen=True)
class CampaignPreview:
    """What a plan would schedule, before anything is written."""

    contacts: int
    calls: int
    last: datetime | None  # the start of the last call


@dataclass(frozen=True)
class CallCounts:
    """A campaign's calls by where they stand; `open` is pending or in
    progress."""

    done: int = 0
    open: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.done + self.open + self.cancelled

    @property
    def settled(self) -> int:
        """The calls nobody has to make any more."""
        return self.done + self.cancelled

    def adding(self, status: str, count: int) -> CallCounts:
        if status == "done":
            return CallCounts(self.done + count, self.open, self.cancelled)
        if status == "cancelled":
            return CallCounts(self.done, self.open, self.cancelled + count)
        return CallCounts(self.done, self.open + count, self.cancelled)


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign as the supervisor's list shows it. `total` is what was
    scheduled; `calls` counts the calls there still are (a deleted call is
    in neither of its counts)."""

    id: int
    uid: str
    name: str
    created_by: str  # display name
    created_at: datetime
    total: int
    calls: CallCounts = field(default_factory=CallCounts)


@dataclass(frozen=True)
class AgentProgress:
    username: str | None  # None: the shared pool
    display_name: str  # "" for the pool
    calls: CallCounts


@dataclass(frozen=True)
class CampaignProgress:
    campaign: CampaignSummary
    agents: list[AgentProgress]  # by display name, the pool last


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time

    def opening(self, moment: datetime) -> datetime:
        """`moment` if it is within working hours, else the next opening."""
        return move_into_working_hours(moment, self.start, self.end)

    def closing(self, moment: datetime) -> datetime:
        return datetime.combine(moment.date(), self.end)

    def minutes(self) -> int:
        return (self.end.hour - self.start.hour) * 60 + self.end.minute - self.start.minute


def parse_hours(text: str) -> WorkingHours | None:
    """ "09:00-18:00" (or "9-18") as working hours; None when unreadable or
    when the start is not before the end."""
    match = _HOURS.match(text or "")
    if not match:
        return None
    first_hour, first_minute, last_hour, last_minute = (int(v or 0) for v in match.groups())
    try:
        hours = WorkingHours(time(first_hour, first_minute), time(last_hour, last_minute))
    except ValueError:
        return None
    return hours if hours.start < hours.end else None


@dataclass(frozen=True)
class _Checked:
    """A plan after validation, as ids and values."""

    name: str
    type_id: int
    contact_ids: list[int]
    agents: list[UserRecord]  # empty: the pool
    first: datetime
    slot: timedelta
    per_day: int | None
    hours: WorkingHours


Slot = tuple[datetime, datetime]


def _field_error(field_id: str, error: CrmError) -> list[FieldError]:
    if isinstance(error, ValidationError):
        return list(error.errors)
    return [FieldError(field_id, error.key, dict(error.params))]


def _contact_ids(plan: CampaignPlan, errors: list[FieldError]) -> list[int]:
    """The campaign's contacts, each once: in the order given (codes), by
    code (a selection) or by name (a contact search)."""
    has_filter = plan.selection is not None and not plan.selection.is_empty()
    ways = [bool(plan.contacts), has_filter, plan.contact_search is not None]
    if sum(ways) > 1:
        errors.append(FieldError("contacts", "error.campaign_contacts_or_filter"))
        return []
    if plan.contact_search is not None:
        return _searched_contact_ids(plan.contact_search, errors)
    if has_filter:
        assert plan.selection is not None
        return _selected_contact_ids(plan.selection, errors)
    return _coded_contact_ids(plan.contacts, errors)


def _selected_contact_ids(selection: InteractionFilter, errors: list[FieldError]) -> list[int]:
    try:
        where = conditions(selection)
    except CrmError as exc:
        errors.extend(_field_error("contacts", exc))
        return []
    selected = Interaction.select(Interaction.contact).where(*where)
    query = Contact.select(Contact.id).where(Contact.id.in_(selected)).order_by(Contact.code)
    ids = [row[0] for row in query.tuples()]
    if not ids:
        errors.append(FieldError("contacts", "error.campaign_no_contacts"))
    return ids


def _searched_contact_ids(search: ContactSearch, errors: list[FieldError]) -> list[int]:
    """What the contacts list would show for the search, every page of it,
    so a campaign "from this list" takes exactly the contacts listed."""
    ids: list[int] = []
    after: tuple[str, int] | None = None
    while True:
        page = search_contacts(search.text, after=after, limit=_SEARCH_PAGE)
        ids.extend(
            contact.id for contact in page if search.owner is None or contact.owner == search.owner
        )
        if len(page) < _SEARCH_PAGE:
            break
        after = (page[-1].name, page[-1].id)
    if not ids:
        errors.append(FieldError("contacts", "error.campaign_no_matching_contacts"))
    return ids


def _coded_contact_ids(contacts: tuple[str, ...], errors: list[FieldError]) -> list[int]:
    codes = list(dict.fromkeys(clean_line(code) for code in contacts))
    if not codes:
        errors.append(
            FieldError(
                "contacts", "error.required", {"field": FieldName("field.campaign_contacts")}
            )
        )
        return []
    found: dict[str, int] = lookup(Contact.code, Contact.id, codes)
    errors.extend(
        FieldError("contacts", "error.unknown_contact", {"value": code})
        for code in codes
        if code not in found
    )
    return [found[code] for code in codes if code in found]


def _agents(plan: CampaignPlan, errors: list[FieldError]) -> list[UserRecord]:
    names = list(dict.fromkeys(clean_line(name) for name in plan.agents))
    if names and plan.pool:
        errors.append(FieldError("agents", "error.campaign_agents_or_pool"))
        return []
    if not names:
        if not plan.pool:
            errors.append(
                FieldError(
                    "agents", "error.required", {"field": FieldName("field.campaign_agents")}
                )
            )
        return []
    query = User.select().where(User.username.in_(names))
    found = {user.username: to_record(user) for user in query}
    for name in names:
        if name not in found:
            errors.append(FieldError("agents", "error.unknown_user", {"value": name}))
        elif not found[name].active:
            errors.append(FieldError("agents", "error.inactive_user", {"value": name}))
    return [found[name] for name in names if name in found]


def _check(plan: CampaignPlan, now: datetime, *, named: bool = True) -> _Checked:
    """The plan resolved, or a ValidationError naming every problem (not a
    missing name unless `named`: a preview needs none)."""
    errors: list[FieldError] = []
    name = clean_line(plan.name or "")
    if not name and named:
        errors.append(
            FieldError("name", "error.required", {"field": FieldName("field.campaign_name")})
        )
    check_length("name", name, NAME_LIMIT, errors)
    type_id = 0
    try:
        type_id = TypeIndex.load().resolve(plan.type).id
    except ValidationError as exc:
        errors.extend(exc.errors)
    contact_ids = _contact_ids(plan, errors)
    agents = _agents(plan, errors)
    first = now
    if isinstance(plan.start, datetime):
        first = plan.start.replace(second=0, microsecond=0, tzinfo=None)
    else:
        try:
            first = parse_when(plan.start, now=now, field_id="start").value
        except ValidationError as exc:
            errors.extend(exc.errors)
    hours = parse_hours(plan.hours)
    if hours is None:
        errors.append(FieldError("hours", "error.campaign_hours", {"value": plan.hours}))
    day_minutes = hours.minutes() if hours else 24 * 60
    if not 0 < plan.slot_minutes <= day_minutes:
        errors.append(
            FieldError(
                "slot", "error.campaign_slot", {"value": plan.slot_minutes, "limit": day_minutes}
            )
        )
    if plan.per_day is not None and plan.per_day < 1:
        errors.append(FieldError("per_day", "error.campaign_per_day", {"value": plan.per_day}))
    if errors or hours is None:
        raise ValidationError(errors)
    return _Checked(
        name=name,
        type_id=type_id,
        contact_ids=contact_ids,
        agents=agents,
        first=hours.opening(first),
        slot=timedelta(minutes=plan.slot_minutes),
        per_day=plan.per_day,
        hours=hours,
    )


def lane(
    first: datetime,
    hours: WorkingHours,
    slot: timedelta,
    per_day: int | None,
    busy: Sequence[Slot] = (),
) -> Iterator[Slot]:
    """Consecutive slots from `first` (an opening): each ends by the close
    of hours, at most `per_day` a day, none overlapping a `busy` interval
    (sorted by start)."""
    at, day, taken, next_busy = first, first.date(), 0, 0
    while True:
        at = hours.opening(at)
        if at.date() != day:
            day, taken = at.date(), 0
        end = at + slot
        if end > hours.closing(at) or (per_day is not None and taken >= per_day):
            at = hours.closing(at)  # whose opening is the next working day's
            continue
        while next_busy < len(busy) and busy[next_busy][1] <= at:
            next_busy += 1
        if next_busy < len(busy) and busy[next_busy][0] < end:
            at = busy[next_busy][1]  # after what is already booked
            continue
        yield at, end
        at, taken = end, taken + 1


def _booked(agent_ids: list[int], since: datetime, slot: timedelta) -> dict[int, list[Slot]]:
    """Open scheduled items of the agents that end after `since`, by agent,
    sorted by start (an item without an end takes one slot)."""
    booked: dict[int, list[Slot]] = {agent_id: [] for agent_id in agent_ids}
    rows = (
        Interaction.select(Interaction.user, Interaction.starts_at, Interaction.ends_at)
        .where(
            Interaction.user.in_(agent_ids),
            Interaction.status.in_(OPEN_STATUSES),
            # due_at is the start of a scheduled item: the queue index serves this.
            Interaction.due_at >= since - timedelta(days=1),
            Interaction.starts_at.is_null(False),
        )
        .tuples()
    )
    for user_id, starts_at, ends_at in rows:
        end = ends_at if ends_at is not None and ends_at > starts_at else starts_at + slot
        if end > since:
            booked[user_id].append((starts_at, end))
    for intervals in booked.values():
        intervals.sort()
    return booked


def _assignments(checked: _Checked) -> list[tuple[int | None, Slot]]:
    """(agent id or None for the pool, slot) for each contact, in order."""
    count = len(checked.contact_ids)
    if not checked.agents:
        pool = lane(checked.first, checked.hours, checked.slot, checked.per_day)
        return [(None, next(pool)) for _ in range(count)]
    agent_ids = [agent.id for agent in checked.agents]
    booked = _booked(agent_ids, checked.first, checked.slot)
    lanes = [
        lane(checked.first, checked.hours, checked.slot, checked.per_day, booked[agent_id])
        for agent_id in agent_ids
    ]
    return [
        (agent_ids[index % len(agent_ids)], next(lanes[index % len(agent_ids)]))
        for index in range(count)
    ]


_CALL_FIELDS = [
    Interaction.uid,
    Interaction.type,
    Interaction.kind,
    Interaction.status,
    Interaction.subject,
    Interaction.contact,
    Interaction.user,
    Interaction.created_by,
    Interaction.entry_name,
    Interaction.occurred_at,
    Interaction.starts_at,
    Interaction.ends_at,
    Interaction.due_at,
    Interaction.campaign,
    Interaction.created_at,
    Interaction.updated_at,
]


def _write_calls(
    checked: _Checked,
    plan: list[tuple[int | None, Slot]],
    campaign_id: int,
    actor: UserRecord,
    now: datetime,
) -> dict[int, tuple[int, int]]:
    """Insert the calls of `plan` and their history; return agent id ->
    (calls, the id of the first call) for the notifications."""
    rows: list[tuple[Any, ...]] = []
    for contact_id, (agent_id, (start, end)) in zip(checked.contact_ids, plan, strict=True):
        rows.append(
            (
                new_uid(),
                checked.type_id,
                "scheduled",
                "pending",
                checked.name,
                contact_id,
                agent_id,
                actor.id,
                actor.display_name,
                start,
                start,
                end,
                start,
                campaign_id,
                now,
                now,
            )
        )
    insert_all(Interaction, _CALL_FIELDS, rows)
    # The campaign is new in this transaction: its calls are exactly these.
    # Ids by uid, not by position: neither engine promises the order.
    created = Interaction.select(Interaction.uid, Interaction.id).where(
        Interaction.campaign == campaign_id
    )
    ids = dict(created.tuples())
    history.record_many(
        history.CAMPAIGN_SCHEDULED,
        actor_id=actor.id,
        at=now,
        items=[(ids[row[0]], row[5], None, {"campaign": checked.name}) for row in rows],
    )
    per_agent: dict[int, tuple[int, int]] = {}
    for row in rows:
        agent_id = row[6]
        if agent_id is not None:
            calls, first_id = per_agent.get(agent_id, (0, ids[row[0]]))
            per_agent[agent_id] = (calls + 1, first_id)
    return per_agent


def _last_start(assignments: list[tuple[int | None, Slot]]) -> datetime | None:
    return max((start for _, (start, _) in assignments), default=None)


def preview_campaign(plan: CampaignPlan) -> CampaignPreview:
    """How many calls the plan would schedule and when the last would be,
    writing nothing; a ValidationError as `schedule_campaign` would raise
    it (but for a missing name)."""
    checked = _check(plan, clock.now(), named=False)
    assignments = _assignments(checked)
    return CampaignPreview(len(checked.contact_ids), len(assignments), _last_start(assignments))


@requires(SCHEDULE_CAMPAIGN)
@writes
def schedule_campaign(plan: CampaignPlan, *, actor: UserRecord) -> CampaignRecord:
    """Schedule the plan's calls in one transaction and return the campaign.
    Only a role with schedule-campaign may. Each agent is told once how many calls they got
    (not when the actor gave them to themselves), the notice pointing at
    their first call."""
    now = clock.now()
    checked = _check(plan, now)
    uid = new_uid()
    campaign_id = Campaign.insert(
        uid=uid,
        name=checked.name,
        created_by=actor.id,
        created_at=now,
        total=len(checked.contact_ids),
    ).execute()
    assignments = _assignments(checked)
    per_agent = _write_calls(checked, assignments, campaign_id, actor, now)
    for agent_id, (calls, first_id) in per_agent.items():
        if agent_id != actor.id:
            notify(
                agent_id,
                "assignment",
                actor_id=actor.id,
                interaction_id=first_id,
                text=t("campaign.notice", count=calls, name=checked.name),
                at=now,
            )
    return CampaignRecord(
        campaign_id, uid, checked.name, len(checked.contact_ids), _last_start(assignments)
    )


# --- progress ----------------------------------------------------------------------


def _summary_query() -> Any:
    return (
        Campaign.select(Campaign, User.display_name.alias("creator_name"))
        .join(User, on=(Campaign.created_by == User.id))
        .objects()
    )


def _summary(row: Any, calls: CallCounts) -> CampaignSummary:
    return CampaignSummary(
        id=row.id,
        uid=row.uid,
        name=row.name,
        created_by=row.creator_name,
        created_at=row.created_at,
        total=row.total,
        calls=calls,
    )


def _counts_by_campaign(campaign_ids: Iterable[int]) -> dict[int, CallCounts]:
    counts: dict[int, CallCounts] = {}
    rows = (
        Interaction.select(Interaction.campaign, Interaction.status, fn.COUNT(Interaction.id))
        .where(Interaction.campaign.in_(list(campaign_ids)))
        .group_by(Interaction.campaign, Interaction.status)
        .tuples()
    )
    for campaign_id, status, count in rows:
        counts[campaign_id] = counts.get(campaign_id, CallCounts()).adding(status, count)
    return counts


def list_campaigns(
    *, limit: int = CAMPAIGN_PAGE, before_id: int | None = None
) -> list[CampaignSummary]:
    """Campaigns, newest first, with their calls counted; paged by keyset:
    `before_id` is the id of the last campaign shown."""
    query = _summary_query()
    if before_id is not None:
        query = query.where(Campaign.id < before_id)
    rows = list(query.order_by(Campaign.id.desc()).limit(max(1, limit)))
    counts = _counts_by_campaign(row.id for row in rows)
    return [_summary(row, counts.get(row.id, CallCounts())) for row in rows]


def campaign_progress(campaign_id: int) -> CampaignProgress:
    """A campaign's calls counted for each person now responsible for some
    (and the pool)."""
    row = _summary_query().where(Campaign.id == campaign_id).first()
    if row is None:
        raise NotFound("error.unknown_campaign", value=str(campaign_id))
    rows = (
        Interaction.select(
            User.username, User.display_name, Interaction.status, fn.COUNT(Interaction.id)
        )
        .join(User, JOIN.LEFT_OUTER, on=(Interaction.user == User.id))
        .where(Interaction.campaign == campaign_id)
        .group_by(User.username, User.display_name, Interaction.status)
        .tuples()
    )
    by_agent: dict[str | None, tuple[str, CallCounts]] = {}
    for username, display_name, status, count in rows:
        name, counts = by_agent.get(username, (display_name or "", CallCounts()))
        by_agent[username] = (name, counts.adding(status, count))
    agents = sorted(
        (AgentProgress(username, name, counts) for username, (name, counts) in by_agent.items()),
        key=lambda agent: (agent.username is None, agent.display_name.casefold()),
    )
    total = CallCounts(
        sum(agent.calls.done for agent in agents),
        sum(agent.calls.open for agent in agents),
        sum(agent.calls.cancelled for agent in agents),
    )
    return CampaignProgress(_summary(row, total), agents)
