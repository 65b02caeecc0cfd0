"""User text is data. Control characters (C0 and C1, except newline and
tab) are removed on the way in, so no terminal escape sequence (OSC 0
title, OSC 52 clipboard, cursor movement) is ever stored or replayed to an
agent's terminal; and lengths are checked against the documented limits."""

from __future__ import annotations

import re
from typing import Any

from crm_tui.services.errors import FieldError, FieldName
from crm_tui.services.vocab import fold

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

COMMENT_LIMIT = 5_000
NOTE_LIMIT = 20_000
LINE_LIMIT = 300
NAME_LIMIT = 200


def clean_text(value: str) -> str:
    """Multi-line text without control characters; newlines normalised."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def clean_line(value: str) -> str:
    """Single-line text: control characters removed, tabs and newlines
    turned into spaces, surrounding space trimmed."""
    value = value.replace("\t", " ").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _CONTROL_SINGLE_LINE.sub("", value).strip()


def check_length(field_id: str, value: str, limit: int, errors: list[FieldError]) -> None:
    if len(value) > limit:
        errors.append(
            FieldError(
                field_id,
                "error.too_long",
                {"field": FieldName(f"field.{field_id}"), "length": len(value), "limit": limit},
            )
        )


def normalise_tags(tags: Any) -> tuple[str, ...]:
    """Tags are compared without case or accents and stored lower-case;
    commas separate tags in files, so a tag never contains one."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, str] = {}
    for raw in tags:
        for part in str(raw).split(","):
            tag = " ".join(clean_line(part).lower().split())
            if tag:
                seen.setdefault(fold(tag), tag)
    return tuple(sorted(seen.values()))
