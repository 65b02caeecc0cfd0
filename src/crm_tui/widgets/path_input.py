"""A one-line input for a file or folder path, with Tab completion as in a
shell: Tab completes the last part of the path from the file system (the
common beginning of the names that match; a single folder also gets its
"/"), and `~` means the home folder. The input usually starts with a
folder filled in; typing "/" or "~/" after it starts again from the root
or the home folder (`restarted`), so an absolute path can simply be
typed. When several names match, the input says which in a
`PathInput.Matches` message for the dialog around it to show. Shift+Tab still moves the focus away.

The folder is read in a thread, and at most `MATCH_CAP` matching names are
kept, so a folder with a million files neither freezes the screen nor fills
the memory. Nothing here needs the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input
from textual.worker import get_current_worker

from crm_tui.i18n import register, t
from crm_tui.ui_text import localise_bindings

register(
    {
        "ui.key.complete_path": ("Complete the name", "Completar el nombre"),
        "ui.path.matches": ("Matching: {names}", "Coinciden: {names}"),
        "ui.path.more_matches": (
            "Matching: {names} and more; type more of the name",
            "Coinciden: {names} y más; escriba más del nombre",
        ),
        "ui.path.no_match": ("Nothing here matches", "Aquí no coincide nada"),
    }
)

MATCH_CAP = 200
"""Matching names kept per Tab; beyond it the completion stops growing."""
MATCHES_SHOWN = 8
"""Names listed under the path after Tab; the rest are "more"."""


@dataclass(frozen=True)
class Completion:
    """What Tab makes of a path: the new `value` (the same text when there
    is nothing to add), the matching `names` in order (folders end in "/"),
    and `more`: more names matched than `MATCH_CAP`."""

    value: str
    names: tuple[str, ...]
    more: bool = False


def complete_path(text: str, *, directories_only: bool = False, cap: int = MATCH_CAP) -> Completion:
    """Complete the last component of `text` (relative paths are relative
    to the current folder). Hidden names are offered only when the typed
    part starts with a dot. The part before the last "/" is kept exactly as
    typed (`~` stays `~`)."""
    if text == "~":
        return Completion("~/", ())
    folder, partial = split_typed(text)
    folder_text = text[: len(text) - len(partial)]
    matches, more = _matching_names(folder, partial, directories_only, cap)
    names = tuple(sorted(name + "/" if is_dir else name for name, is_dir in matches))
    if not matches:
        return Completion(text, ())
    if len(matches) == 1 and not more:
        name, is_dir = matches[0]
        return Completion(folder_text + name + ("/" if is_dir else ""), names)
    if more:
        # The common beginning of a sample is not that of every match.
        return Completion(text, names, more=True)
    # Names in one folder, compared letter by letter: what commonprefix does.
    common = os.path.commonprefix([name for name, _ in matches])  # noqa: RUF071
    return Completion(folder_text + common, names)


def restarted(text: str) -> str:
    """`text` from its last fresh start: "/work/main//etc" is "/etc" and
    "/work/main/~/Documentos" is "~/Documentos", as in many file dialogs."""
    start = max(text.rfind("//"), text.rfind("/~"))
    return text if start < 0 else text[start + 1 :]


def split_typed(text: str) -> tuple[Path, str]:
    """The folder a typed path is in and the part of a name typed after
    it (`~` is home; relative to the current folder)."""
    folder_text, slash, partial = text.rpartition("/")
    folder_text += slash
    return Path(os.path.expanduser(folder_text) if folder_text else "."), partial


def shown_name(name: str) -> str:
    """A file name as it can be drawn: bytes that are not UTF-8 (kept by
    Python as surrogates, which no terminal can show) become "�"."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def matches_text(
    names: tuple[str, ...], more: bool, *, nothing_key: str = "ui.path.no_match"
) -> str:
    """What a dialog shows under the path after Tab (`PathInput.Matches`):
    the names found, nothing when Tab completed a single one, or
    `nothing_key`'s text when none matched."""
    if not names:
        return t(nothing_key)
    if len(names) == 1:
        return ""
    listed = "  ".join(shown_name(name) for name in names[:MATCHES_SHOWN])
    more = more or len(names) > MATCHES_SHOWN
    return t("ui.path.more_matches" if more else "ui.path.matches", names=listed)


def _matching_names(
    folder: Path, partial: str, directories_only: bool, cap: int
) -> tuple[list[tuple[str, bool]], bool]:
    """(name, is a folder) of up to `cap` entries of `folder` starting with
    `partial`, and whether there were more. An unreadable folder has none."""
    matches: list[tuple[str, bool]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if not name.startswith(partial):
                    continue
                if name.startswith(".") and not partial.startswith("."):
                    continue
                is_dir = is_folder(entry)
                if directories_only and not is_dir:
                    continue
                if len(matches) == cap:
                    return matches, True
                matches.append((name, is_dir))
    except OSError:
        return [], False
    return matches, False


def is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links: a link to a folder is a folder
    except OSError:
        return False


class PathInput(Input):
    """A path with Tab completion; `directories_only` offers folders only
    (to choose where to save)."""

    @dataclass
    class Matches(Message):
        """Tab found these `names` (sorted; folders end in "/"; none when
        nothing matches); `more`: the list was cut at `MATCH_CAP`."""

        path_input: PathInput
        names: tuple[str, ...]
        more: bool

        @property
        def control(self) -> PathInput:
            return self.path_input

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "ui.key.complete_path", id="complete_path"),
    ]

    def __init__(
        self,
        value: str = "",
        placeholder: str = "",
        *,
        directories_only: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id)
        localise_bindings(self)
        self.directories_only = directories_only

    def on_input_changed(self) -> None:
        fresh = restarted(self.value)
        if fresh != self.value:
            self.value = fresh
            self.cursor_position = len(fresh)

    def action_complete(self) -> None:
        self._complete(self.value)

    @work(thread=True, exclusive=True, group="complete-path")
    def _complete(self, text: str) -> None:
        completion = complete_path(text, directories_only=self.directories_only)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._apply, text, completion)

    def _apply(self, text: str, completion: Completion) -> None:
        if self.value != text:
            return  # typed on while the folder was read: the answer is stale
        if completion.value != text:
            self.value = completion.value
            self.cursor_position = len(self.value)
        self.post_message(self.Matches(self, completion.names, completion.more))
