"""``bulkbench run``, the whole job: check the request, plan the steps, run them against
the sandbox or the provider, write the manifest, scrub keys, render the report.

Before any stage, each remote target gets a preflight (``bulkbench.core.preflight``): one that
does not answer at all is named in one line, its steps are not run (the reason says
why), and the run is incomplete, never a verdict on the provider.

The run folder is written as the run goes (``run.json`` after every step), so a run
stopped by Ctrl-C or SIGTERM still leaves a report, marked incomplete, and a run killed
outright leaves a folder ``bulkbench report`` can render.

``repeat`` (``--repeat N``) runs each throughput scenario (sweep, import) N times, one
step per repetition, each kept in its own folder (``load/<provider>-<scenario>/rep-<k>/``)
so that ``bulkbench report --compare`` can tell a change from noise; the repetitions of
a provider's scenarios alternate (sweep 1, import 1, sweep 2, …) so that a drift of the
machine spreads over all of them. The rate-limit probe runs once: its verdict is no
figure compared by ratio. ``repeat`` 1 (the default) keeps the layout of a single run.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.text import Text

from bulkbench.core.catalog import Catalog, default_catalog
from bulkbench.core.config import load_config
from bulkbench.core.errors import BulkbenchError, UsageError
from bulkbench.core.preflight import TargetUnreachable, preflight
from bulkbench.core.providers import provider_names
from bulkbench.core.run_layout import new_run_folder
from bulkbench.orchestration.display import RunDisplay
from bulkbench.orchestration.profiles import PROFILES, Profile
from bulkbench.orchestration.secrets import scrub_folder
from bulkbench.orchestration.signals import StopRequested, stop_on_signals
from bulkbench.orchestration.steps import (
    ContractStep,
    LoadStep,
    Step,
    StepContext,
    StepOutcome,
)
from bulkbench.orchestration.targets import SharedSandboxes, Target, resolve_targets
from bulkbench.reports.render import Rendered, render_run
from bulkbench.reports.run_manifest import RunManifest, StepRecord, write_manifest

__all__ = ["MAX_REPEAT", "STAGES", "RunRequest", "RunResult", "run_pipeline"]

STAGES = ("contract", "load")
#: the most repetitions ``--repeat`` takes (each one runs every throughput scenario again).
MAX_REPEAT = 20


@dataclass
class RunRequest:
    provider: str = "all"
    base_url: str | None = None
    api_key: str | None = None
    config: Path | None = None
    profile: str = "quick"
    sla: Path | None = None
    out: Path | None = None
    skip: list[str] = field(default_factory=list)
    allow_hosts: list[str] = field(default_factory=list)
    seed: int = 0
    sandbox_faults: list[str] = field(default_factory=list)
    #: assumption mismatches fail the contract step too.
    strict: bool = False
    #: how many times each throughput scenario runs (``--repeat``), each kept.
    repeat: int = 1


@dataclass
class RunResult:
    folder: Path
    manifest: RunManifest
    rendered: Rendered
    stopped_by: StopRequested | None = None
    scrubbed: dict[str, int] = field(default_factory=dict)
    #: the targets that did not answer the preflight: provider → the one-line error.
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def nothing_ran(self) -> bool:
        return not any(step.status == "done" for step in self.manifest.steps)


def _run_folder(out: Path | None) -> Path:
    if out is not None:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UsageError(f"--out {out}: exists and is not an empty folder (a run folder "
                             "holds one run; choose a new one)")
        out.mkdir(parents=True, exist_ok=True)
        return out
    return new_run_folder()


def _providers(catalog: Catalog, choice: str) -> list[str]:
    names = list(provider_names(catalog))
    if choice == "all":
        return names
    if choice not in names:
        raise UsageError(f"--provider {choice!r}: one of all, {', '.join(names)}")
    return [choice]


def _check_request(req: RunRequest, catalog: Catalog) -> tuple[Profile, list[str]]:
    if req.profile not in PROFILES:
        raise UsageError(f"--profile {req.profile!r}: one of {', '.join(PROFILES)}")
    if not 1 <= req.repeat <= MAX_REPEAT:
        raise UsageError(f"--repeat {req.repeat}: from 1 to {MAX_REPEAT} (each repetition "
                         "runs every throughput scenario again)")
    unknown = sorted(set(req.skip) - set(STAGES))
    if unknown:
        raise UsageError(f"--skip {', '.join(unknown)}: stages are {', '.join(STAGES)}")
    if req.sla is not None and "load" not in req.skip:
        try:
            from bulkbench.loadtests.sla_thresholds import load_sla
        except ImportError:
            pass  # the load stage is not available: its steps say so
        else:
            load_sla(req.sla)
    return PROFILES[req.profile], _providers(catalog, req.provider)


def _check_targets(req: RunRequest, targets: dict[str, Target]) -> None:
    remote = [t for t in targets.values() if not t.sandbox]
    if remote and req.sandbox_faults:
        raise UsageError("--sandbox-fault applies to the sandbox only (no --base-url)")
    if req.sandbox_faults:
        from bulkbench.sandbox import faults
        from bulkbench.sandbox.providers import load_plugins

        load_plugins()
        faults.check_names(req.sandbox_faults)
    if remote and "load" not in req.skip:
        from bulkbench.loadtests.load_settings import check_host

        for target in remote:
            assert target.base_url is not None
            try:
                check_host(target.base_url, req.allow_hosts)
            except UsageError:
                raise
            except Exception as exc:  # LoadError: a BulkbenchError with the fix in it
                raise UsageError(f"{exc} (or leave the load out with --skip load)") from exc


def _plan(profile: Profile, providers: list[str], catalog: Catalog,
          targets: dict[str, Target], repeat: int = 1) -> list[Step]:
    steps: list[Step] = [ContractStep(providers)]
    for name in providers:
        provider = catalog.provider(name)
        has_import = any(ep.sync_max_rows is not None and ep.batch_field
                         for ep in provider.documented_endpoints)
        for k in range(1, repeat + 1):
            for plan in profile.throughput:
                if plan.scenario == "import" and not has_import:
                    continue
                steps.append(LoadStep(name, plan, k if repeat > 1 else None))
        steps.append(LoadStep(name, profile.probe_for(targets[name].sandbox)))
    return steps


def _preflight(targets: dict[str, Target]) -> dict[str, str]:
    """Provider → why it is unreachable, for each remote target that does not answer."""
    unreachable: dict[str, str] = {}
    for target in targets.values():
        if target.base_url is not None:
            try:
                preflight(target.provider, target.base_url)
            except TargetUnreachable as exc:
                unreachable[target.provider] = exc.summary
    return unreachable


def _blocked(step: Step, unreachable: dict[str, str]) -> str | None:
    """Why ``step`` cannot run against an unreachable target (None: it can)."""
    providers = [step.provider] if step.provider else list(getattr(step, "providers", []))
    why = [unreachable[p] for p in providers if p in unreachable]
    return "; ".join(why) if why else None


def _version() -> str:
    try:
        return metadata.version("bulkbench")
    except metadata.PackageNotFoundError:
        return "unknown"


def _run_step(step: Step, ctx: StepContext) -> StepOutcome:
    """Run ``step``; an error of its stage becomes the step's error, never the run's end
    (a traceback, for what no user caused, goes to logs/ beside the step's output)."""
    try:
        return step.run(ctx)
    except BulkbenchError as exc:
        return StepOutcome("error", str(exc), str(exc))
    except Exception as exc:
        name = f"{step.stage}-{step.name.replace(' ', '-')}.traceback.txt"
        (ctx.logs / name).write_text(traceback.format_exc(), encoding="utf-8")
        why = f"{type(exc).__name__}: {exc} (a bug; traceback in logs/{name})"
        return StepOutcome("error", why, why)


def run_pipeline(req: RunRequest, console: Console | None = None) -> RunResult:
    """Run the whole job (see the module docstring); usage errors raise before any work."""
    console = console or Console()
    # the stages run in other folders (the suite and locust in the repository): paths the
    # user gave relative are the caller's
    req.config, req.sla, req.out = (p.absolute() if p is not None else None
                                    for p in (req.config, req.sla, req.out))
    catalog = default_catalog()
    profile, providers = _check_request(req, catalog)
    config = load_config(req.config, catalog)
    targets = resolve_targets(providers, config, req.base_url, req.api_key)
    _check_targets(req, targets)
    steps = _plan(profile, providers, catalog, targets, req.repeat)
    unreachable = _preflight(targets) if not all(s in req.skip for s in STAGES) else {}
    folder = _run_folder(req.out)
    sandbox = all(t.sandbox for t in targets.values())
    spec_limits = {p.name: f"{p.rate_limit.requests}/{p.rate_limit.window_seconds:g}"
                   for p in catalog.providers if p.rate_limit is not None}
    notes = []
    if sandbox and profile.probe_sandbox_rate_limit and "load" not in req.skip:
        notes.append(f"Against the sandbox the {profile.name} profile probes a rate limit of "
                     f"{profile.probe_sandbox_rate_limit.replace('/', ' requests per ')} s "
                     "(not the spec's assumption) so that the probe sees several windows in "
                     "seconds; the full profile keeps the spec's limit.")
    if sandbox and "contract" not in req.skip:
        notes.append("The contract suite ran against its own pair of sandboxes (one of them "
                     "throttled, for the 429 checks); the load steps shared two others.")
    manifest = RunManifest(
        run_id=folder.name, started_at=time.time(), profile=profile.name,
        providers=providers, target="sandbox" if sandbox else "remote",
        targets={t.provider: t.base_url or "the embedded sandbox" for t in targets.values()},
        options={"provider": req.provider, "profile": req.profile,
                 "config": str(req.config) if req.config else None,
                 "sla": str(req.sla) if req.sla else None, "skip": list(req.skip),
                 "seed": req.seed, "sandbox_faults": list(req.sandbox_faults),
                 "allow_hosts": list(req.allow_hosts), "api_key_given": req.api_key is not None,
                 "repeat": req.repeat},
        steps=[StepRecord(s.stage, s.name, provider=s.provider, scenario=s.scenario)
               for s in steps],
        notes=notes, bulkbench_version=_version())
    records = dict(zip(steps, manifest.steps, strict=True))
    for step, record in records.items():
        if step.stage in req.skip:
            record.status, record.reason = "skipped", f"--skip {step.stage}"
        elif (why := _blocked(step, unreachable) or step.unavailable()) is not None:
            record.status, record.reason = "not_run", why
    write_manifest(folder, manifest)
    console.print(f"bulkbench run ({profile.name}): {', '.join(providers)} against "
                  f"{'the embedded sandbox' if sandbox else 'the configured provider(s)'}; "
                  f"run folder {folder}", highlight=False, markup=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False)
    for line in unreachable.values():
        errors.print(Text.assemble(("error:", "bold red"), " ", line), soft_wrap=True)

    sandboxes = SharedSandboxes(profile.probe_sandbox_rate_limit if sandbox else None,
                                req.sandbox_faults, req.seed)
    ctx = StepContext(out=folder, targets=targets, sandboxes=sandboxes, config=req.config,
                      base_url=req.base_url, api_key=req.api_key, sla=req.sla,
                      allow_hosts=req.allow_hosts, seed=req.seed, faults=req.sandbox_faults,
                      max_examples=profile.contract_max_examples, strict=req.strict,
                      spec_rate_limits={} if profile.probe_sandbox_rate_limit else spec_limits)
    stopped: StopRequested | None = None
    # only the steps that will run are shown (none: the one line above said why)
    keys = [(str(id(s)), s.name) for s, r in records.items()
            if r.status == "pending" or not unreachable]
    with stop_on_signals() as guard, RunDisplay(console, keys) as display:
        try:
            try:
                for step, record in records.items():
                    key = str(id(step))
                    if record.status != "pending":
                        if key in display.tasks:
                            display.end(key, record.status, record.reason)
                        continue
                    started = time.monotonic()
                    display.begin(key, step.watch(ctx))
                    try:
                        outcome = _run_step(step, ctx)
                    except StopRequested:
                        record.status = "interrupted"
                        record.seconds = round(time.monotonic() - started, 1)
                        display.end(key, "interrupted", "stopped")
                        raise
                    record.status, record.reason = outcome.status, outcome.reason
                    record.folder, record.seconds = outcome.folder, round(
                        time.monotonic() - started, 1)
                    display.end(key, outcome.status, outcome.line, failed=outcome.failed)
                    write_manifest(folder, manifest)
            finally:
                guard.shield()  # cleaning up from here: no signal cuts it short
                sandboxes.close()
        except StopRequested as exc:
            stopped = exc
            manifest.interrupted = exc.name
            for step, record in records.items():
                if record.status == "pending":
                    record.status, record.reason = "not_run", f"the run was stopped by {exc.name}"
                    display.end(str(id(step)), "not_run", record.reason)
        manifest.finished_at = time.time()
        secrets = [req.api_key, *sandboxes.known_secrets,
                   *(t.key for t in targets.values())]
        scrubbed = scrub_folder(folder, secrets)
        if scrubbed:
            manifest.notes.append("Keys found in " + ", ".join(sorted(scrubbed)) +
                                  " were replaced by their redacted form.")
        write_manifest(folder, manifest)
        rendered = render_run(folder)
    return RunResult(folder, manifest, rendered, stopped, scrubbed, unreachable)
