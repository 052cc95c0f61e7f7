"""Two runs side by side: which checks flipped, throughput and latency as ratios.

Each side is a run folder (read and judged afresh) or a kept ``summary.json``. A
*regression* is what a pipeline gates on:

- a contract check that did not fail before and fails now;
- an SLA threshold that was met before and is not now;
- a rate limit that was honest before and is not now;
- contacts/s (a run's, or one batch size's) whose ratio's confidence interval lies
  wholly below ``1 - threshold``;
- a latency percentile whose ratio's interval lies wholly above ``1 + threshold`` *and*
  more than ``latency_floor_ms`` slower (2 ms becoming 3 ms is noise, not a regression);
- a load run that ran to its end before and stopped early after (its target did not
  answer: ``aborted``): the gate cannot pass on a run that measured nothing.

Ratios are ``after / before`` of each side's mean over the repetitions of a load run
(``bulkbench run --repeat``); their intervals are :mod:`bulkbench.reports.noise`'s
bootstrap, over the repetitions and, where a side is a run folder, over the per-second
samples of its ``series.json`` (a kept summary.json has none). A figure with one
repetition a side has *thin* evidence (an interval from its seconds at most, which does
not see a drift between runs): it is never counted as a regression (``thin_evidence``
lists it). An SLA threshold
regresses when it was met in every repetition before and is missed in more than half of
them after. Checks or runs present on one side only are listed, not
counted as regressions. A load run that stopped early on either side is no measurement:
its figures are listed but never counted as regressions (nor its SLA verdicts); when it
stopped early before only, ``notes`` says so. A rate-limit probe that becomes
inconclusive (``honest`` null) is no regression, only a note: it is not dishonest.

The checks that flipped also come grouped by cause (``flip_groups``,
``reports.failure_groups``: provider, check, endpoint and the shape of the message on the
side where the check did not pass), each group keeping its cases' labels, so one provider
defect breaking twenty cases is one line that names the twenty cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bulkbench.reports.contract_results import case_tail
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.failure_groups import NOT_PASSED, FailureGroup, GroupEntry, group_entries
from bulkbench.reports.json_files import as_float, as_list, as_mapping, read_json_object
from bulkbench.reports.load_results import LoadRun
from bulkbench.reports.noise import CONFIDENCE, THIN, Interval, Repetition, call, figures_of
from bulkbench.reports.noise import REGRESSION as _REGRESSION
from bulkbench.reports.noise import ratio_interval as _ratio_interval
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
    #: the failure's title and message on the side where it did not pass.
    title: str = ""
    message: str = ""

    @property
    def regression(self) -> bool:
        return self.after in _FAILING and self.before not in _FAILING

    @property
    def label(self) -> str:
        return f"{self.endpoint} {self.check}{case_tail(self.endpoint, self.case)}"


@dataclass(frozen=True)
class MetricChange:
    """One figure on both sides: each side's mean over its repetitions, the ratio's
    interval, and what it is called (``reports.noise.call``)."""

    provider: str
    scenario: str
    metric: str
    before: float | None
    after: float | None
    higher_is_better: bool
    regression: bool
    #: the ratio's confidence interval (None: thin evidence, or not measured).
    low: float | None = None
    high: float | None = None
    #: ``regression``, ``improvement``, ``within noise``, ``thin evidence`` (or "" when
    #: either side measured nothing: a run that stopped early).
    verdict: str = ""
    #: what the interval was drawn from (``reports.noise.Interval.basis``).
    basis: str = ""
    #: how many repetitions each side had.
    before_runs: int = 1
    after_runs: int = 1

    @property
    def ratio(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return self.after / self.before

    @property
    def thin(self) -> bool:
        return self.verdict == THIN

    @property
    def interval_text(self) -> str:
        """``[0.62, 0.71]`` (or "" without an interval)."""
        if self.low is None or self.high is None:
            return ""
        return f"[{self.low:.2f}, {self.high:.2f}]"


@dataclass
class Comparison:
    before: str
    after: str
    threshold: float
    latency_floor_ms: float
    confidence: float = CONFIDENCE
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
                f"(ratio {m.ratio:.2f}, {self.confidence:.0%} interval {m.interval_text})"
                for m in self.metrics
                if m.regression and m.before is not None and m.after is not None
                and m.ratio is not None]
        return out + self.findings

    @property
    def flip_groups(self) -> list[FailureGroup[CheckFlip]]:
        """The flips grouped by cause (``reports.failure_groups``): per provider, endpoint
        and the shape of the message on the side where the check did not pass."""
        return group_entries(GroupEntry(
            f.provider, f.endpoint, f.check, f.case,
            f.after if f.after in NOT_PASSED else f.before, f.title, f.message, f)
            for f in self.flips)

    @property
    def thin_evidence(self) -> list[str]:
        """The figures not judged: one run a side (an interval from its seconds at most)."""
        return [f"{m.provider}.{m.scenario} {m.metric}" for m in self.metrics if m.thin]

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before, "after": self.after, "threshold": self.threshold,
            "latency_floor_ms": self.latency_floor_ms, "confidence": self.confidence,
            "regressions": self.regressions,
            "flips": [{**asdict(f), "regression": f.regression} for f in self.flips],
            "flip_groups": [{
                "provider": g.provider, "endpoint": g.endpoint, "check": g.check,
                "checks": dict(g.checks),
                "shape": g.shape, "title": g.title, "count": g.count,
                "regressions": sum(1 for e in g.entries if e.item.regression),
                "cases": [e.case_label for e in g.entries],
                "changes": sorted({f"{e.item.before} → {e.item.after}" for e in g.entries}),
            } for g in self.flip_groups],
            "metrics": [{**asdict(m), "ratio": m.ratio} for m in self.metrics],
            "thin_evidence": self.thin_evidence,
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


def _checks(summary: Mapping[str, Any]) -> dict[tuple[str, str, str, str], Mapping[str, Any]]:
    out = {}
    for provider, entry in as_mapping(summary.get("providers")).items():
        for check in as_list(as_mapping(as_mapping(entry).get("contract")).get("checks")):
            c = as_mapping(check)
            out[(provider, str(c.get("endpoint")), str(c.get("check")),
                 str(c.get("case") or ""))] = c
    return out


def _loads(summary: Mapping[str, Any]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """``(provider, scenario)`` → its load runs' entries: every repetition, or the one."""
    out: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for provider, entry in as_mapping(summary.get("providers")).items():
        for load in as_list(as_mapping(entry).get("load")):
            item = as_mapping(load)
            out.setdefault((provider, str(item.get("scenario"))), []).append(item)
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


def _figures(load: Mapping[str, Any]) -> dict[str, tuple[float | None, bool]]:
    """Figure name → (its value, whether higher is better), in the order shown."""
    out = {name: (value, True) for name, value in _throughput(load).items()}
    latency = as_mapping(load.get("latency_ms"))
    for p in _PERCENTILES:
        out[f"{p} ms"] = (as_float(latency.get(p)), False)
    return out


_Evidence = dict[int | None, dict[str, Repetition]]


def _evidence(runs: list[LoadRun]) -> _Evidence:
    """Repetition number → figure name → the evidence its load run holds (with the
    per-second samples of its series)."""
    return {run.repetition: figures_of(run) for run in runs}


def _repetitions(entries: list[Mapping[str, Any]], evidence: _Evidence, metric: str
                 ) -> list[Repetition]:
    """The evidence of ``entries`` for ``metric``: the run folder's when read from one,
    else the summary's value alone (no per-second samples)."""
    out = []
    for entry in entries:
        repetition = entry.get("repetition")
        held = evidence.get(repetition if isinstance(repetition, int) else None, {})
        value = _figures(entry).get(metric, (None, True))[0]
        if metric in held:
            out.append(held[metric])
        elif value is not None:
            out.append(Repetition(value))
    return out


def _mean(side: list[Repetition]) -> float | None:
    return sum(r.value for r in side) / len(side) if side else None


def _compare_figures(cmp: Comparison, key: tuple[str, str], a: list[Mapping[str, Any]],
                     b: list[Mapping[str, Any]], evidence: tuple[_Evidence, _Evidence],
                     measured: bool) -> None:
    provider, scenario = key
    figures_a, figures_b = _figures(a[0]), _figures(b[0])
    for metric in [m for m in figures_a if m in figures_b]:
        higher_is_better = figures_a[metric][1]
        side_a = _repetitions(a, evidence[0], metric)
        side_b = _repetitions(b, evidence[1], metric)
        x, y = _mean(side_a), _mean(side_b)
        interval = (_ratio_interval(side_a, side_b, seed=f"{provider}.{scenario} {metric}",
                                    confidence=cmp.confidence)
                    if measured else Interval(None, None, None, "", cmp.confidence))
        verdict = call(interval, higher_is_better, cmp.threshold) if measured else ""
        worse = verdict == _REGRESSION and x is not None and y is not None and (
            higher_is_better or y - x > cmp.latency_floor_ms)
        cmp.metrics.append(MetricChange(
            provider, scenario, metric, x, y, higher_is_better, worse, interval.low,
            interval.high, verdict, interval.basis, len(side_a), len(side_b)))


def _sla_regressions(cmp: Comparison, key: tuple[str, str], a: list[Mapping[str, Any]],
                     b: list[Mapping[str, Any]]) -> None:
    """An SLA threshold met in every repetition before and missed in most of them after."""
    def passed(entries: list[Mapping[str, Any]]) -> dict[str, list[object]]:
        out: dict[str, list[object]] = {}
        for entry in entries:
            for v in map(as_mapping, as_list(as_mapping(entry.get("sla")).get("verdicts"))):
                out.setdefault(str(v.get("name")), []).append(v.get("passed"))
        return out

    before, after = passed(a), passed(b)
    for name, results in after.items():
        met = before.get(name, [])
        missed = sum(r is False for r in results)
        if met and all(r is True for r in met) and missed * 2 > len(results):
            many = f" (in {missed} of {len(results)} repetitions)" if len(results) > 1 else ""
            cmp.findings.append(f"{key[0]}.{key[1]} SLA {name}: met → not met{many}")


def _compare_load(cmp: Comparison, key: tuple[str, str], a: list[Mapping[str, Any]],
                  b: list[Mapping[str, Any]],
                  evidence: tuple[_Evidence, _Evidence] = ({}, {})) -> None:
    provider, scenario = key
    stopped_a = [why for e in a if (why := _aborted(e)) is not None]
    stopped_b = [why for e in b if (why := _aborted(e)) is not None]
    measured = not stopped_a and not stopped_b
    if stopped_b:
        was = "also stopped early before" if stopped_a else "ran to its end before"
        many = f" ({len(stopped_b)} of {len(b)} repetitions)" if len(b) > 1 else ""
        cmp.findings.append(f"{provider}.{scenario}: stopped early{many}, the target did not "
                            f"answer: {stopped_b[0]} ({was}; its figures are not compared)")
    elif stopped_a:
        cmp.notes.append(f"{provider}.{scenario}: stopped early before ({stopped_a[0]}); "
                         "its figures are not compared")
    if scenario != "rate_limit":
        _compare_figures(cmp, key, a, b, evidence, measured)
    if not measured:
        return
    _sla_regressions(cmp, key, a, b)
    honest_a, honest_b = _honest(a[0]), _honest(b[0])
    probe_b = as_mapping(b[0].get("rate_limit"))
    if honest_a is True and honest_b is False:
        problems = as_list(probe_b.get("problems"))
        cmp.findings.append(f"{provider} rate limit: honest → dishonest"
                            + (f" ({'; '.join(map(str, problems[:2]))})" if problems else ""))
    elif honest_a is not None and honest_b is None and probe_b:
        why = "; ".join(map(str, as_list(probe_b.get("inconclusive"))[:2])) or "no verdict"
        cmp.notes.append(f"{provider} rate limit: {'honest' if honest_a else 'dishonest'} → "
                         f"inconclusive ({why}); not a regression")


def _side(path: Path) -> tuple[dict[str, Any], dict[tuple[str, str], list[LoadRun]]]:
    """A side's summary document and, for a run folder, its load runs by scenario (whose
    series give the per-second samples; a kept summary.json has none)."""
    if path.is_dir():
        run = read_run(path)
        return build_summary(run, decide(run)), run.repetitions()
    return load_summary(path), {}


def compare_runs(before: Path, after: Path, *, threshold: float = 0.2,
                 latency_floor_ms: float = 5.0) -> Comparison:
    """Compare two runs (folders or summary.json files); see the module docstring."""
    (a, runs_a), (b, runs_b) = _side(before), _side(after)
    cmp = Comparison(str(as_mapping(a.get("run")).get("id", before)),
                     str(as_mapping(b.get("run")).get("id", after)), threshold,
                     latency_floor_ms)
    checks_a, checks_b = _checks(a), _checks(b)
    for key in checks_a.keys() & checks_b.keys():
        was, now = str(checks_a[key].get("status")), str(checks_b[key].get("status"))
        if was != now:
            provider, endpoint, check, case = key
            seen = checks_b[key] if now in NOT_PASSED else checks_a[key]
            cmp.flips.append(CheckFlip(provider, endpoint, check, case or None, was, now,
                                       str(seen.get("title") or ""),
                                       str(seen.get("message") or "")))
    cmp.flips.sort(key=lambda f: (not f.regression, f.provider, f.endpoint, f.check,
                                  f.case or ""))
    cmp.only_before += [f"check {' '.join(filter(None, k))}" for k in
                        sorted(checks_a.keys() - checks_b.keys())]
    cmp.only_after += [f"check {' '.join(filter(None, k))}" for k in
                       sorted(checks_b.keys() - checks_a.keys())]
    loads_a, loads_b = _loads(a), _loads(b)
    for run_key in sorted(loads_a.keys() & loads_b.keys()):
        _compare_load(cmp, run_key, loads_a[run_key], loads_b[run_key],
                      (_evidence(runs_a.get(run_key, [])), _evidence(runs_b.get(run_key, []))))
    cmp.only_before += [f"load {p}.{s}" for p, s in sorted(loads_a.keys() - loads_b.keys())]
    cmp.only_after += [f"load {p}.{s}" for p, s in sorted(loads_b.keys() - loads_a.keys())]
    return cmp
