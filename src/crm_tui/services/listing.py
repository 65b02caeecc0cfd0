"""Filtered, keyset-paged lists of interactions, and full-text search.

Pages are fetched with keyset conditions over (occurred_at, id), served by
the list indexes, so page 10,000 costs what page 1 costs and nothing loads
a table. A search orders by id (most recently recorded first) because that
is the order full-text indexes yield matches in without sorting them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from peewee import JOIN, SQL, Expression, Tuple, fn

from crm_tui.services.errors import NotFound
from crm_tui.services.records import (
    Cursor,
    InteractionFilter,
    InteractionRecord,
    Page,
    TypeRecord,
)
from crm_tui.services.text import normalise_tags
from crm_tui.services.types import TypeIndex
from crm_tui.services.vocab import DIRECTION, KIND, STATUS, fold
from crm_tui.store.db import current, engine_of
from crm_tui.store.models import (
    Contact,
    Interaction,
    InteractionTag,
    InteractionType,
    Opportunity,
    Tag,
    User,
)

Responsible = User.alias("responsible")
Creator = User.alias("creator")

_COLUMNS = (
    Interaction.id,
    Interaction.uid,
    InteractionType.id,
    InteractionType.code,
    InteractionType.label_es,
    InteractionType.label_en,
    InteractionType.channel,
    InteractionType.colour,
    InteractionType.glyph,
    InteractionType.active,
    InteractionType.position,
    Interaction.kind,
    Interaction.status,
    Interaction.priority,
    Interaction.direction,
    Interaction.internal,
    Interaction.subject,
    Interaction.note,
    Interaction.outcome,
    Contact.id,
    Contact.code,
    Contact.name,
    Opportunity.id,
    Opportunity.code,
    Opportunity.title,
    Responsible.username,
    Responsible.display_name,
    Creator.username,
    Interaction.entry_name,
    Interaction.occurred_at,
    Interaction.starts_at,
    Interaction.ends_at,
    Interaction.follow_up_at,
    Interaction.due_at,
    Interaction.location,
    Interaction.version,
    Interaction.created_at,
    Interaction.updated_at,
    Interaction.recurrence,
    Interaction.campaign,
    Interaction.rule,
    Interaction.series_uid,
)

DEFAULT_PAGE = 50
MAX_PAGE = 1000


def select_records() -> Any:
    """The interaction query joined to what a record shows."""
    return (
        Interaction.select(*_COLUMNS)
        .join(InteractionType, on=(Interaction.type == InteractionType.id))
        .switch(Interaction)
        .join(Contact, on=(Interaction.contact == Contact.id))
        .switch(Interaction)
        .join(Opportunity, JOIN.LEFT_OUTER, on=(Interaction.opportunity == Opportunity.id))
        .switch(Interaction)
        .join(Responsible, JOIN.LEFT_OUTER, on=(Interaction.user == Responsible.id))
        .switch(Interaction)
        .join(Creator, on=(Interaction.created_by == Creator.id))
    )


def tags_of(interaction_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """The tags of each interaction (sorted). Written out: Peewee takes
    longer to build a page's 500-id IN than the database takes to answer
    it (see `store.bulk.lookup`)."""
    if not interaction_ids:
        return {}
    db = current()
    link = InteractionTag._meta
    tag = Tag._meta
    marks = ", ".join([db.param] * len(interaction_ids))
    sql = (
        f'SELECT l."{link.fields["interaction"].column_name}", t."{tag.fields["name"].column_name}"'
        f' FROM "{link.table_name}" l JOIN "{tag.table_name}" t'
        f' ON t."{tag.primary_key.column_name}" = l."{link.fields["tag"].column_name}"'
        f' WHERE l."{link.fields["interaction"].column_name}" IN ({marks})'
    )
    found: dict[int, list[str]] = defaultdict(list)
    for interaction_id, name in db.execute_sql(sql, list(interaction_ids)).fetchall():
        found[interaction_id].append(name)
    return {key: tuple(sorted(names)) for key, names in found.items()}


def raw_rows(query: Any) -> list[tuple[Any, ...]]:
    """The rows of `select_records()` as the driver gives them, for
    `to_records`: Peewee's per-value conversion of a page costs more than
    the query (an export reads every row through here)."""
    return list(current().execute_sql(*query.sql()).fetchall())


def _time(value: Any) -> Any:
    # SQLite gives text, PostgreSQL (and a Peewee-converted row) datetimes.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def to_records(rows: Iterable[tuple[Any, ...]]) -> list[InteractionRecord]:
    """Records from rows of `select_records()`, converted by Peewee
    (`.tuples()`) or raw (`raw_rows`)."""
    rows = list(rows)
    tags = tags_of([row[0] for row in rows])
    type_cache: dict[int, TypeRecord] = {}
    records = []
    for row in rows:
        type_id = row[2]
        type_record = type_cache.get(type_id)
        if type_record is None:
            code, label_es, label_en, channel, colour, glyph = row[3:9]
            type_record = TypeRecord(
                type_id, code, label_es, label_en, channel, colour, glyph, bool(row[9]), row[10]
            )
            type_cache[type_id] = type_record
        records.append(
            InteractionRecord(
                id=row[0],
                uid=row[1],
                type=type_record,
                kind=row[11],
                status=row[12],
                priority=row[13],
                direction=row[14],
                internal=bool(row[15]),
                subject=row[16],
                note=row[17],
                outcome=row[18],
                contact_id=row[19],
                contact_code=row[20],
                contact_name=row[21],
                opportunity_id=row[22],
                opportunity_code=row[23],
                opportunity_title=row[24],
                user=row[25],
                user_name=row[26],
                created_by=row[27],
                entry_name=row[28],
                occurred_at=_time(row[29]),
                starts_at=_time(row[30]),
                ends_at=_time(row[31]),
                follow_up_at=_time(row[32]),
                due_at=_time(row[33]),
                location=row[34],
                version=row[35],
                created_at=_time(row[36]),
                updated_at=_time(row[37]),
                recurrence=row[38],
                campaign_id=row[39],
                rule_id=row[40],
                series_uid=row[41],
                tags=tags.get(row[0], ()),
            )
        )
    return records


def search_tokens(text: str) -> list[str]:
    """Words of a search, accent-folded: each must match (as a prefix)."""
    return re.findall(r"\w+", fold(text))


def _written_words(text: str) -> list[str]:
    # As typed (lower case, accents kept): the Spanish stemmer needs them.
    return re.findall(r"\w+", unicodedata.normalize("NFC", text.casefold()))


def _fts5_query(tokens: list[str]) -> str:
    # Tokens are \w+ runs, so quoting them keeps FTS5 syntax out of reach.
    return " AND ".join(f'"{token}"*' for token in tokens)


# Each word matches as a prefix of a folded word, or by its Spanish or
# English stem (the three parts of `schema.POSTGRES_SEARCH_FUNCTION`). A
# stop word ("de", "the") has no stem and still matches as a prefix.
# The values go in as parameters and every part is a constant, so the
# planner folds the whole query into one tsquery that the GIN index serves.
_POSTGRES_WORD = (
    "(to_tsquery('simple', %s) || plainto_tsquery('spanish', %s) || plainto_tsquery('english', %s))"
)


def _postgres_words(text: str) -> list[tuple[str, list[str]]]:
    """The tsquery SQL of each word of a search, with its parameters.
    Prefixes are built from folded runs of word characters, so no tsquery
    syntax (quotes, &, |, !, :*, parentheses) ever reaches `to_tsquery`."""
    words = []
    for written in _written_words(text):
        for word in re.findall(r"\w+", fold(written)):
            words.append((_POSTGRES_WORD, [f"{word}:*", written, word]))
    return words


def _postgres_query(text: str) -> tuple[str, list[str]]:
    """The tsquery SQL of a whole search (every word) and its parameters."""
    words = _postgres_words(text)
    return " && ".join(sql for sql, _ in words), [p for _, params in words for p in params]


def _search_condition(text: str) -> Expression | None:
    tokens = search_tokens(text)
    if not tokens:
        return None
    if engine_of(current()) == "sqlite":
        return Interaction.id.in_(
            SQL("(SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", [_fts5_query(tokens)])
        )
    query, params = _postgres_query(text)
    # Unqualified: of the joined tables only `interaction` has the column.
    # Testing the row's own vector beats collecting every match's id first.
    in_text = SQL(f"search_vector @@ ({query})", params)
    in_comments = Interaction.id.in_(
        SQL(f"(SELECT interaction_id FROM comment WHERE search_vector @@ ({query}))", params)
    )
    return in_text | in_comments


def _search_rows(f: InteractionFilter, after_id: int | None, limit: int) -> list[tuple[Any, ...]]:
    """Matches newest first without collecting them all: take matching ids
    from the full-text index in descending batches, apply the other filters
    to each batch, and stop once a page is full. A common word costs what a
    rare one does."""
    others = conditions(replace(f, search=""))
    if engine_of(current()) == "sqlite":
        batches = _sqlite_match_batches(f.search, after_id, limit + 1 if not others else 2_048)
    else:
        batches = _postgres_match_batches(f.search, after_id)
    found: list[tuple[Any, ...]] = []
    for ids in batches:
        if ids:
            query = select_records().where(Interaction.id.in_(ids), *others)
            found.extend(
                query.order_by(Interaction.id.desc()).limit(limit + 1 - len(found)).tuples()
            )
        if len(found) > limit:
            break
    return found


def _sqlite_match_batches(search: str, upper: int | None, chunk: int) -> Iterator[list[int]]:
    """Walk the FTS index downwards by rowid in growing chunks. With no
    other filter the first chunk is exactly one page; filters drop rows,
    so then it starts wider and grows fast."""
    match = _fts5_query(search_tokens(search))
    while True:
        sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
        params: list[Any] = [match]
        if upper is not None:
            sql += " AND rowid < ?"
            params.append(upper)
        params.append(chunk)
        # One row of text, not a row per id: SQLite's driver lets go of the
        # GIL at every row, and a list's worker then waits for the UI thread
        # to hand it back each time (bench/gil_convoy.py).
        joined = (
            current()
            .execute_sql(
                f"SELECT group_concat(rowid) FROM ({sql} ORDER BY rowid DESC LIMIT ?)", params
            )
            .fetchone()[0]
        )
        ids = sorted(map(int, joined.split(",")), reverse=True) if joined else []
        yield ids
        if len(ids) < chunk:
            return
        upper, chunk = ids[-1], min(chunk * 8, 131_072)


# A GIN index yields its matches unordered, and fetching each from the
# table costs several times what testing a row's vector in id order does
# (2.5 against 0.4 µs at 1M, `_INDEX_COST`). So a search first tests the
# newest ids in a range and counts what matched there: the whole search, and
# each word alone. From those densities it picks the cheaper way on: walk on
# down by id until a page is full (a common word), or ask the index for every
# match below at once (a rare word, or a rare word with a common one). The
# index is asked for the rarest word only, the others tested on its matches:
# a prefix's posting lists are read whole, so a common word there would cost
# what all its matches do.
_PROBE_SPAN = 4_096
_MAX_SPAN = 262_144
_INDEX_COST = 6


def _postgres_match_batches(search: str, after_id: int | None) -> Iterator[list[int]]:
    words = _postgres_words(search)
    query, params = _postgres_query(search)
    db = current()
    upper = after_id
    if upper is None:
        upper = int(
            db.execute_sql("SELECT coalesce(max(id), 0) + 1 FROM interaction").fetchone()[0]
        )

    def walk(lower: int, below: int) -> list[int]:
        # Both halves bounded by id: neither visits more than the range.
        sql = (
            f"SELECT id FROM interaction WHERE id >= %s AND id < %s AND search_vector @@ ({query})"
            f" UNION SELECT interaction_id FROM comment"
            f" WHERE interaction_id >= %s AND interaction_id < %s AND search_vector @@ ({query})"
        )
        rows = db.execute_sql(sql, [lower, below, *params, lower, below, *params])
        return sorted((row[0] for row in rows), reverse=True)

    span = _PROBE_SPAN
    lower = max(upper - span, 0)
    probe = walk(lower, upper)
    yield from _slices(probe)
    if lower == 0:
        return
    counts = db.execute_sql(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE search_vector @@ ({sql}))" for sql, _ in words)
        + " FROM interaction WHERE id >= %s AND id < %s",
        [p for _, word_params in words for p in word_params] + [lower, upper],
    ).fetchone()
    rarest = min(range(len(words)), key=lambda index: counts[index])
    # Rows each way would visit, with half a match where none was seen.
    by_index = _INDEX_COST * (counts[rarest] + 0.5) / span * lower
    by_walk = min(lower, DEFAULT_PAGE * span / (len(probe) + 0.5))
    if by_index < by_walk:
        rarest_sql, rarest_params = words[rarest]
        # ts_match_vq is `@@` as a function: tested on each row the index
        # gives, never used to search the index itself.
        sql = (
            f"SELECT id FROM interaction WHERE id < %s AND search_vector @@ ({rarest_sql})"
            f" AND ts_match_vq(search_vector, {query})"
            f" UNION SELECT interaction_id FROM comment WHERE interaction_id < %s"
            f" AND search_vector @@ ({rarest_sql}) AND ts_match_vq(search_vector, {query})"
        )
        half = [*rarest_params, *params]
        rows = db.execute_sql(sql, [lower, *half, lower, *half])
        yield from _slices(sorted((row[0] for row in rows), reverse=True))
        return
    walked, matched = span, len(probe)
    while lower > 0:
        # Enough ids for the rest of a page at the density seen so far, within
        # one to four times the last range: a density from a handful of
        # matches is a rough guess.
        wanted = max(DEFAULT_PAGE - matched, 1) * walked / (matched + 0.5)
        span = int(min(max(wanted, span), span * 4, _MAX_SPAN))
        upper, lower = lower, max(lower - span, 0)
        ids = walk(lower, upper)
        walked, matched = walked + span, matched + len(ids)
        yield from _slices(ids)


def _slices(ids: list[int]) -> Iterator[list[int]]:
    """Ids to look up in pieces: a page's worth first, so a dense range
    never costs a lookup of thousands of rows when a page needs 51."""
    first = 2 * DEFAULT_PAGE
    yield ids[:first]
    for start in range(first, len(ids), MAX_PAGE):
        yield ids[start : start + MAX_PAGE]


def _ids_of(model: Any, column: Any, values: Sequence[str], error_key: str) -> list[int]:
    wanted = [value.strip() for value in values]
    found = dict(model.select(column, model.id).where(column.in_(wanted)).tuples())
    for value in wanted:
        if value not in found:
            raise NotFound(error_key, value=value)
    return list(found.values())


def conditions(f: InteractionFilter) -> list[Expression]:
    """The filter as SQL conditions on the interaction table alone."""
    where: list[Expression] = []
    if f.ids:
        numbers = [int(v) for v in f.ids if v.strip().isdigit()]
        uids = [v.strip() for v in f.ids if not v.strip().isdigit()]
        clause = None
        if numbers:
            clause = Interaction.id.in_(numbers)
        if uids:
            by_uid = Interaction.uid.in_(uids)
            clause = by_uid if clause is None else (clause | by_uid)
        if clause is not None:
            where.append(clause)
    if f.types:
        index = TypeIndex.load()
        where.append(Interaction.type.in_([index.resolve(v).id for v in f.types]))
    # The responsible: any of the named users, or the shared pool too
    # when `unassigned` is set (a sidebar offers the pool among the users).
    responsible: Expression | None = None
    if f.users:
        responsible = Interaction.user.in_(
            _ids_of(User, User.username, f.users, "error.unknown_user")
        )
    if f.unassigned:
        pool = Interaction.user.is_null()
        responsible = pool if responsible is None else (responsible | pool)
    if responsible is not None:
        where.append(responsible)
    if f.statuses:
        where.append(Interaction.status.in_([STATUS.parse(v) for v in f.statuses]))
    if f.directions:
        where.append(Interaction.direction.in_([DIRECTION.parse(v) for v in f.directions]))
    if f.kinds:
        where.append(Interaction.kind.in_([KIND.parse(v) for v in f.kinds]))
    if f.opportunities:
        where.append(
            Interaction.opportunity.in_(
                _ids_of(Opportunity, Opportunity.code, f.opportunities, "error.unknown_opportunity")
            )
        )
    if f.contacts:
        where.append(
            Interaction.contact.in_(
                _ids_of(Contact, Contact.code, f.contacts, "error.unknown_contact")
            )
        )
    if f.tags:
        names = list(normalise_tags(f.tags))
        tagged = (
            InteractionTag.select(InteractionTag.interaction)
            .join(Tag, on=(InteractionTag.tag == Tag.id))
            .where(Tag.name.in_(names))
        )
        where.append(Interaction.id.in_(tagged))
    if f.since is not None:
        where.append(Interaction.occurred_at >= f.since)
    if f.until is not None:
        where.append(Interaction.occurred_at <= f.until)
    if f.internal is not None:
        where.append(Interaction.internal == f.internal)
    if f.search.strip():
        search = _search_condition(f.search)
        if search is not None:
            where.append(search)
    return where


def _ordered_by_id(f: InteractionFilter) -> bool:
    return bool(search_tokens(f.search))


def _search_only(f: InteractionFilter) -> bool:
    """A search with no other filter. With others (a status, an
    opportunity) PostgreSQL's planner weighs their indexes against the
    words' and picks the cheaper way; the adaptive walk below is for the
    search of the whole table, where the planner cannot tell a rare word
    from a common one."""
    return replace(f, search="").is_empty()


def list_interactions(
    f: InteractionFilter = InteractionFilter(),
    *,
    after: Cursor | None = None,
    limit: int = DEFAULT_PAGE,
) -> Page:
    """One page of the filtered list after `after`: newest first, or for a
    search most recently recorded first."""
    limit = max(1, min(limit, MAX_PAGE))
    by_id = _ordered_by_id(f)
    if by_id and (engine_of(current()) == "sqlite" or _search_only(f)):
        rows = _search_rows(f, after.id if after else None, limit)
    else:
        where = conditions(f)
        if after is not None:
            if by_id:
                where.append(Interaction.id < after.id)
            else:
                where.append(
                    Tuple(Interaction.occurred_at, Interaction.id)
                    < Tuple(after.occurred_at, after.id)
                )
        query = select_records()
        if where:
            query = query.where(*where)
        if by_id:
            query = query.order_by(Interaction.id.desc())
        else:
            query = query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        rows = raw_rows(query.limit(limit + 1))
    records = to_records(rows)
    next_cursor = None
    if len(records) > limit:
        records = records[:limit]
        last = records[-1]
        next_cursor = Cursor(last.occurred_at, last.id)
    return Page(tuple(records), next_cursor)


def iter_interactions(
    f: InteractionFilter = InteractionFilter(), *, batch: int = 500
) -> Iterator[InteractionRecord]:
    """Every matching interaction, page by page (exports stream this)."""
    cursor = None
    while True:
        page = list_interactions(f, after=cursor, limit=batch)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def count_interactions(f: InteractionFilter = InteractionFilter()) -> int:
    query = Interaction.select(fn.COUNT(Interaction.id))
    where = conditions(f)
    if where:
        query = query.where(*where)
    return int(query.scalar() or 0)


def get_interaction(ref: str | int) -> InteractionRecord:
    """By human Id (digits) or global uid."""
    text = str(ref).strip()
    clause = Interaction.id == int(text) if text.isdigit() else Interaction.uid == text
    records = to_records(select_records().where(clause).tuples())
    if not records:
        raise NotFound("error.unknown_interaction", value=text)
    return records[0]
