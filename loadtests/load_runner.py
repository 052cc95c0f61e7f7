"""One load run, start to end: the stage's runner (``bulkbench load`` and ``bulkbench run``
are shells around it).

:func:`run_load_stage` checks the request (the scenario, the model, the host allowed and
its caps), starts the embedded sandbox when no base URL is given (on the config's readings
of the open points), sends the preflight's one request to a remote target, runs locust
(``locust_processes``: master and workers, bounded in time) with its progress on a
console, then reads ``summary.json`` and judges it against the SLA. It never imports
locust: locust monkey-patches the standard library with gevent, so it runs in its own
processes.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from rich.console import Console

from bulkbench.core.assumptions import ASSUMPTIONS, settle
from bulkbench.core.catalog import default_catalog
from bulkbench.core.config import load_config
from bulkbench.core.errors import BulkbenchError
from bulkbench.core.run_layout import LOAD_SUMMARY, RunLayout
from bulkbench.loadtests.load_settings import (
    ASSUMPTION_OPTIONS,
    OPTIONS,
    SCENARIOS,
    LoadError,
    caps_for,
    check_host,
    check_websocket_host,
    is_loopback,
    locust_args,
    option_value,
    parse_duration,
    resolve_plan,
    settings_from_options,
)
from bulkbench.loadtests.locust_processes import LocustRun, run_locust
from bulkbench.loadtests.sla_thresholds import Verdict, evaluate, failed, load_sla, thresholds_for

__all__ = ["LoadOutcome", "LoadRequest", "LoadRunFailed", "run_load_stage"]


class LoadRunFailed(BulkbenchError):
    """Locust ended without writing the run's summary (exit 1; see locust.log)."""

    exit_code = 1


@dataclass
class LoadRequest:
    provider: str
    scenario: str = "steady"
    endpoint: str = ""
    users: int | None = None
    rate: float | None = None
    duration: str = "60s"
    batch_size: int = 0
    workers: int = 0
    base_url: str | None = None
    config: Path | None = None
    out: Path | None = None
    sla: Path | None = None
    allow_hosts: list[str] = field(default_factory=list)
    seed: int = 0
    max_in_flight: int = 1000
    options: list[str] = field(default_factory=list)
    sandbox_rate_limit: str | None = None
    sandbox_latency_ms: float = 0.0
    sandbox_faults: list[str] = field(default_factory=list)
    stop_timeout_s: float = 10.0
    #: the repetition this run is (``bulkbench run --repeat``): its files go to
    #: ``load/<provider>-<scenario>/rep-<k>/``; None: ``load/<provider>-<scenario>/``.
    repetition: int | None = None
    #: one GET of a remote base URL before the load (``bulkbench.core.preflight``), once the
    #: host is allowed and every option is checked: a target that does not answer is one
    #: line and exit 1, not a run of transport failures.
    preflight: bool = True


@dataclass(frozen=True)
class LoadOutcome:
    """A load run that ran to its end: its folder, its summary (``summary.json``), the SLA's
    verdicts (none without an SLA) and why it failed whatever the SLA says."""

    out: Path
    summary: dict[str, Any]
    verdicts: list[Verdict]
    reasons: list[str]

    @property
    def exit_code(self) -> int:
        """0, or 1 when an SLA threshold or one of ``reasons`` fails the run."""
        return 1 if failed(self.verdicts) or self.reasons else 0


def _extra_options(pairs: list[str]) -> dict[str, str]:
    known = {spec.name for spec in OPTIONS}
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().removeprefix("--").removeprefix("bb-")
        if not sep or name not in known:
            raise LoadError(f"--option {pair!r}: expected NAME=VALUE with NAME one of "
                            f"{', '.join(sorted(known))}")
        out[name] = value
    return out


def _shape(req: LoadRequest) -> tuple[int, float]:
    """``(users, rate per user)``: the closed model with --users, the open one with --rate."""
    if req.users is not None and req.rate is not None:
        raise LoadError("give --users (closed model) or --rate (open model), not both")
    if req.workers < 0:
        raise LoadError("--workers cannot be negative")
    if req.rate is not None:
        if not req.rate > 0 or not math.isfinite(req.rate):
            raise LoadError("--rate must be a positive number of requests per second")
        users = max(1, req.workers)  # one dispatcher per process
        return users, req.rate / users
    users = 1 if req.users is None else req.users
    if users < 1:
        raise LoadError("--users must be at least 1")
    if req.workers and users < req.workers:
        raise LoadError(f"--users {users} leaves some of the {req.workers} workers idle")
    return users, 0.0


def run_load_stage(req: LoadRequest, console: Console) -> LoadOutcome:
    """Run one load scenario (its progress on ``console``) and judge it: the SLA's verdicts
    written into its ``summary.json``, and why it failed whatever the SLA says."""
    catalog = default_catalog()
    provider = catalog.provider(req.provider)
    if req.scenario not in SCENARIOS:
        raise LoadError(f"unknown scenario {req.scenario!r} (known: {', '.join(SCENARIOS)})")
    config = load_config(req.config, catalog)
    pconf = config.provider(provider.name)
    duration = parse_duration(req.duration)
    users, rate = _shape(req)
    probe = req.scenario == "rate_limit"
    if probe and (req.workers or users > 1 or rate):
        raise LoadError("the rate_limit probe runs one user in one process: "
                        "leave out --workers, --users and --rate")
    sla = load_sla(req.sla) if req.sla else None
    layout = RunLayout(req.out) if req.out else RunLayout.default()
    out = layout.load_run(provider.name, req.scenario, req.repetition)

    values: dict[str, Any] = {
        "provider": provider.name, "scenario": req.scenario, "endpoint": req.endpoint,
        "batch-size": req.batch_size or "", "rate": rate or "", "seed": req.seed,
        "max-in-flight": req.max_in_flight, "out": str(out.resolve()),
        "allow-host": ",".join(req.allow_hosts),
    }
    # the open points the provider config settles ([provider.assumptions]): passed as
    # plain option values (locust runs in its own process, which loads no config)
    for assumption, name in ASSUMPTION_OPTIONS.items():
        if ASSUMPTIONS[assumption].applies_to(provider.name):
            values[name] = option_value(pconf.assumption(assumption, ""))
    if probe:
        values["probe-max-seconds"] = max(1.0, duration - 1.0)
    values.update(_extra_options(req.options))
    base_url = req.base_url or pconf.base_url
    env = dict(os.environ)
    sandbox: Any = None
    with ExitStack() as stack:
        if base_url:
            base_url = base_url.rstrip("/")
            check_host(base_url, req.allow_hosts)
            key = pconf.api_key()
            key_env = pconf.key_env.get("full", "")
            if not key:
                raise LoadError(f"no key for {provider.name}: set the environment variable "
                                f"{key_env}")
            values["key-env"] = key_env
            if not values.get("list-id"):
                values["list-id"] = pconf.list_id or ""
        else:
            from bulkbench.sandbox.process import (
                start_sandbox,  # only when the sandbox is the target
            )

            limit = req.sandbox_rate_limit
            if limit is None and probe:  # the limit the probe judges by: the config's, else
                # the spec's (rate_limit_requests, rate_limit_window_seconds)
                limit = (f"{settle(pconf, provider, 'rate_limit_requests')}/"
                         f"{settle(pconf, provider, 'rate_limit_window_seconds'):g}")
            # the sandbox's folder holds its keys (sandbox.json): never inside the run folder
            data_dir = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="bulkbench-sandbox-")))
            # it serves the config's readings of the open points (the WebSocket's auth, the
            # Reset style, ...), so that the run and its target agree
            sandbox = stack.enter_context(start_sandbox(
                data_dir, rate_limit=limit, faults=req.sandbox_faults,
                latency_ms=req.sandbox_latency_ms, remove_data_on_exit=True,
                assumptions=[req.config] if req.config is not None else []))
            base_url = sandbox.base_url(provider.name)
            key = sandbox.key(provider.name)
            values["key-env"] = "BULKBENCH_SANDBOX_KEY"
            env["BULKBENCH_SANDBOX_KEY"] = key
            if not values.get("list-id"):
                lists = sandbox.lists(provider.name)
                values["list-id"] = lists[0] if lists else ""
            channel = sandbox.info["providers"][provider.name].get("websocket") or {}
            if channel.get("url"):  # the sandbox's own channel, wherever the config points
                values["ws-url"] = str(channel["url"])
            console.print(f"sandbox serving at {base_url}", markup=False)
        caps = caps_for(base_url)
        if duration > caps.max_duration_s:
            raise LoadError(f"--duration {req.duration}: at most {caps.max_duration_s:g} s "
                            f"for {base_url}")
        total_rate = rate * users
        if total_rate > caps.max_rate:
            raise LoadError(f"--rate {total_rate:g}: at most {caps.max_rate:g} requests/s "
                            f"for {base_url}")
        if users > caps.max_users or req.workers > caps.max_workers:
            raise LoadError(f"at most {caps.max_users} users and {caps.max_workers} workers "
                            f"for {base_url}")
        if not rate and not is_loopback(base_url) and "max-rate" not in values:
            values["max-rate"] = f"{caps.max_rate / users:g}"
        settings = settings_from_options(SimpleNamespace(
            **{spec.dest: values.get(spec.name, spec.default) for spec in OPTIONS}))
        plan = resolve_plan(settings, catalog)
        if req.scenario == "sweep" and "stage-seconds" not in _extra_options(req.options):
            values["stage-seconds"] = f"{duration / len(plan.sizes):g}"
        if plan.endpoint.websocket and values.get("ws-url"):
            check_websocket_host(str(values["ws-url"]), req.allow_hosts)
        if sandbox is not None:
            served = sandbox.info["providers"][provider.name].get("endpoints", [])
            needed = [ep for ep in (plan.endpoint, plan.helper) if ep is not None]
            missing = [ep.key for ep in needed if ep.name not in served]
            if missing:
                raise LoadError(f"the sandbox does not serve {', '.join(missing)} yet")
        model = (f"open model, {total_rate:g} req/s" if rate
                 else f"closed model, {users} user(s)")
        workers = f", {req.workers} workers" if req.workers else ""
        if sandbox is None and req.preflight:
            # only now, the host allowed and every option checked: one request, no more
            from bulkbench.core.preflight import preflight

            preflight(provider.name, base_url)  # no answer: one line, exit 1, no folder
        out.mkdir(parents=True, exist_ok=True)
        (out / LOAD_SUMMARY).unlink(missing_ok=True)
        console.print(f"load: {plan.label} on {plan.endpoint.key} ({model}, batch "
                      f"{plan.batch_size}, {duration:g} s{workers}) → {out}", markup=False)
        run = LocustRun(host=base_url, out_dir=out, users=users, duration_s=duration,
                        bb_args=locust_args(values), env=env, workers=req.workers,
                        stop_timeout_s=req.stop_timeout_s)
        progress = _Progress(console)
        code = run_locust(run, progress.update)
        progress.close()
    return _conclude(out, code, sla, provider.name, req.scenario, req.sla)


class _Progress:
    """The live progress line: rewritten in place on a terminal, else a line every 5 s."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tty = sys.stderr.isatty()
        self.count = 0
        self.width = 0

    def update(self, text: str) -> None:
        self.count += 1
        if text.startswith("done:"):
            self.close()
            self.console.print(text, markup=False, highlight=False)
        elif self.tty:
            pad = max(0, self.width - len(text))
            sys.stderr.write("\r" + text + " " * pad)
            sys.stderr.flush()
            self.width = len(text)
        elif self.count % 5 == 1:
            self.console.print(text, markup=False, highlight=False)

    def close(self) -> None:
        if self.tty and self.width:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.width = 0


def _conclude(out: Path, code: int, sla: dict[str, Any] | None, provider: str, scenario: str,
              sla_path: Path | None) -> LoadOutcome:
    """Read the summary and judge it: the SLA verdicts (written into it), the reasons it
    failed whatever the SLA says."""
    path = out / LOAD_SUMMARY
    if not path.exists():
        raise LoadRunFailed(f"locust exited with {code} and wrote no summary; "
                            f"see {out / 'locust.log'}")
    summary = orjson.loads(path.read_bytes())
    verdicts: list[Verdict] = []
    thresholds = thresholds_for(sla, provider, scenario) if sla is not None else {}
    if sla is not None:
        verdicts = evaluate(thresholds, summary)
        summary["sla"] = {"file": str(sla_path), "verdicts": [v.as_dict() for v in verdicts],
                          "passed": not failed(verdicts)}
        path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    reasons = _failures_beyond_sla(summary, "max_error_rate" in thresholds)
    return LoadOutcome(out, summary, verdicts, reasons)


def _failures_beyond_sla(summary: dict[str, Any], error_rate_in_sla: bool) -> list[str]:
    """Why the run failed whatever the SLA says: it stopped early because the target did
    not answer, or it sent no request at all; or, with no ``max_error_rate`` to judge
    errors by, requests that got no answer or a 5xx (a load run that does not load the
    target measures nothing true)."""
    reasons: list[str] = []
    aborted = summary.get("aborted") or {}
    if aborted:
        reasons.append(f"the run stopped early: {aborted.get('reason', 'no answer')}")
    totals = summary.get("totals", {})
    transport = int(totals.get("transport_errors", 0))
    server = int(totals.get("server_errors", 0))
    requests = int(totals.get("requests", 0))
    if not aborted and not requests:
        reasons.append("no request was sent: nothing was measured")
    elif not aborted and not error_rate_in_sla and (transport or server):
        reasons.append(f"{transport:,} of {requests:,} requests got no answer and {server:,} "
                       "answered 5xx (with no SLA max_error_rate, any of them fails the run)")
    return reasons


