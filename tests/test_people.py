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
    more = contacts.search_contacts("bar", after_name=found[-1].name, limit=50)
    assert len(more) == 7
    assert [c.code for c in contacts.search_contacts("hostel", limit=1)] == ["X-00"]


def test_opportunities_belong_to_their_contact(world: World) -> None:
    found = contacts.opportunities_of(world.contact.id)
    assert [o.code for o in found] == ["OP-001"]
    assert found[0].contact_name == "Ferretería López"
    assert found[0].stage == "proposal"
    with pytest.raises(NotFound):
        contacts.get_opportunity("OP-404")
    with pytest.raises(ValidationError):
        contacts.create_opportunity("OP-009", "", world.contact.id, value="mucho")
