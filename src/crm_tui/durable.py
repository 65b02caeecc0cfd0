"""Making what was written survive a crash."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path


def sync_path(path: Path) -> None:
    """fsync a file, or a folder so that a rename in it is durable (where
    the system lets folders be synced: some refuse, and then the rename is
    as durable as that system makes it)."""
    with suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
