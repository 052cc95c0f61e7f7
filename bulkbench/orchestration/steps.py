"""The steps of a run: the contract suite, and one load scenario of one provider.

A step calls its stage's own Python API (``bulkbench.contract.suite_process.run_suite``,
``bulkbench.commands.load.run_load``), imported when the step runs: a stage that does not
import is reported as *not run* with the import error as its reason, never as passed.
Each step's console output goes to ``logs/`` in the run folder; what it measured stays in
the files its stage writes. A load step that stopped early because its target did not
answer (``summary.json`` → ``aborted``), or that sent no request at all, is an error with
its reason, never done. So is one whose every request failed (a 5xx, no answer, or any
other error but a 429: an error rate of 100 %), with the 5xx count in its reason: such a
run measured no throughput and no latency. A step some of whose requests answered 5xx
is done, and its line says how many (``…; 12 of 340 answered 5xx``), never a plain
success; the SLA's ``max_error_rate`` (in the report) judges whether that is acceptable.
A load step that is one repetition of its scenario (``bulkbench run --repeat N``) writes
to that repetition's own folder (``load/<provider>-<scenario>/rep-<k>/``) and log.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from bulkbench.core.run_layout import LOAD_SUMMARY, RunLayout
from bulkbench.orchestration.profiles import ScenarioRun
from bulkbench.orchestration.targets import SharedSandboxes, Target
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.load_results import LoadRun, read_load_run

__all__ = ["ContractStep", "LoadStep", "Step", "StepContext", "StepOutcome"]


@dataclass
class StepContext:
    """What every step needs from the run."""

    out: Path
    targets: dict[str, Target]
    sandboxes: SharedSandboxes
    config: Path | None = None
    base_url: str | None = None
    api_key: str | None = None
    sla: Path | None = None
    allow_hosts: list[str] = field(default_factory=list)
    seed: int = 0
    faults: list[str] = field(default_factory=list)
    max_examples: int = 20
    #: assumption mismatches fail the contract suite too (``--strict``).
    strict: bool = False
    #: the spec's rate limit per provider, "N/SECONDS" (for the full profile's probe).
    spec_rate_limits: dict[str, str] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        path = self.out / "logs"
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class StepOutcome:
    status: str  # "done" or "error"
    line: str  # one line for the terminal
    reason: str = ""
    folder: str | None = None
    #: it ran to its end and what it found failed (a contract check, an SLA threshold,
    #: answers that were 5xx): shown as failed, whatever ``status`` says of the running
    failed: bool = False


class Step:
    stage: str
    name: str
    provider: str | None = None
    scenario: str | None = None
    module: str

    def unavailable(self) -> str | None:
        """Why the stage cannot run (it does not import), or None."""
        try:
            importlib.import_module(self.module)
        except ImportError as exc:
            return f"the {self.stage} stage is not available ({type(exc).__name__}: {exc})"
        return None

    def watch(self, ctx: StepContext) -> Path | None:
        """A log file whose progress lines the display shows while the step runs."""
        return None

    def run(self, ctx: StepContext) -> StepOutcome:
        raise NotImplementedError


class ContractStep(Step):
    stage = "contract"
    module = "bulkbench.contract.suite_process"

    def __init__(self, providers: list[str]) -> None:
        self.providers = providers
        self.name = "contract suite"

    def run(self, ctx: StepContext) -> StepOutcome:
        from bulkbench.contract.suite_process import run_suite

        out = ctx.out / "contract"
        suite = run_suite(self.providers, out, base_url=ctx.base_url, api_key=ctx.api_key,
                          config=ctx.config, seed=ctx.seed, max_examples=ctx.max_examples,
                          faults=ctx.faults,
                          extra_args=["--strict-assumptions"] if ctx.strict else [])
        log = ctx.logs / "contract.log"
        log.write_text(suite.output, encoding="utf-8")
        if suite.results is None or suite.pytest_exit not in (0, 1):
            last = (suite.output.strip().splitlines() or ["no output"])[-1]
            why = (f"the suite did not finish (pytest exit {suite.pytest_exit}): {last}; "
                   "see logs/contract.log")
            return StepOutcome("error", f"did not finish (pytest exit {suite.pytest_exit})",
                               why, "contract")
        s = suite.results.get("summary", {})
        return StepOutcome("done", f"{s.get('passed', 0)} passed, {s.get('failed', 0)} "
                           f"failed, {s.get('skipped', 0)} skipped", folder="contract",
                           failed=bool(s.get("failed") or s.get("error")))


@contextlib.contextmanager
def _key_in_environment(name: str, key: str) -> Iterator[None]:
    """``os.environ[name] = key`` for the block: the load stage reads keys from there."""
    before = os.environ.get(name)
    os.environ[name] = key
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


class LoadStep(Step):
    stage = "load"
    module = "bulkbench.commands.load"

    def __init__(self, provider: str, plan: ScenarioRun, repetition: int | None = None
                 ) -> None:
        self.provider = self.load_provider = self.plan_provider = provider
        self.scenario = plan.scenario
        self.plan = plan
        #: which repetition of the scenario this step runs (None: it is not repeated).
        self.repetition = repetition
        rep = "" if repetition is None else f" rep {repetition}"
        self.name = f"{provider} {plan.scenario}{rep}"

    def folder(self, ctx: StepContext) -> Path:
        """Where the load stage writes this run (``RunLayout.load_run``)."""
        layout = RunLayout(ctx.out)
        expected = layout.load_run(self.plan_provider, self.plan.scenario, self.repetition)
        if expected.exists():
            return expected
        for summary in layout.load_summaries():
            with contextlib.suppress(RunFolderError):
                run = read_load_run(summary.parent)
                if (run.provider, run.scenario, run.repetition) == (
                        self.provider, self.scenario, self.repetition):
                    return summary.parent
        return expected

    def watch(self, ctx: StepContext) -> Path | None:
        return self.folder(ctx) / "locust.log"

    def run(self, ctx: StepContext) -> StepOutcome:
        from bulkbench.commands.load import LoadRequest, run_load

        target = ctx.targets[self.load_provider]
        probe = self.scenario == "rate_limit"
        if target.sandbox:
            sandbox = ctx.sandboxes.get("throttled" if probe else "main",
                                        ctx.spec_rate_limits.get(self.load_provider))
            base_url, key = sandbox.base_url(self.provider), sandbox.key(self.provider)
        else:
            assert target.base_url is not None and target.key is not None
            base_url, key = target.base_url, target.key
        request = LoadRequest(
            provider=self.load_provider, scenario=self.plan.scenario, duration=self.plan.duration,
            users=self.plan.users, base_url=base_url, config=ctx.config, out=ctx.out,
            sla=ctx.sla, allow_hosts=list(ctx.allow_hosts), seed=ctx.seed,
            options=list(self.plan.options), repetition=self.repetition)
        rep = "" if self.repetition is None else f"-rep-{self.repetition}"
        log = ctx.logs / f"load-{self.provider}-{self.scenario}{rep}.log"
        with (log.open("w", encoding="utf-8") as stream,
              contextlib.redirect_stderr(stream),
              _key_in_environment(target.key_env, key)):
            console = Console(file=stream, width=110, no_color=True, highlight=False)
            run_load(request, console)
        folder = self.folder(ctx)
        relative = str(folder.relative_to(ctx.out))
        try:
            result = read_load_run(folder)
        except RunFolderError as exc:
            return StepOutcome("error", "no summary", f"{exc}; see logs/{log.name}", relative)
        failure = _failed_load(folder, result.requests) or _all_failed(result)
        if failure:
            return StepOutcome("error", failure, f"{failure}; see logs/{log.name}", relative)
        if probe:
            line = f"{result.requests:,} requests, {result.rate_limited:,} answered 429; " + (
                _probe_line(result.rate_limit or {}))
        else:
            cps = result.contacts_per_second
            line = (f"{result.contacts:,} contacts, "
                    f"{'—' if cps is None else f'{cps:,.0f}'} contacts/s, p99 "
                    f"{'—' if result.latency.p99 is None else f'{result.latency.p99:,.1f}'} ms")
        if result.server_errors:
            line += f"; {result.server_errors:,} of {result.requests:,} answered 5xx"
        if result.sla is not None and not result.sla.passed:
            line += "; SLA not met"
        return StepOutcome("done", line, folder=relative, failed=bool(
            (result.sla is not None and not result.sla.passed)
            or (result.sla is None and result.server_errors)))


def _failed_load(folder: Path, requests: int) -> str:
    """Why a load run that wrote its summary still failed to measure anything (or "")."""
    try:
        summary = orjson.loads((folder / LOAD_SUMMARY).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        summary = {}
    aborted = summary.get("aborted") if isinstance(summary, dict) else None
    if isinstance(aborted, dict):
        return f"stopped early, the target did not answer: {aborted.get('reason', '')}"
    if not requests:
        return "no request was sent"
    return ""


def _all_failed(result: LoadRun) -> str:
    """Why a load run none of whose requests succeeded is a failure (or "")."""
    if not result.requests or result.errors < result.requests:
        return ""
    parts = [f"{result.server_errors:,} answered 5xx"]
    if result.transport_errors:
        parts.append(f"{result.transport_errors:,} got no answer")
    if result.other_errors:
        parts.append(f"{result.other_errors:,} other errors")
    return f"every one of {result.requests:,} requests failed ({', '.join(parts)})"


def _probe_line(probe: Mapping[str, Any]) -> str:
    honest = probe.get("honest")
    if honest is None:
        why = "; ".join(probe.get("inconclusive") or ()) or "no verdict"
        return f"rate limit inconclusive ({why})"
    return f"rate limit {'honest' if honest else 'not honest'}"
