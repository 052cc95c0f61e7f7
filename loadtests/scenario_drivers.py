"""What a user does in each scenario, in the closed or the open model.

A :class:`Driver` belongs to one locust user. Its :meth:`~Driver.step` is the user's only
task: in the closed model it does one unit of work (one batch, answer awaited); in the
open model it waits for the next intended send time of its :class:`ArrivalSchedule` and
starts the unit in a pooled greenlet. A unit measures latency from the intended time
(open) or the send (closed), reads the accepted contacts from the answer, and follows
whatever the answer points at: a queued import job (polled with backoff) or a WebSocket
transaction (the ending event). The scenario's own requests are recorded in the
harness's recorder; helper requests (job polls, bulk creates that make ids for
add-to-list) are only in locust's statistics, under their own names. Every request,
helpers included, is shown to the run's :class:`~loadtests.transport_failures.TransportWatch`:
once the target has stopped answering, the run is aborted and the users send nothing more.

Runs inside locust (gevent); the user object comes from ``locustfile.py``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any
from urllib.parse import quote

import gevent  # type: ignore[import-untyped]
import orjson
from gevent.lock import Semaphore  # type: ignore[import-untyped]

from bulkbench.core.catalog import Endpoint
from bulkbench.loadtests.accepted_contacts import (
    Accepted,
    from_ending_event,
    from_job,
    from_response,
)
from bulkbench.loadtests.arrival_rate import ArrivalSchedule
from bulkbench.loadtests.bulk_requests import Answer, send
from bulkbench.loadtests.run_context import RunContext
from bulkbench.loadtests.websocket_progress import ProgressSocket, ending_event_name

__all__ = ["DRIVERS", "AddToListDriver", "BatchDriver", "Driver", "ImportDriver"]

log = logging.getLogger("bulkbench.load")

_STOPPING = "stopping"  # locust.user.task.LOCUST_STATE_STOPPING
_MAX_HONOURED_WAIT = 60.0


def request_name(endpoint: Endpoint, label: str = "") -> str:
    return f"{endpoint.method} {endpoint.path}" + (f" [{label}]" if label else "")


class Driver:
    """The per-user engine: pacing, the open-model schedule, recording."""

    def __init__(self, user: Any, ctx: RunContext) -> None:
        self.user = user
        self.ctx = ctx
        self.client = user.client
        self.settings = ctx.settings
        self.plan = ctx.plan
        #: where a success body keeps the transaction the progress events follow (D7).
        self.transaction_pointer = str(self.plan.assumptions.get("transaction_id_pointer",
                                                                 "/uuid"))
        self.recorder = ctx.recorder
        self.contacts = ctx.contact_run()
        self.schedule = (ArrivalSchedule(self.settings.bb_rate, self.settings.bb_max_in_flight)
                         if self.settings.open_model else None)
        self._next_send = 0.0

    # ------------------------------------------------------------------ the task

    def stopping(self) -> bool:
        return bool(self.user._state == _STOPPING)

    def step(self) -> None:
        if self.ctx.transport.tripped:  # the run is being stopped: send nothing more
            self.sleep(0.5)
            return
        if self.schedule is not None:
            self.schedule.dispatch_next(self.work, self.stopping)
            return
        ceiling = self.ctx.closed_ceiling
        if ceiling > 0:
            self.sleep(self._next_send - time.perf_counter())
            self._next_send = max(self._next_send, time.perf_counter()) + 1.0 / ceiling
        if not self.stopping():
            self.work(None)

    def work(self, intended: float | None) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.schedule is not None:
            self.schedule.drain(timeout=max(1.0, self.user.environment.stop_timeout or 5.0))
            self.recorder.add_number("late_sends", self.schedule.late)
            self.recorder.add_number("max_send_lag_ms", self.schedule.max_lag * 1000, "max")
            self.recorder.add_number("scheduled_sends", self.schedule.sent)
            self.recorder.add_number("first_intended_wall", self.schedule.t0_wall or 0, "min")
            self.recorder.add_number("rate_per_user", self.settings.bb_rate, "max")

    def sleep(self, seconds: float) -> None:
        """Sleep, in slices, unless the user is asked to stop."""
        end = time.perf_counter() + seconds
        while not self.stopping():
            left = end - time.perf_counter()
            if left <= 0:
                return
            gevent.sleep(min(left, 0.05))

    # ------------------------------------------------------------------ helpers

    def body(self, endpoint: Endpoint, size: int) -> bytes:
        started = time.perf_counter()
        body = self.contacts.body_bytes(endpoint, size)
        self.recorder.add_number("generator_seconds", time.perf_counter() - started)
        return body

    def send(self, method: str, path: str, body: bytes | None, name: str) -> Answer:
        """One request of this user, shown to the run's transport watch."""
        answer = send(self.client, method, path, body=body, headers=self.ctx.headers,
                      name=name, rate_headers=self.ctx.plan.provider.rate_headers)
        self.recorder.transfer(sent_wall=answer.sent_wall, done_wall=answer.done_wall,
                               bytes_sent=answer.bytes_sent,
                               bytes_received=answer.bytes_received)
        if self.ctx.transport.observe(answer.status != 0, answer.error):
            self.ctx.abort(self.ctx.transport.reason)
        return answer

    def post(self, endpoint: Endpoint, body: bytes, label: str, path: str | None = None
             ) -> Answer:
        return self.send(endpoint.method, path or endpoint.path, body,
                         request_name(endpoint, label))

    def origin(self, answer: Answer, intended: float | None) -> tuple[float, float]:
        """``(perf, wall)`` latency is measured from: the intended time, else the send."""
        if intended is not None and self.schedule is not None:
            return intended, self.schedule.wall_of(intended)
        return answer.sent_perf, answer.sent_wall

    def record(self, answer: Answer, label: str, contacts: int, intended: float | None
               ) -> float:
        start_perf, start_wall = self.origin(answer, intended)
        latency = answer.done_perf - start_perf
        self.recorder.record(label=label, status=answer.status, ok=answer.ok,
                             contacts=contacts, sent_wall=start_wall,
                             done_wall=answer.done_wall, latency_s=latency,
                             remaining=answer.remaining)
        if (answer.status == 429 and self.schedule is None
                and self.settings.bb_on_429 == "honour"):
            self.sleep(min(answer.retry_after or 1.0, _MAX_HONOURED_WAIT))
        return start_perf

    def follow_job(self, job_id: str, label: str, start_perf: float) -> None:
        """Poll the job status path (``import_job_status_path``: the provider config's,
        else the spec's) with backoff until the job completes (or fails). A 2xx answer
        without a job status (the body the spec assumes: ``status``, at the top or under
        ``data``) is counted as ``job_answers_unreadable`` and logged once; the run goes
        on without following that job."""
        template = self.plan.job_status_path
        if not template:
            self.recorder.add_number("jobs_not_followed", 1)
            return
        path = template.replace("{job_id}", quote(job_id, safe=""))
        name = f"GET {template}"
        delay = 0.05
        deadline = time.perf_counter() + self.settings.bb_job_timeout
        while time.perf_counter() < deadline and not self.ctx.transport.tripped:
            gevent.sleep(delay)
            answer = self.send("GET", path, None, name)
            if answer.ok:
                status, accepted = from_job(answer.body)
                if status == "unknown":  # no status where the assumed job body has one
                    self.job_unreadable(template, answer.body)
                    return
                if status == "completed":
                    self.recorder.add_contacts(label, accepted, answer.done_wall)
                    self.recorder.record_latency("import_completed", label=label,
                                                 latency_s=answer.done_perf - start_perf,
                                                 done_wall=answer.done_wall)
                    return
                if status == "failed":
                    self.recorder.add_number("jobs_failed", 1)
                    return
            elif answer.status == 429:
                delay = max(delay, min(answer.retry_after or 1.0, _MAX_HONOURED_WAIT))
                continue
            elif answer.status:
                self.recorder.add_number("job_poll_errors", 1)
                return
            delay = min(delay * 1.6, 2.0)
        if not self.ctx.transport.tripped:
            self.recorder.add_number("jobs_timed_out", 1)

    def job_unreadable(self, template: str, body: Any) -> None:
        """A job answer without the status the spec assumes: counted, logged once (the
        keys it has, never its values), and the job no longer followed."""
        self.recorder.add_number("job_answers_unreadable", 1)
        if self.ctx.warned_job_body:
            return
        self.ctx.warned_job_body = True
        data = body.get("data", body) if isinstance(body, dict) else body
        keys = sorted(map(str, data))[:12] if isinstance(data, dict) else []
        log.warning("bulkbench: the answer of GET %s has no job status (data.status or "
                    "status; it has %s): queued jobs are not followed; is "
                    "import_job_status_path right?", template,
                    ", ".join(keys) if keys else f"no object but {type(data).__name__}")


class BatchDriver(Driver):
    """steady, sweep and websocket: batches of generated contacts to one endpoint."""

    def __init__(self, user: Any, ctx: RunContext) -> None:
        super().__init__(user, ctx)
        self.endpoint = ctx.plan.endpoint
        self.socket: ProgressSocket | None = None
        self.connecting = Semaphore()  # open model: one greenlet opens the socket
        if self.endpoint.websocket and ctx.socket_target is not None:
            self.socket = ProgressSocket(ctx.socket_target,
                                         ending_event_name(self.endpoint.websocket),
                                         self.settings.bb_timeout)

    def size_and_label(self) -> tuple[int, str]:
        sizes = self.plan.sizes
        if self.plan.scenario != "sweep" or len(sizes) == 1:
            return self.plan.batch_size, ""
        stage = int((time.perf_counter() - self.ctx.start_perf) / self.settings.bb_stage_seconds)
        size = sizes[min(stage, len(sizes) - 1)]
        return size, f"batch={size}"

    def ensure_socket(self) -> bool:
        if self.socket is None or self.socket.connected:
            return True
        with self.connecting:
            if self.socket.connected:
                return True
            try:
                self.socket.connect()
                return True
            except ConnectionError as exc:
                log.error("%s", exc)
                self.recorder.add_number("websocket_connect_errors", 1)
                # no WebSocket, no request: a channel that never opens is a target that
                # does not answer (the transport watch stops the run)
                if self.ctx.transport.observe(False, str(exc)):
                    self.ctx.abort(self.ctx.transport.reason)
                self.sleep(1.0)
                return False

    def send_batch(self, intended: float | None) -> tuple[Answer, Accepted, str, float]:
        """Post one generated batch and record it: the answer, what it accepted, its label
        and the time its latency is measured from."""
        size, label = self.size_and_label()
        answer = self.post(self.endpoint, self.body(self.endpoint, size), label)
        accepted = (from_response(answer.body, size, self.transaction_pointer) if answer.ok
                    else Accepted(0))
        return answer, accepted, label, self.record(answer, label, accepted.contacts, intended)

    def work(self, intended: float | None) -> None:
        if not self.ensure_socket():
            return
        answer, accepted, label, start_perf = self.send_batch(intended)
        if not answer.ok:
            return
        if accepted.job_id:
            self.follow_job(accepted.job_id, label, start_perf)
        elif accepted.transaction and self.socket is not None:
            self.follow_transaction(accepted.transaction, label, start_perf)

    def follow_transaction(self, uuid: str, label: str, start_perf: float) -> None:
        assert self.socket is not None
        ending = self.socket.wait_ending(uuid, self.settings.bb_job_timeout)
        if ending is None:
            self.recorder.add_number("websocket_endings_missed", 1)
            return
        data, done_perf, done_wall = ending
        self.recorder.add_contacts(label, from_ending_event(data), done_wall)
        self.recorder.record_latency("ws_ending", label=label, latency_s=done_perf - start_perf,
                                     done_wall=done_wall)

    def stop(self) -> None:
        super().stop()
        if self.socket is not None:
            self.socket.close()


class ImportDriver(BatchDriver):
    """import: synchronous and queued batches in turn; submit → completed for both."""

    def __init__(self, user: Any, ctx: RunContext) -> None:
        super().__init__(user, ctx)
        self.turn = 0

    def size_and_label(self) -> tuple[int, str]:
        sync_size, queued_size = self.plan.sizes
        self.turn += 1
        return (sync_size, "sync") if self.turn % 2 else (queued_size, "queued")

    def work(self, intended: float | None) -> None:
        answer, accepted, label, start_perf = self.send_batch(intended)
        if not answer.ok:
            return
        if accepted.job_id:
            self.follow_job(accepted.job_id, label, start_perf)
        else:
            self.recorder.record_latency("import_completed", label=label,
                                         latency_s=answer.done_perf - start_perf,
                                         done_wall=answer.done_wall)


class AddToListDriver(Driver):
    """add_to_list: fresh contact ids (made by bulk create) added to one list."""

    def __init__(self, user: Any, ctx: RunContext) -> None:
        super().__init__(user, ctx)
        self.endpoint = ctx.plan.endpoint
        assert ctx.plan.helper is not None  # resolve_plan guarantees a bulk create endpoint
        self.helper = ctx.plan.helper
        self.ids: deque[str] = deque()
        self.refilling = Semaphore()
        self.path = self.endpoint.path.replace(
            "{id}", quote(self.settings.bb_list_id, safe="")).replace(
            "{list_id}", quote(self.settings.bb_list_id, safe=""))
        self.prefix, self.suffix = b'{"' + (self.endpoint.batch_field or "").encode() + b'":', b"}"

    def refill(self, need: int) -> bool:
        size = self.helper.max_batch or need
        while len(self.ids) < need:
            answer = self.post(self.helper, self.body(self.helper, max(size, need)), "setup")
            if not answer.ok:
                self.sleep(min(answer.retry_after or 1.0, _MAX_HONOURED_WAIT))
                return False
            data = answer.body.get("data", answer.body) if isinstance(answer.body, dict) else {}
            items = data.get("contacts", []) if isinstance(data, dict) else []
            self.ids.extend(str(c["id"]) for c in items if isinstance(c, dict) and "id" in c)
            if not items:
                return False
        return True

    def work(self, intended: float | None) -> None:
        size = self.plan.batch_size
        with self.refilling:  # open model: one greenlet refills, the others wait for it
            if len(self.ids) < size and not self.refill(size):
                return
            batch = [self.ids.popleft() for _ in range(size)]
        body = self.prefix + orjson.dumps(batch) + self.suffix
        answer = self.post(self.endpoint, body, "", path=self.path)
        accepted = (from_response(answer.body, size, self.transaction_pointer) if answer.ok
                    else Accepted(0))
        self.record(answer, "", accepted.contacts, intended)


#: scenario → driver class (the rate-limit probe has its own, in rate_limit_probe.py).
DRIVERS: dict[str, type[Driver]] = {
    "steady": BatchDriver,
    "sweep": BatchDriver,
    "websocket": BatchDriver,
    "import": ImportDriver,
    "add_to_list": AddToListDriver,
}
