"""LeadLex import on a real sandbox process: queued jobs, the import.completed webhook to a
loopback receiver, kill -9 and restart, one Idempotency-Key shared by concurrent requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.process import SandboxProcess, start_sandbox
from tests.sandbox.test_leadlex_import import async_test, counts, sandbox_env

SYNC_MAX = default_catalog().endpoint("leadlex.import_contacts").sync_max_rows or 0
WAIT = 20.0


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.body)
        return data


class Receiver:
    """A webhook receiver on a free loopback port; answers ``status`` (changeable)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[Delivery] = []
        self.answered: list[int] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    status = receiver.status
                    receiver.received.append(Delivery(
                        {k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.answered.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/leadlex"

    def acknowledged(self) -> list[Delivery]:
        with self._lock:
            return [d for d, s in zip(self.received, self.answered, strict=True)
                    if 200 <= s < 300]

    def wait(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out waiting for webhooks"
            time.sleep(0.02)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    try:
        yield rec
    finally:
        rec.close()


def secret_of(sb: SandboxProcess) -> str:
    hook = sb.info["providers"]["leadlex"]["webhooks"]["import.completed"]
    assert hook["signature_header"] == "X-LeadLex-Signature"
    assert sb.info["webhook"]["secret"] == hook["secret"]
    return str(hook["secret"])


def valid_signature(secret: str, delivery: Delivery) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(delivery.headers["x-leadlex-signature"], expected)


class Client:
    """Blocking calls to one running sandbox."""

    def __init__(self, sb: SandboxProcess) -> None:
        self.sb = sb
        self.http = httpx.Client(timeout=WAIT)

    def close(self) -> None:
        self.http.close()

    def headers(self, role: str = "full") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sb.key('leadlex', role)}"}

    def post(self, body: Any) -> dict[str, Any]:
        response = self.http.post(f"{self.sb.base_url('leadlex')}/v1/import/contacts",
                                  json=body, headers=self.headers())
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def job(self, job_id: str, role: str = "full") -> httpx.Response:
        return self.http.get(f"{self.sb.base_url('leadlex')}/v1/import/jobs/{job_id}",
                             headers=self.headers(role))

    def wait_job(self, job_id: str, until: Callable[[dict[str, Any]], bool]
                 ) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while True:
            data: dict[str, Any] = self.job(job_id).json()["data"]
            if until(data):
                return data
            assert time.monotonic() < deadline, f"job not there yet: {data}"
            time.sleep(0.01)

    def admin(self, path: str, **params: str) -> Any:
        response = self.http.get(f"{self.sb.admin_url}/{path}", params=params,
                                 headers=self.sb.admin_headers)
        assert response.status_code == 200, response.text
        return response.json()


def _completed(job: dict[str, Any]) -> bool:
    return job["status"] == "completed"


def test_queued_import_webhook_and_one_key_shared_by_concurrent_requests(
        tmp_path: Path, receiver: Receiver) -> None:
    receiver.status = 500  # the first delivery attempt fails: the sandbox retries
    with start_sandbox(tmp_path, webhook_url=receiver.url, seed=3) as sb:
        secret = secret_of(sb)
        rows = [{"full_name": f"W{i}", "email": f"w{i}@x.com"} for i in range(SYNC_MAX + 100)]
        rows[7] = {"email": "noname@x.com"}
        body = orjson.dumps({"rows": rows, "tags": ["wh"]})

        async def shared_key() -> list[httpx.Response]:
            headers = {**Client(sb).headers(), "Idempotency-Key": "one-job",
                       "Content-Type": "application/json"}
            async with httpx.AsyncClient(timeout=WAIT) as http:
                url = f"{sb.base_url('leadlex')}/v1/import/contacts"
                return await asyncio.gather(*(http.post(url, content=body, headers=headers)
                                              for _ in range(10)))

        responses = asyncio.run(asyncio.wait_for(shared_key(), WAIT))
        assert {r.status_code for r in responses} == {200}
        assert len({r.content for r in responses}) == 1
        job_id = responses[0].json()["data"]["job_id"]
        assert responses[0].json()["data"]["status"] == "queued"

        client = Client(sb)
        try:
            assert len(client.admin("leadlex/import-jobs")["jobs"]) == 1
            job = client.wait_job(job_id, _completed)
            assert counts(job) == (len(rows) - 1, 0, 1)
            assert job["errors"] == [{"row_number": 8, "code": "missing_required_field",
                                      "message": "full_name is required"}]
            assert client.job(job_id, "other_workspace").status_code == 404
            stored = client.admin("leadlex/contacts", workspace="main", limit="10000")
            assert stored["total"] == len(rows) - 1
            assert all(c["data"]["tags"] == ["wh"] for c in stored["contacts"])

            receiver.wait(lambda: len(receiver.received) >= 1)
            receiver.status = 200
            receiver.wait(lambda: len(receiver.acknowledged()) >= 1)
            delivered = receiver.acknowledged()[0]
            assert delivered.body == receiver.received[0].body  # a retry sends the same bytes
            assert delivered.headers["x-leadlex-event"] == "import.completed"
            assert delivered.headers["content-type"] == "application/json"
            assert valid_signature(secret, delivered)
            payload = delivered.payload
            assert payload["event"] == "import.completed" and payload["created_at"]
            assert payload["data"] == {"job_id": job_id, "status": "completed",
                                       "created_count": job["created_count"],
                                       "updated_count": 0, "skipped_count": 1,
                                       "errors": job["errors"]}

            def delivered_state() -> dict[str, Any]:
                found: dict[str, Any] = client.admin("leadlex/webhooks", job_id=job_id)
                return found

            receiver.wait(lambda: delivered_state()["deliveries"][0]["status"] == "delivered")
            state = delivered_state()["deliveries"]
            assert len(state) == 1 and state[0]["attempts"] >= 2
            codes = [a["status_code"] for a in state[0]["attempt_log"]]
            assert len(codes) == state[0]["attempts"]
            assert codes[-1] == 200 and set(codes[:-1]) == {500}
        finally:
            client.close()


def test_kill_9_mid_job_resumes_and_pending_webhook_survives(
        tmp_path: Path, receiver: Receiver) -> None:
    total = 20_000
    receiver.status = 503
    rows = [{"full_name": f"K{i}", "email": f"k{i}@x.com"} for i in range(total)]
    with start_sandbox(tmp_path, webhook_url=receiver.url, latency_ms=25, seed=5) as sb:
        secret = secret_of(sb)
        client = Client(sb)
        try:
            job_id = client.post({"rows": rows})["job_id"]
            client.wait_job(job_id, lambda j: j["processed_rows"] > 0)
            sb.kill()
            conn = sqlite3.connect(tmp_path / "sandbox.db")
            try:
                status, processed = conn.execute(
                    "SELECT status, processed_rows FROM leadlex_import_jobs WHERE id = ?",
                    (job_id,)).fetchone()
            finally:
                conn.close()
            assert status == "running" and 0 < processed < total

            sb.restart()
            job = client.wait_job(job_id, _completed)
            assert counts(job) == (total, 0, 0)
            assert client.admin("counts")["contacts"]["leadlex"] == {"main": total}
            emails = [c["email"] for offset in range(0, total, 10_000) for c in client.admin(
                "leadlex/contacts", workspace="main", limit="10000", offset=str(offset)
            )["contacts"]]
            assert len(emails) == len(set(emails)) == total

            # the receiver refuses: the delivery stays pending across a kill -9
            receiver.wait(lambda: len(receiver.received) >= 1)
            sb.kill()
            receiver.status = 204
            sb.restart()
            receiver.wait(lambda: len(receiver.acknowledged()) >= 1)
            delivered = receiver.acknowledged()[0]
            assert valid_signature(secret, delivered)
            assert delivered.payload["data"]["job_id"] == job_id
            assert delivered.payload["data"]["created_count"] == total
        finally:
            client.close()


def test_webhook_secret_and_max_attempts_are_options(tmp_path: Path,
                                                     receiver: Receiver) -> None:
    secret = "whsec_given_by_the_test_0123456789"
    receiver.status = 500
    rows = [{"full_name": f"W{i}"} for i in range(SYNC_MAX + 1)]
    with start_sandbox(tmp_path, webhook_url=receiver.url, webhook_secret=secret,
                       webhook_max_attempts=2, seed=9) as sb:
        assert secret_of(sb) == secret
        assert sb.info["webhook"]["max_attempts"] == 2
        # the secret travels in the child's environment, not on its command line
        assert secret.encode() not in Path(f"/proc/{sb.pid}/cmdline").read_bytes()
        client = Client(sb)
        try:
            job_id = client.post({"rows": rows})["job_id"]
            client.wait_job(job_id, _completed)
            receiver.wait(lambda: len(receiver.received) >= 2)

            def failed() -> bool:
                [delivery] = client.admin("leadlex/webhooks", job_id=job_id)["deliveries"]
                return bool(delivery["status"] == "failed")

            receiver.wait(failed)
            time.sleep(0.6)  # past the backoff a third attempt would have waited
            assert len(receiver.received) == 2
            assert all(valid_signature(secret, d) for d in receiver.received)
        finally:
            client.close()


# --------------------------------------------------------------------------- webhook faults


async def _one_queued_job(data_dir: Path, url: str, fault: str | None) -> str:
    faults = frozenset({fault}) if fault else frozenset()
    async with sandbox_env(data_dir, webhook_url=url, faults=faults) as env:
        rows = [{"full_name": f"F{i}"} for i in range(SYNC_MAX + 1)]
        rows[0] = {}
        job_id: str = (await env.data({"rows": rows}))["job_id"]
        await env.wait_job(job_id)
        deadline = time.monotonic() + WAIT
        while not (await env.admin(f"webhooks?job_id={job_id}"))["deliveries"] or any(
                d["status"] == "pending"
                for d in (await env.admin(f"webhooks?job_id={job_id}"))["deliveries"]):
            if fault == "leadlex_webhook_not_sent":
                await asyncio.sleep(0.2)
                break
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        secret: str = env.sandbox.webhook_secret
        return secret


@pytest.mark.parametrize("fault", [None, "leadlex_webhook_bad_signature",
                                   "leadlex_webhook_not_sent", "leadlex_webhook_counts_wrong"])
def test_webhook_faults(tmp_path: Path, receiver: Receiver, fault: str | None) -> None:
    secret = ""

    @async_test
    async def scenario() -> None:
        nonlocal secret
        secret = await _one_queued_job(tmp_path, receiver.url, fault)

    scenario()
    got = receiver.acknowledged()
    if fault == "leadlex_webhook_not_sent":
        assert got == []
        return
    assert len(got) == 1
    data = got[0].payload["data"]
    assert valid_signature(secret, got[0]) == (fault != "leadlex_webhook_bad_signature")
    assert got[0].headers["x-leadlex-signature"].startswith("sha256=")
    faithful = (SYNC_MAX, 0, 1)
    assert ((data["created_count"], data["updated_count"], data["skipped_count"]) == faithful
            ) == (fault != "leadlex_webhook_counts_wrong")


def test_no_webhook_for_synchronous_imports_or_without_a_url(tmp_path: Path,
                                                               receiver: Receiver) -> None:
    @async_test
    async def scenario() -> None:
        async with sandbox_env(tmp_path / "a", webhook_url=receiver.url) as env:
            await env.data({"rows": [{"full_name": "S"}]})
            await asyncio.sleep(0.2)
            assert (await env.admin("webhooks"))["deliveries"] == []
        async with sandbox_env(tmp_path / "b") as env:
            job_id = (await env.data({"rows": [{"full_name": f"N{i}"}
                                               for i in range(SYNC_MAX + 1)]}))["job_id"]
            await env.wait_job(job_id)
            assert (await env.admin("webhooks"))["deliveries"] == []

    scenario()
    assert receiver.received == []
