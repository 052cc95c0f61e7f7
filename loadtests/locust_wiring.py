"""The harness on locust's event hooks: options, start, reports to the master, results.

``install(events)`` registers, in the process running the locustfile:

- ``init_command_line_parser``: one ``--bb-*`` argument per row of ``OPTIONS`` (also
  read from ``BULKBENCH_*`` and shown in the web UI);
- ``init``: the process's :class:`Runtime` and its custom messages;
- ``test_start``: options → plan → :class:`RunContext` (the key is read from the
  environment here); the progress line and the duration guard on the master/local;
- ``report_to_master`` (workers): the recorder is drained into ``data["bulkbench"]``;
- ``worker_report`` (master): payloads are merged, per worker;
- ``test_stop``: the master asks each worker to stop and send its last payload
  (``bulkbench_flush`` → ``bulkbench_final``) and waits for them; then the master (or the
  only process) writes ``summary.json``, ``series.json`` and ``latency.hlog``, and
  evaluates the SLA when ``--bb-sla`` names one (each failed threshold is logged with
  its limit and what was measured; a failure sets exit code 1).

A target that stops answering (``transport_failures``) aborts the run: the process whose
users saw it logs one line and quits (a worker asks the master to, ``bulkbench_abort``);
``summary.json`` says why under ``aborted`` and the exit code is 1. Options refused at
test start (no key, a host not allowed) are one log line and exit code 2, no summary.

Nothing is reported with extra ``request`` events: contacts and histograms travel in the
harness's own payloads.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
import orjson

from bulkbench.core.catalog import default_catalog
from bulkbench.core.errors import BulkbenchError
from bulkbench.core.run_layout import LOAD_SERIES, LOAD_SUMMARY
from bulkbench.generators.contact_batches import ContactRun
from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.contact_metrics import Recorder
from bulkbench.loadtests.load_settings import (
    OPTIONS,
    PROGRESS_PREFIX,
    LoadError,
    LoadSettings,
    ScenarioPlan,
    caps_for,
    check_host,
    check_websocket_host,
    is_loopback,
    resolve_plan,
    settings_from_options,
)
from bulkbench.loadtests.per_second_series import write_series_and_log
from bulkbench.loadtests.run_context import RunContext
from bulkbench.loadtests.run_summary import build_summary
from bulkbench.loadtests.sla_thresholds import evaluate, failed, load_sla, thresholds_for
from bulkbench.loadtests.websocket_auth import websocket_target, websocket_url

__all__ = ["Runtime", "current", "install", "locust_snapshot", "warm_up"]

log = logging.getLogger("bulkbench.load")

_FLUSH = "bulkbench_flush"
_FINAL = "bulkbench_final"
_ABORT = "bulkbench_abort"

_RUNTIME: Runtime | None = None


def current() -> Runtime:
    if _RUNTIME is None:
        raise RuntimeError("the bulkbench locustfile was not initialised (no init event)")
    return _RUNTIME


def _role(runner: Any) -> str:
    name = type(runner).__name__
    return "master" if name == "MasterRunner" else "worker" if name == "WorkerRunner" else "local"


def locust_snapshot(stats: Any) -> dict[str, Any]:
    """Locust's own figures (milliseconds, bucketed by locust) for summary.json."""

    def entry(e: Any) -> dict[str, Any]:
        count = int(e.num_requests)
        return {
            "name": e.name, "method": e.method, "requests": count,
            "failures": int(e.num_failures),
            "avg_ms": round(float(e.avg_response_time), 3) if count else None,
            "min_ms": e.min_response_time if count else None,
            "max_ms": e.max_response_time if count else None,
            **{f"p{k}_ms": (e.get_response_time_percentile(p) if count else None)
               for k, p in (("50", 0.5), ("95", 0.95), ("99", 0.99), ("99_9", 0.999))},
            "rps": round(float(e.total_rps), 3),
        }

    return {"total": entry(stats.total),
            "entries": [entry(e) for e in stats.entries.values()]}


class Runtime:
    """The harness state of one locust process (local, master or worker)."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.role = _role(environment.runner)
        self.recorder = Recorder()  # what this process's users record
        self.total = Recorder()  # master: merged payloads; worker: what it has sent
        self.settings: LoadSettings | None = None
        self.plan: ScenarioPlan | None = None
        self.ctx: RunContext | None = None
        self.error = ""
        self.aborted = ""
        self._quitting = False
        self.finished = False
        self.cpu_at_start = 0.0
        self._greenlets: list[Any] = []
        self._started = 0.0

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        env = self.environment
        self.recorder, self.total = Recorder(), Recorder()
        self.finished, self.error, self.ctx = False, "", None
        self.aborted, self._quitting = "", False
        self.settings, self.plan = None, None
        self.cpu_at_start = time.process_time()
        self._started = time.time()
        try:
            self._prepare()
        except (BulkbenchError, ValueError) as exc:
            self.error = str(exc)
            log.error("bulkbench: %s", exc)
            env.process_exit_code = 2
            if self.role != "worker":
                gevent.spawn_later(0, env.runner.quit)
            return
        if self.role != "worker":
            self._greenlets = [gevent.spawn(self._progress), gevent.spawn(self._guard)]

    def _prepare(self) -> None:
        env = self.environment
        settings = settings_from_options(env.parsed_options)
        host = (env.host or "").rstrip("/")
        if not host:
            raise LoadError("no target: give locust --host (the provider's base URL)")
        try:
            check_host(host, settings.allow_hosts)
        except LoadError as exc:  # name the locustfile's own option, not the CLI's
            raise LoadError(str(exc).replace("--allow-host", "--bb-allow-host")) from None
        caps = caps_for(host)
        plan = resolve_plan(settings, default_catalog())
        ws_url = websocket_url(host, settings.bb_ws_url) if plan.endpoint.websocket else ""
        if ws_url:
            try:
                check_websocket_host(ws_url, settings.allow_hosts)
            except LoadError as exc:
                raise LoadError(str(exc).replace("--allow-host", "--bb-allow-host")) from None
        self.settings, self.plan = settings, plan
        users = int(getattr(env.parsed_options, "num_users", 0) or 1)
        if plan.scenario == "rate_limit" and (users > 1 or self.role != "local"):
            raise LoadError("the rate_limit probe runs one user in one process (-u 1, no "
                            "workers): the limit is per key")
        if settings.open_model and settings.bb_rate * users > caps.max_rate:
            raise LoadError(f"{settings.bb_rate:g}/s for each of {users} users exceeds the cap of "
                            f"{caps.max_rate:g} requests/s for {host}")
        if self.role == "master":
            return
        key = os.environ.get(settings.key_env, "")
        if not key:
            raise LoadError(f"the key variable {settings.key_env} is not set "
                            "(keys come from the environment only)")
        for endpoint in (plan.endpoint, plan.helper):  # (a no-op after warm_up)
            if endpoint is not None:
                ContactRun(settings.bb_seed).body_bytes(endpoint, 1)
        auth = plan.endpoint.auth
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   **(auth.headers(key) if auth is not None else {})}
        ceiling = settings.bb_max_rate
        if not is_loopback(host) and settings.open_model is False:
            cap = caps.max_rate / users
            ceiling = min(ceiling, cap) if ceiling else cap
        self.ctx = RunContext(
            settings=settings, plan=plan, base_url=host, headers=headers,
            recorder=self.recorder, caps=caps,
            socket_target=(websocket_target(
                ws_url, key, plan.assumptions.get("websocket_auth", "query"),
                plan.assumptions.get("websocket_token_param", "access_token"))
                if ws_url else None),
            worker_index=max(0, int(getattr(env.runner, "worker_index", 0) or 0)),
            closed_ceiling=ceiling, abort=self.abort, end_run=self.quit_soon)

    # ------------------------------------------------------------------ ending early

    def quit_soon(self) -> None:
        """End the run (once), outside the calling greenlet (a user's, usually)."""
        if self._quitting or self.role == "worker":
            return
        self._quitting = True
        gevent.spawn_later(0, self.environment.runner.quit)

    def abort(self, reason: str) -> None:
        """The target does not answer: stop the run, reported as failed (exit 1)."""
        if self.aborted:
            return
        host = self.environment.host or "the target"
        self.aborted = f"{reason} from {host}"
        self.environment.process_exit_code = 1
        log.error("bulkbench: stopping the run early: %s", self.aborted)
        if self.role == "worker":
            self.environment.runner.send_message(_ABORT, {"reason": reason})
        else:
            self.quit_soon()

    def on_abort(self, environment: Any, msg: Any, **_: Any) -> None:
        """Master: a worker's users found the target not answering."""
        reason = str((msg.data or {}).get("reason") or "the target does not answer")
        self.abort(f"{reason} (worker {msg.node_id})")

    def _guard(self) -> None:
        """The hard duration cap, whatever --run-time says (or when it is missing)."""
        caps = caps_for(self.environment.host or "")
        gevent.sleep(caps.max_duration_s)
        log.warning("bulkbench: the %g s duration cap is reached; stopping", caps.max_duration_s)
        self.environment.runner.quit()

    def _progress(self) -> None:
        while True:
            gevent.sleep(1.0)
            view = self.recorder if self.role == "local" else self.total
            view.compact(time.time() - 3)
            print(PROGRESS_PREFIX + self.progress_line(view), flush=True)

    def progress_line(self, view: Recorder) -> str:
        t = view.total()
        elapsed = max(time.time() - self._started, 1e-9)
        span = max(t.span, 1e-9)
        http = view.histograms.get("http")
        p50 = p99 = "-"
        if http is not None and http.get_total_count():
            values = hdr.percentiles_ms(http, (50, 99))
            p50, p99 = f"{values[50]:.1f}", f"{values[99]:.1f}"
        return (f"[{elapsed:5.0f}s] {t.requests:,} req ({t.requests / span:,.1f}/s) | "
                f"{t.contacts:,} contacts ({t.contacts / span:,.0f}/s) | 429 {t.rate_limited:,}"
                f" | errors {t.errors:,} | p50 {p50} ms p99 {p99} ms")

    # ------------------------------------------------------------------ transport

    def report(self, data: dict[str, Any]) -> None:
        """Worker: attach everything recorded since the last report."""
        payload = self.recorder.drain()
        self.total.merge(payload)
        data["bulkbench"] = payload

    def merge(self, client_id: str, data: dict[str, Any]) -> None:
        """Master: add a worker's report."""
        payload = data.get("bulkbench")
        if payload:
            self.total.merge(payload, source=client_id)

    def on_flush(self, environment: Any, msg: Any, **_: Any) -> None:
        """Worker: stop the users (they finish the request in flight), send the rest."""
        runner = environment.runner
        runner.stop()
        send_stats = getattr(runner, "_send_stats", None)
        if callable(send_stats):  # locust's own last figures first, on the same channel
            send_stats()
        self.recorder.add_number("cpu_seconds", time.process_time() - self.cpu_at_start)
        payload = self.recorder.drain(final=True)
        self.total.merge(payload)
        runner.send_message(_FINAL, payload)
        self._write_worker_file(str(getattr(runner, "client_id", "worker")))

    def on_final(self, environment: Any, msg: Any, **_: Any) -> None:
        self.total.merge(msg.data, source=msg.node_id)

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        self._greenlets = []
        if self.role == "worker" or self.finished or self.settings is None or self.error:
            return  # (after refused options: nothing ran, no summary is written)
        if self.role == "master":
            self._collect_finals()
        else:
            self.recorder.add_number("cpu_seconds", time.process_time() - self.cpu_at_start)
            self.total.merge(self.recorder.drain(final=True), source="local")
        self.finished = True
        self._finish()

    def _collect_finals(self) -> None:
        runner = self.environment.runner
        expected = {c.id for c in runner.clients.all}
        runner.send_message(_FLUSH)
        deadline = time.monotonic() + float(self.environment.stop_timeout or 0) + 15.0
        while not expected <= self.total.final_sources and time.monotonic() < deadline:
            gevent.sleep(0.05)
        missing = expected - self.total.final_sources
        if missing:
            log.warning("bulkbench: no final report from %d worker(s)", len(missing))

    def _finish(self) -> None:
        assert self.settings is not None and self.plan is not None
        env = self.environment
        settings = self.settings
        summary = build_summary(
            self.total, settings=settings, plan=self.plan, base_url=env.host or "",
            role=self.role, locust_stats=locust_snapshot(env.stats),
            users=int(getattr(env.parsed_options, "num_users", 0) or 0),
            workers_expected=int(getattr(env.parsed_options, "expect_workers", 0) or 0)
            if self.role == "master" else 0, aborted=self.aborted)
        if self.aborted:
            env.process_exit_code = 1
        out = Path(settings.bb_out) if settings.bb_out else None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            series = write_series_and_log(self.total, out / "latency.hlog")
            (out / LOAD_SERIES).write_bytes(orjson.dumps(
                {"scenario": summary["scenario"], "provider": summary["provider"],
                 "seconds": series}, option=orjson.OPT_INDENT_2))
            probe = next((e for e in self.total.events if e.get("kind") == "rate_limit"), None)
            if probe is not None:
                (out / "rate_limit.json").write_bytes(orjson.dumps(
                    probe, option=orjson.OPT_INDENT_2))
        if settings.bb_sla:
            try:
                thresholds = thresholds_for(load_sla(settings.bb_sla), self.plan.provider.name,
                                            self.plan.scenario)
            except BulkbenchError as exc:
                log.error("bulkbench: %s", exc)
                env.process_exit_code = 2
            else:
                verdicts = evaluate(thresholds, summary)
                summary["sla"] = {"file": settings.bb_sla,
                                  "verdicts": [v.as_dict() for v in verdicts],
                                  "passed": not failed(verdicts)}
                for v in failed(verdicts):
                    log.error("bulkbench: SLA threshold %s failed: limit %s, measured %s%s",
                              v.name, _shown(v.threshold), _shown(v.measured),
                              f" ({v.detail})" if v.detail else "")
                if failed(verdicts):
                    env.process_exit_code = 1
        if out is not None:
            (out / LOAD_SUMMARY).write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
        t = summary["totals"]
        print(PROGRESS_PREFIX + f"done: {t['requests']:,} requests, {t['contacts']:,} contacts"
              f" ({summary['contacts_per_second'] or 0:,.1f}/s), 429 {t['rate_limited']:,}, "
              f"errors {t['errors']:,}", flush=True)

    def _write_worker_file(self, client_id: str) -> None:
        if self.settings is None or not self.settings.bb_out:
            return
        folder = Path(self.settings.bb_out) / "workers"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", client_id)
        sent = self.total
        (folder / f"{safe}.json").write_bytes(orjson.dumps({
            "client_id": client_id,
            "worker_index": int(getattr(self.environment.runner, "worker_index", -1)),
            "totals": sent.total().as_dict(),
            "labels": {k: v.as_dict() for k, v in sent.labels.items()},
            "histograms": {m: hdr.encode(h) for m, h in sent.histograms.items()},
        }, option=orjson.OPT_INDENT_2))


def _shown(value: float | bool | None) -> str:
    if value is None or isinstance(value, bool):
        return str(value).lower() if value is not None else "nothing"
    return f"{value:.6g}"


# --------------------------------------------------------------------------- hooks


def warm_up(options: Any | None = None) -> None:
    """Load the catalog and build the generator's templates before any clock runs.

    Both take a second or two. Done when the locustfile is imported (options read from
    ``sys.argv`` and ``BULKBENCH_*``, before a worker tells the master it is ready) and
    again at init (a no-op by then). The event loop's clock is cached, so it is refreshed
    afterwards: timers started next (locust's --run-time) would otherwise fire early.
    """
    if options is None:
        parser = argparse.ArgumentParser(add_help=False)
        for spec in OPTIONS:
            parser.add_argument(spec.flag, dest=spec.dest,
                                default=os.environ.get(spec.env_var, spec.default))
        options, _ = parser.parse_known_args(sys.argv[1:])
    try:
        settings = settings_from_options(options)
        plan = resolve_plan(settings, default_catalog())
        for endpoint in (plan.endpoint, plan.helper):
            if endpoint is not None:
                ContactRun(settings.bb_seed).body_bytes(endpoint, 1)
    except (BulkbenchError, ValueError):
        pass  # reported at test start, where the options may also come from the web UI
    gevent.get_hub().loop.update_now()


def _add_arguments(parser: Any, **_: Any) -> None:
    for spec in OPTIONS:
        kwargs: dict[str, Any] = {"type": spec.kind, "default": spec.default,
                                  "help": spec.help, "env_var": spec.env_var}
        if spec.choices:
            kwargs["choices"] = list(spec.choices)
        parser.add_argument(spec.flag, **kwargs)


def _on_init(environment: Any, **_: Any) -> None:
    global _RUNTIME
    runtime = _RUNTIME = Runtime(environment)
    warm_up(environment.parsed_options)
    runner = environment.runner
    if runtime.role == "worker":
        runner.register_message(_FLUSH, runtime.on_flush, concurrent=True)
    elif runtime.role == "master":
        runner.register_message(_FINAL, runtime.on_final)
        runner.register_message(_ABORT, runtime.on_abort)


def install(events: Any) -> None:
    """Register the harness's listeners on locust's ``events`` (and warm up)."""
    warm_up()
    events.init_command_line_parser.add_listener(_add_arguments)
    events.init.add_listener(_on_init)
    events.test_start.add_listener(lambda environment, **_: current().start())
    events.test_stop.add_listener(lambda environment, **_: current().stop())
    events.report_to_master.add_listener(lambda client_id, data, **_: current().report(data))
    events.worker_report.add_listener(
        lambda client_id, data, **_: current().merge(client_id, data))
