"""The schema as Peewee models. The tables themselves are created and
changed only by the versioned migrations in `crm_tui.store.migrations`;
a test checks that models and migrated schema agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from crm_tui.store.ids import new_uid

database = DatabaseProxy()


class TimeField(DateTimeField):
    """A date and time. SQLite hands it back as text, which Peewee's own
    field parses by trying strptime formats in turn; `fromisoformat`
    reads the same text several times faster, and a list or an export
    reads five of these per row. PostgreSQL hands back datetimes."""

    def python_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return super().python_value(value)
        return value


class BaseModel(Model):
    id = AutoField()
    uid = CharField(max_length=64, unique=True, default=new_uid)

    class Meta:
        database = database
        legacy_table_names = False


class User(BaseModel):
    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=200)
    email = CharField(max_length=254, null=True)
    role = CharField(max_length=16, default="agent")
    active = BooleanField(default=True)
    created_at = TimeField()


class Contact(BaseModel):
    code = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    company = CharField(max_length=200, default="")
    phone = CharField(max_length=64, default="")
    email = CharField(max_length=254, default="")
    credit_hold = BooleanField(default=False)
    owner = ForeignKeyField(User, null=True, backref="contacts", on_delete="SET NULL")
    created_at = TimeField()


class Opportunity(BaseModel):
    code = CharField(max_length=64, unique=True)
    title = CharField(max_length=200)
    contact = ForeignKeyField(Contact, backref="opportunities", on_delete="CASCADE")
    stage = CharField(max_length=32, default="new")
    sub_stage = CharField(max_length=64, default="")
    owner = ForeignKeyField(User, null=True, backref="opportunities", on_delete="SET NULL")
    value = DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = TimeField()


class InteractionType(BaseModel):
    code = CharField(max_length=32, unique=True)
    label_es = CharField(max_length=64)
    label_en = CharField(max_length=64)
    channel = CharField(max_length=16)
    colour = CharField(max_length=32)
    glyph = CharField(max_length=8, default="")
    active = BooleanField(default=True)
    position = IntegerField(default=0)


class TaskTemplate(BaseModel):
    name = CharField(max_length=200, unique=True)
    type = ForeignKeyField(InteractionType, on_delete="RESTRICT")
    default_priority = CharField(max_length=16, default="normal")
    due_offset = CharField(max_length=64, default="")
    description = TextField(default="")
    active = BooleanField(default=True)


class Campaign(BaseModel):
    name = CharField(max_length=200)
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = TimeField()
    total = IntegerField(default=0)


class Rule(BaseModel):
    name = CharField(max_length=200, unique=True)
    trigger = TextField()  # JSON: {"on": ..., conditions}
    action = TextField()  # JSON: {"do": ..., parameters}
    active = BooleanField(default=True)
    builtin = BooleanField(default=False)
    created_at = TimeField()


class Interaction(BaseModel):
    type = ForeignKeyField(InteractionType, on_delete="RESTRICT")
    kind = CharField(max_length=16, default="logged")
    status = CharField(max_length=16, default="done")
    priority = CharField(max_length=16, default="normal")
    direction = CharField(max_length=16, default="outbound")
    internal = BooleanField(default=False)
    subject = CharField(max_length=300, default="")
    note = TextField(default="")
    outcome = CharField(max_length=16, null=True)
    contact = ForeignKeyField(Contact, backref="interactions", on_delete="RESTRICT")
    opportunity = ForeignKeyField(
        Opportunity, null=True, backref="interactions", on_delete="SET NULL"
    )
    # Responsible user; None means the shared pool (campaigns with --pool).
    user = ForeignKeyField(User, null=True, backref="assigned", on_delete="RESTRICT")
    created_by = ForeignKeyField(User, backref="created", on_delete="RESTRICT")
    entry_name = CharField(max_length=200, default="")
    occurred_at = TimeField()
    starts_at = TimeField(null=True)
    ends_at = TimeField(null=True)
    follow_up_at = TimeField(null=True)
    # When the item is due, for My queue and the pool: the start of a
    # scheduled item, else its follow-up date, else when it occurred.
    # Stored (not computed in queries) so one index serves the queue.
    due_at = TimeField()
    location = CharField(max_length=300, default="")
    recurrence = CharField(max_length=300, default="")
    series_uid = CharField(max_length=64, default="")
    campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL")
    rule = ForeignKeyField(Rule, null=True, on_delete="SET NULL")
    # Optimistic concurrency: every edit bumps it; an edit based on an
    # older version is refused instead of overwriting someone's change.
    version = IntegerField(default=1)
    created_at = TimeField()
    updated_at = TimeField()


class Tag(BaseModel):
    name = CharField(max_length=64, unique=True)


class InteractionTag(Model):
    interaction = ForeignKeyField(Interaction, on_delete="CASCADE")
    tag = ForeignKeyField(Tag, on_delete="CASCADE")

    class Meta:
        database = database
        legacy_table_names = False
        primary_key = False


class Comment(BaseModel):
    interaction = ForeignKeyField(Interaction, null=True, backref="comments", on_delete="CASCADE")
    opportunity = ForeignKeyField(Opportunity, null=True, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="RESTRICT")
    kind = CharField(max_length=16, default="comment")
    body = TextField()
    created_at = TimeField()


class Attachment(BaseModel):
    comment = ForeignKeyField(Comment, backref="attachments", on_delete="CASCADE")
    file_name = CharField(max_length=255)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    media_type = CharField(max_length=128, default="application/octet-stream")
    created_at = TimeField()


class HistoryEvent(BaseModel):
    """Append-only: triggers in the database refuse UPDATE and DELETE.
    Targets are plain ids (no foreign keys) because history outlives what
    it describes: a deleted interaction keeps its history."""

    at = TimeField()
    actor = IntegerField(null=True, column_name="actor_id")
    action = CharField(max_length=48)
    contact = IntegerField(null=True, column_name="contact_id")
    opportunity = IntegerField(null=True, column_name="opportunity_id")
    interaction = IntegerField(null=True, column_name="interaction_id")
    details = TextField(default="{}")  # JSON


class Notification(BaseModel):
    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = CharField(max_length=16)  # mention, assignment, reminder
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    interaction = IntegerField(null=True, column_name="interaction_id")
    opportunity = IntegerField(null=True, column_name="opportunity_id")
    text = TextField(default="")
    created_at = TimeField()
    read_at = TimeField(null=True)


class OutboxMessage(BaseModel):
    kind = CharField(max_length=32)
    recipient = CharField(max_length=254)
    subject = CharField(max_length=300)
    body = TextField()
    interaction = IntegerField(null=True, column_name="interaction_id")
    status = CharField(max_length=16, default="queued")  # queued, held, sending, sent, failed
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    created_at = TimeField()
    last_attempt_at = TimeField(null=True)
    sent_at = TimeField(null=True)
    # Whose address a held message waits for: the user it is for (or who
    # sends a notice), the contact a notice goes to.
    user = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    contact = ForeignKeyField(Contact, null=True, backref="+", on_delete="SET NULL")
    sender = CharField(max_length=254, default="")  # '' = the configured From
    next_attempt_at = TimeField(null=True)
    lease_until = TimeField(null=True)  # while status is "sending"
    claim_token = CharField(max_length=64, default="")


class Setting(Model):
    """Key-value preferences; scope '' is global, else a username."""

    scope = CharField(max_length=64)
    key = CharField(max_length=64)
    value = TextField()

    class Meta:
        database = database
        legacy_table_names = False
        primary_key = False


ALL_MODELS: tuple[type[Model], ...] = (
    User,
    Contact,
    Opportunity,
    InteractionType,
    TaskTemplate,
    Campaign,
    Rule,
    Interaction,
    Tag,
    InteractionTag,
    Comment,
    Attachment,
    HistoryEvent,
    Notification,
    OutboxMessage,
    Setting,
)
