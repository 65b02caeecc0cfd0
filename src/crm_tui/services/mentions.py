"""@mentions in comments: finding them in text and telling whom they name.

A mention is "@" followed by the characters a user name may hold (the
class of `users.USERNAME`: letters, digits and . _ @ + -), matched against
user names without regard to case. The "@" must not follow a character
that can end the local part of an e-mail address, so "ana@example.com"
(or "a.b+c@example.com") is an address, never a mention; after a space,
the start of the text or punctuation such as "(" or "," it is one. A
trailing "." is the end of the sentence, not part of the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crm_tui.services.records import UserRecord
from crm_tui.services.users import to_record
from crm_tui.services.vocab import fold
from crm_tui.store.models import User

# Keep in step with `users.USERNAME` (a test checks they agree).
NAME_CHARACTER = r"[\w.@+-]"
# Characters that may end the local part of an e-mail address (RFC 5322
# atext, the dot, and "@" itself for "a@@b").
_ADDRESS_CHARACTER = r"[\w.!#$%&'*+/=?^`{|}~@-]"
_MENTION = re.compile(rf"(?<!{_ADDRESS_CHARACTER})@({NAME_CHARACTER}+)")


def mention_spans(body: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every "@name" in `body`, in order; `start` is
    the position of the "@" and `body[start:end] == "@" + name`."""
    spans = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip(".")
        if name:
            spans.append((match.start(), match.start(1) + len(name), name))
    return spans


def mentioned_names(body: str) -> list[str]:
    """The names mentioned in `body`, each once, in order of first mention
    (spelled as typed; compare them through `UserDirectory`)."""
    return list(dict.fromkeys(name for _start, _end, name in mention_spans(body)))


@dataclass(frozen=True)
class UserDirectory:
    """Every user, read with one query, to resolve mentions and show
    names. Case-insensitive matching happens here rather than in SQL:
    SQLite's LOWER folds only ASCII ("JOSÉ" stays "josÉ") and PostgreSQL's
    depends on the database locale, and a team's list of users is short."""

    by_username: dict[str, UserRecord]
    by_folded: dict[str, tuple[UserRecord, ...]]

    @classmethod
    def load(cls) -> UserDirectory:
        users = [to_record(user) for user in User.select().order_by(User.username)]
        by_folded: dict[str, list[UserRecord]] = {}
        for user in users:
            by_folded.setdefault(user.username.casefold(), []).append(user)
        return cls(
            {user.username: user for user in users},
            {name: tuple(found) for name, found in by_folded.items()},
        )

    def resolve(self, name: str) -> tuple[UserRecord, ...]:
        """The user called `name`; when only the case differs, every user
        so called (two names that differ only in case are both told,
        rather than one of them missing a mention)."""
        exact = self.by_username.get(name)
        if exact is not None:
            return (exact,)
        return self.by_folded.get(name.casefold(), ())

    def mentioned(self, body: str, *, active_only: bool = False) -> list[UserRecord]:
        """The users `body` mentions, each once, in order of first mention."""
        found: dict[int, UserRecord] = {}
        for name in mentioned_names(body):
            for user in self.resolve(name):
                if user.active or not active_only:
                    found.setdefault(user.id, user)
        return list(found.values())

    def display_names(self, usernames: Iterable[str]) -> dict[str, str]:
        """username → display name for those of `usernames` that exist."""
        return {
            name: self.by_username[name].display_name
            for name in usernames
            if name in self.by_username
        }


def mentioned_users(body: str) -> list[UserRecord]:
    """The existing, active users `body` mentions (one query, none when
    it mentions nobody)."""
    if not mention_spans(body):
        return []
    return UserDirectory.load().mentioned(body, active_only=True)


def mentionable_users() -> list[UserRecord]:
    """Who `@` offers: the active users, by display name (accents and case
    ignored, the same on both databases), then user name."""
    query = User.select().where(User.active == True)  # noqa: E712 (SQL, not Python)
    users = [to_record(user) for user in query]
    return sorted(users, key=lambda user: (fold(user.display_name), user.username))
