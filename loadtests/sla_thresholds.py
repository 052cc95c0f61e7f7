"""SLA thresholds (a TOML file) and their verdicts against a run's ``summary.json``.

The file has a ``[default]`` table, optionally a table per provider and a sub-table per
provider and scenario; the most specific value wins::

    [default]
    max_p99_ms = 1500
    min_contacts_per_second = 500

    [leadlex]
    max_error_rate = 0.001

    [leadlex.rate_limit]
    rate_limit_honest = true

Keys: ``max_p50_ms``, ``max_p90_ms``, ``max_p95_ms``, ``max_p99_ms``, ``max_p99_9_ms``
(success latency from the HdrHistogram), ``max_<metric>_p<N>_ms`` for the other latency
metrics (``import_completed``, ``ws_ending``), ``max_error_rate`` (failed requests other
than 429 / requests), ``max_rate_limited_rate`` (429s / requests),
``min_contacts_per_second`` and ``rate_limit_honest`` (the rate-limit probe's verdict).
A threshold the run could not measure (no probe, an inconclusive probe, no queued
import) is reported as not measured and does not fail. No locust, no gevent here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkbench.core.errors import BulkbenchError

__all__ = ["SlaError", "Verdict", "evaluate", "failed", "load_sla", "thresholds_for"]


class SlaError(BulkbenchError):
    """The SLA file is missing, not TOML, or has an unknown key or a wrong type."""


_PERCENTILE = r"p(50|90|95|99|99_9|99_99)"
_LATENCY_KEY = re.compile(rf"^max_(?:([a-z][a-z0-9_]*?)_)?{_PERCENTILE}_ms$")
_SIMPLE: dict[str, type] = {
    "max_error_rate": float,
    "max_rate_limited_rate": float,
    "min_contacts_per_second": float,
    "rate_limit_honest": bool,
}


@dataclass(frozen=True)
class Verdict:
    """One threshold against what the run measured; ``passed`` None: not measured."""

    name: str
    threshold: float | bool
    measured: float | bool | None
    passed: bool | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "threshold": self.threshold, "measured": self.measured,
                "passed": self.passed, "detail": self.detail}


def _check_value(where: str, key: str, value: Any) -> float | bool:
    if key in _SIMPLE:
        kind = _SIMPLE[key]
        if kind is bool:
            if not isinstance(value, bool):
                raise SlaError(f"{where}.{key}: expected true or false")
            return value
    elif not _LATENCY_KEY.match(key):
        known = ", ".join([*sorted(_SIMPLE), "max_p50_ms … max_p99_99_ms",
                           "max_<metric>_p<N>_ms"])
        raise SlaError(f"{where}.{key}: unknown key (known: {known})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SlaError(f"{where}.{key}: expected a non-negative number")
    return float(value)


def load_sla(path: Path | str) -> dict[str, Any]:
    """Read and check an SLA file; returns its tables as plain dicts."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SlaError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SlaError(f"{path}: not valid TOML: {exc}") from exc
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise SlaError(f"{path}: {name}: expected a table ([{name}])")
        for key, value in table.items():
            if isinstance(value, dict):
                if name == "default":
                    raise SlaError(f"{path}: default.{key}: [default] has no sub-tables")
                for sub_key, sub_value in value.items():
                    _check_value(f"{path}: {name}.{key}", sub_key, sub_value)
            else:
                _check_value(f"{path}: {name}", key, value)
    return raw


def thresholds_for(sla: Mapping[str, Any], provider: str, scenario: str
                   ) -> dict[str, float | bool]:
    """The thresholds that apply to ``provider``/``scenario`` (most specific wins)."""
    merged: dict[str, float | bool] = {}
    merged.update({k: v for k, v in sla.get("default", {}).items()})
    table = sla.get(provider, {})
    merged.update({k: v for k, v in table.items() if not isinstance(v, dict)})
    merged.update(dict(table.get(scenario, {})))
    return merged


def _latency(summary: Mapping[str, Any], metric: str, percentile: str) -> float | None:
    stats = summary.get("latency", {}).get(metric) or {}
    value = stats.get(f"p{percentile}_ms")
    return None if value is None else float(value)


def _measure(key: str, summary: Mapping[str, Any]) -> tuple[float | bool | None, str]:
    totals = summary.get("totals", {})
    requests = int(totals.get("requests", 0))
    if key == "max_error_rate":
        return (None, "no request") if not requests else (
            totals.get("errors", 0) / requests, f"{totals.get('errors', 0)} of {requests}")
    if key == "max_rate_limited_rate":
        return (None, "no request") if not requests else (
            totals.get("rate_limited", 0) / requests,
            f"{totals.get('rate_limited', 0)} of {requests}")
    if key == "min_contacts_per_second":
        value = summary.get("contacts_per_second")
        return (None, "") if value is None else (float(value), "")
    if key == "rate_limit_honest":
        probe = summary.get("rate_limit")
        if not probe:
            return None, "not measured (run the rate_limit scenario)"
        if probe.get("honest") is None:  # the probe lacked evidence
            why = "; ".join(probe.get("inconclusive") or ()) or "no verdict"
            return None, f"inconclusive: {why}"
        return bool(probe.get("honest")), "; ".join(probe.get("problems", ())) or "honest"
    match = _LATENCY_KEY.match(key)
    assert match is not None  # load_sla checked the key
    metric = match.group(1) or "http"
    value = _latency(summary, metric, match.group(2))
    return value, "" if value is not None else f"no {metric} latency measured"


def evaluate(thresholds: Mapping[str, float | bool], summary: Mapping[str, Any]
             ) -> list[Verdict]:
    """A verdict per threshold, in the file's order."""
    verdicts: list[Verdict] = []
    for key, threshold in thresholds.items():
        measured, detail = _measure(key, summary)
        if measured is None:
            passed: bool | None = None
        elif key == "rate_limit_honest":
            passed = (measured is True) or not threshold
        elif key.startswith("min_"):
            passed = float(measured) >= float(threshold)
        else:
            passed = float(measured) <= float(threshold)
        verdicts.append(Verdict(key, threshold, measured, passed, detail))
    return verdicts


def failed(verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.passed is False]
