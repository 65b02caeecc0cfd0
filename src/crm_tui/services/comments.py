"""Comments and reports on an interaction, read-only for now (writing them
comes with the collaboration issue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_tui.store.models import Comment, User

MAX_COMMENTS = 1000


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


def list_comments(
    interaction_id: int, *, only_comments: bool = False, limit: int = 200
) -> list[CommentRecord]:
    """The newest `limit` comments of the interaction (with its reports
    unless `only_comments`), oldest first: a conversation reads downwards
    and ends with the latest word. Read over the index (interaction_id,
    created_at, id)."""
    query = (
        Comment.select(
            Comment.id,
            Comment.uid,
            Comment.interaction,
            Comment.opportunity,
            User.username,
            User.display_name,
            Comment.kind,
            Comment.body,
            Comment.created_at,
        )
        .join(User, on=(Comment.author == User.id))
        .where(Comment.interaction == interaction_id)
    )
    if only_comments:
        query = query.where(Comment.kind == "comment")
    newest = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    rows = list(newest.limit(max(1, min(limit, MAX_COMMENTS))).tuples())
    return [CommentRecord(*row) for row in reversed(rows)]
