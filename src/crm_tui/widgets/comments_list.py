"""The comments and reports of one interaction, oldest first, as a
conversation reads.

A long one is cut after a few lines with a "show more" line under it; the
screen's key expands them all (`expanded`), a click expands one. Writing
comments comes with the collaboration issue: this list only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from crm_tui.i18n import register, t
from crm_tui.services.comments import CommentRecord
from crm_tui.services.text import clean_text
from crm_tui.services.vocab import COMMENT_KIND
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import short_datetime

register(
    {
        "ui.comments.empty": ("No comments yet", "Aún no hay comentarios"),
        "ui.comments.more": (
            "… {shortcut}: show more ({count} more characters)",
            "… {shortcut}: mostrar más ({count} caracteres más)",
        ),
        "ui.comments.older": (
            "Older comments are not shown",
            "Los comentarios más antiguos no se muestran",
        ),
    }
)

# A comment longer than this is cut (the help articles' "show more").
CUT_LINES = 4
CUT_CHARACTERS = 280


def cut_body(body: str) -> str | None:
    """The first part of a long body (at most CUT_LINES lines and
    CUT_CHARACTERS characters), or None when it is short enough to show."""
    head = "\n".join(body.split("\n")[:CUT_LINES])[:CUT_CHARACTERS]
    return None if head == body else head.rstrip()


def comment_content(
    comment: CommentRecord, *, expanded: bool, more_key: str, lang: str, now: datetime
) -> Content:
    """Who, what kind and when on the first line, then the text: whole
    when `expanded` or short, else cut with a "show more" line."""
    heading = Content.assemble(
        (COMMENT_KIND.label(comment.kind, lang), "bold"),
        " · ",
        safe.plain_line(comment.author_name or comment.author, "bold"),
        (f" · {short_datetime(comment.created_at, lang, now)}", "dim"),
    )
    body = clean_text(comment.body)
    head = None if expanded else cut_body(body)
    if head is None:
        return Content("\n").join([heading, Content(body)])
    more = t("ui.comments.more", lang, shortcut=more_key, count=len(body) - len(head))
    return Content("\n").join([heading, Content(head), Content.styled(more, "italic dim")])


class CommentEntry(Static):
    """One comment or report. A click on a cut one shows all of it."""

    DEFAULT_CSS = """
    CommentEntry {
        height: auto;
        margin-bottom: 1;
        padding-left: 1;
        border-left: outer $accent;
    }
    CommentEntry.-report {
        border-left: outer $secondary;
    }
    """

    def __init__(
        self, comment: CommentRecord, *, expanded: bool, more_key: str, lang: str, now: datetime
    ) -> None:
        super().__init__(
            comment_content(comment, expanded=expanded, more_key=more_key, lang=lang, now=now),
            classes="-report" if comment.kind == "report" else "-comment",
        )
        self.comment = comment
        self.more_key = more_key
        self.lang = lang
        self.now = now
        self.is_cut = not expanded and cut_body(clean_text(comment.body)) is not None

    def on_click(self, event: events.Click) -> None:
        if self.is_cut:
            event.stop()
            self.is_cut = False
            self.update(
                comment_content(
                    self.comment,
                    expanded=True,
                    more_key=self.more_key,
                    lang=self.lang,
                    now=self.now,
                )
            )


class CommentsList(Vertical):
    """What `show` was given, oldest first; "No comments yet" when empty.
    `expanded`: long ones shown whole. `more_key` names the key that
    expands them, in the "show more" line."""

    DEFAULT_CSS = """
    CommentsList {
        height: auto;
    }
    CommentsList > .comments-note {
        color: $text-muted;
        text-style: italic;
    }
    """

    expanded: reactive[bool] = reactive(False, recompose=True)

    def __init__(self, *, more_key: str, lang: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.more_key = more_key
        self.lang = lang
        self._comments: tuple[CommentRecord, ...] | None = None  # None: not read yet
        self._older = False
        self._now = datetime.min

    def show(self, comments: Sequence[CommentRecord], *, older: bool, now: datetime) -> None:
        """`older`: there are older comments than those given."""
        self._comments = tuple(comments)
        self._older = older
        self._now = now
        self.refresh(recompose=True)

    def compose(self) -> ComposeResult:
        if self._comments is None:
            yield Static(Content(t("ui.status.loading", self.lang)), classes="comments-note")
            return
        if not self._comments:
            yield Static(Content(t("ui.comments.empty", self.lang)), classes="comments-note")
            return
        if self._older:
            yield Static(Content(t("ui.comments.older", self.lang)), classes="comments-note")
        for comment in self._comments:
            yield CommentEntry(
                comment,
                expanded=self.expanded,
                more_key=self.more_key,
                lang=self.lang,
                now=self._now,
            )
