"""How fast the lists answer, measured inside the app.

The app tells `ListTimings` of every input event as it receives it; a list
that starts loading because of a key (the next page, a filter change, a
search) takes a `Stamp`, and when its new rows are applied (a refresh then
scheduled) the time since the key is recorded under the stamp's kind. One
key starts one measure at most, and a mouse event in between leaves
nothing to stamp, so a load that no key asked for (a look-ahead page, a
reload after someone else's change) is never counted against one.

Off by default: then `stamp` returns None at once and nothing is kept.
Debug mode (`CRM_TUI_DEBUG`) and the bench turn it on. Rows applied are
told to the app's `first_rows` whether on or off, until it takes them as
its first screen's (the start-up time it logs).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.dom import DOMNode
from textual.widget import Widget

NEXT_PAGE = "next_page"
FILTER = "filter"
SEARCH = "search"
KINDS = (NEXT_PAGE, FILTER, SEARCH)


@dataclass(frozen=True)
class Stamp:
    """A load started by the key received at `key_at` (Textual's event
    clock: `time.monotonic` on the platforms the app runs on)."""

    kind: str
    key_at: float


@dataclass(frozen=True)
class Summary:
    """Milliseconds from key to rows applied, over `count` keys."""

    count: int
    p50: float
    p95: float
    max: float

    def describe(self) -> str:
        return (
            f"p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, max {self.max:.1f} ms over {self.count}"
        )


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def summarise(values: list[float]) -> Summary:
    """p50, p95 and max of some latencies (at least one)."""
    return Summary(len(values), statistics.median(values), percentile(values, 0.95), max(values))


class ListTimings:
    """Key-to-rows latencies by kind, and the app's first rows."""

    def __init__(
        self, *, enabled: bool = False, first_rows: Callable[[Widget], bool] | None = None
    ) -> None:
        self.enabled = enabled
        self.samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self._key_at: float | None = None
        self._first_rows = first_rows

    def input_received(self, event: events.InputEvent) -> None:
        """Every input event the app receives, before it is handled."""
        if self.enabled:
            self._key_at = event.time if isinstance(event, events.Key) else None

    def forget_key(self) -> None:
        """The latest key asks for nothing to measure (a letter typed into
        a search box: its search waits for typing to pause)."""
        self._key_at = None

    def stamp(self, kind: str) -> Stamp | None:
        """A stamp for a load the latest key asked for; None when off, or
        when no key is waiting for one."""
        key_at, self._key_at = self._key_at, None
        return None if key_at is None else Stamp(kind, key_at)

    def rows_applied(self, table: Widget, stamp: Stamp | None) -> None:
        """`table` applied the rows of a load (stamped by a key or not)."""
        if stamp is not None:
            self.samples[stamp.kind].append((time.monotonic() - stamp.key_at) * 1000)
        if self._first_rows is not None and self._first_rows(table):
            self._first_rows = None

    def summary(self) -> dict[str, Summary]:
        """Each kind measured so far."""
        return {kind: summarise(values) for kind, values in self.samples.items() if values}


def timings_of(node: DOMNode) -> ListTimings | None:
    """The app's timings (`CrmApp.list_timings`); a list in another app
    (a widget test) has none."""
    timings = getattr(node.app, "list_timings", None)
    return timings if isinstance(timings, ListTimings) else None
