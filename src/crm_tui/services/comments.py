"""Comments and reports on an interaction or an opportunity: writing them
(with their attachments, the history event and the notifications of
whom they @mention, in one transaction), deleting them, reading them.

A comment's history events carry the ids of its target, the target's
contact and (for an interaction) its opportunity, so they show in the
"All history" of each. A report is a comment of kind "report": the text
written when an event is closed or an outcome is logged."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_tui import clock
from crm_tui.i18n import register
from crm_tui.services import history
from crm_tui.services.errors import (
    FieldError,
    FieldName,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_tui.services.mentions import UserDirectory, mention_spans
from crm_tui.services.notifications import notify
from crm_tui.services.records import AttachmentRecord, StoredFile, UserRecord
from crm_tui.services.text import COMMENT_LIMIT, check_length, clean_line, clean_text
from crm_tui.services.vocab import COMMENT_KIND
from crm_tui.store.db import writes
from crm_tui.store.models import Attachment, Comment, Interaction, Opportunity, User

register(
    {
        "error.comment_not_yours": (
            "Only {author} or an administrator can delete this comment",
            "Solo {author} o un administrador puede borrar este comentario",
        ),
        "error.unknown_comment": (
            "no comment with id {value!r} (deleted?)",
            "no hay ningún comentario con id {value!r} (¿borrado?)",
        ),
    }
)

MAX_COMMENTS = 1000
# An attachment's name is a label shown to people (the content is found
# by its SHA-256), so it is cleaned like any line and cut to the column.
FILE_NAME_LIMIT = 255
MEDIA_TYPE_LIMIT = 128
# How much of a comment a mention notification quotes.
NOTIFICATION_TEXT_LIMIT = 200
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


@dataclass(frozen=True)
class CommentTarget:
    """What a comment is on: exactly one of the two is set."""

    interaction_id: int | None = None
    opportunity_id: int | None = None

    def __post_init__(self) -> None:
        if (self.interaction_id is None) == (self.opportunity_id is None):
            raise TypeError("a comment target is an interaction or an opportunity, not both")


@dataclass(frozen=True)
class CommentRecord:
    id: int
    uid: str
    interaction_id: int | None
    opportunity_id: int | None
    author: str  # username
    author_name: str  # display name
    kind: str  # comment or report (vocab COMMENT_KIND)
    body: str
    created_at: datetime
    mentions: tuple[str, ...] = ()  # usernames of existing users @mentioned in body
    attachments: tuple[AttachmentRecord, ...] = ()


@dataclass(frozen=True)
class _Links:
    """The ids a comment's history events carry."""

    interaction_id: int | None
    opportunity_id: int | None
    contact_id: int


def select_comments() -> Any:
    """The columns `to_records` reads, for a caller's own WHERE and ORDER."""
    return Comment.select(
        Comment.id,
        Comment.uid,
        Comment.interaction,
        Comment.opportunity,
        User.username,
        User.display_name,
        Comment.kind,
        Comment.body,
        Comment.created_at,
    ).join(User, on=(Comment.author == User.id))


def to_records(
    rows: Iterable[tuple[Any, ...]], directory: UserDirectory | None = None
) -> list[CommentRecord]:
    """Records of rows of `select_comments`, with their mentions (one users
    query, only when some body has an "@name"; none with `directory`) and
    their attachments (one query for them all)."""
    rows = list(rows)
    attachments = _attachments_of([row[0] for row in rows])
    if directory is None and any(mention_spans(row[7]) for row in rows):
        directory = UserDirectory.load()
    records = []
    for row in rows:
        mentions: tuple[str, ...] = ()
        if directory is not None:
            mentions = tuple(user.username for user in directory.mentioned(row[7]))
        records.append(
            CommentRecord(
                id=row[0],
                uid=row[1],
                interaction_id=row[2],
                opportunity_id=row[3],
                author=row[4],
                author_name=row[5],
                kind=row[6],
                body=row[7],
                created_at=row[8],
                mentions=mentions,
                attachments=attachments.get(row[0], ()),
            )
        )
    return records


def _attachments_of(comment_ids: list[int]) -> dict[int, tuple[AttachmentRecord, ...]]:
    if not comment_ids:
        return {}
    query = (
        Attachment.select(
            Attachment.id,
            Attachment.uid,
            Attachment.comment,
            Attachment.file_name,
            Attachment.size,
            Attachment.sha256,
            Attachment.media_type,
            Attachment.created_at,
        )
        .where(Attachment.comment.in_(comment_ids))
        .order_by(Attachment.id)
        .tuples()
    )
    found: dict[int, list[AttachmentRecord]] = {}
    for row in query:
        found.setdefault(row[2], []).append(AttachmentRecord(*row))
    return {comment_id: tuple(items) for comment_id, items in found.items()}


def get_comment(comment_id: int) -> CommentRecord:
    records = to_records(select_comments().where(Comment.id == comment_id).tuples())
    if not records:
        raise NotFound("error.unknown_comment", value=str(comment_id))
    return records[0]


def list_comments(
    interaction_id: int, *, only_comments: bool = False, limit: int = 200
) -> list[CommentRecord]:
    """The newest `limit` comments of the interaction (with its reports
    unless `only_comments`), oldest first: a conversation reads downwards
    and ends with the latest word. Read over the index (interaction_id,
    created_at, id)."""
    query = select_comments().where(Comment.interaction == interaction_id)
    if only_comments:
        query = query.where(Comment.kind == "comment")
    newest = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    rows = list(newest.limit(max(1, min(limit, MAX_COMMENTS))).tuples())
    return to_records(reversed(rows))


def clean_body(body: str) -> str:
    """The text as stored: no control characters, no blank lines before
    or after it, no trailing space (indentation of its first line kept)."""
    return _LEADING_BLANK_LINES.sub("", clean_text(body)).rstrip()


def _links(target: CommentTarget) -> _Links:
    if target.interaction_id is not None:
        row = (
            Interaction.select(Interaction.contact, Interaction.opportunity)
            .where(Interaction.id == target.interaction_id)
            .tuples()
            .first()
        )
        if row is None:
            raise NotFound("error.unknown_interaction", value=str(target.interaction_id))
        return _Links(target.interaction_id, row[1], row[0])
    row = (
        Opportunity.select(Opportunity.contact)
        .where(Opportunity.id == target.opportunity_id)
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound("error.unknown_opportunity", value=str(target.opportunity_id))
    return _Links(None, target.opportunity_id, row[0])


def _record_event(action: str, actor: UserRecord, links: _Links, details: dict[str, Any]) -> None:
    history.record(
        action,
        actor_id=actor.id,
        interaction_id=links.interaction_id,
        contact_id=links.contact_id,
        opportunity_id=links.opportunity_id,
        details=details,
    )


def notification_text(body: str) -> str:
    """What a notification quotes of a comment: its first line, cut."""
    first = body.split("\n", 1)[0].strip()
    if len(first) <= NOTIFICATION_TEXT_LIMIT:
        return first
    return first[: NOTIFICATION_TEXT_LIMIT - 1].rstrip() + "…"


@writes
def add_comment(
    target: CommentTarget,
    body: str,
    *,
    actor: UserRecord,
    kind: str = "comment",
    files: Sequence[StoredFile] = (),
) -> CommentRecord:
    """Post a comment (or a report) by `actor` on `target`, with the files
    already copied into the attachment store. Refused, writing nothing,
    when the text is too long, when there is neither text nor a file, or
    when the target is gone."""
    errors: list[FieldError] = []
    body = clean_body(body)
    check_length("body", body, COMMENT_LIMIT, errors)
    if not body and not files:
        errors.append(FieldError("body", "error.required", {"field": FieldName("field.body")}))
    try:
        kind = COMMENT_KIND.parse(kind, "kind")
    except ValidationError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    links = _links(target)
    now = clock.now()
    comment_id = Comment.insert(
        interaction=target.interaction_id,
        opportunity=target.opportunity_id,
        author=actor.id,
        kind=kind,
        body=body,
        created_at=now,
    ).execute()
    names = _insert_attachments(comment_id, files, now)
    details: dict[str, Any] = {"comment": comment_id, "kind": kind}
    if names:
        details["attachments"] = names
    _record_event(history.COMMENT_ADDED, actor, links, details)
    directory = UserDirectory.load() if mention_spans(body) else None
    if directory is not None:
        for user in directory.mentioned(body, active_only=True):
            if user.id != actor.id:
                notify(
                    user.id,
                    "mention",
                    actor_id=actor.id,
                    interaction_id=target.interaction_id,
                    opportunity_id=target.opportunity_id,
                    text=notification_text(body),
                )
    return to_records(select_comments().where(Comment.id == comment_id).tuples(), directory)[0]


def _insert_attachments(comment_id: int, files: Sequence[StoredFile], now: datetime) -> list[str]:
    """One row per file; returns the names as stored."""
    names = []
    for stored in files:
        name = clean_line(stored.file_name)[:FILE_NAME_LIMIT] or stored.sha256
        media_type = clean_line(stored.media_type)[:MEDIA_TYPE_LIMIT]
        Attachment.insert(
            comment=comment_id,
            file_name=name,
            size=stored.size,
            sha256=stored.sha256,
            media_type=media_type or "application/octet-stream",
            created_at=now,
        ).execute()
        names.append(name)
    return names


def _target_of(comment: CommentRecord) -> CommentTarget:
    if comment.interaction_id is not None:
        return CommentTarget(interaction_id=comment.interaction_id)
    return CommentTarget(opportunity_id=comment.opportunity_id)


def can_delete(comment: CommentRecord, actor: UserRecord) -> bool:
    """Its author may delete a comment, and so may an administrator."""
    return actor.role == "admin" or comment.author == actor.username


@writes
def delete_comment(comment_id: int, *, actor: UserRecord) -> CommentRecord:
    """Delete a comment (its author or an admin) with its attachment rows;
    the history keeps what it said. The stored files stay: others may
    share the same content."""
    comment = get_comment(comment_id)
    if not can_delete(comment, actor):
        raise PermissionDenied("error.comment_not_yours", author=comment.author_name)
    links = _links(_target_of(comment))
    deleted = Comment.delete().where(Comment.id == comment.id).execute()
    if deleted != 1:
        raise NotFound("error.unknown_comment", value=str(comment_id))
    snapshot = {
        "author": comment.author,
        "kind": comment.kind,
        "body": comment.body,
        "created_at": comment.created_at,
        "attachments": [attachment.file_name for attachment in comment.attachments],
    }
    _record_event(
        history.COMMENT_DELETED, actor, links, {"comment": comment.id, "snapshot": snapshot}
    )
    return comment
