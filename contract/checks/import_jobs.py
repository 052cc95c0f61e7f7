"""LeadLex queued imports: the job completes, its contacts exist, the ``import.completed``
webhook arrives signed and with the job's counts, and another workspace cannot read the
job.

A queued import is eventual: nothing is read back at once. One scenario per run (shared
by the checks here) queues an import one row above the synchronous threshold (one row
without ``full_name``), polls the job-status path until the job ends or ``--job-timeout``
passes, and waits for the webhook at the harness's receiver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from bulkbench.contract.checks.case_selection import is_endpoint
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.error_bodies import error_code
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.requests import result_data, send_batch
from bulkbench.contract.webhook_receiver import ReceivedHook
from bulkbench.core.json_pointer import resolve

__all__: list[str] = []

IMPORT = "leadlex.import_contacts"
STATUS = "leadlex.import_job_status"
_POLL_SECONDS = 0.2


@dataclass
class _Queued:
    """What happened to the run's queued import."""

    rows: list[dict[str, Any]]
    submitted: Exchange
    job_id: str | None = None
    problem: str | None = None
    job: dict[str, Any] | None = None
    last_poll: Exchange | None = None
    waited: float = 0.0
    hooks: list[ReceivedHook] = field(default_factory=list)
    #: the assumption keys the problem comes down to (empty: a contract failure).
    problem_keys: tuple[str, ...] = ()


def _read_job(ctx: CheckContext, body: Any) -> dict[str, Any]:
    """A job status answer read through the pointers the config settles, its state by
    meaning (``completed``, ``failed``, or the provider's own word for pending)."""
    counts = resolve(body, str(ctx.assumed("job_counts_pointer")))
    job: dict[str, Any] = dict(counts) if isinstance(counts, dict) else {}
    state = resolve(body, str(ctx.assumed("job_status_pointer")))
    states = ctx.assumed("job_states")
    job["status"] = ("completed" if state == states["done"] else
                     "failed" if state == states["failed"] else state)
    job["known_state"] = state in (states["done"], states["failed"], *states["pending"])
    return job


def _job_path(ctx: CheckContext, job_id: str) -> str:
    return ctx.target.job_status_path.replace("{job_id}", job_id)


def _queued(ctx: CheckContext) -> _Queued:
    key = f"queued:{ctx.target.name}"
    found = ctx.session.cache.get(key)
    if isinstance(found, _Queued):
        return found
    endpoint = ctx.session.catalog.endpoint(IMPORT)
    size = (endpoint.sync_max_rows or 0) + 1
    rows = ctx.session.contacts(endpoint, size)
    rows[-1] = {k: v for k, v in rows[-1].items() if k != "full_name"}
    ctx.session.cache[key] = None  # a crash below must not make the next check retry
    submitted = send_batch(ctx, endpoint, {"rows": rows})
    scenario = _Queued(rows, submitted)
    ctx.session.cache[key] = scenario
    if not ctx.succeeded(submitted):
        scenario.problem = f"the import of {size} rows answered {submitted.status}"
        return scenario
    data = result_data(submitted.json())
    job_id = data.get("job_id")
    if data.get("status") != "queued" or not isinstance(job_id, str):
        scenario.problem = (f"the import of {size} rows answered status "
                            f"{data.get('status')!r}, job_id {job_id!r}; expected a queued job")
        scenario.job_id = job_id if isinstance(job_id, str) else None
        return scenario
    scenario.job_id = job_id
    started = time.monotonic()
    deadline = started + ctx.target.job_timeout
    while True:
        poll = ctx.client.send("GET", _job_path(ctx, job_id))
        scenario.last_poll = poll
        if poll.status != 200:
            scenario.problem = f"the job status path answered {poll.status}"
            scenario.problem_keys = ("import_job_status_path",)
            break
        job = _read_job(ctx, poll.json())
        scenario.job = job
        if job.get("status") in ("completed", "failed"):
            break
        if not job["known_state"]:
            scenario.problem = (f"the job's state {job.get('status')!r} is none of the "
                                "states the config settles")
            scenario.problem_keys = ("job_status_pointer", "job_states")
            break
        if time.monotonic() > deadline:
            scenario.problem = (f"the job is still {job.get('status')!r} after "
                                f"{ctx.target.job_timeout:g} s")
            break
        time.sleep(_POLL_SECONDS)
    scenario.waited = time.monotonic() - started
    receiver = ctx.session.receiver(ctx.target)
    if receiver is not None and scenario.problem is None:
        scenario.hooks = receiver.wait_for(lambda h: _names_job(h, job_id),
                                           ctx.target.job_timeout)
    return scenario


def _names_job(hook: ReceivedHook, job_id: str) -> bool:
    """Whether ``hook`` is about job ``job_id``: the id is a string of its JSON body,
    wherever the payload keeps it (``webhook_data_pointer`` is the check's to read)."""
    return orjson.dumps(job_id) in hook.body


def _ended(ctx: CheckContext) -> _Queued:
    scenario = _queued(ctx)
    if scenario.problem is not None:
        if scenario.problem_keys:
            ctx.mismatch(scenario.problem_keys, "job not readable as assumed",
                         scenario.problem, scenario.last_poll or scenario.submitted)
        ctx.fail("queued import did not complete", scenario.problem,
                 scenario.last_poll or scenario.submitted)
    return scenario


@check(group="semantics", endpoints=is_endpoint(IMPORT),
       doc=("larger imports are queued and can be tracked via the returned `job_id`",))
def queued_import_completes(ctx: CheckContext) -> None:
    """An import above the threshold is queued, reaches completed, and its rows exist."""
    scenario = _ended(ctx)
    job = scenario.job or {}
    total = len(scenario.rows)
    ctx.expect(job.get("status") == "completed", "job failed",
               f"the job ended {job.get('status')!r}", scenario.last_poll)
    counts = [job.get(k) for k in ("created_count", "updated_count", "skipped_count")]
    numbers = [c for c in counts if isinstance(c, int)]
    ctx.expect(len(numbers) == len(counts) and sum(numbers) == total,
               "job counts do not add up",
               f"created/updated/skipped {counts} for {total} rows", scenario.last_poll)
    ctx.expect(counts == [total - 1, 0, 1], "wrong job counts",
               f"created/updated/skipped {counts}; expected [{total - 1}, 0, 1] ({total} new "
               "rows, the last without full_name)", scenario.last_poll)
    if "processed_rows" in job or "total_rows" in job:  # the job's own fields are assumed
        ctx.expect(job.get("processed_rows") == job.get("total_rows") == total,
                   "rows unprocessed", f"processed {job.get('processed_rows')} of "
                   f"{job.get('total_rows')} (sent {total})", scenario.last_poll)
    if "errors" in job:
        errors = job.get("errors") or []
        failed_rows = [e.get("row_number") for e in errors if isinstance(e, dict)]
        ctx.expect(failed_rows == [total], "wrong row errors",
                   f"row errors at {failed_rows}; expected row {total} (no full_name)",
                   scenario.last_poll)
    sample = scenario.rows[:3]
    again = send_batch(ctx, ctx.endpoint, {"rows": sample, "update_existing": False})
    data = result_data(again.json()) if ctx.succeeded(again) else {}
    ctx.expect(data.get("skipped_count") == len(sample) and data.get("created_count") == 0,
               "queued rows not stored",
               f"importing {len(sample)} rows of the completed job again answered "
               f"{again.status} {data}; they should all exist (skipped)", again)


def _hook(ctx: CheckContext) -> ReceivedHook:
    scenario = _ended(ctx)
    if not scenario.hooks:
        ctx.fail("no import.completed webhook",
                 f"the job {scenario.job_id} completed but no webhook for it reached the "
                 f"receiver within {ctx.target.job_timeout:g} s", scenario.last_poll)
    return scenario.hooks[0]


@check(group="semantics", endpoints=is_endpoint(IMPORT), needs=("webhook",),
       doc=("Large imports emit an `import.completed` webhook event when done",))
def import_webhook_delivered(ctx: CheckContext) -> None:
    """The import.completed webhook arrives once the job ended, with the job's counts."""
    hook = _hook(ctx)
    scenario = _ended(ctx)
    webhook = ctx.target.webhook
    assert webhook is not None
    ctx.expect(hook.header(webhook.event_header) == "import.completed", "wrong event header",
               f"{webhook.event_header}: {hook.header(webhook.event_header)!r}")
    try:
        payload = orjson.loads(hook.body)
    except orjson.JSONDecodeError:
        ctx.fail("webhook body is not JSON", hook.body[:300].decode(errors="replace"))
    pointer = str(ctx.assumed("webhook_data_pointer"))  # NOTES L14: the payload is assumed
    data = resolve(payload, pointer) if isinstance(payload, dict) else None
    ctx.expect_assumed(("webhook_data_pointer",), isinstance(payload, dict) and payload.get(
        "event") == "import.completed" and isinstance(data, dict) and "status" in data,
        "wrong webhook payload", f"no job at {pointer or '/'} of the payload {payload}")
    assert isinstance(data, dict)
    job = scenario.job or {}
    for name in ("status", "created_count", "updated_count", "skipped_count"):
        ctx.expect(data.get(name) == job.get(name), "webhook counts differ from the job",
                   f"webhook {name} = {data.get(name)!r}, job status says {job.get(name)!r}")


def _signature(secret: str, body: bytes, form: str) -> str:
    """The HMAC-SHA256 of ``body`` keyed with ``secret``, written as ``form`` settles."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    if form == "base64":
        return base64.b64encode(digest.digest()).decode()
    return ("sha256=" if form == "sha256=hex" else "") + digest.hexdigest()


@check(group="semantics", endpoints=is_endpoint(IMPORT), needs=("webhook",),
       consequence="a signature is worth something only when it is the keyed hash of the "
                   "body: how it is written and in which header is open (NOTES L14)")
def import_webhook_signature(ctx: CheckContext) -> None:
    """The webhook's signature is the HMAC-SHA256 of its raw body with the shared secret,
    in the header and form the config settles."""
    hook = _hook(ctx)
    webhook = ctx.target.webhook
    assert webhook is not None
    got = hook.header(webhook.signature_header)
    ctx.expect_assumed("webhook_signature_header", got is not None, "webhook unsigned",
                       f"no {webhook.signature_header} header")
    assert got is not None
    form = str(ctx.assumed("webhook_signature_format"))
    if hmac.compare_digest(got, _signature(webhook.secret, hook.body, form)):
        return
    others = [f for f in ("sha256=hex", "hex", "base64") if f != form
              and hmac.compare_digest(got, _signature(webhook.secret, hook.body, f))]
    seen = others[0] if others else ""
    ctx.expect_assumed("webhook_signature_format", not others, "signature in another form",
                       f"{webhook.signature_header} holds the HMAC-SHA256 as {seen}, "
                       f"not {form}")
    ctx.require(False, "bad webhook signature",
                f"{webhook.signature_header}: {got[:20]}… is not the HMAC-SHA256 of the body "
                "with the webhook secret, in any form")


@check(group="auth", endpoints=is_endpoint(STATUS), needs=("other_workspace_key",),
       assumes=("import_job_status_path",),
       note="NOTES L8: a job of another workspace is 404 not_found")
def other_workspace_job_404(ctx: CheckContext) -> None:
    """A job started by another workspace's key is a 404 for this workspace's key (and, on
    every reading of the undocumented job API, never readable by it)."""
    importer = ctx.session.catalog.endpoint(IMPORT)
    rows = ctx.session.contacts(importer, 1)
    theirs = send_batch(ctx, importer, {"rows": rows}, role="other_workspace")
    ctx.expect(ctx.succeeded(theirs), "setup request failed",
               f"an import with the other workspace's key answered {theirs.status}")
    job_id = result_data(theirs.json()).get("job_id")
    ctx.expect(isinstance(job_id, str), "no job_id", "the import answered no job_id")
    assert isinstance(job_id, str)
    own = ctx.client.send("GET", _job_path(ctx, job_id), role="other_workspace")
    ctx.expect(own.status == 200, "job not readable by its own workspace",
               f"the job's own workspace reads it with {own.status}")
    other = ctx.client.send("GET", _job_path(ctx, job_id))
    ctx.require((other.status or 0) >= 400, "job of another workspace visible",
                f"another workspace's job answered {other.status} to this workspace's key",
                other)
    ctx.expect(other.status == 404, "job of another workspace not a 404",
               f"another workspace's job answered {other.status} to this workspace's key")
    codes = ctx.endpoint.error_codes(404)
    code = error_code(ctx.target, other.json())
    ctx.expect_assumed("error_code_pointer", not codes or code in codes, "wrong error code",
                       f"error code {code!r}, expected one of {list(codes)}")
