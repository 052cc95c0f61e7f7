"""``summary.json``: the run as one versioned document a machine can gate on.

``"schema": "bulkbench.summary/1"``; ``reports/summary.schema.json`` is its JSON Schema.
Within ``/1`` fields are only ever added; a change of meaning or a removal is ``/2``.
It holds the verdict, the steps, and per provider the status of every contract check
(with title, doc reference, seed and curl for the failures), each load run's throughput
and latency, its SLA verdicts and the rate-limit probe's findings. ``report --compare``
reads it, so a kept ``summary.json`` is enough to compare against.

Each load run says whether it ran to its end: ``aborted`` is null, or ``{"reason": …}``
when it stopped early because the target did not answer (the verdict is then incomplete,
and its ``sla.judged`` is false: its thresholds fail nothing); its errors count apart
those without any HTTP answer (``transport_errors``) and the 5xx answers
(``server_errors``). The probe's ``verdict`` is ``honest``, ``not honest`` or
``inconclusive`` (``honest`` null, ``inconclusive`` saying why; a probe whose run stopped
early is inconclusive too). The repetitions of a repeated load run (``bulkbench run
--repeat``) are load runs each, ``repetition`` saying which (null: not repeated).
"""

from __future__ import annotations

import datetime as dt
from importlib import metadata
from typing import Any

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.load_results import LoadRun
from bulkbench.reports.run_folder import RunData
from bulkbench.reports.verdict import Verdict

__all__ = ["SUMMARY_SCHEMA", "build_summary", "iso_time"]

SUMMARY_SCHEMA = "bulkbench.summary/1"
#: the probe's findings copied into the summary (the rest stays in the run folder).
_PROBE_FIELDS = ("enforced", "headers_present", "advertised_limit",
                 "observed_limit", "remaining_decrements_by_one",
                 "remaining_reaches_zero_at_first_429", "accepted_beyond_limit", "problems")


def iso_time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _version() -> str:
    try:
        return metadata.version("bulkbench")
    except metadata.PackageNotFoundError:
        return "unknown"


def _check(record: CheckRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"endpoint": record.endpoint, "check": record.check,
                           "case": record.case, "status": record.status,
                           "basis": record.basis}
    if record.status == "skipped" and record.reason:
        out["reason"] = record.reason
    if record.status == "mismatch":
        out["settle_with"] = list(record.settle_with)
    if record.failure is not None and record.status != "skipped":
        out.update(title=record.failure.title, message=record.failure.message[:2000],
                   curl=record.failure.curl, seed=record.seed,
                   doc=None if record.doc is None else {
                       "sentence": record.doc.sentence, "seed": record.doc.seed,
                       "url": record.doc.url})
    return out


def _probe(run: LoadRun) -> dict[str, Any] | None:
    probe = run.rate_limit
    if probe is None:
        return None
    return {"honest": run.probe_honest, "verdict": run.probe_verdict,
            "inconclusive": run.probe_inconclusive_reasons,
            **{k: probe.get(k) for k in _PROBE_FIELDS}}


def _load(run: LoadRun) -> dict[str, Any]:
    return {
        "scenario": run.scenario, "endpoint": run.endpoint, "model": run.model,
        "users": run.users, "batch_size": run.batch_size,
        "window_seconds": run.window_seconds, "requests": run.requests, "ok": run.ok,
        "aborted": None if run.aborted is None else {"reason": run.aborted},
        "contacts": run.contacts, "rate_limited": run.rate_limited, "errors": run.errors,
        "transport_errors": run.transport_errors, "server_errors": run.server_errors,
        "contacts_per_second": run.contacts_per_second,
        "requests_per_second": run.requests_per_second,
        "latency_ms": run.latency.as_dict(),
        "by_batch_size": [
            {"batch_size": s.batch_size, "requests": s.requests, "contacts": s.contacts,
             "contacts_per_second": s.contacts_per_second, "p50_ms": s.latency.p50,
             "p99_ms": s.latency.p99} for s in run.by_batch_size],
        "sla": None if run.sla is None else {
            "passed": run.sla.passed, "judged": not run.failure,
            "verdicts": [{"name": v.name, "threshold": v.threshold, "measured": v.measured,
                          "passed": v.passed, "detail": v.detail} for v in run.sla.verdicts]},
        "rate_limit": _probe(run),
        "folder": (run.folder.name if run.repetition is None
                   else f"{run.folder.parent.name}/{run.folder.name}"),
        "repetition": run.repetition,
    }


def build_summary(run: RunData, verdict: Verdict) -> dict[str, Any]:
    """The ``bulkbench.summary/1`` document of ``run``."""
    manifest = run.manifest
    started = manifest.started_at if manifest else None
    finished = manifest.finished_at if manifest else None
    providers: dict[str, Any] = {}
    for name in run.providers:
        contract = None
        if run.contract is not None and name in run.contract.providers:
            counts = run.contract.counts(name)
            contract = {**counts, "checks": [_check(c) for c in run.contract.for_provider(name)]}
        providers[name] = {"contract": contract,
                           "load": [_load(r) for r in run.load_runs_of(name)]}
    return {
        "schema": SUMMARY_SCHEMA,
        "run": {
            "id": run.run_id,
            "started_at": iso_time(started),
            "finished_at": iso_time(finished),
            "duration_seconds": (round(finished - started, 1)
                                 if started is not None and finished is not None else None),
            "profile": manifest.profile if manifest else None,
            "target": manifest.target if manifest else None,
            "interrupted": run.interrupted,
            "bulkbench_version": (manifest.bulkbench_version if manifest else "") or _version(),
        },
        "verdict": {"status": verdict.status, "complete": verdict.complete,
                    "exit_code": verdict.exit_code, "reasons": list(verdict.reasons),
                    "contract_failed": verdict.contract_failed,
                    "contract_mismatches": verdict.contract_mismatches,
                    "sla_failed": verdict.sla_failed},
        "steps": [{"stage": s.stage, "name": s.name, "status": s.status, "reason": s.reason,
                   "provider": s.provider, "scenario": s.scenario, "seconds": s.seconds}
                  for s in run.steps],
        "problems": list(run.problems),
        "providers": providers,
    }
