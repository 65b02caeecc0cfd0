"""One attached file as a line of text, "📎 contrato.pdf · 1.2 MB", the
same in the comment box (a file about to be attached) and in the feed (a
file attached): the name is data, never markup or a path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from textual.content import Content

from crm_tui.formatting import file_size
from crm_tui.widgets import safe

ATTACHMENT_MARK = "📎"


class NamedFile(Protocol):
    @property
    def file_name(self) -> str: ...

    @property
    def size(self) -> int: ...


def file_label(item: NamedFile, lang: str) -> Content:
    return Content.assemble(
        f"{ATTACHMENT_MARK} ",
        safe.plain_line(item.file_name),
        (f" · {file_size(item.size, lang)}", "dim"),
    )


def file_labels(items: Iterable[NamedFile], lang: str, separator: str = "   ") -> Content:
    return Content(separator).join(file_label(item, lang) for item in items)
