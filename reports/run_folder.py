"""A run folder, read whole: the manifest, the contract results, every load run.

The layout is :mod:`bulkbench.core.run_layout`'s (each stage writes its own files;
nothing here imports a stage).

Load runs are found by their ``summary.json`` anywhere below ``load/`` (so a change of
the load stage's folder naming does not lose them); the repetitions of a repeated load
run (``load/<provider>-<scenario>/rep-<k>/``) are load runs each, in the order of their
numbers, and ``repetitions`` groups them. A file that is missing or malformed
while the rest is readable becomes a problem of the run (the report shows it, the
verdict is incomplete); a folder with nothing to render raises ``RunFolderError``.
Without ``run.json`` the steps are inferred from the files: a load run that stopped early
(``aborted``) or sent no request is a step in ``error`` with that reason, never ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bulkbench.core.providers import ordered
from bulkbench.core.run_layout import CONTRACT_DIR, RunLayout, repetition_of
from bulkbench.reports.contract_results import ContractResults, read_contract_results
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.load_results import LoadRun, read_load_run
from bulkbench.reports.run_manifest import RunManifest, StepRecord, read_manifest

__all__ = ["RunData", "read_run"]

_NOT_RUNS = {"sandbox", "workers"}


@dataclass
class RunData:
    folder: Path
    manifest: RunManifest | None
    contract: ContractResults | None
    load_runs: list[LoadRun]
    steps: list[StepRecord]
    problems: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return self.manifest.run_id if self.manifest else self.folder.name

    @property
    def providers(self) -> list[str]:
        found: list[str] = list(self.manifest.providers) if self.manifest else []
        if self.contract is not None:
            found += self.contract.providers
        found += [r.provider for r in self.load_runs]
        unique = list(dict.fromkeys(found))
        if self.manifest and self.manifest.providers:
            return unique
        return ordered(unique)  # the names the run folder holds, in the registry's order

    def load_runs_of(self, provider: str) -> list[LoadRun]:
        return [r for r in self.load_runs if r.provider == provider]

    def repetitions(self) -> dict[tuple[str, str], list[LoadRun]]:
        """``(provider, scenario)`` → its load runs: every repetition, or the one run."""
        out: dict[tuple[str, str], list[LoadRun]] = {}
        for run in self.load_runs:
            out.setdefault((run.provider, run.scenario), []).append(run)
        return out

    def steps_of(self, provider: str) -> list[StepRecord]:
        return [s for s in self.steps if s.provider in (provider, None)]

    @property
    def interrupted(self) -> str | None:
        return self.manifest.interrupted if self.manifest else None


def _relative(folder: Path, message: str) -> str:
    return message.replace(str(folder.resolve()) + "/", "").replace(str(folder) + "/", "")


def _summaries(layout: RunLayout) -> list[Path]:
    found = [p for p in layout.load_summaries()
             if not _NOT_RUNS & set(p.relative_to(layout.load_dir).parts[:-1])]
    # repetitions by number (rep-2 before rep-10), below their load run's folder
    return sorted(found, key=lambda p: (p.parent.parent, repetition_of(p.parent) or 0)
                  if repetition_of(p.parent) else (p.parent, 0))


def _inferred_steps(contract: ContractResults | None, runs: list[LoadRun],
                    folder: Path) -> list[StepRecord]:
    steps = []
    if contract is not None:
        steps.append(StepRecord("contract", "contract suite", "done", folder=CONTRACT_DIR))
    for run in runs:  # a run that stopped early or sent nothing did not finish its step
        rep = "" if run.repetition is None else f" rep {run.repetition}"
        steps.append(StepRecord("load", f"{run.provider} {run.scenario}{rep}",
                                "error" if run.failure else "done", run.failure,
                                provider=run.provider, scenario=run.scenario,
                                folder=str(run.folder.relative_to(folder))))
    return steps


def read_run(folder: Path) -> RunData:
    """Read the run folder at ``folder`` (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: not a folder (expected a run folder such as "
                             "reports/runs/<UTC timestamp>)")
    problems: list[str] = []
    try:
        manifest = read_manifest(folder)
    except RunFolderError as exc:
        manifest = None
        problems.append(str(exc))

    contract: ContractResults | None = None
    layout = RunLayout(folder)
    results_path = layout.contract_results
    if results_path.exists():
        try:
            contract = read_contract_results(results_path)
        except RunFolderError as exc:
            problems.append(str(exc))
    elif manifest and any(s.stage == "contract" and s.status == "done" for s in manifest.steps):
        problems.append(f"{results_path}: missing, although the contract step finished")

    runs: list[LoadRun] = []
    for path in _summaries(layout):
        try:
            run = read_load_run(path.parent)
        except RunFolderError as exc:
            problems.append(str(exc))
            continue
        runs.append(run)
        problems += run.problems
    read_folders = {r.folder.resolve() for r in runs}
    if manifest:
        for step in manifest.steps:
            if step.stage == "load" and step.status == "done" and step.folder and (
                    (folder / step.folder).resolve() not in read_folders):
                problems.append(f"{folder / step.folder / 'summary.json'}: missing, although "
                                f"the {step.name} step finished")

    if manifest is None and contract is None and not runs:
        detail = f" ({'; '.join(problems)})" if problems else ""
        raise RunFolderError(f"{folder}: not a run folder: no run.json, contract/results.json "
                             f"or load/*/summary.json{detail}")
    steps = manifest.steps if manifest else _inferred_steps(contract, runs, folder)
    return RunData(folder, manifest, contract, runs, steps,
                   [_relative(folder, p) for p in problems])
