"""Two runs side by side: which checks flipped, throughput and latency as ratios.

Each side is a run folder (read and judged afresh) or a kept ``summary.json``. A
*regression* is what a pipeline gates on:

- a contract check that did not fail before and fails now;
- an SLA threshold that was met before and is not now;
- a rate limit that was honest before and is not now;
- contacts/s (a run's, or one batch size's) below ``1 - threshold`` times before;
- a latency percentile above ``1 + threshold`` times before *and* more than
  ``latency_floor_ms`` slower (2 ms becoming 3 ms is noise, not a regression);
- a load run that ran to its end before and stopped early after (its target did not
  answer: ``aborted``): the gate cannot pass on a run that measured nothing.

Ratios are ``after / before``. Checks or runs present on one side only are listed, not
counted as regressions. A load run that stopped early on either side is no measurement:
its figures are listed but never counted as regressions (nor its SLA verdicts); when it
stopped early before only, ``notes`` says so. A rate-limit probe that becomes
inconclusive (``honest`` null) is no regression, only a note: it is not dishonest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bulkbench.reports.contract_results import case_tail
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.json_files import as_float, as_list, as_mapping, read_json_object
from bulkbench.reports.run_folder import read_run
from bulkbench.reports.summary_document import SUMMARY_SCHEMA, build_summary
from bulkbench.reports.verdict import decide

__all__ = ["CheckFlip", "Comparison", "MetricChange", "compare_runs", "load_summary"]

_FAILING = ("failed", "error")
_PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class CheckFlip:
    provider: str
    endpoint: str
    check: str
    case: str | None
    before: str
    after: str

    @property
    def regression(self) -> bool:
        return self.after in _FAILING and self.before not in _FAILING

    @property
    def label(self) -> str:
        return f"{self.endpoint} {self.check}{case_tail(self.endpoint, self.case)}"


@dataclass(frozen=True)
class MetricChange:
    provider: str
    scenario: str
    metric: str
    before: float | None
    after: float | None
    higher_is_better: bool
    regression: bool

    @property
    def ratio(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return self.after / self.before


@dataclass
class Comparison:
    before: str
    after: str
    threshold: float
    latency_floor_ms: float
    flips: list[CheckFlip] = field(default_factory=list)
    metrics: list[MetricChange] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # SLA and rate-limit regressions
    only_before: list[str] = field(default_factory=list)
    only_after: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # changes that are no regression

    @property
    def regressions(self) -> list[str]:
        out = [f"check {f.label} ({f.provider}): {f.before} → {f.after}"
               for f in self.flips if f.regression]
        out += [f"{m.provider}.{m.scenario} {m.metric}: {m.before:g} → {m.after:g} "
                f"(ratio {m.ratio:.2f})" for m in self.metrics
                if m.regression and m.before is not None and m.after is not None
                and m.ratio is not None]
        return out + self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before, "after": self.after, "threshold": self.threshold,
            "latency_floor_ms": self.latency_floor_ms, "regressions": self.regressions,
            "flips": [{**asdict(f), "regression": f.regression} for f in self.flips],
            "metrics": [{**asdict(m), "ratio": m.ratio} for m in self.metrics],
            "only_before": self.only_before, "only_after": self.only_after,
            "notes": self.notes,
        }


def load_summary(path: Path) -> dict[str, Any]:
    """The ``bulkbench.summary/1`` document of a run folder or of a summary.json file."""
    if path.is_dir():
        run = read_run(path)
        return build_summary(run, decide(run))
    data = read_json_object(path, "a run summary")
    if data.get("schema") != SUMMARY_SCHEMA:
        raise RunFolderError(f"{path}: schema {data.get('schema')!r} is not {SUMMARY_SCHEMA!r}"
                             " (give a run folder or its summary.json)")
    return data


def _checks(summary: Mapping[str, Any]) -> dict[tuple[str, str, str, str], str]:
    out = {}
    for provider, entry in as_mapping(summary.get("providers")).items():
        for check in as_list(as_mapping(as_mapping(entry).get("contract")).get("checks")):
            c = as_mapping(check)
            out[(provider, str(c.get("endpoint")), str(c.get("check")),
                 str(c.get("case") or ""))] = str(c.get("status"))
    return out


def _loads(summary: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    out = {}
    for provider, entry in as_mapping(summary.get("providers")).items():
        for load in as_list(as_mapping(entry).get("load")):
            item = as_mapping(load)
            out[(provider, str(item.get("scenario")))] = item
    return out


def _throughput(load: Mapping[str, Any]) -> dict[str, float | None]:
    out = {"contacts/s": as_float(load.get("contacts_per_second"))}
    for part in as_list(load.get("by_batch_size")):
        p = as_mapping(part)
        out[f"contacts/s at batch {p.get('batch_size')}"] = as_float(p.get("contacts_per_second"))
    return out


def _aborted(load: Mapping[str, Any]) -> str | None:
    """Why the load run stopped early (None: it ran to its end, or an older summary)."""
    aborted = load.get("aborted")
    if aborted is None or aborted is False:
        return None
    reason = as_mapping(aborted).get("reason")
    return str(reason) if reason else "no reason given"


def _honest(load: Mapping[str, Any]) -> bool | None:
    honest = as_mapping(load.get("rate_limit")).get("honest")
    return honest if isinstance(honest, bool) else None


def _compare_load(cmp: Comparison, key: tuple[str, str], a: Mapping[str, Any],
                  b: Mapping[str, Any]) -> None:
    provider, scenario = key
    stopped_a, stopped_b = _aborted(a), _aborted(b)
    measured = stopped_a is None and stopped_b is None
    if stopped_b is not None:
        was = "also stopped early before" if stopped_a is not None else "ran to its end before"
        cmp.findings.append(f"{provider}.{scenario}: stopped early, the target did not "
                            f"answer: {stopped_b} ({was}; its figures are not compared)")
    elif stopped_a is not None:
        cmp.notes.append(f"{provider}.{scenario}: stopped early before ({stopped_a}); "
                         "its figures are not compared")
    if scenario != "rate_limit":
        before, after = _throughput(a), _throughput(b)
        for metric in [m for m in before if m in after]:
            x, y = before[metric], after[metric]
            worse = (measured and x is not None and y is not None and x > 0
                     and y < x * (1 - cmp.threshold))
            cmp.metrics.append(MetricChange(provider, scenario, metric, x, y, True, worse))
        lat_a, lat_b = as_mapping(a.get("latency_ms")), as_mapping(b.get("latency_ms"))
        for p in _PERCENTILES:
            x, y = as_float(lat_a.get(p)), as_float(lat_b.get(p))
            worse = (measured and x is not None and y is not None and x > 0
                     and y > x * (1 + cmp.threshold) and y - x > cmp.latency_floor_ms)
            cmp.metrics.append(MetricChange(provider, scenario, f"{p} ms", x, y, False, worse))
    if not measured:
        return
    sla_a = {str(v.get("name")): v.get("passed") for v in
             map(as_mapping, as_list(as_mapping(a.get("sla")).get("verdicts")))}
    for v in map(as_mapping, as_list(as_mapping(b.get("sla")).get("verdicts"))):
        name = str(v.get("name"))
        if sla_a.get(name) is True and v.get("passed") is False:
            cmp.findings.append(f"{provider}.{scenario} SLA {name}: met → not met")
    honest_a, honest_b = _honest(a), _honest(b)
    probe_b = as_mapping(b.get("rate_limit"))
    if honest_a is True and honest_b is False:
        problems = as_list(probe_b.get("problems"))
        cmp.findings.append(f"{provider} rate limit: honest → dishonest"
                            + (f" ({'; '.join(map(str, problems[:2]))})" if problems else ""))
    elif honest_a is not None and honest_b is None and probe_b:
        why = "; ".join(map(str, as_list(probe_b.get("inconclusive"))[:2])) or "no verdict"
        cmp.notes.append(f"{provider} rate limit: {'honest' if honest_a else 'dishonest'} → "
                         f"inconclusive ({why}); not a regression")


def compare_runs(before: Path, after: Path, *, threshold: float = 0.2,
                 latency_floor_ms: float = 5.0) -> Comparison:
    """Compare two runs (folders or summary.json files); see the module docstring."""
    a, b = load_summary(before), load_summary(after)
    cmp = Comparison(str(as_mapping(a.get("run")).get("id", before)),
                     str(as_mapping(b.get("run")).get("id", after)), threshold,
                     latency_floor_ms)
    checks_a, checks_b = _checks(a), _checks(b)
    for key in checks_a.keys() & checks_b.keys():
        if checks_a[key] != checks_b[key]:
            provider, endpoint, check, case = key
            cmp.flips.append(CheckFlip(provider, endpoint, check, case or None, checks_a[key],
                                       checks_b[key]))
    cmp.flips.sort(key=lambda f: (not f.regression, f.provider, f.endpoint, f.check))
    cmp.only_before += [f"check {' '.join(filter(None, k))}" for k in
                        sorted(checks_a.keys() - checks_b.keys())]
    cmp.only_after += [f"check {' '.join(filter(None, k))}" for k in
                       sorted(checks_b.keys() - checks_a.keys())]
    loads_a, loads_b = _loads(a), _loads(b)
    for run_key in sorted(loads_a.keys() & loads_b.keys()):
        _compare_load(cmp, run_key, loads_a[run_key], loads_b[run_key])
    cmp.only_before += [f"load {p}.{s}" for p, s in sorted(loads_a.keys() - loads_b.keys())]
    cmp.only_after += [f"load {p}.{s}" for p, s in sorted(loads_b.keys() - loads_a.keys())]
    return cmp
