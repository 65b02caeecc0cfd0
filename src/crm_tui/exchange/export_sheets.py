"""The sheets of an exported workbook (see `sheets.Sheet`): the
interactions in the interchange columns, a sheet about the export itself,
and for one interaction its comments and its history.

The interchange sheet keeps its name ("interactions", or "interaction"
for one) and its column codes in every language: import reads it by
them, and a file moves between teams. The other sheets are for people:
their titles and headers follow the language of the export.

A long text over several rows: a comment, a list of attachments or a
history sentence longer than one Excel cell holds (32,767 characters)
goes on over continuation rows instead of being cut. Each of an entry's
rows repeats its key columns (when, kind and author of a comment; when
and who of a history event), and its "part" column says which piece the
row holds: "1/3", "2/3", "3/3". An entry that fits in one row leaves
"part" empty. Joining the text cells of an entry's rows in order gives
its text back exactly. Comments and history are newest first, as the
interaction's activity shows them in the program.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from crm_tui.exchange.columns import COLUMNS, Cell
from crm_tui.exchange.sheets import Sheet, split_for_cells
from crm_tui.exchange.xlsx_format import SHEET_TITLE
from crm_tui.i18n import register, t
from crm_tui.services import history
from crm_tui.services.activity import FeedCursor, activity_feed
from crm_tui.services.errors import ValidationError
from crm_tui.services.history_sentences import history_sentence
from crm_tui.services.mentions import UserDirectory
from crm_tui.services.records import InteractionFilter
from crm_tui.services.vocab import COMMENT_KIND, DIRECTION, KIND, STATUS, Vocabulary

register(
    {
        "exchange.sheet.export": ("export", "exportación"),
        "exchange.sheet.comments": ("comments", "comentarios"),
        "exchange.sheet.history": ("history", "historial"),
        "exchange.column.field": ("Field", "Campo"),
        "exchange.column.value": ("Value", "Valor"),
        "exchange.column.when": ("When", "Cuándo"),
        "exchange.column.kind": ("Kind", "Clase"),
        "exchange.column.author": ("Author", "Autor"),
        "exchange.column.part": ("Part", "Parte"),
        "exchange.column.text": ("Text", "Texto"),
        "exchange.column.attachments": ("Attachments", "Adjuntos"),
        "exchange.column.who": ("Who", "Quién"),
        "exchange.column.action": ("What happened", "Qué pasó"),
        "exchange.info.at": ("Exported at", "Exportado el"),
        "exchange.info.by": ("Exported by", "Exportado por"),
        "exchange.info.rows": ("Interactions", "Interacciones"),
        "exchange.info.database": ("Database", "Base de datos"),
        "exchange.filter.none_label": ("Filter", "Filtro"),
        "exchange.filter.none": (
            "no filter: every interaction",
            "sin filtro: todas las interacciones",
        ),
        "exchange.filter.ids": ("Filter: Ids", "Filtro: Ids"),
        "exchange.filter.types": ("Filter: types", "Filtro: tipos"),
        "exchange.filter.users": ("Filter: responsible users", "Filtro: usuarios responsables"),
        "exchange.filter.statuses": ("Filter: statuses", "Filtro: estados"),
        "exchange.filter.directions": ("Filter: directions", "Filtro: direcciones"),
        "exchange.filter.kinds": ("Filter: kinds", "Filtro: clases"),
        "exchange.filter.tags": ("Filter: tags", "Filtro: etiquetas"),
        "exchange.filter.opportunities": ("Filter: opportunities", "Filtro: oportunidades"),
        "exchange.filter.contacts": ("Filter: contacts", "Filtro: clientes"),
        "exchange.filter.since": ("Filter: since", "Filtro: desde"),
        "exchange.filter.until": ("Filter: until", "Filtro: hasta"),
        "exchange.filter.search": ("Filter: search", "Filtro: búsqueda"),
        "exchange.filter.internal": ("Filter: internal", "Filtro: internas"),
        "exchange.filter.unassigned": (
            "Filter: in the shared pool",
            "Filtro: en la bolsa compartida",
        ),
        "exchange.filter.yes": ("yes", "sí"),
        "exchange.filter.no": ("no", "no"),
    }
)

ONE_INTERACTION_TITLE = "interaction"
# Characters per column of the interchange sheet: a date fits whole
# (17), the global id too (36), free text gets room to be read; every
# header fits beside its auto-filter button.
COLUMN_WIDTHS: dict[str, int] = {
    "id": 38,
    "type": 14,
    "status": 13,
    "priority": 11,
    "direction": 12,
    "internal": 11,
    "user": 14,
    "created_by": 14,
    "contact_code": 15,
    "contact_name": 28,
    "opportunity_code": 19,
    "opportunity_title": 28,
    "subject": 40,
    "note": 60,
    "outcome": 14,
    "occurred_at": 17,
    "starts_at": 17,
    "ends_at": 17,
    "follow_up_at": 17,
    "location": 20,
    "tags": 24,
}
INTERACTION_WIDTHS = tuple(COLUMN_WIDTHS[column] for column in COLUMNS)
# Comments and history are read this many at a time.
PAGE = 500

Row = tuple[Cell | None, ...]
# Called between pages of comments and history: raises to stop the export.
Checkpoint = Callable[[], None]


def interactions_sheet(rows: Iterable[Sequence[Cell | None]], *, one: bool = False) -> Sheet:
    """The interchange sheet: `rows` in `COLUMNS` order."""
    return Sheet(
        title=ONE_INTERACTION_TITLE if one else SHEET_TITLE,
        header=COLUMNS,
        rows=rows,
        widths=INTERACTION_WIDTHS,
    )


# --- the export sheet ---------------------------------------------------------------


@dataclass(frozen=True)
class ExportInfo:
    """What the export sheet tells about an export."""

    at: datetime  # local time
    filter: InteractionFilter
    by: str | None = None  # who exported, as a person reads it
    database: str | None = None  # a file path, or a URL without its password


def export_sheet(info: ExportInfo, count: Callable[[], int], lang: str) -> Sheet:
    """Two columns, field and value: when, by whom, how many rows (`count`
    is asked only when the sheet's rows are read, so a writer that writes
    it after the interactions sheet gets the final number), from which
    database and with which filter."""

    def rows() -> Iterator[Row]:
        yield t("exchange.info.at", lang), info.at
        if info.by:
            yield t("exchange.info.by", lang), info.by
        yield t("exchange.info.rows", lang), str(count())
        if info.database:
            yield t("exchange.info.database", lang), info.database
        yield from filter_lines(info.filter, lang)

    return Sheet(
        title=t("exchange.sheet.export", lang),
        header=(t("exchange.column.field", lang), t("exchange.column.value", lang)),
        rows=rows(),
        widths=(28, 60),
        is_table=False,
    )


_FILTER_VOCABULARIES: dict[str, Vocabulary] = {
    "statuses": STATUS,
    "directions": DIRECTION,
    "kinds": KIND,
}


def filter_lines(f: InteractionFilter, lang: str) -> list[tuple[str, Cell]]:
    """One (label, value) per field of the filter that is set, in the
    filter's own order; one line saying there is none when it is empty."""
    lines: list[tuple[str, Cell]] = []
    for field in fields(InteractionFilter):
        value = getattr(f, field.name)
        if value == field.default or (isinstance(value, str) and not value.strip()):
            continue
        lines.append(
            (t(f"exchange.filter.{field.name}", lang), _filter_value(field.name, value, lang))
        )
    return lines or [(t("exchange.filter.none_label", lang), t("exchange.filter.none", lang))]


def _filter_value(name: str, value: object, lang: str) -> Cell:
    if isinstance(value, bool):
        return t("exchange.filter.yes" if value else "exchange.filter.no", lang)
    if isinstance(value, tuple):
        vocabulary = _FILTER_VOCABULARIES.get(name)
        items = [str(item).strip() for item in value]
        if vocabulary is not None:
            items = [_label(vocabulary, item, lang) for item in items]
        return ", ".join(items)
    return value if isinstance(value, datetime | str) else str(value)


def _label(vocabulary: Vocabulary, value: str, lang: str) -> str:
    """A status, direction or kind as the reader calls it, whichever way
    it was typed; as typed when it is none of them."""
    try:
        return vocabulary.label(vocabulary.parse(value), lang)
    except ValidationError:
        return value


# --- one interaction: comments and history ------------------------------------------


def continued_rows(keys: Sequence[Cell | None], texts: Sequence[str]) -> Iterator[Row]:
    """An entry's rows: `keys`, the part, then `texts`, each text split
    over as many rows as its longest one needs (see the module docstring).
    A text that ends before the others leaves its cell empty."""
    pieces = [split_for_cells(text) for text in texts]
    parts = max((len(split) for split in pieces), default=1)
    for index in range(parts):
        part = f"{index + 1}/{parts}" if parts > 1 else None
        yield (*keys, part, *(split[index] if index < len(split) else None for split in pieces))


def comments_sheet(interaction_id: int, lang: str, checkpoint: Checkpoint) -> Sheet:
    """The interaction's comments and reports, newest first: when, kind,
    author, part, text, and the names of the attached files (one a line)."""

    def rows() -> Iterator[Row]:
        after: FeedCursor | None = None
        while True:
            checkpoint()
            page = activity_feed(
                interaction_id=interaction_id, only_comments=True, after=after, limit=PAGE
            )
            for entry in page.entries:
                comment = entry.comment
                if comment is None:
                    continue
                keys = (
                    comment.created_at,
                    COMMENT_KIND.label(comment.kind, lang),
                    comment.author_name or comment.author,
                )
                names = "\n".join(attachment.file_name for attachment in comment.attachments)
                yield from continued_rows(keys, (comment.body, names))
            if page.older is None:
                return
            after = page.older

    header = ("when", "kind", "author", "part", "text", "attachments")
    return Sheet(
        title=t("exchange.sheet.comments", lang),
        header=tuple(t(f"exchange.column.{name}", lang) for name in header),
        rows=rows(),
        widths=(17, 12, 24, 7, 80, 30),
    )


def history_sheet(interaction_id: int, lang: str, now: datetime, checkpoint: Checkpoint) -> Sheet:
    """The interaction's history, newest first: when, who, part, and what
    happened in the words the program's history shows."""

    def rows() -> Iterator[Row]:
        directory = UserDirectory.load()
        names = directory.display_names(directory.by_username)
        system = t("ui.history.system", lang)
        before: int | None = None
        while True:
            checkpoint()
            events = history.list_history(
                interaction_id=interaction_id, before_id=before, limit=PAGE
            )
            for event in events:
                who = names.get(event.actor, event.actor) if event.actor else system
                sentence = history_sentence(event, names, lang, now)
                yield from continued_rows((event.at, who), (sentence,))
            if len(events) < PAGE:
                return
            before = events[-1].id

    header = ("when", "who", "part", "action")
    return Sheet(
        title=t("exchange.sheet.history", lang),
        header=tuple(t(f"exchange.column.{name}", lang) for name in header),
        rows=rows(),
        widths=(17, 24, 7, 80),
    )
