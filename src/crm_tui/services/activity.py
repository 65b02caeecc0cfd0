"""The activity of an interaction, an opportunity or a contact: its
comments and reports merged with its history, newest first, a page at a
time.

Each source is read as its own keyset range over its indexes, newest
first: comments by (created_at, id) over comment (interaction_id|
opportunity_id, created_at, id) (one query; for an opportunity or a
contact, the union of one range per index), history by id over
history_event (<target>_id, id). A page reads `limit + 1` rows of each
and merges them by time; the cursor
remembers, per source, the last row the page showed, so the next page
starts right after it in that source: nothing is skipped or repeated even
when many entries share one second.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from peewee import Expression, Tuple

from crm_tui.services import history
from crm_tui.services.comments import CommentRecord, select_comments, to_records
from crm_tui.services.mentions import UserDirectory
from crm_tui.services.records import HistoryRecord
from crm_tui.store.models import Comment, Interaction, Opportunity

MAX_PAGE = 500
# Shown as the comment itself, so its "comment added" event would repeat it.
_TOLD_BY_THE_COMMENT = (history.COMMENT_ADDED,)
# History details that name users, by action.
_NAMING_DETAILS = {
    history.ASSIGNMENT_ADDED: ("from", "to"),
    history.ASSIGNMENT_CHANGED: ("from", "to"),
    history.ASSIGNMENT_REMOVED: ("from", "to"),
    history.INTERACTION_CREATED: ("user",),
}


@dataclass(frozen=True)
class FeedEntry:
    """One entry: a comment (or report), or a history event."""

    at: datetime
    comment: CommentRecord | None = None
    event: HistoryRecord | None = None


@dataclass(frozen=True)
class FeedCursor:
    """Where the next (older) page starts in each source: after this
    comment (created_at, id) and below this history id. None: that source
    has shown nothing yet; `*_done`: it has nothing older."""

    comment_at: datetime | None = None
    comment_id: int | None = None
    history_id: int | None = None
    comments_done: bool = False
    history_done: bool = False


@dataclass(frozen=True)
class FeedPage:
    entries: tuple[FeedEntry, ...]  # newest first
    older: FeedCursor | None  # None: there is nothing older
    names: dict[str, str]  # username -> display name for everyone the entries name


def _comment_branches(
    interaction_id: int | None, opportunity_id: int | None, contact_id: int | None
) -> list[Expression]:
    """Which comments belong to the target, as conditions each served by
    one comment index (an OR of them would make the database scan)."""
    if interaction_id is not None:
        return [Comment.interaction == interaction_id]
    if opportunity_id is not None:
        its_interactions = Interaction.select(Interaction.id).where(
            Interaction.opportunity == opportunity_id
        )
        return [Comment.opportunity == opportunity_id, Comment.interaction.in_(its_interactions)]
    its_interactions = Interaction.select(Interaction.id).where(Interaction.contact == contact_id)
    its_opportunities = Opportunity.select(Opportunity.id).where(Opportunity.contact == contact_id)
    return [Comment.interaction.in_(its_interactions), Comment.opportunity.in_(its_opportunities)]


_NEWEST_COMMENTS = (Comment.created_at.desc(), Comment.id.desc())


def _older_than(after: FeedCursor | None) -> list[Expression]:
    if after is None or after.comment_at is None:
        return []
    # The plain bound is what an index range starts from; the row
    # comparison orders the rows of that second by id.
    return [
        Comment.created_at <= after.comment_at,
        Tuple(Comment.created_at, Comment.id) < Tuple(after.comment_at, after.comment_id),
    ]


def _comment_rows(
    branches: list[Expression], after: FeedCursor | None, limit: int
) -> list[tuple[Any, ...]]:
    """The newest `limit` comments older than the cursor, in one query: a
    single branch read directly, several as the union of each branch's
    own newest `limit` (ids), so each walks its index and stops."""
    bound = _older_than(after)
    if len(branches) == 1:
        query = select_comments().where(branches[0], *bound)
    else:
        newest_ids = []
        for branch in branches:
            ids = Comment.select(Comment.id).where(branch, *bound)
            ids = ids.order_by(*_NEWEST_COMMENTS).limit(limit)
            newest_ids.append(ids.select_from(ids.c.id))
        query = select_comments().where(Comment.id.in_(reduce(operator.or_, newest_ids)))
    return list(query.order_by(*_NEWEST_COMMENTS).limit(limit).tuples())


def activity_feed(
    *,
    interaction_id: int | None = None,
    opportunity_id: int | None = None,
    contact_id: int | None = None,
    only_comments: bool = False,
    after: FeedCursor | None = None,
    limit: int = 50,
) -> FeedPage:
    """One page of the target's activity, newest first; pass `older` back
    as `after` for the next one. The comments of an opportunity include
    those of its interactions; of a contact, those of its opportunities
    and interactions. `only_comments` leaves the history events out."""
    targets = (interaction_id, opportunity_id, contact_id)
    if sum(target is not None for target in targets) != 1:
        raise TypeError("activity_feed takes exactly one target")
    limit = max(1, min(limit, MAX_PAGE))
    comment_rows: list[tuple[Any, ...]] = []
    if after is None or not after.comments_done:
        branches = _comment_branches(interaction_id, opportunity_id, contact_id)
        comment_rows = _comment_rows(branches, after, limit + 1)
    events: list[HistoryRecord] = []
    if not only_comments and (after is None or not after.history_done):
        events = history.list_history(
            interaction_id=interaction_id,
            opportunity_id=opportunity_id,
            contact_id=contact_id,
            before_id=after.history_id if after else None,
            limit=limit + 1,
            exclude_actions=_TOLD_BY_THE_COMMENT,
        )
    directory = UserDirectory.load() if comment_rows or events else None
    comments = to_records(comment_rows, directory)
    entries = _merge(comments, events, limit)
    shown_comments = [entry.comment for entry in entries if entry.comment is not None]
    shown_events = [entry.event for entry in entries if entry.event is not None]
    older = None
    if len(shown_comments) < len(comments) or len(shown_events) < len(events):
        older = _cursor_after(
            after,
            shown_comments,
            shown_events,
            comments_done=len(shown_comments) == len(comments),
            history_done=only_comments or len(shown_events) == len(events),
        )
    names = directory.display_names(_named_users(entries)) if directory else {}
    return FeedPage(tuple(entries), older, names)


def _merge(
    comments: list[CommentRecord], events: list[HistoryRecord], limit: int
) -> list[FeedEntry]:
    """The newest `limit` of two lists each already newest first, taking
    from the head of one or the other, so each source is used as a prefix
    (what the cursor relies on). At the same second a comment goes above
    an event: a report is written after the edit it reports on."""
    entries: list[FeedEntry] = []
    c = e = 0
    while len(entries) < limit and (c < len(comments) or e < len(events)):
        if e == len(events) or (c < len(comments) and comments[c].created_at >= events[e].at):
            entries.append(FeedEntry(comments[c].created_at, comment=comments[c]))
            c += 1
        else:
            entries.append(FeedEntry(events[e].at, event=events[e]))
            e += 1
    return entries


def _cursor_after(
    previous: FeedCursor | None,
    comments: list[CommentRecord],
    events: list[HistoryRecord],
    *,
    comments_done: bool,
    history_done: bool,
) -> FeedCursor:
    """The cursor after a page that showed `comments` and `events`; a
    source the page showed nothing of keeps its previous place."""
    start = previous or FeedCursor()
    last_comment = comments[-1] if comments else None
    return FeedCursor(
        comment_at=last_comment.created_at if last_comment else start.comment_at,
        comment_id=last_comment.id if last_comment else start.comment_id,
        history_id=events[-1].id if events else start.history_id,
        comments_done=comments_done,
        history_done=history_done,
    )


def _named_users(entries: Iterable[FeedEntry]) -> set[str]:
    """Every username the entries name: authors, mentions, actors, the
    people of an assignment and the author of a deleted comment."""
    names: set[str] = set()
    for entry in entries:
        if entry.comment is not None:
            names.add(entry.comment.author)
            names.update(entry.comment.mentions)
        elif entry.event is not None:
            event = entry.event
            if event.actor:
                names.add(event.actor)
            for key in _NAMING_DETAILS.get(event.action, ()):
                value = event.details.get(key)
                if isinstance(value, str):
                    names.add(value)
            snapshot = event.details.get("snapshot")
            if event.action == history.COMMENT_DELETED and isinstance(snapshot, dict):
                author = snapshot.get("author")
                if isinstance(author, str):
                    names.add(author)
    return names
