"""Bulk campaigns: one pending scheduled call per contact, round robin over
agents in consecutive slots within working hours, or into the pool; all or
nothing; one history event per call and one notice per agent. Service
tests on both engines, and `crm-tui campaign` as a script uses it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from peewee import JOIN

from crm_tui.services import contacts, history
from crm_tui.services.campaigns import (
    CallCounts,
    CampaignPlan,
    ContactSearch,
    campaign_progress,
    list_campaigns,
    preview_campaign,
    schedule_campaign,
)
from crm_tui.services.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction, edit_interaction
from crm_tui.services.notifications import list_notifications
from crm_tui.services.records import InteractionFilter
from crm_tui.store import db as store_db
from crm_tui.store.models import Campaign, Contact, HistoryEvent, Interaction, Notification, User

from .conftest import World
from .test_cli import Crm, crm, on  # noqa: F401 (crm: the fixture)

MONDAY = datetime(2026, 11, 23)  # the CLI tests' clock is Monday 10:00
FRIDAY = datetime(2026, 11, 27)
DAY = timedelta(days=1)


def at(day: datetime, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return day.replace(hour=hour, minute=minute)


def more_contacts(world: World, count: int) -> tuple[str, ...]:
    """`count` new contacts K-01...; their codes."""
    codes = tuple(f"K-{number:02}" for number in range(1, count + 1))
    for code in codes:
        contacts.create_contact(code, f"Contact {code}", actor_id=world.admin.id)
    return codes


def plan(**values: object) -> CampaignPlan:
    base: dict[str, object] = {"name": "Black Friday", "type": "call", "start": at(MONDAY, "09:00")}
    base.update(values)
    return CampaignPlan(**base)  # type: ignore[arg-type]


def calls() -> dict[str, tuple[str | None, datetime, datetime]]:
    """Campaign calls by contact code: (agent, start, end)."""
    rows = (
        Interaction.select(Contact.code, User.username, Interaction.starts_at, Interaction.ends_at)
        .join(Contact, on=(Interaction.contact == Contact.id))
        .switch(Interaction)
        .join(User, JOIN.LEFT_OUTER, on=(Interaction.user == User.id))
        .where(Interaction.campaign.is_null(False))
        .tuples()
    )
    return {code: (agent, start, end) for code, agent, start, end in rows}


def starts_of(agent: str | None) -> list[datetime]:
    return sorted(start for who, start, _ in calls().values() if who == agent)


def test_calls_go_round_robin_in_consecutive_slots(world: World) -> None:
    codes = more_contacts(world, 7)
    campaign = schedule_campaign(
        plan(contacts=codes, agents=("luis", "marta", "ana")), actor=world.supervisor
    )
    assert campaign.total == 7
    scheduled = calls()
    assert [scheduled[code][0] for code in codes] == [
        "luis",
        "marta",
        "ana",
        "luis",
        "marta",
        "ana",
        "luis",
    ]
    assert starts_of("luis") == [at(MONDAY, "09:00"), at(MONDAY, "09:15"), at(MONDAY, "09:30")]
    assert starts_of("marta") == [at(MONDAY, "09:00"), at(MONDAY, "09:15")]
    for _, start, end in scheduled.values():
        assert end - start == timedelta(minutes=15)
    booked = [(agent, start) for agent, start, _ in scheduled.values()]
    assert len(booked) == len(set(booked))  # no agent twice in one slot


def test_each_call_is_a_pending_scheduled_item_of_the_campaign(world: World) -> None:
    campaign = schedule_campaign(
        plan(contacts=("C-001",), agents=("luis",), slot_minutes=20), actor=world.supervisor
    )
    call = Interaction.get(Interaction.campaign == campaign.id)
    assert (call.kind, call.status) == ("scheduled", "pending")
    assert call.type.code == "call"
    assert call.starts_at == call.due_at == at(MONDAY, "09:00")
    assert call.ends_at == at(MONDAY, "09:20")
    assert call.created_by.username == "marta"
    assert call.user.username == "luis"
    stored = Campaign.get_by_id(campaign.id)
    assert (stored.name, stored.total, stored.created_by.username) == ("Black Friday", 1, "marta")


def test_per_day_limit_and_weekends_move_calls_to_the_next_working_day(world: World) -> None:
    codes = more_contacts(world, 5)
    schedule_campaign(
        plan(contacts=codes, agents=("luis",), per_day=2, start=at(FRIDAY, "09:00")),
        actor=world.supervisor,
    )
    monday, tuesday = FRIDAY + 3 * DAY, FRIDAY + 4 * DAY
    assert starts_of("luis") == [
        at(FRIDAY, "09:00"),
        at(FRIDAY, "09:15"),
        at(monday, "09:00"),
        at(monday, "09:15"),
        at(tuesday, "09:00"),
    ]


def test_a_slot_ends_by_the_close_of_working_hours(world: World) -> None:
    codes = more_contacts(world, 3)
    schedule_campaign(
        plan(
            contacts=codes,
            agents=("luis",),
            hours="9:00-10:00",
            slot_minutes=25,
            start=at(FRIDAY, "09:00"),
        ),
        actor=world.supervisor,
    )
    # 09:50 + 25 minutes would end after 10:00: Monday instead.
    assert starts_of("luis") == [
        at(FRIDAY, "09:00"),
        at(FRIDAY, "09:25"),
        at(FRIDAY + 3 * DAY, "09:00"),
    ]


@pytest.mark.parametrize(
    ("start", "first"),
    [
        (at(MONDAY, "07:30"), at(MONDAY, "09:00")),
        (at(MONDAY, "18:00"), at(MONDAY + DAY, "09:00")),
        (at(FRIDAY + DAY, "11:00"), at(FRIDAY + 3 * DAY, "09:00")),  # a Saturday
        (at(MONDAY, "11:10"), at(MONDAY, "11:10")),
    ],
)
def test_a_start_outside_working_hours_moves_to_the_next_opening(
    world: World, start: datetime, first: datetime
) -> None:
    schedule_campaign(plan(contacts=("C-001",), agents=("luis",), start=start), actor=world.admin)
    assert starts_of("luis") == [first]


def test_an_agents_existing_appointments_are_not_double_booked(world: World) -> None:
    create_interaction(
        InteractionDraft(
            type="meeting",
            contact="C-002",
            created_by="luis",
            status="pending",
            starts_at=at(MONDAY, "09:10"),
            ends_at=at(MONDAY, "09:40"),
        )
    )
    codes = more_contacts(world, 2)
    schedule_campaign(plan(contacts=codes, agents=("luis",)), actor=world.supervisor)
    # 09:00-09:15 would overlap the meeting: after it.
    assert starts_of("luis") == [at(MONDAY, "09:40"), at(MONDAY, "09:55")]
    # A second campaign over the same hours queues behind the first.
    more = tuple(
        contacts.create_contact(f"L-{n}", "x", actor_id=world.admin.id).code for n in range(2)
    )
    schedule_campaign(plan(name="Again", contacts=more, agents=("luis",)), actor=world.supervisor)
    assert starts_of("luis")[2:] == [at(MONDAY, "10:10"), at(MONDAY, "10:25")]


def test_the_pool_takes_one_slot_per_call_unassigned(world: World) -> None:
    codes = more_contacts(world, 3)
    campaign = schedule_campaign(plan(contacts=codes, pool=True), actor=world.supervisor)
    assert campaign.total == 3
    assert starts_of(None) == [at(MONDAY, "09:00"), at(MONDAY, "09:15"), at(MONDAY, "09:30")]
    assert Notification.select().count() == 0


def test_a_filter_selects_the_distinct_contacts_of_its_interactions(world: World) -> None:
    for contact in ("C-001", "C-001", "C-002"):
        create_interaction(
            InteractionDraft(type="email", contact=contact, created_by="luis", subject="oferta")
        )
    create_interaction(InteractionDraft(type="note", contact="C-002", created_by="ana"))
    more_contacts(world, 2)  # without interactions: not selected
    campaign = schedule_campaign(
        plan(selection=InteractionFilter(users=("luis",)), agents=("marta",)), actor=world.admin
    )
    assert campaign.total == 2
    assert sorted(calls()) == ["C-001", "C-002"]
    searched = schedule_campaign(
        plan(name="Again", selection=InteractionFilter(types=("note",)), agents=("marta",)),
        actor=world.admin,
    )
    assert searched.total == 1


def test_bad_input_names_every_problem_and_writes_nothing(world: World) -> None:
    before = {
        model: model.select().count()
        for model in (Campaign, Interaction, HistoryEvent, Notification)
    }
    with pytest.raises(ValidationError) as caught:
        schedule_campaign(
            plan(
                name=" ",
                type="fax",
                contacts=("C-001", "NOPE"),
                agents=("luis", "bob"),
                start="someday",
                slot_minutes=0,
                per_day=0,
                hours="18:00-09:00",
            ),
            actor=world.supervisor,
        )
    keys = [(error.field, error.key) for error in caught.value.errors]
    assert keys == [
        ("name", "error.required"),
        ("type", "error.unknown_type"),
        ("contacts", "error.unknown_contact"),
        ("agents", "error.unknown_user"),
        ("start", "error.bad_date"),
        ("hours", "error.campaign_hours"),
        ("slot", "error.campaign_slot"),
        ("per_day", "error.campaign_per_day"),
    ]
    assert "'NOPE'" in caught.value.message() and "'bob'" in caught.value.message()
    after = {model: model.select().count() for model in before}
    assert after == before


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"agents": ("luis",), "pool": True}, "error.campaign_agents_or_pool"),
        ({}, "error.required"),
        (
            {"agents": ("luis",), "selection": InteractionFilter(statuses=("done",))},
            "error.campaign_contacts_or_filter",
        ),
        ({"agents": ("luis",), "slot_minutes": 9 * 60 + 1}, "error.campaign_slot"),
    ],
)
def test_contradictory_or_missing_choices_are_refused(
    world: World, values: dict[str, object], key: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        schedule_campaign(plan(contacts=("C-001",), **values), actor=world.admin)
    assert key in [error.key for error in caught.value.errors]
    assert Campaign.select().count() == 0


def test_history_says_scheduled_in_campaign_for_every_call(world: World) -> None:
    codes = more_contacts(world, 3)
    schedule_campaign(plan(contacts=codes, agents=("luis", "marta")), actor=world.admin)
    for call in Interaction.select().where(Interaction.campaign.is_null(False)):
        events = history.list_history(interaction_id=call.id)
        assert [(e.action, e.actor, e.details) for e in events] == [
            (history.CAMPAIGN_SCHEDULED, "ana", {"campaign": "Black Friday"})
        ]
        assert events[0].contact_id == call.contact_id


def test_each_agent_gets_one_summary_notice(world: World) -> None:
    codes = more_contacts(world, 5)
    schedule_campaign(plan(contacts=codes, agents=("luis", "marta", "ana")), actor=world.admin)
    (luis_notice,) = list_notifications(world.agent.id)
    assert luis_notice.kind == "assignment"
    assert luis_notice.actor == "ana"
    assert luis_notice.text == "2 calls scheduled for you in campaign Black Friday"
    first_call = Interaction.get_by_id(luis_notice.interaction_id)
    assert first_call.user_id == world.agent.id
    assert first_call.starts_at == at(MONDAY, "09:00")
    (marta_notice,) = list_notifications(world.supervisor.id)
    assert marta_notice.text.startswith("2 calls")
    assert list_notifications(world.admin.id) == []  # not told what she did herself


def test_thousands_of_calls_in_one_go(world: World) -> None:
    codes = tuple(f"Z-{n:05}" for n in range(2_000))
    with store_db.current().atomic():
        for code in codes:
            Contact.insert(code=code, name=code, created_at=MONDAY).execute()
    campaign = schedule_campaign(
        plan(contacts=codes, agents=("luis", "marta"), per_day=30), actor=world.admin
    )
    assert campaign.total == 2_000
    assert Interaction.select().where(Interaction.campaign == campaign.id).count() == 2_000
    assert (
        HistoryEvent.select().where(HistoryEvent.action == history.CAMPAIGN_SCHEDULED).count()
        == 2_000
    )
    assert len(starts_of("luis")) == len(set(starts_of("luis"))) == 1_000


def test_only_supervisors_schedule(world: World) -> None:
    with pytest.raises(PermissionDenied):
        schedule_campaign(plan(contacts=("C-001",), agents=("luis",)), actor=world.agent)
    assert Campaign.select().count() == 0


def test_a_preview_counts_and_dates_without_writing(world: World) -> None:
    codes = more_contacts(world, 5)
    preview = preview_campaign(plan(name="", contacts=codes, agents=("luis", "marta")))
    assert (preview.contacts, preview.calls) == (5, 5)
    assert preview.last == at(MONDAY, "09:30")  # luis's third call
    assert Interaction.select().count() == 0
    with pytest.raises(ValidationError) as caught:
        preview_campaign(plan(contacts=codes))
    assert [e.field for e in caught.value.errors] == ["agents"]


def test_a_contact_search_takes_what_the_contacts_list_shows(world: World) -> None:
    more_contacts(world, 3)
    found = preview_campaign(plan(contact_search=ContactSearch("k-0"), pool=True))
    assert found.contacts == 3
    everyone = preview_campaign(plan(contact_search=ContactSearch(), pool=True))
    assert everyone.contacts == 5
    with pytest.raises(ValidationError) as caught:
        preview_campaign(plan(contact_search=ContactSearch("nobody"), pool=True))
    assert caught.value.errors[0].key == "error.campaign_no_matching_contacts"
    with pytest.raises(ValidationError) as both:
        preview_campaign(plan(contacts=("C-001",), contact_search=ContactSearch(), pool=True))
    assert both.value.errors[0].key == "error.campaign_contacts_or_filter"


def test_progress_counts_each_agents_calls_by_status(world: World) -> None:
    codes = more_contacts(world, 5)
    campaign = schedule_campaign(
        plan(contacts=codes, agents=("luis", "ana")), actor=world.supervisor
    )
    luis_calls = list(
        Interaction.select().where(
            Interaction.campaign == campaign.id, Interaction.user == world.agent.id
        )
    )
    edit_interaction(luis_calls[0].id, {"status": "done"}, actor=world.agent)
    edit_interaction(luis_calls[1].id, {"status": "cancelled"}, actor=world.agent)
    edit_interaction(luis_calls[2].id, {"user": None, "pool": True}, actor=world.supervisor)
    progress = campaign_progress(campaign.id)
    assert progress.campaign.name == "Black Friday"
    assert progress.campaign.created_by == "Marta Vidal"
    assert progress.campaign.calls == CallCounts(done=1, open=3, cancelled=1)
    assert [(a.username, a.display_name, a.calls) for a in progress.agents] == [
        ("ana", "Ana Ruiz", CallCounts(open=2)),
        ("luis", "Luis Gómez", CallCounts(done=1, cancelled=1)),
        (None, "", CallCounts(open=1)),
    ]
    with pytest.raises(NotFound):
        campaign_progress(campaign.id + 100)


def test_campaigns_are_listed_newest_first_in_keyset_pages(world: World) -> None:
    names = [f"Campaign {n}" for n in range(5)]
    for name in names:
        schedule_campaign(plan(name=name, contacts=("C-001",), pool=True), actor=world.admin)
    first = list_campaigns(limit=3)
    assert [c.name for c in first] == ["Campaign 4", "Campaign 3", "Campaign 2"]
    rest = list_campaigns(limit=3, before_id=first[-1].id)
    assert [c.name for c in rest] == ["Campaign 1", "Campaign 0"]
    assert all(
        (c.total, c.calls, c.created_by) == (1, CallCounts(open=1), "Ana Ruiz") for c in rest
    )
    assert list_campaigns(before_id=rest[-1].id) == []


# --- crm-tui campaign ---------------------------------------------------------


def test_cli_prints_the_count(crm: Crm, world: World, db: store_db.Target) -> None:  # noqa: F811
    result = crm(
        "campaign",
        *on(db),
        "--name",
        "Navidad",
        "--type",
        "Llamada",
        "--contact",
        "C-001",
        "--contact",
        "C-002",
        "--agent",
        "luis",
        "--start",
        "2026-11-24",
        "--slot",
        "30",
        "--hours",
        "10:00-14:00",
        "--by",
        "marta",
    )
    assert (result.code, result.out, result.err) == (0, "2\n", "")
    day = MONDAY + DAY
    assert starts_of("luis") == [at(day, "10:00"), at(day, "10:30")]


def test_cli_selects_with_filters_into_the_pool(
    crm: Crm,  # noqa: F811
    world: World,
    db: store_db.Target,
) -> None:
    create_interaction(InteractionDraft(type="call", contact="C-002", created_by="luis"))
    result = crm(
        "campaign",
        *on(db),
        *("--name", "Pool", "--type", "call", "--user", "luis", "--pool"),
        *("--start", "tomorrow 9:00", "--by", "ana"),
    )
    assert (result.code, result.out) == (0, "1\n"), result.err
    assert calls() == {"C-002": (None, at(MONDAY + DAY, "09:00"), at(MONDAY + DAY, "09:15"))}


def test_cli_refusals_are_one_line_and_write_nothing(
    crm: Crm,  # noqa: F811
    world: World,
    db: store_db.Target,
) -> None:
    result = crm(
        "campaign",
        *on(db),
        *("--name", "X", "--type", "call", "--contact", "C-404", "--agent", "bob"),
        *("--start", "monday", "--by", "ana"),
    )
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("crm-tui: unknown contact 'C-404'; unknown user 'bob'")
    assert len(result.err.splitlines()) == 1
    both = crm(
        "campaign",
        *on(db),
        *("--name", "X", "--type", "call", "--contact", "C-001", "--agent", "luis", "--pool"),
        *("--start", "monday"),
    )
    assert both.code == 2  # argparse: --agent and --pool exclude each other
    assert Campaign.select().count() == 0
