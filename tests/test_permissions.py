"""Roles and permissions: what each role may do in the services and on
the command line, that every refusal is clear and on record, that an
admin's change of a role's permissions counts at once, and that nothing
marked internal leaves in a file meant for a customer or a calendar file.

The table test runs every action as every role (and as an admin who was
deactivated) on SQLite and on PostgreSQL: allowed, or refused with the
message a person reads and one `permission_refused` event in the history.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from crm_tui.exchange.exporter import export_interaction, export_interactions
from crm_tui.i18n import set_language
from crm_tui.services import history, permissions, users
from crm_tui.services.calendar import calendar_events
from crm_tui.services.campaigns import CampaignPlan, schedule_campaign
from crm_tui.services.errors import CrmError, NotFound, ValidationError
from crm_tui.services.history_sentences import history_sentence
from crm_tui.services.interactions import InteractionDraft, create_interaction, delete_interaction
from crm_tui.services.listing import iter_interactions
from crm_tui.services.permissions import PermissionRefused
from crm_tui.services.records import (
    HistoryRecord,
    InteractionFilter,
    InteractionRecord,
    UserRecord,
)
from crm_tui.services.types import TypeIndex, TypeInput, update_type
from crm_tui.store import db as store_db
from crm_tui.store.models import Campaign, HistoryEvent, Interaction, InteractionType, User

from .conftest import World
from .test_cli import Crm, crm, on  # noqa: F401 (crm: the fixture)

MONDAY = date(2026, 11, 23)
ROLES = ("agent", "supervisor", "admin", "inactive admin")


def actor_for(role: str, world: World) -> UserRecord:
    if role == "inactive admin":
        gone = users.add_user("olga", "Olga Paz", role="admin")
        User.update(active=False).where(User.id == gone.id).execute()
        return gone
    return {"agent": world.agent, "supervisor": world.supervisor, "admin": world.admin}[role]


def a_call(world: World, *, internal: bool = False, note: str = "") -> int:
    return create_interaction(
        InteractionDraft(
            type="call",
            contact=world.contact.code,
            created_by=world.agent.username,
            subject="Pide presupuesto",
            note=note,
            internal=internal,
        )
    ).id


def refusals() -> list[HistoryEvent]:
    return list(
        HistoryEvent.select()
        .where(HistoryEvent.action == history.PERMISSION_REFUSED)
        .order_by(HistoryEvent.id)
    )


# --- each action: what it does, and how to see it was done ----------------------------


@dataclass(frozen=True)
class Action:
    name: str
    permission: str
    what: str  # how the refusal names it: "Only roles with 'x' can <what>"
    run: Callable[[World, UserRecord, Path], object]
    # Whether it was done; None: it only reads, nothing to see.
    done: Callable[[World, Path], bool] | None


def _delete(world: World, actor: UserRecord, _: Path) -> None:
    delete_interaction(a_call(world), actor=actor)


def _export(world: World, actor: UserRecord, folder: Path) -> None:
    a_call(world)
    export_interactions(InteractionFilter(), folder / "all.csv", actor=actor)


def _change_type(world: World, actor: UserRecord, _: Path) -> None:
    call = TypeIndex.load().resolve("call")
    changed = TypeInput("call", call.label_es, "Phone call", call.channel, call.colour, "")
    update_type(call.id, changed, actor=actor)


def _add_user(world: World, actor: UserRecord, _: Path) -> None:
    users.create_user("nuevo", "Nuevo Agente", actor=actor)


def _campaign(world: World, actor: UserRecord, _: Path) -> None:
    plan = CampaignPlan(
        name="Navidad",
        type="call",
        start=datetime(2026, 11, 24, 9, 0),
        contacts=(world.contact.code,),
        agents=(world.agent.username,),
    )
    schedule_campaign(plan, actor=actor)


def _calendar(world: World, actor: UserRecord, _: Path) -> None:
    # pepe: nobody's own calendar, whoever asks.
    if users.find_user("pepe") is None:
        users.add_user("pepe", "Pepe Sanz")
    assert calendar_events("pepe", MONDAY, 7, viewer=actor).user.username == "pepe"


def _activities(world: World, actor: UserRecord, _: Path) -> None:
    # What the opportunity's timeline asks before it shows the list.
    shown = permissions.can(actor, permissions.SEE_ACTIVITIES)
    permissions.require(actor, permissions.SEE_ACTIVITIES, attempted="see the activities")
    assert shown


ACTIONS = [
    Action(
        "delete an interaction",
        permissions.DELETE_INTERACTION,
        "delete interactions",
        _delete,
        lambda *_: not Interaction.select().exists(),
    ),
    Action(
        "export",
        permissions.EXPORT,
        "export",
        _export,
        lambda _, folder: (folder / "all.csv").exists(),
    ),
    Action(
        "change a type",
        permissions.MANAGE_SETTINGS,
        "change the settings (types, templates, rules, mail)",
        _change_type,
        lambda *_: InteractionType.get(InteractionType.code == "call").label_en == "Phone call",
    ),
    Action(
        "add a user",
        permissions.MANAGE_USERS,
        "manage users and permissions",
        _add_user,
        lambda *_: users.find_user("nuevo") is not None,
    ),
    Action(
        "schedule a campaign",
        permissions.SCHEDULE_CAMPAIGN,
        "schedule campaigns",
        _campaign,
        lambda *_: Campaign.select().exists(),
    ),
    Action(
        "read another's calendar",
        permissions.SEE_OTHERS_CALENDAR,
        "see another person's calendar",
        _calendar,
        None,
    ),
    Action(
        "see an opportunity's activities",
        permissions.SEE_ACTIVITIES,
        "see an opportunity's activities",
        _activities,
        None,
    ),
]
# Who may do what with the permissions as shipped.
ALLOWED = {
    "agent": {"export", "see an opportunity's activities"},
    "supervisor": {action.name for action in ACTIONS} - {"add a user"},
    "admin": {action.name for action in ACTIONS},
    "inactive admin": set(),
}
ROLE_NAMES = {"agent": "an agent", "supervisor": "a supervisor", "admin": "an admin"}


def refusal_message(action: Action, role: str) -> str:
    if role == "inactive admin":
        return (
            "olga is no longer an active user and can do nothing here; "
            "an admin can reactivate the account"
        )
    return f"Only roles with '{action.permission}' can {action.what}; you are {ROLE_NAMES[role]}"


@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_action(world: World, tmp_path: Path, role: str, action: Action) -> None:
    actor = actor_for(role, world)
    if action.name in ALLOWED[role]:
        action.run(world, actor, tmp_path)
        assert action.done is None or action.done(world, tmp_path)
        assert refusals() == []
        return
    with pytest.raises(PermissionRefused) as refused:
        action.run(world, actor, tmp_path)
    assert refused.value.message() == refusal_message(action, role)
    assert refused.value.permission == action.permission
    [logged] = refusals()
    assert logged.actor == actor.id
    assert json.loads(logged.details)["permission"] == action.permission
    assert action.done is None or not action.done(world, tmp_path)


@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_changing_a_roles_permissions_changes_the_outcome(
    world: World, tmp_path: Path, action: Action
) -> None:
    permissions.change_grants(world.admin, "agent", grant=[action.permission])
    action.run(world, world.agent, tmp_path)
    assert action.done is None or action.done(world, tmp_path)

    if action.permission == permissions.MANAGE_USERS:
        with pytest.raises(ValidationError) as kept:
            permissions.change_grants(world.admin, "admin", revoke=[action.permission])
        assert "admin always keeps 'manage-users'" in kept.value.message()
        return
    permissions.change_grants(world.admin, "admin", revoke=[action.permission])
    with pytest.raises(PermissionRefused) as refused:
        action.run(world, world.admin, tmp_path)
    assert refused.value.message() == refusal_message(action, "admin")
    assert len(refusals()) == 1


def test_a_refused_deletion_is_in_the_interactions_own_history(world: World) -> None:
    call = a_call(world)
    with pytest.raises(PermissionRefused):
        delete_interaction(call, actor=world.agent)
    [newest, *_] = history.list_history(interaction_id=call)
    assert (newest.action, newest.actor) == (history.PERMISSION_REFUSED, "luis")
    assert newest.details == {
        "permission": "delete-interaction",
        "role": "agent",
        "attempted": f"delete interaction {call}",
    }
    names = {"luis": "Luis Gómez"}
    now = datetime(2026, 11, 23, 10, 0)
    assert history_sentence(newest, names, "en", now) == (
        "Luis Gómez tried to delete interactions, which the role Agent does not allow"
    )
    assert history_sentence(newest, names, "es", now) == (
        "Luis Gómez intentó borrar interacciones, algo que el rol Agente no permite"
    )


def test_refusals_read_in_spanish(world: World) -> None:
    set_language("es")
    with pytest.raises(PermissionRefused) as refused:
        schedule_campaign(CampaignPlan(name="x", type="call", start=MONDAY), actor=world.agent)
    assert refused.value.message() == (
        "Solo los roles con 'schedule-campaign' pueden programar campañas; usted es agente"
    )


def test_the_role_counts_as_the_database_has_it_now(world: World) -> None:
    # An app opened as supervisor keeps its record; the demotion counts.
    User.update(role="agent").where(User.id == world.supervisor.id).execute()
    assert not permissions.can(world.supervisor, permissions.DELETE_INTERACTION)
    User.update(role="admin").where(User.id == world.agent.id).execute()
    assert permissions.can(world.agent, permissions.MANAGE_USERS)
    assert permissions.held(world.agent) == set(permissions.PERMISSIONS)
    User.update(active=False).where(User.id == world.agent.id).execute()
    assert permissions.held(world.agent) == frozenset()


# --- the grants ------------------------------------------------------------------------


def test_the_shipped_grants(world: World) -> None:
    assert permissions.grants() == {
        "agent": {"see-activities-opportunity-tab", "export"},
        "supervisor": {
            "see-activities-opportunity-tab",
            "export",
            "delete-interaction",
            "schedule-campaign",
            "see-others-calendar",
            "manage-settings",
        },
        "admin": set(permissions.PERMISSIONS),
    }


def test_grants_are_stored_logged_and_only_for_manage_users(world: World) -> None:
    with pytest.raises(PermissionRefused) as refused:
        permissions.set_grants(world.supervisor, "agent", ["export", "delete-interaction"])
    assert "Only roles with 'manage-users'" in refused.value.message()
    assert permissions.grants()["agent"] == {"see-activities-opportunity-tab", "export"}

    now = permissions.set_grants(world.admin, "agent", ["export", "delete-interaction"])
    assert now == {"export", "delete-interaction"} == permissions.grants()["agent"]
    [changed] = HistoryEvent.select().where(HistoryEvent.action == history.PERMISSIONS_CHANGED)
    assert json.loads(changed.details) == {
        "role": "agent",
        "granted": ["delete-interaction"],
        "revoked": ["see-activities-opportunity-tab"],
    }
    event = HistoryRecord(
        1, changed.at, "ana", changed.action, None, None, None, json.loads(changed.details)
    )
    assert history_sentence(event, {"ana": "Ana Ruiz"}, "en", changed.at) == (
        "Ana Ruiz changed what the role Agent may do: gave it delete-interaction "
        "and took away see-activities-opportunity-tab"
    )
    # The same again changes nothing and logs nothing.
    permissions.set_grants(world.admin, "agent", ["export", "delete-interaction"])
    assert (
        HistoryEvent.select().where(HistoryEvent.action == history.PERMISSIONS_CHANGED).count() == 1
    )


def test_bad_grants_are_refused_with_the_choices(world: World) -> None:
    with pytest.raises(ValidationError) as unknown:
        permissions.change_grants(world.admin, "agent", grant=["delete-everything"])
    assert unknown.value.message().startswith("unknown permission 'delete-everything'")
    assert "see-others-calendar" in unknown.value.message()
    with pytest.raises(ValidationError) as role:
        permissions.change_grants(world.admin, "boss", grant=["export"])
    assert "unknown role 'boss'" in role.value.message()
    with pytest.raises(ValidationError):
        permissions.set_grants(world.admin, "admin", ["export"])  # without manage-users
    assert permissions.can(world.admin, permissions.MANAGE_USERS)


def test_a_stored_value_from_elsewhere_is_read_leniently(world: World) -> None:
    from crm_tui.store.models import Setting

    Setting.create(scope="", key="permissions.agent", value='["export", "fly"]')
    Setting.create(scope="", key="permissions.supervisor", value="not json")
    Setting.create(scope="", key="permissions.admin", value="[]")
    held = permissions.grants()
    assert held["agent"] == {"export"}  # a name from a newer program is left out
    assert held["supervisor"] == permissions.DEFAULT_GRANTS["supervisor"]
    assert held["admin"] == {"manage-users"}  # kept whatever is stored


# --- users --------------------------------------------------------------------------


def test_users_are_edited_deactivated_and_reactivated_by_manage_users(world: World) -> None:
    with pytest.raises(PermissionRefused):
        users.update_user("luis", role="admin", actor=world.supervisor)
    edited = users.update_user(
        "luis", actor=world.admin, role="Supervisor", display_name="Luis G.", email=""
    )
    assert (edited.role, edited.display_name, edited.email) == ("supervisor", "Luis G.", None)
    assert not users.set_user_active("luis", False, actor=world.admin).active
    with pytest.raises(ValidationError) as inactive:
        users.resolve_actor("luis")
    assert inactive.value.message() == "user 'luis' is not active"
    assert users.set_user_active("luis", True, actor=world.admin).active

    actions = [
        event.action
        for event in HistoryEvent.select().order_by(HistoryEvent.id)
        if event.action.startswith("user_") or event.action == history.PERMISSION_REFUSED
    ]
    assert actions[-4:] == [
        history.PERMISSION_REFUSED,
        history.USER_EDITED,
        history.USER_DEACTIVATED,
        history.USER_REACTIVATED,
    ]


def test_nobody_locks_the_admins_out(world: World) -> None:
    with pytest.raises(ValidationError) as itself:
        users.set_user_active("ana", False, actor=world.admin)
    assert itself.value.message() == "you cannot deactivate yourself; another admin can"
    with pytest.raises(ValidationError) as demoted:
        users.update_user("ana", role="agent", actor=world.admin)
    assert demoted.value.message() == (
        "ana is the last active admin and stays admin; make someone else admin first"
    )
    users.update_user("marta", role="admin", actor=world.admin)
    assert users.update_user("ana", role="agent", actor=world.admin).role == "agent"
    marta = users.get_user("marta")
    with pytest.raises(ValidationError) as last:
        users.set_user_active("marta", False, actor=users.get_user("marta"))
    assert "cannot deactivate yourself" in last.value.message()
    users.update_user("ana", role="admin", actor=marta)
    users.set_user_active("ana", False, actor=marta)
    with pytest.raises(ValidationError) as alone:
        users.update_user("marta", role="supervisor", actor=marta)
    assert "marta is the last active admin" in alone.value.message()


def test_an_unknown_user_is_told_clearly(world: World) -> None:
    with pytest.raises(NotFound) as unknown:
        users.resolve_actor("nadie")
    assert unknown.value.message() == "unknown user 'nadie'"


# --- internal notes never leave in a customer's file --------------------------------------


def csv_subjects(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [row["subject"] for row in csv.DictReader(file)]


def test_exports_keep_internal_rows_unless_told_to_leave_them_out(
    world: World, tmp_path: Path
) -> None:
    create_interaction(
        InteractionDraft(type="call", contact="C-001", created_by="luis", subject="Abierta")
    )
    create_interaction(
        InteractionDraft(
            type="note", contact="C-001", created_by="luis", subject="Solo equipo", internal=True
        )
    )
    team, customer = tmp_path / "team.csv", tmp_path / "customer.csv"
    assert export_interactions(InteractionFilter(), team, actor=world.agent) == 2
    assert sorted(csv_subjects(team)) == ["Abierta", "Solo equipo"]
    written = export_interactions(
        InteractionFilter(), customer, actor=world.agent, exclude_internal=True
    )
    assert (written, csv_subjects(customer)) == (1, ["Abierta"])

    with pytest.raises(CrmError) as contradiction:
        export_interactions(
            InteractionFilter(internal=True),
            tmp_path / "none.csv",
            actor=world.agent,
            exclude_internal=True,
        )
    assert "asks for internal interactions only" in contradiction.value.message()
    internal_id = next(r.id for r in _all() if r.internal)
    with pytest.raises(CrmError) as one:
        export_interaction(internal_id, tmp_path / "one.xlsx", exclude_internal=True)
    assert one.value.message() == (
        f"interaction {internal_id} is internal, and this export leaves internal ones out"
    )
    assert not (tmp_path / "one.xlsx").exists()


def _all() -> list[InteractionRecord]:
    return list(iter_interactions(InteractionFilter()))


def test_the_export_sheet_names_the_internal_filter_of_a_customers_file(
    world: World, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    a_call(world)
    out = tmp_path / "customer.xlsx"
    export_interactions(InteractionFilter(), out, actor=world.agent, exclude_internal=True)
    info = dict(list(load_workbook(out)["export"].iter_rows(values_only=True))[1:])
    assert info["Filter: internal"] == "no"
    assert info["Exported by"] == "Luis Gómez (luis)"


def test_an_ics_leaves_out_the_description_of_internal_events(world: World, tmp_path: Path) -> None:
    for subject, internal in (("Visita abierta", False), ("Visita interna", True)):
        create_interaction(
            InteractionDraft(
                type="meeting",
                contact="C-001",
                created_by="luis",
                subject=subject,
                note=f"nota de {subject}",
                internal=internal,
                starts_at=datetime(2030, 3, 4, 10, 0),
            )
        )
    out = tmp_path / "team.ics"
    assert export_interactions(InteractionFilter(), out, actor=world.agent) == 2
    events = out.read_text(encoding="utf-8").split("BEGIN:VEVENT")[1:]
    by_subject = {("interna" in event): event for event in events}
    assert "DESCRIPTION:nota de Visita abierta" in by_subject[False]
    assert "CLASS:PRIVATE" not in by_subject[False]
    assert "DESCRIPTION" not in by_subject[True]
    assert "nota de Visita interna" not in by_subject[True]
    assert "CLASS:PRIVATE" in by_subject[True]


def test_an_internal_interaction_sends_the_customer_nothing(world: World) -> None:
    from crm_tui.services import contacts, outbox

    contacts.create_contact(
        "C-010", "Talleres Ruiz", email="compras@talleres.example", actor_id=world.admin.id
    )
    for note, internal in (("Quiere 20 cajas", False), ("Moroso: no fiar", True)):
        create_interaction(
            InteractionDraft(
                type="call",
                contact="C-010",
                created_by="luis",
                direction="inbound",
                note=note,
                internal=internal,
            )
        )
    to_customer = [
        message
        for message in outbox.list_messages(limit=100)
        if message.recipient == "compras@talleres.example"
    ]
    assert len(to_customer) == 1
    assert "Quiere 20 cajas" in to_customer[0].body
    assert all("Moroso" not in message.body for message in outbox.list_messages(limit=100))


# --- the command line ---------------------------------------------------------------


def test_cli_users_permissions_shows_and_changes_grants(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    shown = crm("users", "permissions", *on(db))
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0].split() == ["Permission", "Agent", "Supervisor", "Admin"]
    assert lines[2].split() == ["delete-interaction", "yes", "yes"]

    refused = crm(
        "users",
        "permissions",
        *on(db),
        "--role",
        "agent",
        "--grant",
        "delete-interaction",
        "--by",
        "marta",
    )
    assert (refused.code, refused.err) == (
        1,
        "crm-tui: Only roles with 'manage-users' can manage users and permissions; "
        "you are a supervisor\n",
    )
    assert len(refusals()) == 1

    changed = crm(
        "--user",
        "ana",
        "users",
        "permissions",
        *on(db),
        "--role",
        "agent",
        "--grant",
        "delete-interaction",
        "--revoke",
        "export",
        "--format",
        "json",
    )
    assert changed.json() == [
        {"role": "agent", "permissions": ["see-activities-opportunity-tab", "delete-interaction"]}
    ]
    export = crm("export", *on(db), "--out", str(tmp_path / "x.csv"), "--by", "luis")
    assert export.code == 1 and "Only roles with 'export' can export" in export.err

    alone = crm("users", "permissions", *on(db), "--grant", "export")
    assert alone.code == 1 and "add --role" in alone.err
    unknown = crm("users", "permissions", *on(db), "--role", "agent", "--grant", "fly")
    assert unknown.code == 2  # argparse lists the permissions


def test_cli_users_edit_deactivate_reactivate(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    edited = crm("users", "edit", "luis", "--role", "supervisor", *on(db), "--by", "ana")
    assert edited.out == "user luis: Luis Gómez, Supervisor, e-mail luis@example.com\n"
    off = crm("users", "deactivate", "luis", *on(db), "--by", "ana")
    assert (off.code, off.out) == (0, "user luis deactivated\n")
    as_luis = crm("export", *on(db), "--out", str(tmp_path / "never.csv"), "--by", "luis")
    assert as_luis.err == "crm-tui: user 'luis' is not active\n"
    assert crm("users", "reactivate", "luis", *on(db), "--by", "ana").out == (
        "user luis reactivated\n"
    )
    refused = crm("users", "deactivate", "ana", *on(db), "--by", "luis")
    assert "Only roles with 'manage-users'" in refused.err
    itself = crm("users", "deactivate", "ana", *on(db), "--by", "ana")
    assert itself.err == "crm-tui: you cannot deactivate yourself; another admin can\n"
    nothing = crm("users", "edit", "luis", *on(db), "--by", "ana")
    assert nothing.err == "crm-tui: say what to change: --email, --name or --role\n"


def test_cli_refusals_are_logged_although_nothing_is_done(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    campaign = crm(
        "campaign",
        *on(db),
        "--name",
        "X",
        "--type",
        "call",
        "--contact",
        "C-001",
        "--agent",
        "luis",
        "--start",
        "2026-11-24",
        "--by",
        "luis",
    )
    assert campaign.err == (
        "crm-tui: Only roles with 'schedule-campaign' can schedule campaigns; you are an agent\n"
    )
    added = crm("users", "add", "pepe", *on(db), "--by", "luis")
    assert "Only roles with 'manage-users'" in added.err
    assert users.find_user("pepe") is None
    assert [json.loads(event.details)["permission"] for event in refusals()] == [
        "schedule-campaign",
        "manage-users",
    ]
    assert not Campaign.select().exists()


def test_cli_unknown_user_gets_a_clear_message(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    for args in (["--user", "nadie", "export"], ["export", "--by", "nadie"]):
        result = crm(*args, *on(db), "--out", str(tmp_path / "x.csv"))
        assert result.code == 1
        assert result.err.startswith("crm-tui: unknown user 'nadie'")
    assert not (tmp_path / "x.csv").exists()


def test_cli_export_no_internal(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    tmp_path: Path,
) -> None:
    a_call(world, note="visible")
    a_call(world, internal=True, note="solo equipo")
    out = tmp_path / "customer.csv"
    result = crm("export", *on(db), "--no-internal", "--out", str(out), "--by", "luis")
    assert result.out == f"1 interactions written to {out}\n"
    assert "solo equipo" not in out.read_text(encoding="utf-8-sig")
