"""One load run's files (``summary.json``, ``series.json``, ``rate_limit.json``), typed.

The load stage writes a folder per provider and scenario; ``summary.json`` is the one file
a run must have (``RunFolderError`` naming it otherwise). ``series.json`` (one row per
second) and ``rate_limit.json`` (the probe's observations) feed the plots; when they are
missing or malformed the run is still read, with the problem recorded in ``problems``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.errors import RunFolderError
from reports.json_files import (
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

    @property
    def name(self) -> str:
        return f"{self.provider}.{self.scenario}"

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


def _series(folder: Path, problems: list[str]) -> tuple[SecondRow, ...]:
    path = folder / "series.json"
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
                              remaining if isinstance(remaining, int) else None))
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


def read_load_run(folder: Path) -> LoadRun:
    """Read the load run in ``folder``; ``RunFolderError`` naming summary.json if unusable."""
    path = folder / "summary.json"
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
    )
