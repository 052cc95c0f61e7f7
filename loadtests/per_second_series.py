"""The per-second series of a run (for the report) and its HdrHistogram interval log.

One pass over the recorder's seconds, from the first to the last (seconds without any
request appear with zero counts, so a stall shows as a gap): each second's histograms are
merged once, written to the log as one interval per metric, and reduced to percentiles
for ``series.json``. Each row also has ``covered_s``, the part of the second within the
run's window (from its first send to its last answer, job polls included: 1.0 but for the
first and last seconds), and what went over the wire: ``in_flight``, the mean
number of requests in flight over that covered part (not over a whole second), and
``bytes_sent``/``bytes_received``, the request and response body bytes of the second
(counts: a partial second has fewer, which the report leaves out of its per-second
lines). No locust, no gevent here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.contact_metrics import HTTP, Recorder

__all__ = ["build_series", "covered_seconds", "run_window", "write_series_and_log"]


def run_window(recorder: Recorder) -> tuple[float, float] | None:
    """From the run's first send (or intended send) to its last answer, job polls
    included; None when nothing was sent."""
    total = recorder.total()
    starts = [v for v in (total.first, recorder.number("first_send_wall")) if v is not None]
    ends = [v for v in (total.last, recorder.number("last_answer_wall")) if v is not None]
    return (min(starts), max(ends)) if starts and ends else None


def covered_seconds(second: int, window: tuple[float, float] | None) -> float:
    """How much of ``second`` lies within the run's window (1.0 inside it, less at its
    ends; 1.0 when the window is not known)."""
    if window is None:
        return 1.0
    start, end = window
    return max(0.0, min(second + 1.0, end) - max(float(second), start))


def _row(second: int, first: int, recorder: Recorder, log: hdr.HdrLogWriter | None,
         window: tuple[float, float] | None) -> dict[str, Any]:
    bucket = recorder.seconds.get(second)
    row: dict[str, Any] = {"t": second, "elapsed_s": second - first, "requests": 0, "ok": 0,
                           "contacts": 0, "rate_limited": 0, "errors": 0, "p50_ms": None,
                           "p95_ms": None, "p99_ms": None, "max_ms": None,
                           "remaining_min": None, "remaining_max": None,
                           "in_flight": 0.0, "bytes_sent": 0, "bytes_received": 0,
                           "covered_s": round(covered_seconds(second, window), 3)}
    if bucket is None:
        return row
    t = bucket.tally
    covered = covered_seconds(second, window)
    row.update(requests=t.requests, ok=t.ok, contacts=t.contacts, rate_limited=t.rate_limited,
               errors=t.errors, remaining_min=bucket.remaining_min,
               remaining_max=bucket.remaining_max,
               in_flight=round(bucket.busy_s / covered, 3) if covered > 0 else 0.0,
               bytes_sent=bucket.bytes_sent, bytes_received=bucket.bytes_received)
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
    window = run_window(recorder)
    return [_row(second, first, recorder, log, window) for second in range(first, last + 1)]


def write_series_and_log(recorder: Recorder, hlog_path: Path) -> list[dict[str, Any]]:
    """Write the HdrHistogram log at ``hlog_path``; return the series rows."""
    start = float(min(recorder.seconds)) if recorder.seconds else 0.0
    comment = ("bulkbench load: one interval per second and metric (Tag); values in "
               "microseconds, Interval_Max in milliseconds; successes only")
    with hdr.HdrLogWriter(hlog_path, start, comment) as log:
        return build_series(recorder, log)
