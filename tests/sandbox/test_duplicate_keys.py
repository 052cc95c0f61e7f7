"""A key given twice in a JSON body: the last occurrence wins, at every body size and in
every spelling of the key (NOTES.md X6). Below 1 MiB the body is parsed whole (orjson:
last wins); above it the batch array is read a chunk at a time (``split_body``), which
must resolve the repeat the same way or not split at all."""

from __future__ import annotations

from typing import Any

import anyio
import orjson
import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.batch_chunks import MIN_BODY_BYTES
from tests.sandbox.conftest import MakeEnv
from tests.sandbox.test_batch_chunks import check

IMPORT = "/leadlex/v1/import/contacts"
SYNC_MAX = default_catalog().endpoint("leadlex.import_contacts").sync_max_rows or 0

#: spellings of the key "rows" (JSON escapes name the same key).
SPELLINGS = [b'"rows"', b'"\\u0072ows"', b'"r\\u006fws"', b'"\\u0072\\u006F\\u0077\\u0073"',
             b'"row\\u0073"']


def rows(n: int, name: str = "Person") -> bytes:
    return orjson.dumps([{"full_name": f"{name} {i}", "email": f"{name.lower()}{i}@x.com",
                          "custom_fields": {"pad": "x" * 120}} for i in range(n)])


BIG = rows(8000, "First")  # ~1.6 MB: the body is split around it
SMALL = rows(3, "First")
LAST = rows(1, "Last")


@pytest.mark.parametrize("second", SPELLINGS)
@pytest.mark.parametrize("value", [LAST, b"0", b"1", b"[]", b'"x"', b"null"])
def test_split_body_resolves_a_repeated_field_as_the_whole_parse(second: bytes,
                                                                 value: bytes) -> None:
    many = rows(60)
    for raw in (b'{"rows":' + many + b"," + second + b":" + value + b"}",
                b'{"rows":' + many + b',"tags":["a"],' + second + b":" + value
                + b',"update_existing":true}',
                b"{" + second + b":" + value + b',"rows":' + many + b"}"):
        check(raw, chunk_bytes=400)  # splits exactly as the whole parse, or not at all


def test_other_keys_repeated_around_the_array_last_wins() -> None:
    raw = (b'{"update_existing":true,"rows":' + rows(60)
           + b',"upd\\u0061te_existing":false}')
    body = check(raw, chunk_bytes=400)
    assert body is not None and body["update_existing"] is False


async def _import(env: Any, raw: bytes) -> Any:
    return await env.post(IMPORT, content=raw)


@pytest.mark.anyio
@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("second", SPELLINGS)
async def test_the_last_rows_win_at_both_sizes(make_env: MakeEnv, size: str,
                                               second: bytes) -> None:
    first = BIG if size == "large" else SMALL
    bodies = [b'{"rows":' + first + b"," + second + b":" + LAST + b"}",
              b"{" + second + b":" + first + b',"rows":' + LAST + b"}"]
    async with make_env() as env:
        for raw in bodies:
            assert (len(raw) >= MIN_BODY_BYTES) == (size == "large")
            r = await _import(env, raw)
            assert r.status_code == 200, r.text
            data = r.json()["data"]
            # the one row of the last "rows": imported at once, never the first array
            assert data["status"] == "completed", data
            assert (data["created_count"], data["skipped_count"]) in ((1, 0), (0, 1)), data
        r = await env.client.get("/_sandbox/leadlex/contacts", headers=env.admin)
        names = {c["name"] for c in r.json()["contacts"]}
        assert names == {"Last 0"}, sorted(names)[:5]


@pytest.mark.anyio
@pytest.mark.parametrize("size", ["small", "large"])
async def test_a_last_rows_that_is_not_an_array_is_400_at_both_sizes(make_env: MakeEnv,
                                                                     size: str) -> None:
    first = BIG if size == "large" else SMALL
    async with make_env() as env:
        for second in SPELLINGS:
            for value in (b"0", b"null", b'"x"'):
                r = await _import(env, b'{"rows":' + first + b"," + second + b":" + value + b"}")
                assert r.status_code == 400, (second, value, r.text[:200])
                assert r.json()["error"]["code"] == "validation_error"
        assert await env.count() == 0


@pytest.mark.anyio
async def test_a_queued_import_reads_the_last_rows_too(make_env: MakeEnv) -> None:
    """The worker re-reads the stored raw body: the same rule applies there."""
    raw = b'{"rows":' + rows(2, "Early") + b',"\\u0072ows":' + BIG + b"}"
    async with make_env() as env:
        r = await _import(env, raw)
        assert r.status_code == 200 and r.json()["data"]["status"] == "queued", r.text
        job_id = r.json()["data"]["job_id"]
        for _ in range(600):  # bounded: at most ~60 s
            job = (await env.client.get(f"/leadlex/v1/import/jobs/{job_id}",
                                        headers=env.auth())).json()["data"]
            if job["status"] in ("completed", "failed"):
                break
            await anyio.sleep(0.1)
        assert job["status"] == "completed" and job["created_count"] == 8000, job
        r = await env.client.get("/_sandbox/leadlex/contacts", params={"email": "early0@x.com"},
                                 headers=env.admin)
        assert r.json()["total"] == 0
