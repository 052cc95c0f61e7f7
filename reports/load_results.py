"""One load run's files (``summary.json``, ``series.json``, ``rate_limit.json``), typed.

The load stage writes a folder per provider and scenario; ``summary.json`` is the one file
a run must have (``RunFolderError`` naming it otherwise). ``series.json`` (one row per
second) and ``rate_limit.json`` (the probe's observations) feed the plots; when they are
missing or malformed the run is still read, with the problem recorded in ``problems``.

A load run repeated (``bulkbench run --repeat N``) is read once per repetition, each from
its own folder (:meth:`~bulkbench.core.run_layout.RunLayout.load_run`); ``repetition`` is
its number (None for a load run not repeated) and ``name`` says it.

A run that stopped early because its target did not answer has ``aborted`` (its reason,
from ``summary.json`` → ``aborted``); its figures are not a measurement of the provider.
Among ``errors``, ``transport_errors`` got no HTTP answer at all (refused, reset, timed
out, DNS, TLS) and ``server_errors`` were 5xx answers; ``other_errors`` is the rest (4xx
other than 429, 3xx redirects, answers the harness could not use). The rate-limit probe's
verdict is ``probe_honest``: True, False, or None when the probe was inconclusive (it
lacked evidence, or its run stopped early: ``probe_inconclusive`` says why) or did not run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkbench.core.run_layout import LOAD_SERIES, LOAD_SUMMARY, repetition_of
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.json_files import (
    as_float,
    as_int,
    as_list,
    as_mapping,
    as_str,
    read_json_object,
)

__all__ = [
    "LabelStats",
    "Latency",
    "LoadRun",
    "ProbeObservation",
    "SecondRow",
    "SlaResult",
    "SlaVerdict",
    "read_load_run",
]

_BATCH_LABEL = re.compile(r"^batch=(\d+)$")


@dataclass(frozen=True)
class Latency:
    """Percentiles in milliseconds (None: nothing measured)."""

    count: int = 0
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    p99_9: float | None = None
    max: float | None = None

    @classmethod
    def of(cls, raw: Any) -> Latency:
        m = as_mapping(raw)
        return cls(as_int(m.get("count")), as_float(m.get("p50_ms")), as_float(m.get("p90_ms")),
                   as_float(m.get("p95_ms")), as_float(m.get("p99_ms")),
                   as_float(m.get("p99_9_ms")), as_float(m.get("max_ms")))

    def as_dict(self) -> dict[str, float | None]:
        return {"p50": self.p50, "p90": self.p90, "p95": self.p95, "p99": self.p99,
                "p99_9": self.p99_9, "max": self.max}


@dataclass(frozen=True)
class LabelStats:
    """The figures of one part of a run: a sweep's batch size, an import's sync/queued."""

    label: str
    batch_size: int | None
    requests: int
    contacts: int
    contacts_per_second: float | None
    latency: Latency
    first: float | None = None  # epoch seconds of its first send
    last: float | None = None


@dataclass(frozen=True)
class SecondRow:
    t: float  # epoch second
    elapsed_s: float
    requests: int
    ok: int
    contacts: int
    rate_limited: int
    errors: int
    p50: float | None
    p95: float | None
    p99: float | None
    remaining_min: int | None
    #: what went over the wire (None in a series written before they were measured):
    #: mean requests in flight, request and response body bytes ...
    in_flight: float | None = None
    bytes_sent: int | None = None
    bytes_received: int | None = None
    #: ... and the part of the second within the run's window (None: not written).
    covered_s: float | None = None


@dataclass(frozen=True)
class ProbeObservation:
    """One request of the rate-limit probe, ``t`` seconds after the probe's first."""

    t: float
    phase: str
    status: int
    remaining: int | None
    limit: int | None


@dataclass(frozen=True)
class SlaVerdict:
    name: str
    threshold: float | bool | None
    measured: float | bool | None
    passed: bool | None  # None: not measured
    detail: str = ""


@dataclass(frozen=True)
class SlaResult:
    file: str
    passed: bool
    verdicts: tuple[SlaVerdict, ...]


@dataclass(frozen=True)
class LoadRun:
    folder: Path
    provider: str
    scenario: str
    endpoint: str
    model: str
    users: int | None
    batch_size: int | None
    window_seconds: float | None
    requests: int
    ok: int
    contacts: int
    rate_limited: int
    errors: int
    contacts_per_second: float | None
    requests_per_second: float | None
    latency: Latency
    other_latency: Mapping[str, Latency]
    labels: tuple[LabelStats, ...]
    sla: SlaResult | None
    rate_limit: Mapping[str, Any] | None
    series: tuple[SecondRow, ...] = ()
    observations: tuple[ProbeObservation, ...] = ()
    problems: tuple[str, ...] = field(default=())
    #: why the run stopped early (the target did not answer); None: it ran to its end.
    aborted: str | None = None
    #: among ``errors``: requests that got no HTTP answer at all ...
    transport_errors: int = 0
    #: ... and 5xx answers.
    server_errors: int = 0
    #: which repetition of its load run this is (1, 2, …); None: a load run not repeated.
    repetition: int | None = None
    #: epoch seconds of the first (intended) send and of the last completion.
    window_first: float | None = None
    window_last: float | None = None

    @property
    def name(self) -> str:
        rep = "" if self.repetition is None else f" rep {self.repetition}"
        return f"{self.provider}.{self.scenario}{rep}"

    @property
    def other_errors(self) -> int:
        """Errors with an HTTP answer other than a 5xx (4xx but 429, 3xx, unusable)."""
        return max(self.errors - self.transport_errors - self.server_errors, 0)

    @property
    def failure(self) -> str:
        """Why this run measured nothing to judge the provider by ("" when it did)."""
        if self.aborted is not None:
            return f"stopped early, the target did not answer: {self.aborted}"
        if not self.requests:
            return "no request was sent"
        return ""

    @property
    def probe_honest(self) -> bool | None:
        """The rate-limit probe's verdict; None: inconclusive, no probe, or a run that
        measured nothing to judge by (``failure``)."""
        honest = as_mapping(self.rate_limit).get("honest")
        return honest if isinstance(honest, bool) and not self.failure else None

    @property
    def probe_verdict(self) -> str:
        """``honest``, ``not honest`` or ``inconclusive``."""
        return {True: "honest", False: "not honest", None: "inconclusive"}[self.probe_honest]

    @property
    def probe_inconclusive_reasons(self) -> list[str]:
        """Why the probe gave no verdict (empty when it gave one)."""
        if self.probe_honest is not None:
            return []
        reasons = [self.failure] if self.failure else []
        reasons += [str(r) for r in as_list(as_mapping(self.rate_limit).get("inconclusive"))]
        return reasons or ["no verdict"]

    @property
    def probe_inconclusive(self) -> str:
        """The same as one line ("" when the probe gave a verdict)."""
        return "; ".join(self.probe_inconclusive_reasons)

    @property
    def by_batch_size(self) -> list[LabelStats]:
        return sorted((s for s in self.labels if s.batch_size is not None),
                      key=lambda s: s.batch_size or 0)


def _labels(raw: Any) -> tuple[LabelStats, ...]:
    out = []
    for label, row in as_mapping(raw).items():
        item = as_mapping(row)
        match = _BATCH_LABEL.match(str(label))
        out.append(LabelStats(str(label), int(match.group(1)) if match else None,
                              as_int(item.get("requests")), as_int(item.get("contacts")),
                              as_float(item.get("contacts_per_second")),
                              Latency.of(as_mapping(item.get("latency")).get("http")),
                              as_float(item.get("first")), as_float(item.get("last"))))
    return tuple(out)


def _sla(raw: Any) -> SlaResult | None:
    item = as_mapping(raw)
    if not item:
        return None
    verdicts = []
    for v in as_list(item.get("verdicts")):
        m = as_mapping(v)
        passed = m.get("passed")
        threshold, measured = m.get("threshold"), m.get("measured")
        verdicts.append(SlaVerdict(
            str(m.get("name", "?")),
            threshold if isinstance(threshold, bool | int | float) else None,
            measured if isinstance(measured, bool | int | float) else None,
            passed if isinstance(passed, bool) else None, as_str(m.get("detail")) or ""))
    passed = item.get("passed")
    if not isinstance(passed, bool):
        passed = not any(v.passed is False for v in verdicts)
    return SlaResult(as_str(item.get("file")) or "", passed, tuple(verdicts))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _series(folder: Path, problems: list[str]) -> tuple[SecondRow, ...]:
    path = folder / LOAD_SERIES
    if not path.exists():
        problems.append(f"{path}: missing (no plot over time)")
        return ()
    try:
        data = read_json_object(path, "the per-second series")
    except RunFolderError as exc:
        problems.append(str(exc))
        return ()
    rows = []
    for raw in as_list(data.get("seconds")):
        m = as_mapping(raw)
        elapsed, t = as_float(m.get("elapsed_s")), as_float(m.get("t"))
        if elapsed is None:
            continue
        remaining = m.get("remaining_min")
        rows.append(SecondRow(t if t is not None else elapsed, elapsed,
                              as_int(m.get("requests")), as_int(m.get("ok")),
                              as_int(m.get("contacts")), as_int(m.get("rate_limited")),
                              as_int(m.get("errors")), as_float(m.get("p50_ms")),
                              as_float(m.get("p95_ms")), as_float(m.get("p99_ms")),
                              remaining if isinstance(remaining, int) else None,
                              as_float(m.get("in_flight")), _count(m.get("bytes_sent")),
                              _count(m.get("bytes_received")), as_float(m.get("covered_s"))))
    return tuple(rows)


def _observations(folder: Path, problems: list[str]) -> tuple[ProbeObservation, ...]:
    path = folder / "rate_limit.json"
    if not path.exists():
        return ()
    try:
        data = read_json_object(path, "the rate-limit probe's observations")
    except RunFolderError as exc:
        problems.append(str(exc))
        return ()
    raw = [as_mapping(o) for o in as_list(data.get("observations"))]
    sent = [as_float(o.get("sent")) for o in raw]
    start = min((s for s in sent if s is not None), default=0.0)
    out = []
    for o, s in zip(raw, sent, strict=True):
        status = o.get("status")
        if s is None or not isinstance(status, int):
            continue
        remaining, limit = o.get("remaining"), o.get("limit")
        out.append(ProbeObservation(round(s - start, 3), as_str(o.get("phase")) or "", status,
                                    remaining if isinstance(remaining, int) else None,
                                    limit if isinstance(limit, int) else None))
    return tuple(out)


def _aborted(raw: Any) -> str | None:
    """``summary.json`` → ``aborted``: None, or why the run stopped early."""
    if raw is None or raw is False:
        return None
    if isinstance(raw, Mapping):
        reason = raw.get("reason")
        return str(reason) if reason not in (None, "") else "no reason given"
    return str(raw) if isinstance(raw, str) and raw else "no reason given"


def read_load_run(folder: Path) -> LoadRun:
    """Read the load run in ``folder``; ``RunFolderError`` naming summary.json if unusable."""
    path = folder / LOAD_SUMMARY
    data = read_json_object(path, "a load run's summary")
    provider, scenario = as_str(data.get("provider")), as_str(data.get("scenario"))
    totals = data.get("totals")
    if not provider or not scenario or not isinstance(totals, Mapping):
        raise RunFolderError(f"{path}: lacks provider, scenario or totals (is it a load "
                             "run's summary.json?)")
    problems: list[str] = []
    latency = as_mapping(data.get("latency"))
    endpoint = as_mapping(data.get("endpoint"))
    users = data.get("users")
    probe = data.get("rate_limit")
    return LoadRun(
        folder=folder, provider=provider, scenario=scenario,
        endpoint=as_str(endpoint.get("key")) or "", model=as_str(data.get("model")) or "",
        users=users if isinstance(users, int) and users > 0 else None,
        batch_size=as_int(data.get("batch_size")) or None,
        window_seconds=as_float(as_mapping(data.get("window")).get("seconds")),
        requests=as_int(totals.get("requests")), ok=as_int(totals.get("ok")),
        contacts=as_int(totals.get("contacts")),
        rate_limited=as_int(totals.get("rate_limited")), errors=as_int(totals.get("errors")),
        contacts_per_second=as_float(data.get("contacts_per_second")),
        requests_per_second=as_float(data.get("requests_per_second")),
        latency=Latency.of(latency.get("http")),
        other_latency={str(k): Latency.of(v) for k, v in latency.items() if k != "http"},
        labels=_labels(data.get("by_label")),
        sla=_sla(data.get("sla")),
        rate_limit=probe if isinstance(probe, Mapping) else None,
        series=_series(folder, problems),
        observations=_observations(folder, problems),
        problems=tuple(problems),
        aborted=_aborted(data.get("aborted")),
        transport_errors=as_int(totals.get("transport_errors")),
        server_errors=as_int(totals.get("server_errors")),
        repetition=repetition_of(folder),
        window_first=as_float(as_mapping(data.get("window")).get("first")),
        window_last=as_float(as_mapping(data.get("window")).get("last")),
    )
