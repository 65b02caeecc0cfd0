"""Globally unique ids for every record, so databases can be merged and
exports re-imported. UUID version 7 (time-ordered) keeps inserts appending
to the end of the unique index instead of scattering across it."""

from __future__ import annotations

import os
import time
import uuid


def new_uid() -> str:
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68) << 64 & (0xFFF << 64)
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
