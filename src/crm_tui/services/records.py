"""Frozen records that cross from services to the CLI and the screens.
A screen reading an attribute never triggers a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class UserRecord:
    id: int
    uid: str
    username: str
    display_name: str
    email: str | None
    role: str
    active: bool


@dataclass(frozen=True)
class ContactRecord:
    id: int
    uid: str
    code: str
    name: str
    company: str
    phone: str
    email: str
    credit_hold: bool
    owner: str | None  # username


@dataclass(frozen=True)
class OpportunityRecord:
    id: int
    uid: str
    code: str
    title: str
    contact_id: int
    contact_code: str
    contact_name: str
    stage: str
    sub_stage: str
    owner: str | None
    value: Decimal


@dataclass(frozen=True)
class TypeRecord:
    id: int
    code: str
    label_es: str
    label_en: str
    channel: str
    colour: str
    glyph: str
    active: bool
    position: int

    def label(self, lang: str) -> str:
        return self.label_es if lang == "es" else self.label_en


@dataclass(frozen=True)
class InteractionRecord:
    id: int  # the short human Id, unique in this database
    uid: str  # the global id used in files and across databases
    type: TypeRecord
    kind: str
    status: str
    priority: str
    direction: str
    internal: bool
    subject: str
    note: str
    outcome: str | None
    contact_id: int
    contact_code: str
    contact_name: str
    opportunity_id: int | None
    opportunity_code: str | None
    opportunity_title: str | None
    user: str | None  # responsible username; None = shared pool
    user_name: str | None  # responsible display name
    created_by: str
    entry_name: str
    occurred_at: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    follow_up_at: datetime | None
    due_at: datetime
    location: str
    tags: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    recurrence: str = ""
    campaign_id: int | None = None
    rule_id: int | None = None
    series_uid: str = ""  # shared by the occurrences of a repeating event

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "in_progress")


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this row in list order."""

    occurred_at: datetime
    id: int


@dataclass(frozen=True)
class Page:
    items: tuple[InteractionRecord, ...]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class InteractionFilter:
    """Every filter of the list, combinable: values within one field are
    alternatives (OR), fields narrow each other (AND)."""

    ids: tuple[str, ...] = ()  # human Id or global uid
    types: tuple[str, ...] = ()  # type codes or labels
    users: tuple[str, ...] = ()  # responsible usernames
    statuses: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    opportunities: tuple[str, ...] = ()  # codes
    contacts: tuple[str, ...] = ()  # codes
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # inclusive
    search: str = ""
    internal: bool | None = None
    unassigned: bool = False  # the shared pool (besides `users`, if any)

    def is_empty(self) -> bool:
        return self == InteractionFilter()


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    at: datetime
    actor: str | None
    action: str
    contact_id: int | None
    opportunity_id: int | None
    interaction_id: int | None
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredFile:
    """A file copied into the attachment store (`services.attachments`),
    ready to be linked to a comment. `file_name` is the name it was given,
    kept only as data: the store names files by their SHA-256."""

    sha256: str
    size: int
    file_name: str
    media_type: str


@dataclass(frozen=True)
class AttachmentRecord:
    id: int
    uid: str
    comment_id: int
    file_name: str
    size: int
    sha256: str
    media_type: str
    created_at: datetime
