"""``X-RateLimit-Limit/Remaining/Reset`` on every response of the LeadLex import and its
job status route (the import page documents them on every response, NOTES.md X1), in every
configuration: with ``--rate-limit`` the enforced limiter's; without it an unenforced
limiter with the spec's numbers, whose ``Remaining`` is counted, never made up."""

from __future__ import annotations

import time

import httpx
import pytest

from bulkbench.core.catalog import RateLimit, default_catalog
from tests.sandbox.conftest import MakeEnv

IMPORT = "/leadlex/v1/import/contacts"
STATUS = "/leadlex/v1/import/jobs/{job_id}"
BULK = "/leadlex/v1/contacts/bulk"


def _spec_rate_limit() -> RateLimit:
    rate = default_catalog().provider("leadlex").rate_limit
    assert rate is not None
    return rate


SPEC = _spec_rate_limit()
ONE_ROW = {"rows": [{"full_name": "Rate Headers"}]}


def numbers(r: httpx.Response) -> tuple[int, int, int]:
    return (int(r.headers["x-ratelimit-limit"]), int(r.headers["x-ratelimit-remaining"]),
            int(r.headers["x-ratelimit-reset"]))


@pytest.mark.anyio
async def test_every_import_answer_carries_them_with_rate_limiting_off(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        assert env.sandbox.limiter is None
        ok = await env.post(IMPORT, ONE_ROW)
        assert ok.status_code == 200, ok.text
        job = ok.json()["data"]["job_id"]
        answers = [
            ok,
            await env.post(IMPORT, {}),                                   # 400
            await env.post(IMPORT, content=b"{"),                         # 400, bad JSON
            await env.post(IMPORT, ONE_ROW, role="read_only"),            # 403
            await env.client.post(IMPORT, json=ONE_ROW),                  # 401, no key
            await env.client.get(STATUS.format(job_id=job), headers=env.auth()),      # 200
            await env.client.get(STATUS.format(job_id="nope"), headers=env.auth()),   # 404
            await env.client.get(STATUS.format(job_id=job)),                          # 401
        ]
        assert [r.status_code for r in answers] == [200, 400, 400, 403, 401, 200, 404, 401]
        now = time.time()
        for r in answers:
            limit, remaining, reset = numbers(r)
            assert limit == SPEC.requests and 0 <= remaining < limit, r.headers
            assert now - 1 <= reset <= now + SPEC.window_seconds + 1, (reset, now)
        # counted per key, one per request, as an enforced limiter counts
        keyed = [r for r in answers if r.status_code not in (401,) and r.request.headers.get(
            "authorization") == f"Bearer {env.key()}"]
        counted = [numbers(r)[1] for r in keyed]
        assert counted == list(range(SPEC.requests - 1, SPEC.requests - 1 - len(keyed), -1))


@pytest.mark.anyio
async def test_an_unenforced_limit_counts_down_to_zero_and_refuses_nothing(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        seen = []
        for _ in range(SPEC.requests + 3):  # bounded: a few past the spec's limit
            r = await env.post(IMPORT, {})  # a cheap 400
            assert r.status_code == 400, r.text
            seen.append(numbers(r))
        assert [s[1] for s in seen] == [*range(SPEC.requests - 1, -1, -1), 0, 0, 0]
        assert len({s[2] for s in seen}) <= 2  # one window (two if it rolled over meanwhile)
        ok = await env.post(IMPORT, ONE_ROW)
        assert ok.status_code == 200 and "retry-after" not in ok.headers


@pytest.mark.anyio
async def test_enforced_limiter_still_sends_them_and_other_pages_stay_as_documented(
        make_env: MakeEnv) -> None:
    async with make_env(rate_limit=(3, 3600)) as env:
        answers = [await env.post(IMPORT, {}) for _ in range(4)]
        assert [r.status_code for r in answers] == [400, 400, 400, 429]
        assert [numbers(r)[:2] for r in answers] == [(3, 2), (3, 1), (3, 0), (3, 0)]
    async with make_env() as env:
        # bulk create's page documents no rate-limit headers: off means none there
        r = await env.post(BULK, {"contacts": [{"full_name": "A"}]})
        assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers
    async with make_env(faults={"rate_limit_headers_missing"}) as env:
        r = await env.post(IMPORT, ONE_ROW)
        assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers
