"""Contacts (clientes) and their opportunities (oportunidades)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from peewee import JOIN, Tuple, fn

from crm_tui import clock
from crm_tui.formatting import stage_label
from crm_tui.i18n import register
from crm_tui.services import history
from crm_tui.services.errors import FieldError, FieldName, NotFound, ValidationError
from crm_tui.services.records import ContactRecord, OpportunityRecord, UserRecord
from crm_tui.services.text import NAME_LIMIT, check_length, clean_line
from crm_tui.services.vocab import Term, Vocabulary
from crm_tui.store.db import writes
from crm_tui.store.models import Contact, Opportunity, User

register({"field.stage": ("stage", "etapa"), "field.sub_stage": ("sub-stage", "subetapa")})

CODE_LIMIT = 64
SUB_STAGE_LIMIT = 64

# The stages an opportunity moves through, in order, labelled as the lists
# show them; an imported stage outside these stays as it was stored.
STAGE_CODES = ("new", "qualified", "proposal", "negotiation", "won", "lost")
STAGE = Vocabulary(
    "stage", [Term(code, stage_label(code, "es"), stage_label(code, "en")) for code in STAGE_CODES]
)


def contact_record(contact: Contact, owner: str | None) -> ContactRecord:
    return ContactRecord(
        id=contact.id,
        uid=contact.uid,
        code=contact.code,
        name=contact.name,
        company=contact.company,
        phone=contact.phone,
        email=contact.email,
        credit_hold=bool(contact.credit_hold),
        owner=owner,
    )


def _contact_query() -> Any:
    """Contacts with their owner's username as `owner_username`, read in
    the same query. (Selecting the joined User's columns as a model would
    put a User without its id on `owner`, wiping `owner_id`.)"""
    owner = User.alias()
    return (
        Contact.select(Contact, owner.username.alias("owner_username"))
        .join(owner, JOIN.LEFT_OUTER, on=(Contact.owner == owner.id))
        .objects()
    )


def _contact_of(row: Any) -> ContactRecord:
    return contact_record(row, row.owner_username)


def get_contact(code: str) -> ContactRecord:
    row = _contact_query().where(Contact.code == code.strip()).first()
    if row is None:
        raise NotFound("error.unknown_contact", value=code)
    return _contact_of(row)


def get_contact_by_id(contact_id: int) -> ContactRecord:
    row = _contact_query().where(Contact.id == contact_id).first()
    if row is None:
        raise NotFound("error.unknown_contact", value=str(contact_id))
    return _contact_of(row)


def _required_line(field_id: str, value: str, limit: int, errors: list[FieldError]) -> str:
    value = clean_line(value)
    if not value:
        errors.append(
            FieldError(field_id, "error.required", {"field": FieldName(f"field.{field_id}")})
        )
    check_length(field_id, value, limit, errors)
    return value


def _refuse_taken_code(model: Any, code: str) -> None:
    if model.select().where(model.code == code).exists():
        raise ValidationError.single(
            "code", "error.duplicate", field=FieldName("field.code"), value=code
        )


@writes
def create_contact(
    code: str,
    name: str,
    *,
    company: str = "",
    phone: str = "",
    email: str = "",
    credit_hold: bool = False,
    owner_id: int | None = None,
    actor_id: int | None = None,
) -> ContactRecord:
    errors: list[FieldError] = []
    code = _required_line("code", code, CODE_LIMIT, errors)
    name = _required_line("name", name, NAME_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    _refuse_taken_code(Contact, code)
    contact = Contact.create(
        code=code,
        name=name,
        company=clean_line(company),
        phone=clean_line(phone),
        email=clean_line(email),
        credit_hold=credit_hold,
        owner=owner_id,
        created_at=clock.now(),
    )
    history.record(
        history.CONTACT_CREATED,
        actor_id=actor_id,
        contact_id=contact.id,
        details={"code": code, "name": name},
    )
    owner = User.get_by_id(owner_id).username if owner_id else None
    return contact_record(contact, owner)


def search_contacts(
    text: str = "", *, after: tuple[str, int] | None = None, limit: int = 50
) -> list[ContactRecord]:
    """Contacts whose code, name, company or phone contains `text`, by name;
    paged by keyset: `after` is the (name, id) of the last contact shown,
    so contacts sharing a name are neither skipped nor repeated."""
    query = _contact_query()
    text = clean_line(text)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            (fn.LOWER(Contact.name) ** pattern)
            | (fn.LOWER(Contact.code) ** pattern)
            | (fn.LOWER(Contact.company) ** pattern)
            | (Contact.phone**pattern)
        )
    if after is not None:
        query = query.where(Tuple(Contact.name, Contact.id) > Tuple(*after))
    query = query.order_by(Contact.name, Contact.id).limit(limit)
    return [_contact_of(row) for row in query]


def opportunity_record(row: Opportunity) -> OpportunityRecord:
    return OpportunityRecord(
        id=row.id,
        uid=row.uid,
        code=row.code,
        title=row.title,
        contact_id=row.contact_id,
        contact_code=row.contact.code,
        contact_name=row.contact.name,
        stage=row.stage,
        sub_stage=row.sub_stage,
        owner=row.owner.username if row.owner_id else None,
        value=Decimal(row.value),
    )


def _opportunity_query() -> Any:
    owner = User.alias()
    return (
        Opportunity.select(Opportunity, Contact, owner)
        .join(Contact, on=(Opportunity.contact == Contact.id))
        .switch(Opportunity)
        .join(owner, JOIN.LEFT_OUTER, on=(Opportunity.owner == owner.id))
    )


def get_opportunity(code: str) -> OpportunityRecord:
    row = _opportunity_query().where(Opportunity.code == code.strip()).first()
    if row is None:
        raise NotFound("error.unknown_opportunity", value=code)
    return opportunity_record(row)


def get_opportunity_by_id(opportunity_id: int) -> OpportunityRecord:
    row = _opportunity_query().where(Opportunity.id == opportunity_id).first()
    if row is None:
        raise NotFound("error.unknown_opportunity", value=str(opportunity_id))
    return opportunity_record(row)


def opportunities_of(contact_id: int) -> list[OpportunityRecord]:
    query = _opportunity_query().where(Opportunity.contact == contact_id)
    return [opportunity_record(row) for row in query.order_by(Opportunity.id.desc()).limit(500)]


def search_opportunities(
    text: str = "",
    *,
    after_id: int | None = None,
    limit: int = 50,
    contact_id: int | None = None,
) -> list[OpportunityRecord]:
    """Opportunities whose title, code or contact name contains `text`
    (only those of `contact_id` when given), newest first; paged by
    keyset: `after_id` is the id of the last one shown."""
    query = _opportunity_query()
    if contact_id is not None:
        query = query.where(Opportunity.contact == contact_id)
    text = clean_line(text)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            (fn.LOWER(Opportunity.title) ** pattern)
            | (fn.LOWER(Opportunity.code) ** pattern)
            | (fn.LOWER(Contact.name) ** pattern)
        )
    if after_id is not None:
        query = query.where(Opportunity.id < after_id)
    return [opportunity_record(row) for row in query.order_by(Opportunity.id.desc()).limit(limit)]


@writes
def create_opportunity(
    code: str,
    title: str,
    contact_id: int,
    *,
    stage: str = "new",
    sub_stage: str = "",
    owner_id: int | None = None,
    value: Decimal | str | int = 0,
    actor_id: int | None = None,
) -> OpportunityRecord:
    errors: list[FieldError] = []
    code = _required_line("code", code, CODE_LIMIT, errors)
    title = _required_line("title", title, NAME_LIMIT, errors)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.append(FieldError("value", "error.bad_number", {"value": str(value)}))
        amount = Decimal(0)
    if errors:
        raise ValidationError(errors)
    _refuse_taken_code(Opportunity, code)
    opportunity = Opportunity.create(
        code=code,
        title=title,
        contact=contact_id,
        stage=clean_line(stage) or "new",
        sub_stage=clean_line(sub_stage),
        owner=owner_id,
        value=amount,
        created_at=clock.now(),
    )
    history.record(
        history.OPPORTUNITY_CREATED,
        actor_id=actor_id,
        contact_id=contact_id,
        opportunity_id=opportunity.id,
        details={"code": code, "title": title},
    )
    return get_opportunity_by_id(opportunity.id)


@writes
def change_stage(
    code: str, stage: str, sub_stage: str = "", *, actor: UserRecord
) -> OpportunityRecord:
    """Move opportunity `code` to `stage` (a code or either label) with
    `sub_stage` (free text); the history records old → new and the stage
    rules fire, all in one transaction. No change: nothing is written."""
    # Imported here: the rules read STAGE from this module.
    from crm_tui.services.rules import on_stage_change

    before = get_opportunity(code)
    errors: list[FieldError] = []
    new_stage = ""
    try:
        new_stage = STAGE.parse(stage, "stage")
    except ValidationError as exc:
        errors.extend(exc.errors)
    new_sub_stage = clean_line(sub_stage)
    check_length("sub_stage", new_sub_stage, SUB_STAGE_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    if (new_stage, new_sub_stage) == (before.stage, before.sub_stage):
        return before
    Opportunity.update(stage=new_stage, sub_stage=new_sub_stage).where(
        Opportunity.id == before.id
    ).execute()
    history.record(
        history.STAGE_CHANGED,
        actor_id=actor.id,
        contact_id=before.contact_id,
        opportunity_id=before.id,
        details={
            "from": before.stage,
            "to": new_stage,
            "sub_from": before.sub_stage,
            "sub_to": new_sub_stage,
        },
    )
    after = get_opportunity_by_id(before.id)
    on_stage_change(before, after, actor_id=actor.id)
    return after
