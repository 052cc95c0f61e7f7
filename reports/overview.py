"""One line per provider: what the verdict table, summary.md and the terminal show.

``peak`` is the best contacts/s of the provider's throughput runs, per part when the run
has parts (a sweep's batch sizes), with the p99 latency of that part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.contract_results import CheckRecord
from reports.load_results import LoadRun

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


def _peak(runs: Sequence[LoadRun]) -> tuple[float | None, str, float | None]:
    best: tuple[float | None, str, float | None] = (None, "", None)
    for run in runs:
        if run.scenario == "rate_limit":
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
                  for s in ("passed", "failed", "skipped", "error")}
        bad = counts["failed"] + counts["error"]
        contract = f"{counts['passed']} passed, {bad} failed, {counts['skipped']} skipped"
        contract_ok: bool | None = bad == 0
    else:
        contract, contract_ok = "not run", None
    peak, where, p99 = _peak(runs)
    probes = [r.rate_limit for r in runs if r.scenario == "rate_limit" and r.rate_limit]
    if probes:
        honest = all(p.get("honest") is True for p in probes)
        problems = [str(x) for p in probes for x in (p.get("problems") or ())]
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        rate_limit = "honest" if honest else f"not honest ({count})"
        rate_ok: bool | None = honest
    else:
        rate_limit, rate_ok = "not probed", None
    slas = [r.sla for r in runs if r.sla is not None]
    if slas:
        failed = sum(1 for s in slas for v in s.verdicts if v.passed is False)
        total = sum(len(s.verdicts) for s in slas)
        sla_ok: bool | None = failed == 0 and all(s.passed for s in slas)
        sla = f"{total - failed} of {total} thresholds met" if total else "no threshold"
    else:
        sla, sla_ok = "no SLA given", None
    return OverviewRow(provider, contract, contract_ok, peak, where, p99, rate_limit, rate_ok,
                       sla, sla_ok)
