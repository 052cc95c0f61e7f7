"""The per-second series of a run (for the report) and its HdrHistogram interval log.

One pass over the recorder's seconds, from the first to the last (seconds without any
request appear with zero counts, so a stall shows as a gap): each second's histograms are
merged once, written to the log as one interval per metric, and reduced to percentiles
for ``series.json``. No locust, no gevent here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.contact_metrics import HTTP, Recorder

__all__ = ["build_series", "write_series_and_log"]


def _row(second: int, first: int, recorder: Recorder,
         log: hdr.HdrLogWriter | None) -> dict[str, Any]:
    bucket = recorder.seconds.get(second)
    row: dict[str, Any] = {"t": second, "elapsed_s": second - first, "requests": 0, "ok": 0,
                           "contacts": 0, "rate_limited": 0, "errors": 0, "p50_ms": None,
                           "p95_ms": None, "p99_ms": None, "max_ms": None,
                           "remaining_min": None, "remaining_max": None}
    if bucket is None:
        return row
    t = bucket.tally
    row.update(requests=t.requests, ok=t.ok, contacts=t.contacts, rate_limited=t.rate_limited,
               errors=t.errors, remaining_min=bucket.remaining_min,
               remaining_max=bucket.remaining_max)
    others: dict[str, Any] = {}
    for metric in bucket.metrics():
        histogram = bucket.histogram(metric)
        if log is not None:
            log.interval(metric, float(second), float(second + 1), histogram)
        if metric == HTTP:
            values = hdr.percentiles_ms(histogram, (50, 95, 99, 100))
            row.update(p50_ms=values[50], p95_ms=values[95], p99_ms=values[99],
                       max_ms=values[100])
        else:
            values = hdr.percentiles_ms(histogram, (50, 99))
            others[metric] = {"count": int(histogram.get_total_count()),
                              "p50_ms": values[50], "p99_ms": values[99]}
    if others:
        row["metrics"] = others
    return row


def build_series(recorder: Recorder, log: hdr.HdrLogWriter | None = None
                 ) -> list[dict[str, Any]]:
    """One row per second from the first to the last second with any activity."""
    if not recorder.seconds:
        return []
    first, last = min(recorder.seconds), max(recorder.seconds)
    return [_row(second, first, recorder, log) for second in range(first, last + 1)]


def write_series_and_log(recorder: Recorder, hlog_path: Path) -> list[dict[str, Any]]:
    """Write the HdrHistogram log at ``hlog_path``; return the series rows."""
    start = float(min(recorder.seconds)) if recorder.seconds else 0.0
    comment = ("bulkbench load: one interval per second and metric (Tag); values in "
               "microseconds, Interval_Max in milliseconds; successes only")
    with hdr.HdrLogWriter(hlog_path, start, comment) as log:
        return build_series(recorder, log)
