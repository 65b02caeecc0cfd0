"""Python's full garbage collections when the person pauses, not mid-key.

A full collection walks every object Python tracks, on whichever thread
allocates when it falls due: in the TUI at a million interactions that was
the UI thread, for 84 to 121 ms, and a key whose rows came meanwhile waited
for it (the bench's search and filter keys on PostgreSQL: p95 167 ms where
the rest took under 60). So, while the app runs:

- from the app's load to its first screen no collection runs at all
  (`hold`): starting builds some 70,000 objects that all live on (styles,
  widgets, rows), and Python walked them some 200 times meanwhile, 27 to
  33 ms of the bench's 280 ms to the first frame, for no garbage worth
  the name; at the latest `HOLD_SECONDS` after the load, collections
  resume whatever the first screen does;
- what exists once the first screen shows (modules, classes, Textual's and
  the app's own objects, some 73,000) is frozen (`gc.freeze`): no
  collection walks it again;
- the full collection that Python starts by itself waits three times as
  long as by default, a safety valve for long use without a pause;
- the app runs it itself when nobody has pressed a key or clicked for
  0.3 s, if younger collections have happened since the last full one
  (so an idle app does not collect again and again).

Why not longer: garbage that lives through two young collections waits
for a full one, and with full collections only after a second's pause and
ten times later by Python, the bench's TUI at 1k peaked at 102 MB against
79 MB (its keys come 0.5 s apart); with these values it peaks at 79 MB
and no full collection fell within a key's answer in 60 keys at 1M.

Young collections (a few hundred objects) still run as Python schedules
them. Everything is put back when the app ends, so an app run inside a
longer process (the tests, the bench) leaves its collector as it found it.
"""

from __future__ import annotations

import gc
import time

IDLE_SECONDS = 0.3
"""No input for this long: a pause in which to collect (people pause
between actions longer than between the letters of a word)."""
FULL_AFTER = 10
"""Collections of the middle generation since the last full one before an
idle moment runs one (Python's own default for a full collection)."""
SAFETY_FACTOR = 3
"""How much longer Python's own full collection waits."""
HOLD_SECONDS = 5.0
"""The longest start without collections (a first screen on a slow
database may take longer; its objects are then collected as usual)."""


class IdleCollector:
    """The app's collection schedule: `hold` as it loads, `start` once its
    first screen is up (or `HOLD_SECONDS` later), `input_received` on
    every key or click, `tick` every `IDLE_SECONDS`, `stop` when the app
    ends."""

    def __init__(self) -> None:
        self._last_input = time.monotonic()
        self._saved_threshold: tuple[int, int, int] | None = None
        self._holding = False

    def hold(self) -> None:
        """No collections until `start` (or `stop`); nothing to do when
        collections are already off (a program that turned them off)."""
        if self._holding or self._saved_threshold is not None or not gc.isenabled():
            return
        gc.disable()
        self._holding = True

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            gc.enable()

    def start(self) -> None:
        if self._saved_threshold is not None:
            return
        gc.freeze()
        self._saved_threshold = gc.get_threshold()
        young, middle, full = self._saved_threshold
        gc.set_threshold(young, middle, full * SAFETY_FACTOR)
        self._release()

    def stop(self) -> None:
        self._release()
        if self._saved_threshold is None:
            return
        gc.set_threshold(*self._saved_threshold)
        self._saved_threshold = None
        gc.unfreeze()

    def input_received(self) -> None:
        self._last_input = time.monotonic()

    def tick(self) -> None:
        """A full collection, if the person has paused and one is due."""
        if time.monotonic() - self._last_input < IDLE_SECONDS:
            return
        if gc.get_count()[2] >= FULL_AFTER:
            gc.collect()
