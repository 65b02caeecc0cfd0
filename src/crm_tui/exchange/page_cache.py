"""SQLite's page cache during an export or an import.

The app gives each SQLite connection a 64 MB page cache, for lists read
again and again. An export reads each page about once and an import
writes each once, so that cache only grows with the file: measured on
100,000 rows, both run as fast with 2 MB, and their peak memory drops
(export 91 -> 44 MB, import 258 -> 176 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crm_tui.store.db import current, engine_of

# PRAGMA cache_size takes a negative number as KiB.
PAGE_CACHE_KIB = 2_048


@contextmanager
def small_page_cache() -> Iterator[None]:
    """Keep SQLite's page cache at PAGE_CACHE_KIB on this thread's
    connection, giving it back its own size after (PostgreSQL: nothing)."""
    database = current()
    if engine_of(database) != "sqlite":
        yield
        return
    (before,) = database.execute_sql("PRAGMA cache_size").fetchone()
    database.execute_sql(f"PRAGMA cache_size = -{PAGE_CACHE_KIB:d}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before):d}")
