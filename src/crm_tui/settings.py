"""What the app remembers about a person between runs (today: the theme),
in a small JSON file in their config folder.

The file is a convenience, never a reason not to start: a missing,
unreadable or corrupt file reads as "nothing remembered", and a folder
that cannot be written only means the choice is forgotten at exit. It is
replaced atomically, so two sessions saving at once or a crash in the
middle leave one whole file, never half of one.

Kept free of Textual, so the CLI and the tests can read it cheaply.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR_ENV = "CRM_TUI_CONFIG_DIR"
"""Overrides the config folder (tests, or a team that keeps it elsewhere)."""

FILE_NAME = "settings.json"
# A theme name is a short identifier ("nord", "textual-dark"); anything
# longer than this did not come from the app.
MAX_THEME_NAME = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    theme: str | None = None
    """The Textual theme chosen last (None: the app's default)."""


def config_dir() -> Path:
    """`CRM_TUI_CONFIG_DIR`, else the user's config folder for crm-tui
    (`~/.config/crm-tui` on Linux)."""
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path("crm-tui", appauthor=False)


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def load_settings() -> Settings:
    """What is remembered; defaults for anything missing or malformed."""
    stored = _read_stored()
    theme = stored.get("theme")
    if not isinstance(theme, str) or not 0 < len(theme) <= MAX_THEME_NAME:
        theme = None
    return Settings(theme=theme)


def save_theme(name: str) -> Settings:
    """Remember `name` as the theme; returns the settings now in effect.
    Other entries of the file (written by a newer crm-tui) are kept."""
    stored = _read_stored()
    stored["theme"] = name
    try:
        _write_atomically(settings_path(), json.dumps(stored, indent=2, sort_keys=True) + "\n")
    except OSError as error:
        log.warning("the theme is not remembered: cannot write %s: %s", settings_path(), error)
    return Settings(theme=name)


def _read_stored() -> dict[str, Any]:
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("ignoring the settings file %s: %s", path, error)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring the settings file %s: not a JSON object", path)
        return {}
    return data


def _write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over `path`
    (atomic on one file system): readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
