"""``summary.json``: one load run as plain data, for the CLI, the SLA and the report.

Built by the master (or the only process) once every worker's last payload is in:

- ``scenario``, ``provider``, ``endpoint``, ``model`` and ``config`` (the options, which
  never hold a key; the base URL without any user-info);
- ``window``: from the first (intended) send to the last completion, the span every
  rate is divided by, so that the workers' contacts/s add up to the run's exactly;
- ``aborted``: None, or ``{"reason": ...}`` when the run stopped early because the target
  did not answer (``transport_failures``): such a run failed, whatever it measured;
- ``totals`` (requests, ok, contacts, 429s, other errors and among them
  ``transport_errors`` and ``server_errors``), ``contacts_per_second``,
  ``requests_per_second``, and the same ``by_label`` (sweep sizes, sync/queued) and
  ``by_worker``;
- ``latency``: per metric, from the merged HdrHistograms (successes only, milliseconds),
  beside ``locust``: locust's own figures for the same requests (bucketed, all outcomes,
  measured from the actual send);
- ``histograms``: the merged histograms, encoded (what the HDR log holds, as totals);
- ``harness``: the generator's time, late sends of the open model, follow-up problems;
- ``rate_limit``: the probe's verdicts, when the scenario ran it; ``sla``: verdicts, when
  an SLA file was given.

No locust, no gevent here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.contact_metrics import Recorder, Tally
from bulkbench.loadtests.load_settings import LoadSettings, ScenarioPlan

__all__ = ["SUMMARY_VERSION", "build_summary", "public_url"]

SUMMARY_VERSION = 1


def public_url(url: str) -> str:
    """``url`` without user-info (credentials in a URL are never written out)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(query="", fragment=""))


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 3) if seconds > 0 else None


def _tally(t: Tally, span: float) -> dict[str, Any]:
    out = t.as_dict()
    out["contacts_per_second"] = _rate(t.contacts, span)
    out["requests_per_second"] = _rate(t.requests, span)
    return out


def build_summary(recorder: Recorder, *, settings: LoadSettings, plan: ScenarioPlan,
                  base_url: str, role: str, locust_stats: Mapping[str, Any] | None,
                  users: int | None = None, workers_expected: int = 0,
                  aborted: str = "") -> dict[str, Any]:
    """The summary of a finished run (see the module docstring)."""
    total = recorder.total()
    span = total.span
    metrics = sorted(recorder.histograms)
    latency = {m: hdr.summary_ms(recorder.histograms[m]) for m in metrics if "@" not in m}
    by_label_latency = {m: hdr.summary_ms(recorder.histograms[m]) for m in metrics if "@" in m}
    by_label: dict[str, Any] = {}
    for label, tally in sorted(recorder.labels.items()):
        if not label:
            continue
        row = _tally(tally, tally.span)
        row["latency"] = {m.split("@", 1)[0]: s for m, s in by_label_latency.items()
                          if m.split("@", 1)[1] == label}
        by_label[label] = row
    numbers = {name: value for name, (_, value) in sorted(recorder.numbers.items())}
    generator = numbers.get("generator_seconds")
    cpu = numbers.get("cpu_seconds")
    harness = dict(numbers)
    if generator is not None and cpu:
        harness["generator_cpu_share"] = round(generator / cpu, 4)
    probe = next((e["analysis"] for e in recorder.events if e.get("kind") == "rate_limit"),
                 None)
    endpoint = plan.endpoint
    return {
        "version": SUMMARY_VERSION,
        "scenario": plan.scenario,
        "provider": plan.provider.name,
        "endpoint": {"key": endpoint.key, "method": endpoint.method, "path": endpoint.path,
                     "batch_field": endpoint.batch_field, "max_batch": endpoint.max_batch},
        "batch_size": plan.batch_size,
        "sizes": list(plan.sizes),
        "model": "open" if settings.open_model else "closed",
        "users": users,
        "role": role,
        "base_url": public_url(base_url),
        "config": settings.public(),
        "written_at": time.time(),
        "aborted": {"reason": aborted} if aborted else None,
        "window": {"first": total.first, "last": total.last, "seconds": round(span, 3)},
        "totals": total.as_dict(),
        "contacts_per_second": _rate(total.contacts, span),
        "requests_per_second": _rate(total.requests, span),
        "ok_per_second": _rate(total.ok, span),
        "by_label": by_label,
        "by_worker": {source: _tally(t, span) for source, t in sorted(recorder.by_source.items())},
        "workers_expected": workers_expected,
        "workers_final": sorted(recorder.final_sources),
        "latency": latency,
        "histograms": {m: hdr.encode(recorder.histograms[m]) for m in metrics},
        "locust": dict(locust_stats or {}),
        "harness": harness,
        "rate_limit": probe,
    }
