"""The verdict of a run, decided in one place from what its folder holds.

``failed``      a contract check failed, or an SLA threshold failed;
``incomplete``  nothing failed, but something did not run to its end (a stage not
                available, a step that errored or was interrupted, a file missing or
                malformed, or no step ran at all); never reported as a pass;
``passed``      everything that was asked for ran, and nothing failed.

A load run that *stopped early* because its target did not answer (its ``summary.json``
has ``aborted``), or that sent no request at all, makes the run ``incomplete`` with that
reason, never ``passed``: the target did not answer, so what the run measured until then
is no verdict on the provider's performance. For the same reason the SLA thresholds of
such a run fail nothing (they are shown as not judged). When the run's manifest already
records that load step as unfinished (``bulkbench run`` marks it ``error`` with the same
reason) the reason is given once.

A rate-limit probe without evidence (``honest`` null, ``verdict: inconclusive``) is
neither honest nor dishonest: it fails nothing (an SLA ``rate_limit_honest`` on it is not
measured) and is named among the reasons with why it was inconclusive.

Assumption mismatches (a provider settling an open point of the docs otherwise than the
spec assumed) are listed among the reasons but fail nothing: with ``--strict`` the suite
records them as failures instead.

``complete`` is kept beside the status: a run stopped half-way with a failure is
``failed`` and not complete. The process exit code follows the status (0 passed,
1 otherwise); an interruption's own code is the CLI's to add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bulkbench.reports.load_results import LoadRun
from bulkbench.reports.run_folder import RunData

__all__ = ["Verdict", "decide"]

Status = Literal["passed", "failed", "incomplete"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    complete: bool
    reasons: tuple[str, ...]
    contract_failed: int = 0
    sla_failed: int = 0
    contract_mismatches: int = 0

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "passed" else 1

    @property
    def headline(self) -> str:
        word = {"passed": "PASSED", "failed": "FAILED", "incomplete": "INCOMPLETE"}[self.status]
        if self.status == "failed" and not self.complete:
            word += " (incomplete run)"
        return word


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _step_says_so(run: RunData, load: LoadRun) -> bool:
    """Whether an unfinished step of the manifest already stands for ``load``."""
    folder = load.folder.resolve()
    return any(step.unfinished and step.stage == "load" and (
        (step.folder is not None and (run.folder / step.folder).resolve() == folder)
        or (step.provider, step.scenario) == (load.provider, load.scenario))
        for step in run.steps)


def decide(run: RunData) -> Verdict:
    """The verdict of ``run`` (see the module docstring)."""
    failures: list[str] = []
    gaps: list[str] = []
    notes: list[str] = []
    contract_failed = mismatches = 0
    if run.contract is not None:
        for provider in run.contract.providers:
            counts = run.contract.counts(provider)
            bad = counts["failed"] + counts["error"]
            if bad:
                contract_failed += bad
                failures.append(f"{provider}: {_plural(bad, 'contract check')} failed")
            if counts["mismatch"]:
                mismatches += counts["mismatch"]
                notes.append(f"{provider}: {_plural(counts['mismatch'], 'assumption mismatch')}"
                             " (not failures: settle them in the provider config)")
    sla_failed = 0
    for load in run.load_runs:
        if load.failure:  # the target did not answer: no verdict on its figures
            if not _step_says_so(run, load):
                gaps.append(f"{load.name}: {load.failure}")
            continue
        if load.scenario == "rate_limit" and load.rate_limit and load.probe_honest is None:
            notes.append(f"{load.provider}: rate limit inconclusive "
                         f"({load.probe_inconclusive})")
        if load.sla is not None:
            bad = sum(1 for v in load.sla.verdicts if v.passed is False)
            if bad or not load.sla.passed:
                sla_failed += max(bad, 1)
                failures.append(f"{load.name}: {_plural(max(bad, 1), 'SLA threshold')} "
                                "failed")
    if run.interrupted:
        gaps.append(f"the run was stopped by {run.interrupted}")
    for step in run.steps:
        if step.unfinished:
            why = f": {step.reason}" if step.reason else ""
            gaps.append(f"{step.name} {step.status.replace('_', ' ')}{why}")
    gaps += run.problems
    if not any(step.status == "done" for step in run.steps):
        gaps.append("no step ran")
    complete = not gaps
    skipped = [f"{s.name} skipped{': ' + s.reason if s.reason else ''}"
               for s in run.steps if s.status == "skipped"]
    status: Status = "failed" if failures else "incomplete" if gaps else "passed"
    return Verdict(status, complete, tuple(failures + gaps + skipped + notes), contract_failed,
                   sla_failed, mismatches)
