"""LeadLex import through the app's ASGI interface: rows, CSV, matching, jobs, idempotency.

Each test builds a real sandbox app on a fresh data folder, runs its start-up hooks (the
import worker and the webhook sender) and talks to it with ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.batch_chunks import MIN_BODY_BYTES, split_body
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.runtime import Sandbox
from bulkbench.sandbox.settings import SandboxSettings
from bulkbench.sandbox.storage import lists_of

IMPORT = "/leadlex/v1/import/contacts"
SYNC_MAX = default_catalog().endpoint("leadlex.import_contacts").sync_max_rows or 0
TIMEOUT = 30.0


def async_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop, bounded by TIMEOUT."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def bounded() -> None:
            await asyncio.wait_for(fn(*args, **kwargs), TIMEOUT)
        asyncio.run(bounded())
    return wrapper


@dataclass
class Env:
    client: httpx.AsyncClient
    sandbox: Sandbox

    def key(self, role: str = "full") -> str:
        return next(k.key for k in self.sandbox.keys.of("leadlex") if k.role == role)

    def auth(self, role: str = "full") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key(role)}"}

    async def post(self, body: Any, *, role: str = "full", key: str | None = None,
                   content: bytes | None = None) -> httpx.Response:
        headers = self.auth(role)
        if key is not None:
            headers["Idempotency-Key"] = key
        if content is not None:
            return await self.client.post(IMPORT, content=content, headers={
                **headers, "Content-Type": "application/json"})
        return await self.client.post(IMPORT, json=body, headers=headers)

    async def data(self, body: Any, **kw: Any) -> dict[str, Any]:
        response = await self.post(body, **kw)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def job(self, job_id: str, role: str = "full") -> httpx.Response:
        return await self.client.get(f"/leadlex/v1/import/jobs/{job_id}", headers=self.auth(role))

    async def wait_job(self, job_id: str, status: str = "completed",
                       timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data: dict[str, Any] = (await self.job(job_id)).json()["data"]
            if data["status"] == status:
                return data
            assert time.monotonic() < deadline, f"job still {data['status']}: {data}"
            await asyncio.sleep(0.02)

    async def contacts(self, workspace: str = "main", **filters: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/_sandbox/leadlex/contacts", params={"workspace": workspace, "limit": "10000",
                                                  **filters},
            headers={"Authorization": f"Bearer {self.sandbox.admin_key}"})
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["contacts"]
        return found

    async def admin(self, path: str) -> Any:
        response = await self.client.get(
            f"/_sandbox/leadlex/{path}",
            headers={"Authorization": f"Bearer {self.sandbox.admin_key}"})
        assert response.status_code == 200, response.text
        return response.json()


@contextlib.asynccontextmanager
async def sandbox_env(data_dir: Path, **settings: Any) -> AsyncIterator[Env]:
    app = create_app(SandboxSettings(data_dir=data_dir, seed=7, **settings))
    sandbox = sandbox_of(app)
    await sandbox.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox", timeout=TIMEOUT) as client:
            yield Env(client, sandbox)
    finally:
        await sandbox.stop()


def counts(data: dict[str, Any]) -> tuple[int, int, int]:
    return data["created_count"], data["updated_count"], data["skipped_count"]


# --------------------------------------------------------------------------- rows


@async_test
async def test_rows_import_counts_errors_and_tags(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        rows = [{"full_name": "Jane Doe", "email": "jane@acme.com", "tags": ["vip", "fair"]},
                {"email": "nameless@acme.com"},
                {"full_name": "Bob Smith", "phone": "+15550001", "custom_fields": {"a": 1}}]
        data = await env.data({"rows": rows, "tags": ["fair", "2024"]})
        assert data["status"] == "completed" and data["job_id"]
        assert counts(data) == (2, 0, 1)
        assert sum(counts(data)) == len(rows)
        assert data["errors"] == [{"row_number": 2, "code": "missing_required_field",
                                   "message": "full_name is required"}]
        stored = {c["name"]: c for c in await env.contacts()}
        assert set(stored) == {"Jane Doe", "Bob Smith"}
        assert stored["Jane Doe"]["data"]["tags"] == ["vip", "fair", "2024"]
        assert stored["Jane Doe"]["email"] == "jane@acme.com"
        assert stored["Bob Smith"]["data"]["tags"] == ["fair", "2024"]
        assert stored["Bob Smith"]["data"]["custom_fields"] == {"a": 1}
        assert stored["Bob Smith"]["phone"] == "+15550001"
        # a synchronous import has a job that reads completed at once
        job = (await env.job(data["job_id"])).json()["data"]
        assert job["status"] == "completed" and job["total_rows"] == job["processed_rows"] == 3
        assert counts(job) == counts(data) and job["errors"] == data["errors"]
        assert job["completed_at"] is not None


@async_test
async def test_schema_breaking_rows_and_bodies_are_400_and_import_nothing(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        for body in ({"rows": [{"full_name": "A", "email": "not-an-email"}]},
                     {"rows": [{"full_name": ""}]},
                     {"rows": [{"full_name": 5}]},
                     {"rows": []},
                     {},
                     {"rows": [{"full_name": "A"}], "csv": "full_name\nB\n"},
                     {"csv": "full_name\nB\n", "mapping": {"full_name": "nickname"}},
                     {"csv": "full_name\nB\n", "mapping": ["full_name"]}):
            response = await env.post(body)
            assert response.status_code == 400, (body, response.text)
            assert response.json()["error"]["code"] == "validation_error"
        assert await env.contacts() == []
        assert (await env.admin("import-jobs"))["jobs"] == []


@async_test
async def test_unparseable_csv_header_is_200_with_every_row_invalid(tmp_path: Path) -> None:
    # the body passes the schema, so it is answered 200 (NOTES L11, L27): no column can
    # be mapped, and each data row says why
    async with sandbox_env(tmp_path) as env:
        response = await env.post({"csv": '"full_name"x\nB\nC\n'})
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert counts(data) == (0, 0, 2)
        assert [e["row_number"] for e in data["errors"]] == [1, 2]
        assert {e["code"] for e in data["errors"]} == {"invalid_row"}
        assert "header line cannot be parsed" in data["errors"][0]["message"]
        assert await env.contacts() == []


# --------------------------------------------------------------------------- CSV


@async_test
async def test_csv_import_with_bom_crlf_quotes_mapping_and_row_errors(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        text = ('\ufeffFull Name,Email Address,Notes,Labels\r\n'
                '"Doe, Jane",jane@acme.com,"met at\r\nthe fair",a\r\n'
                '\r\n'
                'Bob,not-an-email,,\r\n'
                ',nobody@acme.com,,\r\n'
                'Carl,"carl"@acme.com,,\r\n'
                'Dana,dana@acme.com,"quoted, comma","x, y"\r\n')
        data = await env.data({"csv": text, "tags": ["import"], "mapping": {
            "Full Name": "full_name", "Email Address": "email", "Labels": "tags"}})
        assert counts(data) == (2, 0, 3)
        assert [(e["row_number"], e["code"]) for e in data["errors"]] == [
            (2, "invalid_field"), (3, "missing_required_field"), (4, "invalid_row")]
        assert "email" in data["errors"][0]["message"]
        stored = {c["name"]: c["data"] for c in await env.contacts()}
        assert stored == {"Doe, Jane": {"full_name": "Doe, Jane", "email": "jane@acme.com",
                                        "tags": ["a", "import"]},
                          "Dana": {"full_name": "Dana", "email": "dana@acme.com",
                                   "tags": ["x", "y", "import"]}}


@async_test
async def test_csv_header_defaults_and_has_header_false(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        data = await env.data({"csv": "full_name,email,company,whatever\nAnn,ann@x.com,Acme,1\n"})
        assert counts(data) == (1, 0, 0)
        data = await env.data({"csv": "Ben,ben@x.com\nCid,cid@x.com\n", "has_header": False,
                               "mapping": {"1": "full_name", "2": "email"}})
        assert counts(data) == (2, 0, 0)
        # without a header nor a mapping no column has a field: every row lacks full_name
        data = await env.data({"csv": "Dee,dee@x.com\n", "has_header": False})
        assert counts(data) == (0, 0, 1)
        assert data["errors"][0]["code"] == "missing_required_field"
        # the dialect is not sniffed: a `;` file is one column
        data = await env.data({"csv": "full_name;email\nEve;eve@x.com\n"})
        assert counts(data) == (0, 0, 1)
        # mapping and has_header are ignored with rows
        data = await env.data({"rows": [{"full_name": "Fay"}], "has_header": False,
                               "mapping": {"1": "email"}})
        assert counts(data) == (1, 0, 0)
        names = sorted(c["name"] for c in await env.contacts())
        assert names == ["Ann", "Ben", "Cid", "Fay"]


# --------------------------------------------------------------------------- matching


@async_test
async def test_update_existing_matches_email_then_phone(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        bulk = await env.client.post("/leadlex/v1/contacts/bulk", headers=env.auth(), json={
            "contacts": [{"full_name": "Jane", "email": "Jane@Acme.com", "tags": ["old"],
                          "company": "Acme", "custom_fields": {"a": 1, "b": 2}},
                         {"full_name": "Jane Twin", "email": "jane@acme.com"},
                         {"full_name": "Phil", "phone": "+15550100"}]})
        assert bulk.status_code == 200, bulk.text
        jane_id = bulk.json()["data"]["contacts"][0]["id"]
        rows = [{"full_name": "Jane D", "email": "JANE@acme.COM", "tags": ["new"],
                 "custom_fields": {"b": 3}},
                {"full_name": "Phil P", "email": "phil@x.com", "phone": "+15550100"},
                {"full_name": "Neo", "email": "neo@x.com"}]
        skipped = await env.data({"rows": rows, "tags": ["t"]})
        assert counts(skipped) == (1, 0, 2) and skipped["errors"] == []
        contacts = await env.contacts()
        assert len(contacts) == 4
        assert next(c for c in contacts if c["id"] == jane_id)["data"]["tags"] == ["old"]

        updated = await env.data({"rows": rows, "tags": ["t"], "update_existing": True})
        assert counts(updated) == (0, 3, 0)
        contacts = {c["id"]: c for c in await env.contacts()}
        assert len(contacts) == 4
        jane = contacts[jane_id]["data"]
        assert jane["full_name"] == "Jane D" and jane["company"] == "Acme"
        assert jane["tags"] == ["old", "new", "t"]
        assert jane["custom_fields"] == {"a": 1, "b": 3}
        assert contacts[jane_id]["name"] == "Jane D"
        phil = next(c for c in contacts.values() if c["phone"] == "+15550100")
        assert phil["name"] == "Phil P" and phil["email"] == "phil@x.com"
        twin = next(c for c in contacts.values() if c["name"] == "Jane Twin")
        assert "tags" not in twin["data"]


@async_test
async def test_rows_of_one_import_see_each_other(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        rows = [{"full_name": "A", "email": "a@x.com"}, {"full_name": "A2", "email": "A@X.com"},
                {"full_name": "B", "phone": "1"}, {"full_name": "B2", "phone": "1",
                                                   "company": "Co"}]
        assert counts(await env.data({"rows": rows})) == (2, 0, 2)
        assert counts(await env.data({"rows": rows, "update_existing": True})) == (0, 4, 0)
        fresh = [{"full_name": "C", "email": "c@x.com"}, {"full_name": "C2", "email": "c@x.com"}]
        assert counts(await env.data({"rows": fresh, "update_existing": True})) == (1, 1, 0)
        stored = {c["email"] or c["phone"]: c["data"] for c in await env.contacts()}
        assert stored["c@x.com"]["full_name"] == "C2"
        assert stored["1"] == {"full_name": "B2", "phone": "1", "company": "Co"}


@async_test
async def test_imported_contacts_are_contacts_of_add_to_list(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        await env.data({"rows": [{"full_name": f"P{i}", "email": f"p{i}@x.com"}
                                 for i in range(3)]})
        ids = [c["id"] for c in await env.contacts()]
        lists = await env.sandbox.storage.run(lists_of, "leadlex")
        list_id = next(lst.id for lst in lists if lst.workspace == "main")
        response = await env.client.post(f"/leadlex/v1/lists/{list_id}/contacts",
                                         headers=env.auth(), json={"contact_ids": ids})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["added"] == 3
        other = await env.client.post(f"/leadlex/v1/lists/{list_id}/contacts",
                                      headers=env.auth("other_workspace"),
                                      json={"contact_ids": ids})
        assert other.status_code == 404


# --------------------------------------------------------------------------- sync / queued


@async_test
async def test_sync_up_to_the_catalog_limit_then_queued(tmp_path: Path) -> None:
    assert SYNC_MAX == 500
    async with sandbox_env(tmp_path) as env:
        rows = [{"full_name": f"N{i}", "email": f"n{i}@x.com"} for i in range(SYNC_MAX + 1)]
        at_limit = await env.data({"rows": rows[:SYNC_MAX]})
        assert at_limit["status"] == "completed" and at_limit["created_count"] == SYNC_MAX
        csv_text = "full_name\n" + "".join(f"C{i}\n" for i in range(SYNC_MAX))
        assert (await env.data({"csv": csv_text}))["status"] == "completed"

        queued = await env.data({"rows": rows, "tags": ["q"]})
        assert set(queued) == {"job_id", "status"} and queued["status"] == "queued"
        job = await env.wait_job(queued["job_id"])
        assert job["total_rows"] == job["processed_rows"] == SYNC_MAX + 1
        assert counts(job) == (1, 0, SYNC_MAX)
        assert job["created_at"] <= job["completed_at"]
        queued_csv = await env.data({"csv": csv_text + "C-last\nC-more\n"})
        assert queued_csv["status"] == "queued"
        job = await env.wait_job(queued_csv["job_id"])
        assert counts(job) == (SYNC_MAX + 2, 0, 0)
        assert len(await env.contacts()) == 3 * SYNC_MAX + 3


@async_test
async def test_queued_job_reports_row_errors_with_absolute_numbers(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        rows: list[dict[str, Any]] = [{"full_name": f"N{i}"} for i in range(2500)]
        rows[1499] = {"email": "x@y.com"}
        rows[2499] = {}
        job = await env.wait_job((await env.data({"rows": rows}))["job_id"])
        assert counts(job) == (2498, 0, 2)
        assert [e["row_number"] for e in job["errors"]] == [1500, 2500]


@async_test
async def test_a_large_rows_body_read_a_chunk_at_a_time_imports_and_refuses_alike(
        tmp_path: Path) -> None:
    # over MIN_BODY_BYTES: the pipeline splits the rows array (sandbox/batch_chunks.py)
    n = MIN_BODY_BYTES // 40
    rows: list[dict[str, Any]] = [{"full_name": f"N{i}", "email": f"n{i}@x.com",
                                   "tags": ["r"]} for i in range(n)]
    rows[n // 2] = {"email": "no-name@x.com"}
    body = {"tags": ["t"], "rows": rows, "update_existing": True}
    raw = orjson.dumps(body, option=orjson.OPT_INDENT_2)
    assert split_body(raw, "rows") is not None
    async with sandbox_env(tmp_path) as env:
        bad_rows = [*rows[:-3], {"full_name": "X", "email": "not-an-email"}, *rows[-2:]]
        for bad in ({**body, "rows": bad_rows}, {**body, "rows": [*rows, 5]},
                    {**body, "update_existing": "yes"}, {**body, "csv": "full_name\nA\n"}):
            content = orjson.dumps(bad)
            assert len(content) > MIN_BODY_BYTES
            response = await env.post(None, content=content)
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "validation_error"
        response = await env.post(None, content=orjson.dumps({**body, "rows": bad_rows}))
        assert response.json()["error"]["message"].startswith(f"/rows/{n - 3}/email: ")
        assert (await env.admin("import-jobs"))["jobs"] == []

        first = await env.post(None, content=raw, key="big")
        assert first.status_code == 200 and first.json()["data"]["status"] == "queued"
        job = await env.wait_job(first.json()["data"]["job_id"])
        assert job["total_rows"] == n and counts(job) == (n - 1, 0, 1)
        assert job["errors"] == [{"row_number": n // 2 + 1, "code": "missing_required_field",
                                  "message": "full_name is required"}]
        again = await env.post(None, content=raw, key="big")
        assert again.content == first.content
        sample = await env.contacts(email="n7@x.com")
        assert [c["data"]["tags"] for c in sample] == [["r", "t"]]
        assert len((await env.admin("import-jobs"))["jobs"]) == 1


@async_test
async def test_job_status_is_scoped_to_the_workspace(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        job_id = (await env.data({"rows": [{"full_name": "A"}]}))["job_id"]
        assert (await env.job(job_id, "read_only")).status_code == 200
        for response in (await env.job(job_id, "other_workspace"), await env.job("imp_nope")):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        response = await env.client.get(f"/leadlex/v1/import/jobs/{job_id}")
        assert response.status_code == 401
        assert (await env.post({"rows": [{"full_name": "A"}]}, role="read_only")
                ).status_code == 403


# --------------------------------------------------------------------------- idempotency


@async_test
async def test_idempotent_replay_is_byte_identical_and_imports_once(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        body = orjson.dumps({"rows": [{"full_name": "A", "email": "a@x.com"}, {}]})
        first = await env.post(None, key="k-1", content=body)
        again = await env.post(None, key="k-1", content=body)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content
        assert len(await env.contacts()) == 1

        # the same JSON with other bytes is another body
        spaced = body.replace(b",", b", ")
        conflict = await env.post(None, key="k-1", content=spaced)
        assert conflict.status_code == 409
        assert conflict.json()["error"]["code"] == "idempotency_key_reused"

        # keys are per workspace
        other = await env.post(None, key="k-1", content=body, role="other_workspace")
        assert other.status_code == 200
        assert other.json()["data"]["job_id"] != first.json()["data"]["job_id"]

        # a queued import replays its job_id and queues nothing more
        big = orjson.dumps({"rows": [{"full_name": f"Q{i}"} for i in range(SYNC_MAX + 10)]})
        queued = await env.post(None, key="k-2", content=big)
        replay = await env.post(None, key="k-2", content=big)
        assert queued.content == replay.content
        await env.wait_job(queued.json()["data"]["job_id"])
        assert len((await env.admin("import-jobs?workspace=main"))["jobs"]) == 2
        assert len(await env.contacts()) == 1 + SYNC_MAX + 10


@async_test
async def test_only_200_results_are_stored_and_keys_expire(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        bad = await env.post({"rows": [{"full_name": "A", "email": "bad"}]}, key="k")
        assert bad.status_code == 400
        good = await env.post({"rows": [{"full_name": "A"}]}, key="k")
        assert good.status_code == 200
        assert (await env.post({"rows": [{"full_name": "B"}]}, key="k")).status_code == 409

        def age(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE leadlex_idempotency SET created_at = created_at - 86400")

        await env.sandbox.storage.run(age)
        later = await env.post({"rows": [{"full_name": "B"}]}, key="k")
        assert later.status_code == 200
        assert sorted(c["name"] for c in await env.contacts()) == ["A", "B"]
        for key in ("", "x" * 256):
            response = await env.post({"rows": [{"full_name": "C"}]}, key=key)
            assert response.status_code == 400, key


@async_test
async def test_concurrent_requests_with_one_key_create_one_job(tmp_path: Path) -> None:
    async with sandbox_env(tmp_path) as env:
        body = orjson.dumps({"rows": [{"full_name": f"C{i}"} for i in range(SYNC_MAX + 1)]})
        responses = await asyncio.gather(*(env.post(None, key="same", content=body)
                                           for _ in range(10)))
        assert {r.status_code for r in responses} == {200}
        assert len({r.content for r in responses}) == 1
        await env.wait_job(responses[0].json()["data"]["job_id"])
        assert len((await env.admin("import-jobs"))["jobs"]) == 1
        assert len(await env.contacts()) == SYNC_MAX + 1


# --------------------------------------------------------------------------- restart


async def _stop_mid_job(data_dir: Path, total: int) -> str:
    """Queue ``total`` rows, stop the sandbox once some chunks (not all) are in."""
    rows = [{"full_name": f"R{i}", "email": f"r{i}@x.com"} for i in range(total)]
    async with sandbox_env(data_dir, latency_ms=25) as env:
        job_id: str = (await env.data({"rows": rows}))["job_id"]
        deadline = time.monotonic() + 20
        while (await env.job(job_id)).json()["data"]["processed_rows"] == 0:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    conn = sqlite3.connect(data_dir / "sandbox.db")
    try:
        status, processed = conn.execute("SELECT status, processed_rows FROM leadlex_import_jobs"
                                         " WHERE id = ?", (job_id,)).fetchone()
    finally:
        conn.close()
    assert status == "running" and 0 < processed < total
    return job_id


@async_test
async def test_a_restart_resumes_the_job_where_it_stopped(tmp_path: Path) -> None:
    total = 8000
    job_id = await _stop_mid_job(tmp_path, total)
    async with sandbox_env(tmp_path) as env:
        job = await env.wait_job(job_id)
        assert counts(job) == (total, 0, 0) and job["errors"] == []
        contacts = await env.contacts()
        assert len(contacts) == len({c["email"] for c in contacts}) == total


@async_test
async def test_fault_resume_reimports_is_visible_after_a_restart(tmp_path: Path) -> None:
    total = 8000
    job_id = await _stop_mid_job(tmp_path, total)
    async with sandbox_env(tmp_path, faults=frozenset({"leadlex_import_resume_reimports"})
                           ) as env:
        job = await env.wait_job(job_id)
        assert job["created_count"] < total and job["skipped_count"] > 0


# --------------------------------------------------------------------------- faults


def test_every_import_fault_is_registered_with_a_description() -> None:
    mine = [f for f in FAULTS.values() if f.name.startswith(("leadlex_import", "leadlex_webhook"))]
    assert len(mine) >= 8
    assert all(f.description and f.endpoint_key for f in mine)


FaultCheck = Callable[[Env], Awaitable[None]]


async def _threshold(env: Env) -> None:
    rows = [{"full_name": f"N{i}"} for i in range(SYNC_MAX + 1)]
    assert (await env.data({"rows": rows}))["status"] == "completed"


async def _update_ignored(env: Env) -> None:
    await env.data({"rows": [{"full_name": "A", "email": "a@x.com"}]})
    data = await env.data({"rows": [{"full_name": "B", "email": "a@x.com"}],
                           "update_existing": True})
    assert counts(data) == (0, 0, 1)


async def _always_updates(env: Env) -> None:
    await env.data({"rows": [{"full_name": "A", "email": "a@x.com"}]})
    data = await env.data({"rows": [{"full_name": "B", "email": "a@x.com"}]})
    assert counts(data) == (0, 1, 0)


async def _case_sensitive(env: Env) -> None:
    await env.data({"rows": [{"full_name": "A", "email": "a@x.com"}]})
    assert counts(await env.data({"rows": [{"full_name": "B", "email": "A@x.com"}]})) == (
        1, 0, 0)


async def _tags(env: Env) -> None:
    await env.data({"rows": [{"full_name": "A"}], "tags": ["t"]})
    assert "tags" not in (await env.contacts())[0]["data"]


async def _zero_based(env: Env) -> None:
    data = await env.data({"rows": [{}]})
    assert data["errors"][0]["row_number"] == 0


async def _header_counted(env: Env) -> None:
    data = await env.data({"csv": "full_name\n\n"})
    assert data["errors"] == []
    data = await env.data({"csv": "email\nx@y.com\n"})
    assert data["errors"][0]["row_number"] == 2


async def _skipped(env: Env) -> None:
    data = await env.data({"rows": [{}]})
    assert counts(data) == (0, 0, 0) and len(data["errors"]) == 1


async def _ignored_key(env: Env) -> None:
    first = await env.data({"rows": [{"full_name": "A"}]}, key="k")
    again = await env.data({"rows": [{"full_name": "A"}]}, key="k")
    assert first["job_id"] != again["job_id"] and len(await env.contacts()) == 2


async def _new_job_id(env: Env) -> None:
    first = await env.data({"rows": [{"full_name": "A"}]}, key="k")
    again = await env.data({"rows": [{"full_name": "A"}]}, key="k")
    assert first["job_id"] != again["job_id"] and len(await env.contacts()) == 1


async def _body_not_checked(env: Env) -> None:
    first = await env.data({"rows": [{"full_name": "A"}]}, key="k")
    other = await env.data({"rows": [{"full_name": "B"}]}, key="k")
    assert first == other


async def _other_workspace(env: Env) -> None:
    job_id = (await env.data({"rows": [{"full_name": "A"}]}))["job_id"]
    assert (await env.job(job_id, "other_workspace")).status_code == 200


async def _never_completes(env: Env) -> None:
    job_id = (await env.data({"rows": [{"full_name": f"N{i}"} for i in range(SYNC_MAX + 1)]}
                             ))["job_id"]
    job = await env.wait_job(job_id, "running")
    deadline = time.monotonic() + 10
    while job["processed_rows"] < job["total_rows"]:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
        job = (await env.job(job_id)).json()["data"]
    await asyncio.sleep(0.1)
    assert (await env.job(job_id)).json()["data"]["status"] == "running"


FAULT_CHECKS: dict[str, FaultCheck] = {
    "leadlex_import_sync_threshold_off_by_one": _threshold,
    "leadlex_import_update_existing_ignored": _update_ignored,
    "leadlex_import_always_updates": _always_updates,
    "leadlex_import_email_match_case_sensitive": _case_sensitive,
    "leadlex_import_tags_not_applied": _tags,
    "leadlex_import_row_number_zero_based": _zero_based,
    "leadlex_import_csv_header_counted": _header_counted,
    "leadlex_import_skipped_excludes_errors": _skipped,
    "leadlex_import_idempotency_ignored": _ignored_key,
    "leadlex_import_replay_new_job_id": _new_job_id,
    "leadlex_import_idempotency_body_not_checked": _body_not_checked,
    "leadlex_import_job_other_workspace_visible": _other_workspace,
    "leadlex_import_job_never_completes": _never_completes,
}


@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_fault_changes_the_behaviour(tmp_path: Path, fault: str) -> None:
    @async_test
    async def scenario() -> None:
        async with sandbox_env(tmp_path, faults=frozenset({fault})) as env:
            await FAULT_CHECKS[fault](env)
    scenario()
