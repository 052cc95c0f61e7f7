"""Identifiers the sandbox hands out: time-ordered UUIDs (version 7, RFC 9562).

Version 7 keeps the unique index on contact ids append-only (new ids sort after old
ones), which keeps bulk inserts fast as the table grows; they are still plain UUIDs to a
client. Within one millisecond ids continue a counter, so they stay strictly increasing.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

__all__ = ["is_uuid", "uuid7", "uuid7_batch"]

_RAND_BITS = 74  # 12 bits rand_a + 62 bits rand_b
_RAND_MASK = (1 << _RAND_BITS) - 1
_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_block(n: int) -> tuple[int, int]:
    """(millisecond, first counter value) reserving ``n`` consecutive counter values."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            # start low in the counter space so that a whole batch fits in one millisecond
            _counter = int.from_bytes(os.urandom(8)) >> 24
        elif _counter + n > _RAND_MASK:
            _last_ms += 1
            _counter = 0
        start = _counter
        _counter += n
        return _last_ms, start


def uuid7_batch(n: int) -> list[str]:
    """``n`` new UUIDv7 strings, strictly increasing.

    Consecutive counter values share everything but the last group of 12 hex digits
    while the low 48 bits do not wrap, so the common prefix is formatted once per run.
    """
    ms, start = _next_block(n)
    high = ms << 80 | 0x7 << 76
    out: list[str] = []
    c, end = start, start + n
    while c < end:
        run_end = min(end, (c | 0xFFFFFFFFFFFF) + 1)  # up to the next wrap of the low 48 bits
        v = high | (c >> 62) << 64 | 0b10 << 62 | (c & 0x3FFFFFFFFFFFFFFF)
        h = f"{v:032x}"
        prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
        low = c & 0xFFFFFFFFFFFF
        out.extend([f"{prefix}{x:012x}" for x in range(low, low + run_end - c)])
        c = run_end
    return out


def uuid7() -> str:
    return uuid7_batch(1)[0]


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a string holding a UUID in its canonical 8-4-4-4-12 form."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
