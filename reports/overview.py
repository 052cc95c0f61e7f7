"""One line per provider: what the verdict table, summary.md and the terminal show.

``peak`` is the best contacts/s of the provider's throughput runs, per part when the run
has parts (a sweep's batch sizes), with the p99 latency of that part. A run that stopped
early (the target did not answer) or sent nothing is no measurement of the provider: it
gives no peak, its SLA thresholds are not judged, and ``load`` names it with its reason.

``rate_limit`` is ``honest``, ``not honest (N problems)`` (red) or, when the probe lacked
evidence, ``inconclusive (why)``: neither green nor red (``rate_limit_ok`` None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.json_files import as_list, as_mapping
from bulkbench.reports.load_results import LoadRun

__all__ = ["OverviewRow", "overview_row"]


@dataclass(frozen=True)
class OverviewRow:
    provider: str
    contract: str
    contract_ok: bool | None  # None: the contract stage did not run for it
    peak_contacts_per_second: float | None
    peak_where: str
    peak_p99_ms: float | None
    rate_limit: str
    rate_limit_ok: bool | None
    sla: str
    sla_ok: bool | None
    #: whether the load runs ran to their end; else each one that did not, with why.
    load: str = ""
    load_ok: bool | None = None  # False: a run stopped early or sent nothing; None: no run


def _peak(runs: Sequence[LoadRun]) -> tuple[float | None, str, float | None]:
    best: tuple[float | None, str, float | None] = (None, "", None)
    for run in runs:
        if run.scenario == "rate_limit" or run.failure:
            continue
        candidates = [(p.contacts_per_second, f"batch {p.batch_size}"
                       if p.batch_size is not None else f"{run.scenario}, {p.label}",
                       p.latency.p99) for p in run.labels]
        candidates.append((run.contacts_per_second, run.scenario, run.latency.p99))
        for value, where, p99 in candidates:
            if value is not None and (best[0] is None or value > best[0]):
                best = (value, where, p99)
    return best


def overview_row(provider: str, contract_ran: bool, checks: Sequence[CheckRecord],
                 runs: Sequence[LoadRun]) -> OverviewRow:
    if contract_ran:
        counts = {s: sum(1 for c in checks if c.status == s)
                  for s in ("passed", "failed", "mismatch", "skipped", "error")}
        bad = counts["failed"] + counts["error"]
        mismatches = (f", {counts['mismatch']} assumption mismatches" if counts["mismatch"]
                      else "")
        contract = (f"{counts['passed']} passed, {bad} failed{mismatches}, "
                    f"{counts['skipped']} skipped")
        contract_ok: bool | None = bad == 0
    else:
        contract, contract_ok = "not run", None
    peak, where, p99 = _peak(runs)
    rate_limit, rate_ok = _rate_limit([r for r in runs if r.scenario == "rate_limit"])
    judged = [r.sla for r in runs if r.sla is not None and not r.failure]
    unjudged = sum(1 for r in runs if r.sla is not None and r.failure)
    if judged:
        failed = sum(1 for s in judged for v in s.verdicts if v.passed is False)
        met = sum(1 for s in judged for v in s.verdicts if v.passed is True)
        total = sum(len(s.verdicts) for s in judged)
        sla_ok: bool | None = failed == 0 and all(s.passed for s in judged)
        if sla_ok and not met:  # nothing was measured: no green tick
            sla_ok = None
        sla = f"{met} of {total} thresholds met" if total else "no threshold"
        if total - met - failed:
            sla += f", {total - met - failed} not measured"
        if unjudged:
            sla += f"; {unjudged} failed run(s) not judged"
    elif unjudged:
        sla, sla_ok = "not judged: the load run failed", None
    else:
        sla, sla_ok = "no SLA given", None
    failed_runs = [f"{r.scenario} {r.failure}" for r in runs if r.failure]
    load_ok: bool | None
    if failed_runs:
        load, load_ok = "; ".join(failed_runs), False
    else:
        load = f"{len(runs)} ran to their end" if runs else "no load run"
        load_ok = True if runs else None
    unmeasured = [f"{r.scenario} {'stopped early' if r.aborted is not None else 'sent nothing'}"
                  for r in runs if r.failure and r.scenario != "rate_limit"]
    if peak is None and unmeasured:
        where = "no measurement: " + ", ".join(unmeasured)
    return OverviewRow(provider, contract, contract_ok, peak, where, p99, rate_limit, rate_ok,
                       sla, sla_ok, load, load_ok)


def _rate_limit(probes: Sequence[LoadRun]) -> tuple[str, bool | None]:
    """The probes' verdict: not honest wins, then inconclusive, then honest."""
    probes = [p for p in probes if p.rate_limit or p.failure]
    if not probes:
        return "not probed", None
    dishonest = [p for p in probes if p.probe_honest is False]
    if dishonest:
        problems = [str(x) for p in dishonest
                    for x in as_list(as_mapping(p.rate_limit).get("problems"))]
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        return f"not honest ({count})", False
    unsure = [p for p in probes if p.probe_honest is None]
    if unsure:
        return f"inconclusive ({'; '.join(p.probe_inconclusive for p in unsure)})", None
    return "honest", True
