"""Counts for the filter sidebar: how many interactions match the filter,
and for each type, responsible user, status and direction how many would.

Standard faceting: each facet applies the whole filter except its own field,
so with "call" picked the sidebar still says how many e-mails there are.
All four facets and the total come from one query: the rows matching the
filter without its facet fields, grouped by (type, user, status,
direction); each facet then adds up the groups that pass the other three
facet fields. Over the whole table that query reads only the facet index
(`store.schema.FACET_INDEXES`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from peewee import SQL, NodeList, fn

from crm_tui.services.errors import NotFound
from crm_tui.services.listing import conditions, search_tokens
from crm_tui.services.records import InteractionFilter
from crm_tui.services.types import TypeIndex
from crm_tui.services.vocab import DIRECTION, STATUS
from crm_tui.store.db import current, engine_of
from crm_tui.store.models import Interaction, InteractionTag, Tag, User
from crm_tui.store.schema import FACET_INDEX_CONDITION

# Tags are counted over at most this many of the newest matches: exact for
# the narrow filters a sidebar mostly shows (an opportunity, a contact, a
# week), and bounded for broad ones, where counting every tag of a quarter
# of a million interactions would take most of a second.
TAG_SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class Facets:
    """Counts of matching interactions; a value that matches none is absent."""

    total: int  # rows matching the whole filter
    types: dict[str, int]  # type code -> count
    users: dict[str | None, int]  # responsible username (None = shared pool) -> count
    statuses: dict[str, int]
    directions: dict[str, int]


def _without_facet_fields(f: InteractionFilter) -> InteractionFilter:
    return replace(f, types=(), users=(), unassigned=False, statuses=(), directions=())


def _any_of(wanted: Iterable[Any]) -> Callable[[Any], bool]:
    """A test for one filter field: no values means anything passes."""
    chosen = set(wanted)
    return lambda value: not chosen or value in chosen


def facet_query(f: InteractionFilter) -> Any:
    """(type_id, user_id, status, direction, count) of the rows matching `f`
    without its facet fields: what every facet and the total add up."""
    where = conditions(_without_facet_fields(f))
    columns = [Interaction.type, Interaction.user, Interaction.status, Interaction.direction]
    if not where:
        # The whole table: stating the partial index's condition lets the
        # database read the index in group order instead of the table.
        where = [SQL(FACET_INDEX_CONDITION)]
    elif engine_of(current()) == "sqlite":
        # Unary plus keeps SQLite from walking a list index in group order
        # and looking up every row (2 s at 1M for "last 30 days"); the
        # filter's own index then finds the few matching rows first.
        columns = [NodeList((SQL("+"), column), glue="") for column in columns]
    return Interaction.select(*columns, fn.COUNT(SQL("*"))).where(*where).group_by(*columns)


def _usernames(user_ids: set[int], wanted: tuple[str, ...]) -> tuple[dict[int, str], set[int]]:
    """Usernames of `user_ids`, and the ids of the `wanted` usernames (an
    unknown one is refused, as the list refuses it)."""
    names = [name.strip() for name in wanted]
    query = User.select(User.id, User.username).where(
        User.id.in_(list(user_ids)) | User.username.in_(names)
    )
    by_id: dict[int, str] = dict(query.tuples())
    ids = {user_id for user_id, username in by_id.items() if username in names}
    for name in names:
        if name not in by_id.values():
            raise NotFound("error.unknown_user", value=name)
    return by_id, ids


def _user_test(wanted_ids: set[int], *, unassigned: bool) -> Callable[[int | None], bool]:
    """As the list reads `users` and `unassigned`: any of the named users,
    or the shared pool too when `unassigned`; neither set, anyone."""
    if not wanted_ids and not unassigned:
        return lambda user_id: True
    return lambda user_id: user_id in wanted_ids or (unassigned and user_id is None)


def facet_counts(f: InteractionFilter) -> Facets:
    """The total under `f` and, per facet, the counts under `f` without that
    facet's own field (the users facet leaves out `users` and `unassigned`)."""
    rows = list(facet_query(f).tuples())
    type_index = TypeIndex.load()
    type_codes = {record.id: record.code for record in type_index.types}
    usernames, wanted_user_ids = _usernames({row[1] for row in rows if row[1]}, f.users)
    type_passes = _any_of(type_index.resolve(value).id for value in f.types)
    user_passes = _user_test(wanted_user_ids, unassigned=f.unassigned)
    status_passes = _any_of(STATUS.parse(value) for value in f.statuses)
    direction_passes = _any_of(DIRECTION.parse(value) for value in f.directions)

    total = 0
    types: Counter[str] = Counter()
    users: Counter[str | None] = Counter()
    statuses: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    for type_id, user_id, status, direction, count in rows:
        by_type, by_user = type_passes(type_id), user_passes(user_id)
        by_status, by_direction = status_passes(status), direction_passes(direction)
        if by_user and by_status and by_direction:
            types[type_codes[type_id]] += count
        if by_type and by_status and by_direction:
            users[usernames[user_id] if user_id is not None else None] += count
        if by_type and by_user and by_direction:
            statuses[status] += count
        if by_type and by_user and by_status:
            directions[direction] += count
        if by_type and by_user and by_status and by_direction:
            total += count
    return Facets(total, dict(types), dict(users), dict(statuses), dict(directions))


def tag_counts(
    f: InteractionFilter, limit: int = 20, *, scan_limit: int | None = TAG_SCAN_LIMIT
) -> list[tuple[str, int]]:
    """The most used tags under `f` without its own tags field, most used
    first (ties by name). With no other filter they are counted over every
    interaction (one index scan); otherwise over the newest `scan_limit`
    matches in list order (None: all of them), exact whenever fewer match."""
    where = conditions(replace(f, tags=()))
    query = InteractionTag.select(InteractionTag.tag, fn.COUNT(SQL("*")))
    if where:
        matching = Interaction.select(Interaction.id).where(*where)
        if scan_limit is not None:
            if search_tokens(f.search):
                matching = matching.order_by(Interaction.id.desc())
            else:
                matching = matching.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            matching = matching.limit(max(1, scan_limit))
        query = query.where(InteractionTag.interaction.in_(matching))
    top = list(
        query.group_by(InteractionTag.tag)
        .order_by(fn.COUNT(SQL("*")).desc(), InteractionTag.tag)
        .limit(max(1, limit))
        .tuples()
    )
    names = dict(Tag.select(Tag.id, Tag.name).where(Tag.id.in_([row[0] for row in top])).tuples())
    return sorted(((names[tag_id], count) for tag_id, count in top), key=lambda p: (-p[1], p[0]))
