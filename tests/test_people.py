"""Users, contacts and opportunities."""

from __future__ import annotations

import pytest

from crm_tui.services import contacts, history, users
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.store import db as store_db

from .conftest import World


def test_first_user_of_an_empty_database_becomes_admin(db: store_db.Target) -> None:
    first = users.resolve_actor("pilar")
    assert (first.username, first.role) == ("pilar", "admin")
    assert users.resolve_actor("pilar") == first
    with pytest.raises(NotFound) as raised:
        users.resolve_actor("intruso")
    assert "unknown user 'intruso'" in str(raised.value)


def test_user_validation_names_each_problem(db: store_db.Target) -> None:
    with pytest.raises(ValidationError) as raised:
        users.add_user("mal nombre", email="no-es-correo", role="jefe")
    assert {e.field for e in raised.value.errors} == {"username", "email", "role"}
    users.add_user("eva", "Eva", role="Supervisor")
    assert users.get_user("eva").role == "supervisor"
    with pytest.raises(ValidationError):
        users.add_user("eva")


def test_contact_codes_are_unique_and_created_in_history(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        contacts.create_contact("C-001", "Otro")
    assert "code 'C-001' already exists" in str(raised.value)
    events = history.list_history(contact_id=world.contact.id)
    assert [e.action for e in events][-1] == "contact_created"
    assert contacts.get_contact("C-002").credit_hold is True


def test_contact_search_pages_by_name(world: World) -> None:
    for n in range(12):
        contacts.create_contact(f"X-{n:02}", f"Bar {n:02}", company="Hostelería")
    found = contacts.search_contacts("bar", limit=5)
    assert [c.name for c in found] == [f"Bar {n:02}" for n in range(5)]
    more = contacts.search_contacts("bar", after=(found[-1].name, found[-1].id), limit=50)
    assert len(more) == 7
    assert [c.code for c in contacts.search_contacts("hostel", limit=1)] == ["X-00"]


def test_contact_paging_neither_skips_nor_repeats_shared_names(world: World) -> None:
    codes = [f"S-{n}" for n in range(5)]
    for code in codes:
        contacts.create_contact(code, "Bar Central")
    contacts.create_contact("S-9", "Bar Zeta")
    seen: list[str] = []
    after: tuple[str, int] | None = None
    while page := contacts.search_contacts("bar", after=after, limit=2):
        seen.extend(c.code for c in page)
        after = (page[-1].name, page[-1].id)
    assert seen == [*codes, "S-9"]


def test_opportunities_of_one_contact_page_newest_first(world: World) -> None:
    for n in range(5):
        contacts.create_opportunity(f"OP-1{n}", f"Extra {n}", world.contact.id)
    contacts.create_opportunity("OP-99", "Extra ajena", world.other_contact.id)
    mine = contacts.search_opportunities(contact_id=world.contact.id, limit=4)
    assert [o.code for o in mine] == ["OP-14", "OP-13", "OP-12", "OP-11"]
    rest = contacts.search_opportunities(contact_id=world.contact.id, after_id=mine[-1].id)
    assert [o.code for o in rest] == ["OP-10", "OP-001"]
    assert [
        o.code for o in contacts.search_opportunities("extra", contact_id=world.contact.id)
    ] == [
        "OP-14",
        "OP-13",
        "OP-12",
        "OP-11",
        "OP-10",
    ]
    assert [o.code for o in contacts.search_opportunities("ajena")] == ["OP-99"]


def test_opportunities_belong_to_their_contact(world: World) -> None:
    found = contacts.opportunities_of(world.contact.id)
    assert [o.code for o in found] == ["OP-001"]
    assert found[0].contact_name == "Ferretería López"
    assert found[0].stage == "proposal"
    with pytest.raises(NotFound):
        contacts.get_opportunity("OP-404")
    with pytest.raises(ValidationError):
        contacts.create_opportunity("OP-009", "", world.contact.id, value="mucho")


def test_contacts_come_with_their_owner(world: World) -> None:
    contacts.create_contact("C-003", "Talleres Norte", owner_id=world.supervisor.id)
    found = {c.code: c.owner for c in contacts.search_contacts()}
    assert found == {"C-001": None, "C-002": None, "C-003": "marta"}
    assert contacts.get_contact("C-003").owner == "marta"
    assert contacts.get_contact_by_id(contacts.get_contact("C-003").id).owner == "marta"
    assert contacts.get_contact("C-001").owner is None
