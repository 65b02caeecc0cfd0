"""@mention autocomplete for a comment box: while the word before the
cursor is "@" and the start of a name, a short list of the people who can
be mentioned, best match first, and what to write when one is taken.

The list never takes the focus: the text box keeps it, and the screen
that owns both forwards the keys (Up/Down move, Tab/Enter take, Escape
hides), so typing goes on as usual while the list follows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.fuzzy import Matcher
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from crm_tui.services.mentions import NAME_CHARACTER, mention_spans
from crm_tui.services.records import UserRecord
from crm_tui.services.text import clean_line

# How many people the list offers at once.
MAX_SHOWN = 6

_NAME = re.compile(f"{NAME_CHARACTER}*")

MATCH_STYLE = "bold underline"


@dataclass(frozen=True)
class MentionQuery:
    """A name being typed: where its "@" is on the line and what follows it."""

    start: int  # column of the "@"
    partial: str


def mention_at(line: str, column: int) -> MentionQuery | None:
    """The mention being typed when the cursor is at `column` of `line`,
    or None when the word before the cursor is not one. What counts as a
    mention is `mentions.mention_spans`' rule; a name character is put at
    the cursor so that a bare "@" (nothing typed after it yet) is one too."""
    before = line[:column] + "x"
    spans = mention_spans(before)
    if not spans or spans[-1][1] != len(before):
        return None
    start, _end, name = spans[-1]
    return MentionQuery(start, name[:-1])


def name_end(line: str, column: int) -> int:
    """Where the name that the cursor is in ends (a mention is replaced
    whole, even when the cursor was put back inside it)."""
    found = _NAME.match(line, column)
    return found.end() if found else column


def mention_text(user: UserRecord, following: str) -> str:
    """What taking `user` writes: "@username", and a space unless one
    follows already."""
    return f"@{user.username}" if following[:1].isspace() else f"@{user.username} "


def _label(user: UserRecord, matcher: Matcher) -> tuple[float, Content]:
    """How well `user` matches and how the list shows them ("Display Name
    @username", the matched letters highlighted). Names are data: the
    label is built as Content, never parsed as markup."""
    name = clean_line(user.display_name)
    handle = f"@{clean_line(user.username)}"
    label = Content(f"{name} {handle}")
    if not matcher.query:
        return 1.0, label
    by_name, name_offsets = matcher.fuzzy_search.match(matcher.query, name)
    by_handle, handle_offsets = matcher.fuzzy_search.match(matcher.query, handle[1:])
    if by_handle >= by_name:
        score, offsets = by_handle, [len(name) + 2 + offset for offset in handle_offsets]
    else:
        score, offsets = by_name, list(name_offsets)
    for offset in offsets:
        label = label.stylize(MATCH_STYLE, offset, offset + 1)
    return score, label


def best_matches(
    partial: str, people: Sequence[UserRecord], limit: int = MAX_SHOWN
) -> list[tuple[UserRecord, Content]]:
    """The people matching `partial` (fuzzy, on the username and the
    display name), best first, at most `limit`; everyone, in the given
    order, for an empty `partial`."""
    matcher = Matcher(partial)
    scored = [(*_label(person, matcher), index, person) for index, person in enumerate(people)]
    ranked = sorted(
        (entry for entry in scored if entry[0] > 0), key=lambda entry: (-entry[0], entry[2])
    )
    return [(person, label) for _score, label, _index, person in ranked[:limit]]


class MentionPicker(OptionList):
    """The people offered for the name being typed. Hidden when there is
    nothing to offer."""

    DEFAULT_CSS = """
    MentionPicker {
        display: none;
        height: auto;
        max-height: 8;
        border: round $accent 50%;
        padding: 0;
        background: $surface;
        & > .option-list--option-highlighted {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
    }
    MentionPicker.-open {
        display: block;
    }
    """

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.people: list[UserRecord] | None = None
        """Who can be mentioned; None until read."""
        self._offered: list[UserRecord] = []

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def offer(self, partial: str) -> None:
        """Show the best matches for `partial`, the first highlighted;
        hidden when nobody matches (or the people are not read yet)."""
        matches = best_matches(partial, self.people or [])
        self._offered = [person for person, _label in matches]
        self.set_options(Option(label) for _person, label in matches)
        if matches:
            self.highlighted = 0
        self.set_class(bool(matches), "-open")

    def hide(self) -> None:
        self.remove_class("-open")

    def move(self, step: int) -> None:
        if step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()

    @property
    def chosen(self) -> UserRecord | None:
        """The highlighted person, while the list is shown."""
        index = self.highlighted
        if not self.is_open or index is None or index >= len(self._offered):
            return None
        return self._offered[index]
