"""What was said and done about an interaction, an opportunity or a
contact: its comments and reports and its history events in one list,
newest first, a page at a time (`services.activity.activity_feed`).

The feed reads its own pages (in workers) and acts on its entries with the
keyboard: Up/Down and j/k move between entries, Enter shows all of a long
comment or the files attached to it, Delete deletes a comment its reader
may delete (after a confirm), `m` (or reaching the end) loads older
entries. Every entry is one option of an OptionList with a multi-line
Content prompt: comment bodies are user text, never markup, and wrap
inside the feed's width however long their words are.

Only the keys that apply to the highlighted entry show in the footer. The
feed answers Delete and Enter itself whatever is highlighted, so a key
meant for a comment never reaches the screen (where Delete deletes the
interaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from peewee import DatabaseError
from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from crm_tui import clock
from crm_tui.formatting import preview
from crm_tui.i18n import language, register, t
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.services import history
from crm_tui.services.activity import FeedCursor, FeedEntry, FeedPage, activity_feed
from crm_tui.services.comments import CommentRecord, can_delete, delete_comment
from crm_tui.services.contacts import opportunities_of
from crm_tui.services.errors import CrmError
from crm_tui.services.history_sentences import QUOTED_CELLS, history_line
from crm_tui.services.mentions import mention_spans
from crm_tui.services.records import HistoryRecord, UserRecord
from crm_tui.services.text import clean_text
from crm_tui.services.types import list_types
from crm_tui.services.vocab import COMMENT_KIND
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.file_label import file_labels
from crm_tui.widgets.form_field import short_datetime

if TYPE_CHECKING:
    from crm_tui.app import CrmApp

register(
    {
        "ui.feed.empty": ("Nothing recorded yet", "Aún no hay nada registrado"),
        "ui.feed.no_comments": ("No comments yet", "Aún no hay comentarios"),
        "ui.feed.older": ("Load older entries", "Cargar entradas anteriores"),
        "ui.feed.loading_older": ("Loading older entries…", "Cargando entradas anteriores…"),
        "ui.feed.show_more": (
            "… Show more ({count} more characters)",
            "… Mostrar más ({count} caracteres más)",
        ),
        "ui.feed.on_interaction": ("on interaction {id}", "en la interacción {id}"),
        "ui.feed.on_opportunity": ("on opportunity {code}", "en la oportunidad {code}"),
        "ui.feed.delete_question": (
            "Delete the {kind} by {author}?\n«{start}»",
            "¿Borrar el {kind} de {author}?\n«{start}»",
        ),
        "ui.feed.delete_confirm": ("Delete", "Borrar"),
        "ui.feed.deleted": ("Deleted the {kind} by {author}", "Se borró el {kind} de {author}"),
        "ui.feed.history_stays": (
            "The history cannot be deleted: only comments and reports can",
            "El historial no se puede borrar: solo los comentarios y reportes",
        ),
        "ui.feed.key.show_more": ("Show more", "Mostrar más"),
        "ui.feed.key.attachments": ("Attachments", "Adjuntos"),
        "ui.feed.key.load_older": ("Older entries", "Entradas anteriores"),
        "ui.feed.key.delete_comment": ("Delete comment", "Borrar comentario"),
        "ui.feed.key.cannot_delete": ("Cannot delete", "No se puede borrar"),
        "ui.feed.key.down": ("Next entry", "Entrada siguiente"),
        "ui.feed.key.up": ("Previous entry", "Entrada anterior"),
        "ui.feed.key.first": ("Newest entry", "Entrada más reciente"),
        "ui.feed.key.last": ("Oldest loaded entry (loads more)", "Entrada más antigua (carga más)"),
    }
)

# A comment longer than this is folded (the help articles' "show more").
FOLD_LINES = 4
FOLD_CHARACTERS = 280
# How many entries one page reads.
PAGE = 50
# Option ids: comments and events by their ids, and the "load older" row.
OLDER_ID = "older"
NOTE_ID = "note"

COMMENT_STYLE = "bold $text-accent"
REPORT_STYLE = "bold reverse $text-warning"
MENTION_STYLE = "bold $text-accent underline"
EVENT_STYLE = "$text-muted"


@dataclass(frozen=True)
class FeedTarget:
    """Whose activity the feed shows: exactly one of the three."""

    interaction_id: int | None = None
    opportunity_id: int | None = None
    contact_id: int | None = None

    @property
    def names_interactions(self) -> bool:
        """An opportunity's or a contact's feed spans several interactions,
        so each entry says which one it is about."""
        return self.interaction_id is None


@dataclass(frozen=True)
class FeedRead:
    """A page, the labels of the interaction types it names and the codes
    of the opportunities its comments are on."""

    page: FeedPage
    type_labels: dict[str, tuple[str, str]]  # code -> (English, Spanish)
    opportunity_codes: dict[int, str]


def read_feed(
    target: FeedTarget, *, only_comments: bool, after: FeedCursor | None, limit: int
) -> FeedRead:
    """One page of the target's activity (queries: run it in a worker).
    The types are read only when a deleted interaction's snapshot names
    one, and a contact's opportunities only when a comment is on one: a
    few rows, seldom."""
    page = activity_feed(
        interaction_id=target.interaction_id,
        opportunity_id=target.opportunity_id,
        contact_id=target.contact_id,
        only_comments=only_comments,
        after=after,
        limit=limit,
    )
    deleted = any(
        entry.event is not None and entry.event.action == history.INTERACTION_DELETED
        for entry in page.entries
    )
    labels = {kind.code: (kind.label_en, kind.label_es) for kind in list_types()} if deleted else {}
    codes: dict[int, str] = {}
    on_opportunity = any(
        entry.comment is not None and entry.comment.opportunity_id is not None
        for entry in page.entries
    )
    if target.contact_id is not None and on_opportunity:
        codes = {found.id: found.code for found in opportunities_of(target.contact_id)}
    return FeedRead(page, labels, codes)


# --- what an entry shows ------------------------------------------------------------


def fold_body(body: str) -> str | None:
    """The first part of a long body (at most FOLD_LINES lines and
    FOLD_CHARACTERS characters), or None when it is short enough to show."""
    head = "\n".join(body.split("\n")[:FOLD_LINES])[:FOLD_CHARACTERS]
    return None if head == body else head.rstrip()


def _mentions(body: str, mentioned: Sequence[str]) -> Content:
    """The body as typed, the @mentions of existing users highlighted."""
    content = Content(body)
    known = {name.casefold() for name in mentioned}
    for start, end, name in mention_spans(body):
        if name.casefold() in known:
            content = content.stylize(MENTION_STYLE, start, end)
    return content


def comment_heading(comment: CommentRecord, lang: str, now: datetime, *, about: str) -> Content:
    """`Comment · Luis Gómez · Sun 22 Nov 14:00 · on interaction 7`:
    `about` says what it is on, when the feed spans several things."""
    report = comment.kind == "report"
    parts: list[Content | str | tuple[str, str]] = [
        Content.styled(f" {COMMENT_KIND.label(comment.kind, lang)} ", REPORT_STYLE)
        if report
        else Content.styled(COMMENT_KIND.label(comment.kind, lang), COMMENT_STYLE),
        " · ",
        safe.plain_line(comment.author_name or comment.author, "bold"),
        (f" · {short_datetime(comment.created_at, lang, now)}", "dim"),
    ]
    if about:
        parts.append((f" · {about}", "dim"))
    return Content.assemble(*parts)


def comment_prompt(
    comment: CommentRecord, lang: str, now: datetime, *, unfolded: bool, about: str = ""
) -> Content:
    """The heading, the body (folded unless `unfolded` or short), then the
    attached files."""
    body = clean_text(comment.body)
    head = None if unfolded else fold_body(body)
    lines = [comment_heading(comment, lang, now, about=about)]
    if body:
        lines.append(_mentions(head if head is not None else body, comment.mentions))
    if head is not None:
        more = t("ui.feed.show_more", lang, count=format_count(len(body) - len(head), lang))
        lines.append(Content.styled(more, "italic $text-muted"))
    if comment.attachments:
        lines.append(file_labels(comment.attachments, lang))
    return Content("\n").join(lines)


def event_prompt(
    event: HistoryRecord,
    names: Mapping[str, str],
    type_labels: Mapping[str, str],
    lang: str,
    now: datetime,
    *,
    name_interaction: bool,
) -> Content:
    """One dimmed sentence and its time."""
    sentence = history_line(
        event, names, lang, now, name_interaction=name_interaction, type_labels=type_labels
    )
    return Content.assemble(
        safe.plain_line(sentence, EVENT_STYLE),
        (f" · {short_datetime(event.at, lang, now)}", f"{EVENT_STYLE} dim"),
    )


def comment_option_id(comment: CommentRecord) -> str:
    """The id of a comment's entry (`ActivityFeed.reload(highlight=…)`)."""
    return f"comment-{comment.id}"


def entry_id(entry: FeedEntry) -> str:
    if entry.comment is not None:
        return comment_option_id(entry.comment)
    assert entry.event is not None
    return f"event-{entry.event.id}"


# --- the widget -----------------------------------------------------------------------


class ActivityFeed(OptionList):
    """The feed of `target`. The screen calls `reload` when its data may
    have changed (the highlight stays on the same entry when it is still
    there) and sets `only_comments`."""

    DEFAULT_CSS = """
    ActivityFeed {
        height: auto;
        max-height: 100%;
        padding: 0;
        border: none;
        background: transparent;
        scrollbar-size-vertical: 1;
    }
    ActivityFeed:focus {
        border: none;
    }
    ActivityFeed > .option-list--option {
        padding: 0 1 0 0;
    }
    /* The highlight shows where the keys act: only while they do. */
    ActivityFeed > .option-list--option-highlighted {
        color: $foreground;
        background: transparent;
        text-style: none;
    }
    ActivityFeed:focus > .option-list--option-highlighted {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "ui.feed.key.down", show=False, id="feed_down"),
        Binding("up,k", "cursor_up", "ui.feed.key.up", show=False, id="feed_up"),
        Binding("home,g", "first", "ui.feed.key.first", show=False, id="feed_first"),
        Binding("end,G", "last", "ui.feed.key.last", show=False, id="feed_last"),
        # Enter does what the highlighted entry offers: one of these applies.
        Binding("enter", "show_more", "ui.feed.key.show_more", id="feed_show_more"),
        Binding("enter", "attachments", "ui.feed.key.attachments", id="feed_attachments"),
        Binding("enter", "open_older", "ui.feed.key.load_older", show=False, id="feed_open_older"),
        Binding("m", "load_older", "ui.feed.key.load_older", id="feed_load_older"),
        Binding("delete", "delete_comment", "ui.feed.key.delete_comment", id="feed_delete"),
        Binding(
            "delete",
            "cannot_delete",
            "ui.feed.key.cannot_delete",
            show=False,
            id="feed_cannot_delete",
        ),
    ]

    def __init__(self, target: FeedTarget, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        localise_bindings(self)
        self.target = target
        self._only_comments = False
        self._entries: list[FeedEntry] = []
        self._older: FeedCursor | None = None
        self._names: dict[str, str] = {}
        self._type_labels: dict[str, tuple[str, str]] = {}
        self._opportunity_codes: dict[int, str] = {}
        self._unfolded: set[int] = set()  # comments shown whole
        self._loaded = False
        self._loading_older = False
        self._wanted: str | None = None  # an entry to highlight once it is read
        # Bumped by each reload: an older page read before it belongs to a
        # list that is gone (appending it could leave a gap).
        self._generation = 0

    # -- reading ---------------------------------------------------------------------

    @property
    def only_comments(self) -> bool:
        return self._only_comments

    @only_comments.setter
    def only_comments(self, value: bool) -> None:
        if value != self._only_comments:
            self._only_comments = value
            self.reload()

    def reload(self, *, highlight: str | None = None) -> None:
        """Read the newest entries again, as many as are shown (at least a
        page). `highlight`: the id of an entry to highlight (a comment just
        posted), else the highlighted one stays."""
        if highlight is not None:
            self._wanted = highlight
        self._generation += 1
        self._loading_older = False
        run_db(
            self,
            partial(
                read_feed,
                self.target,
                only_comments=self._only_comments,
                after=None,
                limit=max(PAGE, len(self._entries)),
            ),
            done=self._show_newest,
            failed=self._read_failed,
            group="feed-newest",
        )

    def action_open_older(self) -> None:
        self.action_load_older()

    def action_load_older(self) -> None:
        if self._older is None or self._loading_older:
            return
        self._loading_older = True
        self.replace_option_prompt(OLDER_ID, self._older_prompt(language()))
        run_db(
            self,
            partial(
                read_feed,
                self.target,
                only_comments=self._only_comments,
                after=self._older,
                limit=PAGE,
            ),
            done=partial(self._show_older, self._generation),
            failed=self._read_failed,
            group="feed-older",
        )

    def _show_newest(self, read: FeedRead) -> None:
        self._loaded = True
        self._entries = list(read.page.entries)
        self._older = read.page.older
        self._names = dict(read.page.names)
        self._type_labels.update(read.type_labels)
        self._opportunity_codes.update(read.opportunity_codes)
        self._show_entries()

    def _show_older(self, generation: int, read: FeedRead) -> None:
        if generation != self._generation:
            return
        self._loading_older = False
        known = {entry_id(entry) for entry in self._entries}
        self._entries.extend(entry for entry in read.page.entries if entry_id(entry) not in known)
        self._older = read.page.older
        self._names.update(read.page.names)
        self._type_labels.update(read.type_labels)
        self._opportunity_codes.update(read.opportunity_codes)
        self._show_entries()

    def _read_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self._loaded = True
        self._loading_older = False
        safe.notify(self.app, reason, severity="error")
        self._show_entries()

    # -- showing ---------------------------------------------------------------------

    def _show_entries(self) -> None:
        """Every entry read so far, the highlight on the entry it was on (or
        the one asked for), else where it was."""
        lang, now = language(), clock.now()
        before = self.highlighted_option
        keep = self._wanted or (before.id if before is not None else None)
        position = self.highlighted
        options: list[Option | None] = []
        previous: FeedEntry | None = None
        for entry in self._entries:
            # A rule around each comment; events run on together.
            if previous is not None and (previous.comment or entry.comment):
                options.append(None)
            options.append(Option(self._prompt(entry, lang, now), id=entry_id(entry)))
            previous = entry
        if not self._entries:
            options.append(Option(self._note(lang), id=NOTE_ID, disabled=True))
        elif self._older is not None:
            options.append(None)
            options.append(Option(self._older_prompt(lang), id=OLDER_ID))
        self.set_options(options)
        self._highlight(keep, position)
        self.refresh_bindings()

    def _older_prompt(self, lang: str) -> Content:
        key = "ui.feed.loading_older" if self._loading_older else "ui.feed.older"
        return Content.styled(t(key, lang), "italic $text-muted")

    def _note(self, lang: str) -> Content:
        if not self._loaded:
            return Content.styled(t("ui.status.loading", lang), "italic $text-muted")
        key = "ui.feed.no_comments" if self._only_comments else "ui.feed.empty"
        return Content.styled(t(key, lang), "italic $text-muted")

    def _highlight(self, keep: str | None, position: int | None) -> None:
        if not self._entries:
            return
        if keep is not None and keep in self._option_ids():
            if keep == self._wanted:
                self._wanted = None
            self.highlighted = self.get_option_index(keep)
        elif position is not None:
            self.highlighted = min(position, self.option_count - 1)
        else:
            self.highlighted = 0

    def _option_ids(self) -> set[str]:
        return {option.id for option in self.options if option.id is not None}

    def _prompt(self, entry: FeedEntry, lang: str, now: datetime) -> Content:
        naming = self.target.names_interactions
        if entry.comment is not None:
            return self._comment_prompt(entry.comment, lang, now)
        assert entry.event is not None
        labels = {
            code: pair[1] if lang == "es" else pair[0] for code, pair in self._type_labels.items()
        }
        return event_prompt(entry.event, self._names, labels, lang, now, name_interaction=naming)

    def _comment_prompt(self, comment: CommentRecord, lang: str, now: datetime) -> Content:
        unfolded = comment.id in self._unfolded
        return comment_prompt(
            comment, lang, now, unfolded=unfolded, about=self._about(comment, lang)
        )

    def _about(self, comment: CommentRecord, lang: str) -> str:
        """What a comment is on, when the feed spans several things."""
        if not self.target.names_interactions:
            return ""
        if comment.interaction_id is not None:
            return t("ui.feed.on_interaction", lang, id=comment.interaction_id)
        if self.target.contact_id is not None and comment.opportunity_id is not None:
            code = self._opportunity_codes.get(comment.opportunity_id, str(comment.opportunity_id))
            return t("ui.feed.on_opportunity", lang, code=code)
        return ""  # the opportunity's own, on the opportunity's feed

    def highlighted_entry(self) -> FeedEntry | None:
        option = self.highlighted_option
        if option is None:
            return None
        return next((entry for entry in self._entries if entry_id(entry) == option.id), None)

    def highlighted_comment(self) -> CommentRecord | None:
        entry = self.highlighted_entry()
        return entry.comment if entry is not None else None

    def _is_folded(self, comment: CommentRecord) -> bool:
        return comment.id not in self._unfolded and fold_body(clean_text(comment.body)) is not None

    # -- keeping the highlight in view -------------------------------------------------

    def scroll_to_highlight(self, top: bool = False) -> None:
        """Also scroll the container the feed sits in (the detail's body),
        where the feed is as tall as its entries and never scrolls itself;
        only while the feed has the keyboard (a reload below the fold must
        not pull the page down to it)."""
        super().scroll_to_highlight(top)
        highlighted = self.highlighted
        if highlighted is None or not self.has_focus or not self.region:
            return
        container = self._scrolling_ancestor()
        if container is None:
            return
        self._update_lines()
        line = self._index_to_line.get(highlighted)
        if line is None:
            return
        height = self._heights[highlighted]
        top_y = self.content_region.y + line - round(self.scroll_y)
        view = container.content_region
        if top_y < view.y:
            delta = top_y - view.y
        elif top_y + height > view.bottom:
            delta = min(top_y + height - view.bottom, top_y - view.y)
        else:
            return
        container.scroll_to(y=container.scroll_y + delta, animate=False, immediate=True)

    def _scrolling_ancestor(self) -> Widget | None:
        for ancestor in self.ancestors:
            if ancestor is self.screen or not isinstance(ancestor, Widget):
                return None
            if ancestor.allow_vertical_scroll:
                return ancestor
        return None

    @on(OptionList.OptionHighlighted)
    def _moved(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # the footer offers what this entry offers
        # Reaching the end of what is loaded loads what comes before it.
        if event.option.id == OLDER_ID:
            self.action_load_older()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolled to the end of what is loaded: what comes before it.
        if new_value > old_value and new_value >= self.max_scroll_y:
            self.action_load_older()

    def on_resize(self) -> None:
        self.call_after_refresh(self.scroll_to_highlight)

    # -- keys ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        comment = self.highlighted_comment()
        if action == "show_more":
            return comment is not None and self._is_folded(comment)
        if action == "attachments":
            return (
                comment is not None and not self._is_folded(comment) and bool(comment.attachments)
            )
        if action == "load_older":
            return self._older is not None
        if action == "open_older":
            option = self.highlighted_option
            return option is not None and option.id == OLDER_ID
        if action == "delete_comment":
            return comment is not None and can_delete(comment, self._actor())
        return True

    def _actor(self) -> UserRecord:
        actor = cast("CrmApp", self.app).actor
        assert actor is not None, "the database is not open yet"
        return actor

    def action_select(self) -> None:
        """Enter or a click: what the entry offers (the key's bindings
        above, in this order)."""
        if self.check_action("open_older", ()):
            self.action_load_older()
        elif self.check_action("show_more", ()):
            self.action_show_more()
        elif self.check_action("attachments", ()):
            self.action_attachments()

    def action_show_more(self) -> None:
        comment = self.highlighted_comment()
        if comment is None:
            return
        self._unfolded.add(comment.id)
        prompt = self._comment_prompt(comment, language(), clock.now())
        self.replace_option_prompt(comment_option_id(comment), prompt)
        self.refresh_bindings()
        self.call_after_refresh(self.scroll_to_highlight)

    def action_attachments(self) -> None:
        comment = self.highlighted_comment()
        if comment is not None and comment.attachments:
            from crm_tui.screens.attachments_dialog import AttachmentsDialog

            self.app.push_screen(AttachmentsDialog(comment))

    def action_cannot_delete(self) -> None:
        entry = self.highlighted_entry()
        if entry is None:
            return
        if entry.comment is None:
            safe.notify(self.app, t("ui.feed.history_stays"), severity="warning")
            return
        author = entry.comment.author_name or entry.comment.author
        safe.notify(self.app, t("error.comment_not_yours", author=author), severity="warning")

    def action_delete_comment(self) -> None:
        comment = self.highlighted_comment()
        if comment is None:
            return
        kind = COMMENT_KIND.label(comment.kind, language()).lower()
        author = comment.author_name or comment.author
        question = t(
            "ui.feed.delete_question",
            kind=kind,
            author=author,
            start=preview(comment.body, QUOTED_CELLS),
        )
        confirm = ConfirmScreen(question, confirm_label=t("ui.feed.delete_confirm"), danger=True)
        self.app.push_screen(confirm, partial(self._delete_confirmed, comment))

    def _delete_confirmed(self, comment: CommentRecord, confirmed: bool | None) -> None:
        if not confirmed:
            return
        run_db(
            self,
            partial(delete_comment, comment.id, actor=self._actor()),
            done=self._deleted,
            group="feed-delete",
            exclusive=False,
        )

    def _deleted(self, comment: CommentRecord) -> None:
        kind = COMMENT_KIND.label(comment.kind, language()).lower()
        safe.notify(
            self.app, t("ui.feed.deleted", kind=kind, author=comment.author_name or comment.author)
        )
        cast("CrmApp", self.app).data_changed()
        self.reload()
