"""Latency histograms: HdrHistogram in microseconds, 3 significant digits, mergeable.

Percentiles cannot be merged, histograms can: workers send their histograms encoded
(the compressed, base64 form of the HdrHistogram standard, a few hundred bytes) and the
master adds them. :func:`bucket_counts` gives the same content as plain counts, keyed by
the lowest value of each bucket, so that a test can check that the merge is the sum.

:class:`HdrLogWriter` writes the standard HdrHistogram interval log (format 1.3, one tagged
line per metric and interval), which ``HistogramLogProcessor`` and hdrh's
``HistogramLogReader`` read.

No locust, no gevent here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from hdrh.histogram import HdrHistogram

__all__ = [
    "HIGHEST_US",
    "LOWEST_US",
    "PERCENTILES",
    "SIGNIFICANT_DIGITS",
    "HdrLogWriter",
    "bucket_counts",
    "decode",
    "encode",
    "merge",
    "new_histogram",
    "percentiles_ms",
    "record_seconds",
    "summary_ms",
    ]

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour
SIGNIFICANT_DIGITS = 3
#: the percentiles summary.json reports.
PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0, 99.9, 99.99)


def new_histogram() -> Any:
    """An empty histogram of microseconds, 1 µs .. 1 h, 3 significant digits."""
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_seconds(histogram: Any, seconds: float) -> None:
    """Record a duration given in seconds (clamped into the trackable range)."""
    value = int(seconds * 1_000_000)
    histogram.record_value(min(max(value, LOWEST_US), HIGHEST_US))


def encode(histogram: Any) -> str:
    """The compressed base64 form (ASCII) of ``histogram``."""
    raw = histogram.encode()
    return raw.decode("ascii") if isinstance(raw, bytes) else str(raw)


def decode(payload: str | bytes) -> Any:
    histogram = new_histogram()
    histogram.decode_and_add(payload.encode("ascii") if isinstance(payload, str) else payload)
    return histogram


def merge(payloads: Iterable[str | bytes | Any], into: Any | None = None) -> Any:
    """One histogram holding every count of ``payloads`` (encoded forms or histograms)."""
    total = into if into is not None else new_histogram()
    for item in payloads:
        if isinstance(item, (str, bytes)):
            total.decode_and_add(item.encode("ascii") if isinstance(item, str) else item)
        else:
            total.add(item)
    return total


def bucket_counts(histogram: Any) -> dict[int, int]:
    """``{lowest value of the bucket (µs): count}`` of every non-empty bucket."""
    counts: dict[int, int] = {}
    for item in histogram.get_recorded_iterator():
        low = int(histogram.get_lowest_equivalent_value(item.value_iterated_to))
        counts[low] = counts.get(low, 0) + int(item.count_at_value_iterated_to)
    return counts


def _ms(value_us: float) -> float:
    return round(value_us / 1000.0, 3)


def summary_ms(histogram: Any, percentiles: Sequence[float] = PERCENTILES) -> dict[str, Any]:
    """Count, min, mean, max and percentiles in milliseconds (None when empty)."""
    count = int(histogram.get_total_count())
    out: dict[str, Any] = {"count": count}
    if count == 0:
        out.update({"min_ms": None, "mean_ms": None, "max_ms": None})
        out.update({_pname(p): None for p in percentiles})
        return out
    out["min_ms"] = _ms(histogram.get_min_value())
    out["mean_ms"] = _ms(histogram.get_mean_value())
    out["max_ms"] = _ms(histogram.get_max_value())
    values = histogram.get_percentile_to_value_dict(list(percentiles))  # one pass
    for p in percentiles:
        out[_pname(p)] = _ms(values[p])
    return out


def percentiles_ms(histogram: Any, percentiles: Sequence[float]) -> dict[float, float | None]:
    """``{p: value in ms}`` in one pass over the counts (None when empty)."""
    if histogram.get_total_count() == 0:
        return {p: None for p in percentiles}
    values = histogram.get_percentile_to_value_dict(list(percentiles))
    return {p: _ms(values[p]) for p in percentiles}


def _pname(p: float) -> str:
    """``p50_ms``, ``p99_9_ms``, ``p99_99_ms``."""
    text = f"{p:g}".replace(".", "_")
    return f"p{text}_ms"


class HdrLogWriter:
    """Writes the standard HdrHistogram interval log (format 1.3), one interval at a time.

    Timestamps in the log are seconds since ``start_time`` (its StartTime and BaseTime);
    values are microseconds, ``Interval_Max`` milliseconds. Use as a context manager.
    """

    def __init__(self, path: Path, start_time: float, comment: str = "") -> None:
        self.path = path
        self.start_time = start_time
        self._fh: TextIO = path.open("w", encoding="utf-8")
        when = dt.datetime.fromtimestamp(start_time, dt.UTC).isoformat()
        if comment:
            self._fh.write(f"#{comment}\n")
        self._fh.write("#[Histogram log format version 1.3]\n")
        self._fh.write(f"#[StartTime: {start_time:.3f} (seconds since epoch), {when}]\n")
        self._fh.write(f"#[BaseTime: {start_time:.3f} (seconds since epoch)]\n")
        self._fh.write('"StartTimestamp","Interval_Length","Interval_Max",'
                       '"Interval_Compressed_Histogram"\n')

    def interval(self, tag: str, start: float, end: float, histogram: Any) -> None:
        """One interval of ``tag`` from ``start`` to ``end`` (epoch seconds)."""
        if histogram.get_total_count() == 0:
            return
        self._fh.write(f"Tag={tag},{start - self.start_time:.3f},{end - start:.3f},"
                       f"{histogram.get_max_value() / 1000.0:.3f},{encode(histogram)}\n")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> HdrLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
