"""Boolean query flags accept exactly ``true`` and ``false`` (the spec types them
``boolean``): an empty value, ``%20``, ``1``, ``TRUE`` or a repeated flag is a 400 in the
provider's envelope, and nothing is written."""

from __future__ import annotations

import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.providers.datananas import MOVE_FLAG, OWNER_FLAG
from bulkbench.sandbox.query_flags import boolean_query_params
from tests.sandbox.conftest import MakeEnv

BULK = "/datananas/contacts/bulk"
CATALOG = default_catalog()

NOT_BOOLEAN = ["", "%20", "1", "0", "TRUE", "False", "yes", "true%20", "%20false", "t"]


def test_the_flags_are_found_in_the_spec() -> None:
    provider = CATALOG.provider("datananas")
    assert boolean_query_params(provider, provider.endpoint("bulk_create")) == {
        MOVE_FLAG: False, OWNER_FLAG: False}
    for ep in CATALOG.endpoints():  # no other endpoint has a boolean query flag today
        if ep.key != "datananas.bulk_create":
            assert boolean_query_params(CATALOG.provider(ep.provider), ep) == {}


@pytest.mark.anyio
@pytest.mark.parametrize("name", [MOVE_FLAG, OWNER_FLAG])
async def test_only_true_and_false_are_booleans(make_env: MakeEnv, name: str) -> None:
    async with make_env() as env:
        body = {"contacts": [{"email": "flag@x.com"}]}
        for value in NOT_BOOLEAN:
            r = await env.post(f"{BULK}?{name}={value}", body, provider="datananas")
            assert r.status_code == 400, (value, r.status_code, r.text)
            assert r.json()["reason"] == "validation_error", value
            assert name in r.json()["message"]
        for query in (f"{name}=true&{name}=true", f"{name}=true&{name}=false", name):
            r = await env.post(f"{BULK}?{query}", body, provider="datananas")
            assert r.status_code == 400, (query, r.text)
        assert await env.count("datananas") == 0
        for query in (f"?{name}=true", f"?{name}=false", ""):
            r = await env.post(BULK + query, body, provider="datananas")
            assert r.status_code == 200, (query, r.text)
        assert await env.count("datananas") == 1


@pytest.mark.anyio
async def test_a_bad_flag_is_checked_after_the_key(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.client.post(f"{BULK}?{OWNER_FLAG}=", json={"contacts": []})
        assert r.status_code == 401 and r.json()["reason"] == "unauthorized"
