"""The users, contacts and opportunities an import's rows name: which exist,
which the import creates, and which cannot be created as written.

Validation happens before anything is written, yet rows must validate
against what the import is about to create. So each record to create gets
a placeholder id (negative, never a real one) and a `Resolver` is seeded
with every name the rows use, existing or planned: `validate()` then checks
each row without a query, and the write swaps placeholders for real ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crm_tui.exchange.row_input import RowInput, RowProblem, problems_of
from crm_tui.services import contacts, users
from crm_tui.services.errors import FieldError, ValidationError
from crm_tui.services.interactions import Resolver
from crm_tui.services.records import UserRecord
from crm_tui.services.text import NAME_LIMIT, check_length
from crm_tui.store.bulk import in_chunks, lookup
from crm_tui.store.models import Contact, Interaction, Opportunity, User


def existing_uids(uids: Iterable[str]) -> set[str]:
    # Written-out lookups: every row of a file exported elsewhere has an id.
    return set(lookup(Interaction.uid, Interaction.id, uids))


@dataclass(frozen=True)
class NewContact:
    placeholder: int
    code: str
    name: str


@dataclass(frozen=True)
class NewOpportunity:
    placeholder: int
    code: str
    title: str
    contact: int  # a real id or a new contact's placeholder


def _check_new(code: str, name: str, *, prefix: str, name_field: str) -> list[FieldError]:
    """The length checks contacts.create_contact/create_opportunity make,
    done before writing so that they are reported with the row, under the
    file's columns (`contact_code`, `contact_name`, ...)."""
    errors: list[FieldError] = []
    check_length("code", code, contacts.CODE_LIMIT, errors)
    check_length(name_field, name, NAME_LIMIT, errors)
    return [FieldError(f"{prefix}_{error.field}", error.key, error.params) for error in errors]


class ReferencePlan:
    """What the rows name, and what must be created before them."""

    def __init__(self, rows: Sequence[RowInput], actor: UserRecord) -> None:
        self.resolver = Resolver()
        self.new_users: dict[str, int] = {}  # username -> placeholder
        self.new_contacts: dict[str, NewContact] = {}
        self.new_opportunities: dict[str, NewOpportunity] = {}
        # Why a name cannot be created as written, shown on every row using it.
        self._user_problems: dict[str, list[FieldError]] = {}
        self._contact_problems: dict[str, list[FieldError]] = {}
        self._opportunity_problems: dict[str, list[FieldError]] = {}
        self._contact_ids: dict[str, int] = {}  # real or placeholder, by code
        self._last_placeholder = 0
        self._plan_users(rows, actor)
        self._plan_contacts(rows)
        self._plan_opportunities(rows)

    def _placeholder(self) -> int:
        self._last_placeholder -= 1
        return self._last_placeholder

    def _plan_users(self, rows: Sequence[RowInput], actor: UserRecord) -> None:
        names = {actor.username}
        for row in rows:
            names.update(name for name in (row.user, row.created_by) if name)
        existing = {
            user.username: user
            for condition in in_chunks(User.username, names)
            for user in User.select().where(condition)
        }
        for name in sorted(names):
            user = existing.get(name)
            if user is None:
                try:
                    users.validate_new_user(name, name, None, "agent")
                except ValidationError as exc:
                    self._user_problems[name] = exc.errors
                placeholder = self._placeholder()
                self.new_users[name] = placeholder
                user = User(id=placeholder, username=name, display_name=name, active=True)
            self.resolver.users[name] = user

    def _plan_contacts(self, rows: Sequence[RowInput]) -> None:
        names: dict[str, str] = {}
        for row in rows:
            if row.contact_code and not names.get(row.contact_code):
                names[row.contact_code] = row.contact_name
        existing = {
            code: contact_id
            for condition in in_chunks(Contact.code, names)
            for code, contact_id in Contact.select(Contact.code, Contact.id)
            .where(condition)
            .tuples()
        }
        for code, name in names.items():
            contact_id = existing.get(code)
            if contact_id is None:
                errors = _check_new(code, name, prefix="contact", name_field="name")
                if not name:
                    errors.append(
                        FieldError(
                            "contact_name", "exchange.error.new_contact_needs_name", {"code": code}
                        )
                    )
                if errors:
                    self._contact_problems[code] = errors
                contact_id = self._placeholder()
                self.new_contacts[code] = NewContact(contact_id, code, name)
            self._contact_ids[code] = contact_id
            self.resolver.contacts[code] = contact_id

    def _plan_opportunities(self, rows: Sequence[RowInput]) -> None:
        # A new opportunity belongs to the contact of the first row that
        # gives its title (rows without a contact fail validation anyway).
        first_rows: dict[str, RowInput] = {}
        for row in rows:
            code = row.opportunity_code
            if not (code and row.contact_code):
                continue
            if code not in first_rows or not first_rows[code].opportunity_title:
                first_rows[code] = row
        existing = {
            code: (opportunity_id, contact_id)
            for condition in in_chunks(Opportunity.code, first_rows)
            for code, opportunity_id, contact_id in Opportunity.select(
                Opportunity.code, Opportunity.id, Opportunity.contact
            )
            .where(condition)
            .tuples()
        }
        for code, row in first_rows.items():
            found = existing.get(code)
            if found is None:
                title = row.opportunity_title
                errors = _check_new(code, title, prefix="opportunity", name_field="title")
                if not title:
                    errors.append(
                        FieldError(
                            "opportunity_title",
                            "exchange.error.new_opportunity_needs_title",
                            {"code": code},
                        )
                    )
                if errors:
                    self._opportunity_problems[code] = errors
                contact = self._contact_ids[row.contact_code]
                found = (self._placeholder(), contact)
                self.new_opportunities[code] = NewOpportunity(found[0], code, title, contact)
            self.resolver.opportunities[code] = found

    @property
    def has_problems(self) -> bool:
        """Whether a record the rows name cannot be created as written."""
        return bool(self._user_problems or self._contact_problems or self._opportunity_problems)

    def contact_names(self, codes: Iterable[str]) -> dict[str, str]:
        """The name each contact will have: a new one's from the file, a
        known one's from the database (the file's is not written over it)."""
        wanted = set(codes)
        names = {code: self.new_contacts[code].name for code in wanted & self.new_contacts.keys()}
        names.update(lookup(Contact.code, Contact.name, wanted - names.keys()))
        return names

    def problems(self, row: RowInput) -> list[RowProblem]:
        """What stops the records this row names from being created."""
        found: list[FieldError] = []
        for column in ("user", "created_by"):
            for error in self._user_problems.get(getattr(row, column), []):
                found.append(FieldError(column, error.key, error.params))
        found.extend(self._contact_problems.get(row.contact_code, []))
        found.extend(self._opportunity_problems.get(row.opportunity_code, []))
        return problems_of(ValidationError(found)) if found else []
