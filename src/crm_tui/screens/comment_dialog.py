"""The comment box: a text box docked at the bottom of the screen (what is
being commented on stays visible above it) to write a comment on an
interaction or an opportunity, @mention people and attach files.

Enter adds a line; `ctrl+j` or `alt+enter` posts (terminals differ in
which they deliver). A draft that is closed with Escape (text and files)
comes back when the box is opened again on the same target while the app
runs; posting clears it. Nothing typed is ever lost to a refusal: a draft
over the limit, a file that cannot be attached, a busy database all say
why inside the box and leave everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Static, TextArea

from crm_tui.formatting import truncate
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.triage import ITEM_CELLS, item_name
from crm_tui.services.attachments import store_file
from crm_tui.services.comments import CommentRecord, CommentTarget, add_comment, clean_body
from crm_tui.services.errors import CrmError, FieldError, ValidationError
from crm_tui.services.mentions import mentionable_users
from crm_tui.services.records import (
    InteractionRecord,
    OpportunityRecord,
    StoredFile,
    UserRecord,
)
from crm_tui.services.text import COMMENT_LIMIT, check_length, clean_line
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.choice_list import format_count
from crm_tui.widgets.file_label import file_label
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.mention_picker import MentionPicker, mention_at, mention_text, name_end

if TYPE_CHECKING:
    from crm_tui.app import CrmApp
    from crm_tui.screens.base import CrmScreen

register(
    {
        "ui.comment.title.interaction": (
            "Comment on interaction {id} · {subject}",
            "Comentario sobre la interacción {id} · {subject}",
        ),
        "ui.comment.title.opportunity": (
            "Comment on opportunity {code} · {title}",
            "Comentario sobre la oportunidad {code} · {title}",
        ),
        "ui.comment.placeholder": ("Write here…", "Escribe aquí…"),
        "ui.comment.count": ("{length} / {limit}", "{length} / {limit}"),
        "ui.comment.too_long": (
            "A comment can have at most {limit} characters; this one has {length}.",
            "Un comentario puede tener como máximo {limit} caracteres; este tiene {length}.",
        ),
        "ui.comment.empty": (
            "Nothing to post yet: write something or attach a file.",
            "Aún no hay nada que publicar: escriba algo o adjunte un archivo.",
        ),
        "ui.comment.posting": ("Posting…", "Publicando…"),
        "ui.comment.still_posting": (
            "Still posting this comment…",
            "Aún se está publicando este comentario…",
        ),
        "ui.comment.attaching": ("Attaching {name}…", "Adjuntando {name}…"),
        "ui.comment.still_attaching": (
            "Still attaching a file; post once it is listed.",
            "Aún se está adjuntando un archivo; publique cuando aparezca en la lista.",
        ),
        "ui.comment.already_attached": (
            "{name} is attached already.",
            "{name} ya está adjunto.",
        ),
        "ui.comment.posted": ("Comment posted", "Comentario publicado"),
        "ui.comment.posted_one_notified": (
            "Comment posted and 1 person notified",
            "Comentario publicado y 1 persona avisada",
        ),
        "ui.comment.posted_notified": (
            "Comment posted and {count} people notified",
            "Comentario publicado y {count} personas avisadas",
        ),
        "ui.comment.key.post": ("Post", "Publicar"),
        "ui.comment.key.attach": ("Attach file", "Adjuntar"),
        "ui.comment.key.remove_file": ("Remove last file", "Quitar último archivo"),
        "ui.comment.key.close": ("Close, keep draft", "Cerrar, guardar borrador"),
        "ui.comment.key.mention_next": ("Next person", "Siguiente persona"),
        "ui.comment.key.mention_previous": ("Previous person", "Persona anterior"),
        "ui.comment.key.mention_take": ("Mention", "Mencionar"),
    }
)


@dataclass(frozen=True)
class CommentDraft:
    """What was written and attached but not posted yet."""

    text: str
    files: tuple[StoredFile, ...] = ()


def draft_key(target: CommentTarget) -> str:
    """`CrmApp.view_state` key of the draft for `target`."""
    if target.interaction_id is not None:
        return f"comment-draft:interaction:{target.interaction_id}"
    return f"comment-draft:opportunity:{target.opportunity_id}"


def interaction_comment_title(record: InteractionRecord) -> str:
    """The box's title for a comment on an interaction."""
    return t("ui.comment.title.interaction", id=record.id, subject=item_name(record))


def opportunity_comment_title(record: OpportunityRecord) -> str:
    """The box's title for a comment on an opportunity."""
    title = truncate(clean_line(record.title), ITEM_CELLS)
    return t("ui.comment.title.opportunity", code=record.code, title=title)


def describe_refusal(error: FieldError) -> str:
    """A refusal as the box says it: the length one names the limit."""
    length = error.params.get("length")
    if error.field == "body" and error.key == "error.too_long" and isinstance(length, int):
        lang = language()
        return t(
            "ui.comment.too_long",
            limit=format_count(COMMENT_LIMIT, lang),
            length=format_count(length, lang),
        )
    return error.message()


class CommentDialog(DialogScreen[CommentRecord | None]):
    """Dismissed with the posted comment, or None when closed (the draft
    kept). `title` names what is commented on; it may quote user text."""

    DEFAULT_CSS = """
    CommentDialog {
        align: center bottom;
        background: $background 30%;
    }
    CommentDialog #comment-dialog {
        max-height: 70%;
        margin: 0;
    }
    CommentDialog #comment-text {
        height: 7;
    }
    CommentDialog #comment-files {
        height: auto;
        max-height: 5;
    }
    CommentDialog #comment-status {
        height: 1;
    }
    CommentDialog #comment-message {
        width: 1fr;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    CommentDialog #comment-message.-problem {
        color: $error;
        text-wrap: wrap;
    }
    CommentDialog #comment-status.-problem {
        height: auto;
    }
    CommentDialog #comment-count {
        width: auto;
        padding-left: 2;
        color: $text-muted;
    }
    CommentDialog #comment-count.-over {
        color: $error;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the text box would take these keys first.
        Binding(
            "ctrl+j,alt+enter", "post", "ui.comment.key.post", priority=True, id="comment_post"
        ),
        Binding("ctrl+o", "attach", "ui.comment.key.attach", priority=True, id="comment_attach"),
        Binding(
            "ctrl+r",
            "remove_file",
            "ui.comment.key.remove_file",
            priority=True,
            id="comment_remove_file",
        ),
        Binding("escape", "close", "ui.comment.key.close", id="comment_close"),
        # The mention list's keys, live only while it is shown (else the
        # text box has them: Enter a new line, Up/Down the cursor).
        Binding(
            "down",
            "mention_move(1)",
            "ui.comment.key.mention_next",
            show=False,
            priority=True,
            id="mention_next",
        ),
        Binding(
            "up",
            "mention_move(-1)",
            "ui.comment.key.mention_previous",
            show=False,
            priority=True,
            id="mention_previous",
        ),
        Binding(
            "tab,enter",
            "mention_take",
            "ui.comment.key.mention_take",
            priority=True,
            id="mention_take",
        ),
    ]

    AUTO_FOCUS = "#comment-text"

    def __init__(self, target: CommentTarget, title: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.target = target
        self.heading = title
        self.files: list[StoredFile] = []
        self.attaching: list[str] = []
        """Names of the files being copied into the store."""
        self.posting = False
        self._hidden_mention: tuple[int, int] | None = None
        """(row, column) of the "@" whose list Escape hid."""

    def compose(self) -> ComposeResult:
        with Vertical(id="comment-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(self.heading)
            yield TextArea(
                id="comment-text",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=t("ui.comment.placeholder"),
            )
            yield MentionPicker(id="comment-mentions")
            yield Static(id="comment-files")
            with Horizontal(id="comment-status"):
                yield Label(id="comment-message")
                yield Label(id="comment-count")
        yield KeyFooter()

    def on_mount(self) -> None:
        draft = self._view_state().get(draft_key(self.target))
        if isinstance(draft, CommentDraft):
            self.editor.load_text(draft.text)
            self.editor.move_cursor(self.editor.document.end)
            self.files = list(draft.files)
        self._show_count()
        self._show_files()
        run_db(
            self,
            mentionable_users,
            done=self._people_read,
            failed=lambda _error, _reason: None,  # no list; mentions typed in full still work
            group="comment-mentionable",
        )

    @property
    def editor(self) -> TextArea:
        return self.query_one("#comment-text", TextArea)

    @property
    def picker(self) -> MentionPicker:
        return self.query_one("#comment-mentions", MentionPicker)

    def _view_state(self) -> dict[str, Any]:
        """`CrmApp.view_state`; a dialog in another app keeps no drafts."""
        states = getattr(self.app, "view_state", None)
        return states if isinstance(states, dict) else {}

    def _actor(self) -> UserRecord:
        actor = cast("CrmApp", self.app).actor
        assert actor is not None, "the database is not open yet"
        return actor

    # -- what the box shows ------------------------------------------------------------

    def _say(self, text: str, *, problem: bool = False) -> None:
        message = self.query_one("#comment-message", Label)
        message.update(safe.plain(text) if problem else safe.plain_line(text))
        message.set_class(problem, "-problem")
        self.query_one("#comment-status").set_class(problem, "-problem")

    def _show_count(self) -> None:
        length = len(clean_body(self.editor.text))
        lang = language()
        count = self.query_one("#comment-count", Label)
        count.update(
            safe.plain_line(
                t(
                    "ui.comment.count",
                    length=format_count(length, lang),
                    limit=format_count(COMMENT_LIMIT, lang),
                )
            )
        )
        count.set_class(length > COMMENT_LIMIT, "-over")

    def _show_files(self) -> None:
        lang = language()
        lines = [file_label(stored, lang) for stored in self.files]
        lines.extend(
            safe.plain_line(t("ui.comment.attaching", name=name), "italic")
            for name in self.attaching
        )
        files = self.query_one("#comment-files", Static)
        files.update(Content("\n").join(lines))
        files.display = bool(lines)
        self.refresh_bindings()  # ctrl+r is offered while there is a file

    @on(TextArea.Changed, "#comment-text")
    def _edited(self) -> None:
        self._show_count()
        self._follow_mention()

    @on(TextArea.SelectionChanged, "#comment-text")
    def _moved(self) -> None:
        self._follow_mention()

    # -- @mentions ---------------------------------------------------------------------

    def _people_read(self, people: list[UserRecord]) -> None:
        author = self._actor().username
        self.picker.people = [person for person in people if person.username != author]
        self._follow_mention()

    def _mention_at_cursor(self) -> tuple[int, int, str] | None:
        """(row, column of the "@", partial name) being typed, if any."""
        row, column = self.editor.cursor_location
        query = mention_at(self.editor.document.get_line(row), column)
        return None if query is None else (row, query.start, query.partial)

    def _follow_mention(self) -> None:
        """Show the list for the name being typed (unless Escape hid it
        for this very "@"), else hide it."""
        was_open = self.picker.is_open
        typing = self._mention_at_cursor()
        if typing is None or (typing[0], typing[1]) == self._hidden_mention:
            self.picker.hide()
        else:
            self._hidden_mention = None
            self.picker.offer(typing[2])
        if self.picker.is_open != was_open:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mention_move", "mention_take"):
            return any(picker.is_open for picker in self.query(MentionPicker))
        if action == "remove_file":
            return bool(self.files)
        return True

    def action_mention_move(self, step: int) -> None:
        self.picker.move(step)

    # The keys below are priority bindings, handled as they arrive, while
    # the letters typed just before may still wait in the text box's queue
    # (a fast typist, a paste, a terminal multiplexer sending a burst). Each
    # action therefore runs from that queue, after them.

    def action_mention_take(self) -> None:
        self.editor.call_later(self._take_mention)

    def _take_mention(self) -> None:
        person = self.picker.chosen
        typing = self._mention_at_cursor()
        if person is None or typing is None:
            return
        row, start, _partial = typing
        line = self.editor.document.get_line(row)
        end = name_end(line, self.editor.cursor_location[1])
        self.editor.replace(
            mention_text(person, line[end:]),
            (row, start),
            (row, end),
            maintain_selection_offset=False,
        )
        self.picker.hide()
        self.refresh_bindings()

    @on(MentionPicker.OptionSelected, "#comment-mentions")
    def _clicked_person(self, event: MentionPicker.OptionSelected) -> None:
        self.picker.highlighted = event.option_index
        self.action_mention_take()
        self.editor.focus()

    # -- files -------------------------------------------------------------------------

    def action_attach(self) -> None:
        from crm_tui.screens.file_picker import FilePickerDialog, start_folder

        self.app.push_screen(FilePickerDialog(start_folder(self.app)), self._file_chosen)

    def _file_chosen(self, path: Path | None) -> None:
        if path is None:
            return
        name = clean_line(path.name)
        self.attaching.append(name)
        self._show_files()
        run_db(
            self,
            partial(store_file, path),
            done=partial(self._stored, name),
            failed=partial(self._not_stored, name),
            group=f"comment-attach-{path}",
            exclusive=False,
        )

    def _stored(self, name: str, stored: StoredFile) -> None:
        self.attaching.remove(name)
        if any(
            (file.sha256, file.file_name) == (stored.sha256, stored.file_name)
            for file in self.files
        ):
            self._say(t("ui.comment.already_attached", name=stored.file_name))
        else:
            self.files.append(stored)
            self._say("")
        self._show_files()

    def _not_stored(self, name: str, error: CrmError | DatabaseError, reason: str) -> None:
        self.attaching.remove(name)
        self._show_files()
        self._say(self._reason(error, reason), problem=True)

    def action_remove_file(self) -> None:
        self.files.pop()
        self._show_files()
        self._say("")

    # -- posting and closing -----------------------------------------------------------

    def action_post(self) -> None:
        self.editor.call_later(self._post)

    def _post(self) -> None:
        if self.posting:
            self._say(t("ui.comment.still_posting"))
            return
        if self.attaching:
            self._say(t("ui.comment.still_attaching"), problem=True)
            return
        text = self.editor.text
        body = clean_body(text)
        if not body and not self.files:
            self._say(t("ui.comment.empty"), problem=True)
            return
        errors: list[FieldError] = []
        check_length("body", body, COMMENT_LIMIT, errors)
        if errors:
            self._say(describe_refusal(errors[0]), problem=True)
            return
        self.posting = True
        self._say(t("ui.comment.posting"))
        run_db(
            self,
            partial(add_comment, self.target, text, actor=self._actor(), files=tuple(self.files)),
            done=self._posted,
            failed=self._post_failed,
            group="comment-post",
        )

    def _posted(self, record: CommentRecord) -> None:
        self._view_state().pop(draft_key(self.target), None)
        self.dismiss(record)

    def _post_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self.posting = False
        self._say(self._reason(error, reason), problem=True)

    @staticmethod
    def _reason(error: CrmError | DatabaseError, reason: str) -> str:
        if isinstance(error, ValidationError):
            return "\n".join(describe_refusal(field_error) for field_error in error.errors)
        return reason

    def action_close(self) -> None:
        if self.picker.is_open:
            typing = self._mention_at_cursor()
            self._hidden_mention = None if typing is None else (typing[0], typing[1])
            self.picker.hide()
            self.refresh_bindings()
            return
        if self.posting:
            # Closing now would lose the answer: the draft would come back
            # although the comment was posted.
            self._say(t("ui.comment.still_posting"))
            return
        key = draft_key(self.target)
        if self.editor.text.strip() or self.files:
            self._view_state()[key] = CommentDraft(self.editor.text, tuple(self.files))
        else:
            self._view_state().pop(key, None)
        self.dismiss(None)


def posted_message(record: CommentRecord) -> str:
    """The toast after a post: how many people its mentions notified."""
    notified = len({name for name in record.mentions if name != record.author})
    if notified == 0:
        return t("ui.comment.posted")
    if notified == 1:
        return t("ui.comment.posted_one_notified")
    return t("ui.comment.posted_notified", count=notified)


def open_comment_box(
    screen: CrmScreen[Any],
    target: CommentTarget,
    title: str,
    on_posted: Callable[[CommentRecord], None],
) -> None:
    """Open the comment box on `target`; after a post, tell the app that
    data changed, toast it, and hand the comment to `on_posted`."""

    def closed(record: CommentRecord | None) -> None:
        if record is None:
            return
        screen.crm.data_changed()
        safe.notify(screen.app, posted_message(record))
        on_posted(record)

    screen.app.push_screen(CommentDialog(target, title), closed)
