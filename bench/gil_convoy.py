"""How long a worker's page query takes beside a busy UI thread, for a few
GIL switch intervals (why `CrmApp` sets `sys.setswitchinterval`).

SQLite's driver lets go of the GIL for every row it steps to; when another
thread is running Python (the UI thread painting a frame), the worker gets
it back only after the switch interval. Usage:

    .venv/bin/python bench/gil_convoy.py data/demo.db
"""

from __future__ import annotations

import statistics
import sys
import threading
import time

from crm_tui.services.listing import list_interactions
from crm_tui.services.records import InteractionFilter
from crm_tui.store import db as store_db

PAGES = 20
INTERVALS = (0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001)


def page_ms(database: object) -> float:
    """One first page of a search for a common word, on a new connection,
    as a list's worker reads it."""
    store_db.close()
    started = time.perf_counter()
    with store_db.current().connection_context():
        list_interactions(InteractionFilter(search="cliente"), limit=51)
    return (time.perf_counter() - started) * 1000


def spin(stop: threading.Event) -> None:
    """Python work without a pause, as the UI thread's painting is."""
    while not stop.is_set():
        sum(range(1000))


def in_a_thread(database: object) -> float:
    result: list[float] = []
    worker = threading.Thread(target=lambda: result.append(page_ms(database)))
    worker.start()
    worker.join()
    return result[0]


def main() -> None:
    database = store_db.connect(store_db.resolve_target(sys.argv[1]))
    alone = [page_ms(database) for _ in range(PAGES)]
    print(f"page alone: p50 {statistics.median(alone):.1f} ms")
    print("switch interval | p50 ms beside a busy thread | max ms")
    for interval in INTERVALS:
        sys.setswitchinterval(interval)
        stop = threading.Event()
        spinner = threading.Thread(target=spin, args=(stop,))
        spinner.start()
        beside = [in_a_thread(database) for _ in range(PAGES)]
        stop.set()
        spinner.join()
        print(f"{interval * 1000:g} ms | {statistics.median(beside):.1f} | {max(beside):.1f}")


if __name__ == "__main__":
    main()
