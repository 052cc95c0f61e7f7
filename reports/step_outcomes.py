"""What a step of a run came to: failed means failed.

A step's ``status`` in ``run.json`` says whether it *ran* (``done``, ``error`` …), not what
it found. A reader needs both in one word, so every view (summary.md, index.html, JUnit)
shows a step's *outcome*:

``failed``    it ran and what it found failed: a contract check failed (or errored) for
              its providers, or its load run failed (stopped early, sent nothing) or
              missed an SLA threshold; or it did not run to its end (``error``,
              ``interrupted``, ``pending``)
``passed``    it ran to its end and found nothing failing
``skipped``   left out on purpose
``not run``   never started (``not_run``)
"""

from __future__ import annotations

from dataclasses import dataclass

from bulkbench.reports.run_folder import RunData
from bulkbench.reports.run_manifest import StepRecord

__all__ = ["StepOutcome", "step_outcome"]


@dataclass(frozen=True)
class StepOutcome:
    outcome: str  # failed, passed, skipped, not run
    why: str

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


def _contract_failures(step: StepRecord, run: RunData) -> int:
    if run.contract is None:
        return 0
    return sum(1 for c in run.contract.checks if c.status in ("failed", "error")
               and (step.provider is None or c.provider == step.provider))


def _load_failure(step: StepRecord, run: RunData) -> str | None:
    runs = [r for r in run.load_runs
            if (step.folder is not None and r.folder.resolve() == (run.folder / step.folder)
                .resolve())
            or (step.folder is None and r.provider == step.provider
                and r.scenario == step.scenario)]
    for load in runs:
        if load.failure:
            return load.failure
        if load.sla is not None and load.sla.passed is False:
            missed = [v.name for v in load.sla.verdicts if v.passed is False]
            return f"SLA not met: {', '.join(missed) or 'a threshold'}"
    return None


def step_outcome(step: StepRecord, run: RunData) -> StepOutcome:
    """``step``'s outcome in ``run`` (see module docstring)."""
    if step.status == "skipped":
        return StepOutcome("skipped", step.reason or "left out")
    if step.status == "not_run":
        return StepOutcome("not run", step.reason or "never started")
    if step.unfinished:
        return StepOutcome("failed", step.reason or step.status.replace("_", " "))
    if step.stage == "contract":
        failed = _contract_failures(step, run)
        if failed:
            return StepOutcome("failed", f"{failed} contract check(s) failed")
    elif step.stage == "load":
        why = _load_failure(step, run)
        if why:
            return StepOutcome("failed", why)
    return StepOutcome("passed", step.reason)
