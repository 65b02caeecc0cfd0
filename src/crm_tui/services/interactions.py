"""Creating, editing and deleting interactions, with validation that names
every wrong field and history recorded in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from crm_tui import clock
from crm_tui.i18n import language
from crm_tui.services import history, recurrence
from crm_tui.services.dates import parse_when
from crm_tui.services.errors import (
    Conflict,
    FieldError,
    FieldName,
    NotFound,
    ValidationError,
)
from crm_tui.services.listing import get_interaction
from crm_tui.services.notifications import notify
from crm_tui.services.permissions import DELETE_INTERACTION, require
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.text import (
    LINE_LIMIT,
    NAME_LIMIT,
    NOTE_LIMIT,
    check_length,
    clean_line,
    clean_text,
    normalise_tags,
)
from crm_tui.services.types import TypeIndex
from crm_tui.services.vocab import DIRECTION, KIND, OUTCOME, PRIORITY, STATUS
from crm_tui.store.db import writes
from crm_tui.store.models import Contact, Interaction, InteractionTag, Opportunity, Tag, User

DateInput = datetime | str | None
TAG_LIMIT = 64


@dataclass
class InteractionDraft:
    """What a form, a CLI call or an import row says about an interaction,
    as typed: codes or labels, dates as text or datetimes."""

    type: str
    contact: str  # contact code
    created_by: str  # username of who records it
    opportunity: str | None = None  # opportunity code
    user: str | None = None  # responsible username; None: the recorder
    pool: bool = False  # unassigned, in the shared pool
    kind: str | None = None  # default: scheduled when it starts later, else logged
    status: str | None = None  # default: done when logged, else pending
    priority: str = "normal"
    direction: str = "outbound"
    internal: bool = False
    subject: str = ""
    note: str = ""
    outcome: str | None = None
    occurred_at: DateInput = None  # default: the start, else now
    starts_at: DateInput = None
    ends_at: DateInput = None
    follow_up_at: DateInput = None
    location: str = ""
    tags: tuple[str, ...] = ()
    entry_name: str = ""  # default: the recorder's display name
    uid: str | None = None  # a global id from a file; None: a new one
    campaign_id: int | None = None
    rule_id: int | None = None
    recurrence: str = ""
    series_uid: str = ""


@dataclass
class Resolver:
    """Looks up users, contacts, opportunities and types, remembering what
    it found: one import validates thousands of rows with few queries."""

    types: TypeIndex = field(default_factory=TypeIndex.load)
    users: dict[str, User | None] = field(default_factory=dict)
    contacts: dict[str, int | None] = field(default_factory=dict)
    opportunities: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = User.get_or_none(User.username == username)
        return self.users[username]

    def contact(self, code: str) -> int | None:
        if code not in self.contacts:
            row = Contact.select(Contact.id).where(Contact.code == code).tuples().first()
            self.contacts[code] = row[0] if row else None
        return self.contacts[code]

    def opportunity(self, code: str) -> tuple[int, int] | None:
        if code not in self.opportunities:
            row = (
                Opportunity.select(Opportunity.id, Opportunity.contact)
                .where(Opportunity.code == code)
                .tuples()
                .first()
            )
            self.opportunities[code] = (row[0], row[1]) if row else None
        return self.opportunities[code]


def _date(
    value: DateInput, field_id: str, now: datetime, errors: list[FieldError]
) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    try:
        return parse_when(value, now=now, field_id=field_id).value
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _vocab(vocab: Any, value: str | None, field_id: str, errors: list[FieldError]) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        code: str = vocab.parse(str(value), field_id)
        return code
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _recurrence(text: str, starts_at: datetime | None, errors: list[FieldError]) -> str:
    """The normalised rule of a repeating event (see services.recurrence)."""
    text = clean_line(text or "")
    if not text:
        return ""
    if starts_at is None:
        errors.append(FieldError("recurrence", "error.recurrence_without_start", {}))
        return ""
    try:
        return recurrence.parse(text, starts_at)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return ""


def _required(field_id: str, errors: list[FieldError]) -> None:
    errors.append(FieldError(field_id, "error.required", {"field": FieldName(f"field.{field_id}")}))


def validate(
    draft: InteractionDraft, resolver: Resolver | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The draft as column values (plus `tags`), or a ValidationError that
    lists every wrong field at once."""
    resolver = resolver or Resolver()
    now = now or clock.now()
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    if not str(draft.type).strip():
        _required("type", errors)
    else:
        try:
            values["type"] = resolver.types.resolve(draft.type).id
        except ValidationError as exc:
            errors.extend(exc.errors)

    contact_code = clean_line(draft.contact or "")
    contact_id = None
    if not contact_code:
        _required("contact", errors)
    else:
        contact_id = resolver.contact(contact_code)
        if contact_id is None:
            errors.append(FieldError("contact", "error.unknown_contact", {"value": contact_code}))
    values["contact"] = contact_id

    values["opportunity"] = None
    if draft.opportunity and draft.opportunity.strip():
        code = clean_line(draft.opportunity)
        found = resolver.opportunity(code)
        if found is None:
            errors.append(FieldError("opportunity", "error.unknown_opportunity", {"value": code}))
        else:
            values["opportunity"] = found[0]
            if contact_id is not None and found[1] != contact_id:
                errors.append(
                    FieldError("opportunity", "error.opportunity_of_other_contact", {"value": code})
                )

    creator_name = clean_line(draft.created_by or "")
    creator = resolver.user(creator_name) if creator_name else None
    if not creator_name:
        _required("created_by", errors)
    elif creator is None:
        errors.append(FieldError("created_by", "error.unknown_user", {"value": creator_name}))
    values["created_by"] = creator.id if creator else None

    values["user"] = None
    if not draft.pool:
        responsible_name = clean_line(draft.user or "") or creator_name
        responsible = resolver.user(responsible_name) if responsible_name else None
        if responsible_name and responsible is None:
            errors.append(FieldError("user", "error.unknown_user", {"value": responsible_name}))
        elif responsible is not None and not responsible.active:
            errors.append(FieldError("user", "error.inactive_user", {"value": responsible_name}))
        values["user"] = responsible.id if responsible else None

    starts_at = _date(draft.starts_at, "starts_at", now, errors)
    # An end typed as an offset ("+30m", "+1h") counts from the start.
    end_is_offset = isinstance(draft.ends_at, str) and draft.ends_at.strip().startswith("+")
    end_base = starts_at if end_is_offset and starts_at is not None else now
    ends_at = _date(draft.ends_at, "ends_at", end_base, errors)
    occurred_at = _date(draft.occurred_at, "occurred_at", now, errors)
    follow_up_at = _date(draft.follow_up_at, "follow_up_at", now, errors)
    if ends_at is not None and starts_at is None and draft.starts_at in (None, ""):
        errors.append(FieldError("ends_at", "error.end_without_start", {}))
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        errors.append(
            FieldError(
                "ends_at",
                "error.end_before_start",
                {
                    "start": starts_at.strftime("%Y-%m-%d %H:%M"),
                    "end": ends_at.strftime("%Y-%m-%d %H:%M"),
                },
            )
        )
    rule = _recurrence(draft.recurrence, starts_at, errors)
    occurred_at = occurred_at or starts_at or now
    values.update(
        occurred_at=occurred_at,
        starts_at=starts_at,
        ends_at=ends_at,
        follow_up_at=follow_up_at,
        due_at=starts_at or follow_up_at or occurred_at,
    )

    kind = _vocab(KIND, draft.kind, "kind", errors)
    if kind is None and not (draft.kind or "").strip():
        # Something dated in the future has not happened yet: it is planned,
        # whether the date came as a start or as "when" (`log --at mañana`).
        later = occurred_at > now or (starts_at is not None and starts_at > now)
        kind = "scheduled" if later else "logged"
    values["kind"] = kind
    status = _vocab(STATUS, draft.status, "status", errors)
    if status is None and not (draft.status or "").strip():
        status = "done" if kind == "logged" else "pending"
    values["status"] = status
    values["priority"] = _vocab(PRIORITY, draft.priority or "normal", "priority", errors)
    values["direction"] = _vocab(DIRECTION, draft.direction or "outbound", "direction", errors)
    values["outcome"] = _vocab(OUTCOME, draft.outcome, "outcome", errors)
    values["internal"] = bool(draft.internal)

    subject = clean_line(draft.subject or "")
    check_length("subject", subject, LINE_LIMIT, errors)
    note = clean_text(draft.note or "")
    check_length("note", note, NOTE_LIMIT, errors)
    location = clean_line(draft.location or "")
    check_length("location", location, LINE_LIMIT, errors)
    entry_name = clean_line(draft.entry_name or "") or (creator.display_name if creator else "")
    check_length("entry_name", entry_name, NAME_LIMIT, errors)
    tags = normalise_tags(draft.tags)
    for tag in tags:
        check_length("tags", tag, TAG_LIMIT, errors)
    values.update(
        subject=subject,
        note=note,
        location=location,
        entry_name=entry_name,
        tags=tags,
        recurrence=rule,
        series_uid=draft.series_uid or "",
        campaign=draft.campaign_id,
        rule=draft.rule_id,
    )
    if draft.uid is not None:
        uid = clean_line(draft.uid)
        if not uid or len(uid) > 64 or any(ch.isspace() for ch in uid):
            errors.append(
                FieldError(
                    "id",
                    "error.unknown_value",
                    {"field": "id", "value": draft.uid, "choices": "1-64 characters, no spaces"},
                )
            )
        values["uid"] = uid
    if errors:
        raise ValidationError(errors)
    return values


def _tag_ids(names: tuple[str, ...]) -> list[int]:
    if not names:
        return []
    existing = dict(Tag.select(Tag.name, Tag.id).where(Tag.name.in_(list(names))).tuples())
    missing = sorted(name for name in set(names) if name not in existing)
    if missing:
        # Another agent may be creating the same new tag at this moment (on
        # PostgreSQL both would pass the lookup above): a name that appeared
        # meanwhile is left as it is, and every id is read back. Sorted, so
        # two such inserts take their locks in the same order.
        Tag.insert_many([{"name": name} for name in missing]).on_conflict_ignore().execute()
        existing.update(Tag.select(Tag.name, Tag.id).where(Tag.name.in_(missing)).tuples())
    return [existing[name] for name in names]


def _write_tags(interaction_id: int, names: tuple[str, ...], *, replacing: bool = True) -> None:
    if replacing:
        InteractionTag.delete().where(InteractionTag.interaction == interaction_id).execute()
    rows = [{"interaction": interaction_id, "tag": tag_id} for tag_id in _tag_ids(names)]
    if rows:
        InteractionTag.insert_many(rows).execute()


def _call_event(values: dict[str, Any], channel: str) -> str | None:
    if channel != "call" or values["kind"] != "logged":
        return None
    if values["direction"] == "inbound":
        return history.CALL_MISSED if values["outcome"] == "no_answer" else history.CALL_INBOUND
    return history.CALL_OUTBOUND


@writes
def create_interaction(
    draft: InteractionDraft, *, resolver: Resolver | None = None, announce: bool = True
) -> InteractionRecord:
    """Validate and write `draft`, with its history. With `announce` (the
    default) the responsible is notified and the rules and the outbox see
    it; a repeating event announces only its first occurrence."""
    resolver = resolver or Resolver()
    now = clock.now()
    values = validate(draft, resolver, now)
    tags = values.pop("tags")
    new_id = Interaction.insert(created_at=now, updated_at=now, version=1, **values).execute()
    _write_tags(new_id, tags, replacing=False)  # a new row has no tags yet
    type_record = resolver.types.by_id(values["type"])
    details = {
        "type": type_record.code,
        "kind": values["kind"],
        "status": values["status"],
        "user": _username(values["user"]),
    }
    common = {
        "actor_id": values["created_by"],
        "interaction_id": new_id,
        "contact_id": values["contact"],
        "opportunity_id": values["opportunity"],
    }
    history.record(history.INTERACTION_CREATED, details=details, **common)
    call_event = _call_event(values, type_record.channel)
    if call_event:
        history.record(call_event, details={"outcome": values["outcome"]}, **common)
    if values["user"] is not None and values["user"] != values["created_by"]:
        history.record(
            history.ASSIGNMENT_ADDED, details={"to": _username(values["user"])}, **common
        )
    created = get_interaction(new_id)
    if announce:
        if values["user"] is not None:
            _notify_assignee(values["user"], created, actor_id=values["created_by"])
        _after_change(None, created, actor_id=values["created_by"])
    return created


def _after_change(
    before: InteractionRecord | None, after: InteractionRecord, *, actor_id: int
) -> None:
    # Imported here: the rules create interactions through this module.
    from crm_tui.services.automation import interaction_changed

    interaction_changed(before, after, actor_id=actor_id)


def _notify_assignee(user_id: int, record: InteractionRecord, *, actor_id: int) -> None:
    """Tell `user_id` that `record` is now theirs, unless they gave it to
    themselves."""
    if user_id == actor_id:
        return
    notify(
        user_id,
        "assignment",
        actor_id=actor_id,
        interaction_id=record.id,
        opportunity_id=record.opportunity_id,
        text=record.subject or record.type.label(language()),
    )


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    row = User.select(User.username).where(User.id == user_id).tuples().first()
    return row[0] if row else None


# Fields a caller may change through `edit_interaction`, as draft names.
EDITABLE = tuple(
    f.name
    for f in fields(InteractionDraft)
    if f.name not in {"uid", "campaign_id", "rule_id", "series_uid", "created_by"}
)


def draft_of(record: InteractionRecord) -> InteractionDraft:
    return InteractionDraft(
        type=record.type.code,
        contact=record.contact_code,
        created_by=record.created_by,
        opportunity=record.opportunity_code,
        user=record.user,
        pool=record.user is None,
        kind=record.kind,
        status=record.status,
        priority=record.priority,
        direction=record.direction,
        internal=record.internal,
        subject=record.subject,
        note=record.note,
        outcome=record.outcome,
        occurred_at=record.occurred_at,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        follow_up_at=record.follow_up_at,
        location=record.location,
        tags=record.tags,
        entry_name=record.entry_name,
        recurrence=record.recurrence,
    )


def _comparable(record: InteractionRecord) -> dict[str, Any]:
    return {
        "type": record.type.code,
        "contact": record.contact_code,
        "opportunity": record.opportunity_code,
        "user": record.user,
        "kind": record.kind,
        "status": record.status,
        "priority": record.priority,
        "direction": record.direction,
        "internal": record.internal,
        "subject": record.subject,
        "note": record.note,
        "outcome": record.outcome,
        "occurred_at": record.occurred_at,
        "starts_at": record.starts_at,
        "ends_at": record.ends_at,
        "follow_up_at": record.follow_up_at,
        "location": record.location,
        "tags": list(record.tags),
        "entry_name": record.entry_name,
        "recurrence": record.recurrence,
    }


@writes
def edit_interaction(
    ref: str | int,
    changes: dict[str, Any],
    *,
    actor: UserRecord,
    expected_version: int | None = None,
) -> InteractionRecord:
    """Apply `changes` (draft field names → typed values) to an interaction.
    With `expected_version`, refuse (Conflict) when someone else changed it
    since it was read, instead of silently overwriting their change."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = get_interaction(ref)
    if expected_version is not None and before.version != expected_version:
        raise Conflict("error.stale", who=_last_editor(before.id) or "?")
    if "user" in changes and changes["user"] is None and "pool" not in changes:
        changes = {**changes, "pool": True}
    elif changes.get("user"):
        changes = {**changes, "pool": False}
    draft = replace(draft_of(before), **changes)
    values = validate(draft, Resolver())
    tags = values.pop("tags")
    for name in ("created_by", "entry_name", "campaign", "rule", "series_uid"):
        values.pop(name, None)
    if "entry_name" in changes:
        values["entry_name"] = clean_line(changes["entry_name"] or "")
    now = clock.now()
    updated = (
        Interaction.update(version=Interaction.version + 1, updated_at=now, **values)
        .where((Interaction.id == before.id) & (Interaction.version == before.version))
        .execute()
    )
    if updated != 1:
        raise Conflict("error.stale", who=_last_editor(before.id) or "?")
    if tuple(tags) != before.tags:
        _write_tags(before.id, tags)
    after = get_interaction(before.id)
    _record_changes(before, after, actor)
    if after.user != before.user and values["user"] is not None:
        _notify_assignee(values["user"], after, actor_id=actor.id)
    _after_change(before, after, actor_id=actor.id)
    return after


def _record_changes(before: InteractionRecord, after: InteractionRecord, actor: UserRecord) -> None:
    old, new = _comparable(before), _comparable(after)
    common = {
        "actor_id": actor.id,
        "interaction_id": after.id,
        "contact_id": after.contact_id,
        "opportunity_id": after.opportunity_id,
    }
    special = {"status", "user", "opportunity", "tags"}
    diff = {
        name: [old[name], new[name]]
        for name in old
        if old[name] != new[name] and name not in special
    }
    if diff:
        history.record(history.INTERACTION_EDITED, details={"changes": diff}, **common)
    if old["status"] != new["status"]:
        history.record(
            history.STATUS_CHANGED, details={"from": old["status"], "to": new["status"]}, **common
        )
    if old["user"] != new["user"]:
        if old["user"] is None:
            action = history.ASSIGNMENT_ADDED
        elif new["user"] is None:
            action = history.ASSIGNMENT_REMOVED
        else:
            action = history.ASSIGNMENT_CHANGED
        history.record(action, details={"from": old["user"], "to": new["user"]}, **common)
    if old["opportunity"] != new["opportunity"]:
        history.record(
            history.LINKED_OPPORTUNITY,
            details={"from": old["opportunity"], "to": new["opportunity"]},
            **common,
        )
    if old["tags"] != new["tags"]:
        history.record(
            history.TAGS_CHANGED, details={"from": old["tags"], "to": new["tags"]}, **common
        )


def _last_editor(interaction_id: int) -> str | None:
    events = history.list_history(interaction_id=interaction_id, limit=1)
    return events[0].actor if events else None


def set_status(
    ref: str | int, status: str, *, actor: UserRecord, expected_version: int | None = None
) -> InteractionRecord:
    return edit_interaction(ref, {"status": status}, actor=actor, expected_version=expected_version)


def assign(
    ref: str | int,
    username: str | None,
    *,
    actor: UserRecord,
    expected_version: int | None = None,
) -> InteractionRecord:
    """Give the interaction to `username`, or back to the pool with None."""
    return edit_interaction(ref, {"user": username}, actor=actor, expected_version=expected_version)


def set_tags(ref: str | int, tags: Any, *, actor: UserRecord) -> InteractionRecord:
    return edit_interaction(ref, {"tags": normalise_tags(tags)}, actor=actor)


def delete_interaction(ref: str | int, *, actor: UserRecord) -> InteractionRecord:
    """Delete it and everything hanging from it; history keeps a snapshot.
    Only roles with delete-interaction may, whoever wrote it: with the
    permission any interaction, without it none (an agent cancels or
    corrects instead, which history keeps). A refusal is on record in the
    interaction's own history."""
    record = get_interaction(ref)
    require(
        actor,
        DELETE_INTERACTION,
        attempted=f"delete interaction {record.id}",
        interaction_id=record.id,
    )
    return _delete(record.id, actor)


@writes
def _delete(interaction_id: int, actor: UserRecord) -> InteractionRecord:
    # Read again inside the transaction: the snapshot is what is deleted.
    record = get_interaction(interaction_id)
    snapshot = asdict(record)
    snapshot["type"] = record.type.code
    deleted = Interaction.delete().where(Interaction.id == record.id).execute()
    if deleted != 1:
        raise NotFound("error.unknown_interaction", value=str(record.id))
    history.record(
        history.INTERACTION_DELETED,
        actor_id=actor.id,
        interaction_id=record.id,
        contact_id=record.contact_id,
        opportunity_id=record.opportunity_id,
        details={"snapshot": snapshot},
    )
    return record
