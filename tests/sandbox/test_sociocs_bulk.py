"""Sociocs bulk upsert through the app's ASGI interface: phone normalisation, full
overwrite, lists, the envelope, limits from the catalog, and the faults."""

from __future__ import annotations

from typing import Any

import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.providers.sociocs import normalise_phone
from tests.sandbox.conftest import Env, MakeEnv

pytestmark = pytest.mark.anyio

P = "sociocs"
BULK = "/sociocs/contacts/bulk"
ENDPOINT = default_catalog().endpoint("sociocs.bulk_upsert")


async def upsert(env: Env, records: list[dict[str, Any]], role: str = "full",
                 **extra: Any) -> Any:
    return await env.post(BULK, {"records": records, **extra}, provider=P, role=role)


async def by_phone(env: Env, phone: str, workspace: str = "main") -> list[dict[str, Any]]:
    r = await env.client.get("/_sandbox/sociocs/contacts/by-phone",
                             params={"phone": phone, "workspace": workspace}, headers=env.admin)
    assert r.status_code == 200, r.text
    contacts: list[dict[str, Any]] = r.json()["contacts"]
    return contacts


def assert_error(r: Any, status: int) -> list[str]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == "error" and body["errors"], body
    return [e["msg"] for e in body["errors"]]


def test_normalise_phone() -> None:
    assert normalise_phone("+16175551212", None) == "16175551212"
    assert normalise_phone("16175551212", "1") == "16175551212"
    assert normalise_phone("+6175551212", "1") == "16175551212"
    assert normalise_phone("6175551212", "44") == "446175551212"


async def test_upsert_overwrites_everything_and_replaces_extra_fields(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await upsert(env, [{"phone_number": "+16175551212", "name": "John",
                                "extra_fields": {"email_address": "j@x.com", "id": 987123}}])
        assert r.status_code == 200 and r.json() == {"status": "success"}
        r = await upsert(env, [{"phone_number": "16175551212",
                                "extra_fields": {"city": "Boston"}}])
        assert r.status_code == 200 and r.json() == {"status": "success"}
        [contact] = await by_phone(env, "+16175551212")
        assert contact["data"] == {"phone_number": "16175551212",
                                   "extra_fields": {"city": "Boston"}}
        assert contact["name"] is None  # cleared, not kept
        assert await env.count(P) == 1


async def test_plus_and_no_plus_and_country_code_are_one_contact(make_env: MakeEnv) -> None:
    async with make_env() as env:
        await upsert(env, [{"phone_number": "+16175551212", "name": "A"}])
        await upsert(env, [{"phone_number": "16175551212", "name": "B"}])
        await upsert(env, [{"phone_number": "6175551212", "name": "C"}], phone_number_cc="1")
        await upsert(env, [{"phone_number": "+6175551212", "name": "D"}], phone_number_cc="1")
        [contact] = await by_phone(env, "16175551212")
        assert contact["name"] == "D" and contact["phone"] == "16175551212"
        assert await env.count(P) == 1


async def test_the_last_record_of_a_batch_wins(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await upsert(env, [{"phone_number": "+4915112345678", "name": "first",
                                "extra_fields": {"a": 1}},
                               {"phone_number": "4915112345678", "name": "last"}])
        assert r.status_code == 200
        [contact] = await by_phone(env, "4915112345678")
        assert contact["data"] == {"phone_number": "4915112345678", "name": "last"}


async def test_lists_all_contacts_unknown_and_foreign(make_env: MakeEnv) -> None:
    async with make_env() as env:
        mine, foreign = env.lists(P)[0], env.lists(P, "other")[0]
        assert (await upsert(env, [{"phone_number": "+3361234567"}], list_id=0)).status_code \
            == 200
        r = await upsert(env, [{"phone_number": "+3361234567"}, {"phone_number": "3361234568"}],
                         list_id=int(mine))
        assert r.status_code == 200, r.text
        assert (await by_phone(env, "3361234567"))[0]["lists"] == [0, int(mine)]
        r = await env.client.get(f"/_sandbox/sociocs/lists/{mine}", headers=env.admin)
        assert r.json()["contact_count"] == r.json()["member_count"] == 2
        for list_id in (99_999, int(foreign)):
            r = await upsert(env, [{"phone_number": "+3361234569"}], list_id=list_id)
            assert assert_error(r, 404)
        assert await by_phone(env, "3361234569") == []  # nothing written


async def test_validation_errors_are_atomic_and_in_the_envelope(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await upsert(env, [{"phone_number": "+16175551212"}, {"name": "no phone"},
                               {"phone_number": "617-555"}])
        msgs = assert_error(r, 400)
        assert "records[1].phone_number is required" in msgs
        assert any(m.startswith("records[2].phone_number") for m in msgs)
        assert await env.count(P) == 0
        assert_error(await upsert(env, [{"phone_number": "+16175551212"}],
                                  phone_number_cc="+1"), 400)
        assert_error(await upsert(env, [{"phone_number": "+16175551212"}], list_id=-1), 400)
        assert_error(await env.client.post(BULK, content=b"{", headers={
            "apikey": env.key(P), "content-type": "application/json"}), 400)


async def test_missing_or_bad_apikey_is_401(make_env: MakeEnv) -> None:
    async with make_env() as env:
        body = {"records": [{"phone_number": "+16175551212"}]}
        assert_error(await env.client.post(BULK, json=body), 401)
        assert_error(await env.client.post(BULK, json=body, headers={"apikey": "nope"}), 401)


async def test_limits_come_from_the_catalog(make_env: MakeEnv) -> None:
    top = ENDPOINT.max_batch
    assert top == 10_000 and ENDPOINT.min_batch == 1
    async with make_env() as env:
        r = await env.post(BULK, provider=P, content=valid_body_bytes(ENDPOINT, top, seed=1))
        assert r.status_code == 200 and r.json() == {"status": "success"}
        r = await env.post(BULK, provider=P,
                           content=valid_body_bytes(ENDPOINT, top + 1, seed=2, start=top))
        assert_error(r, 400)
        assert_error(await upsert(env, []), 400)
        assert await env.count(P) == top
        # the same batch again: all updates, nothing added
        r = await env.post(BULK, provider=P, content=valid_body_bytes(ENDPOINT, top, seed=1))
        assert r.status_code == 200 and await env.count(P) == top


async def test_workspaces_are_apart(make_env: MakeEnv) -> None:
    async with make_env() as env:
        await upsert(env, [{"phone_number": "+16175551212", "name": "main"}])
        await upsert(env, [{"phone_number": "+16175551212", "name": "other"}],
                     role="other_workspace")
        assert (await by_phone(env, "16175551212"))[0]["name"] == "main"
        assert (await by_phone(env, "16175551212", "other"))[0]["name"] == "other"


# --------------------------------------------------------------------------- faults


def test_faults_are_registered_for_the_endpoint() -> None:
    mine = [f for f in FAULTS.values() if f.endpoint_key == "sociocs.bulk_upsert"]
    assert len(mine) >= 8


async def test_fault_extra_fields_merged_and_name_kept(make_env: MakeEnv) -> None:
    async with make_env(faults=["sociocs_extra_fields_merged",
                                "sociocs_name_kept_on_update"]) as env:
        await upsert(env, [{"phone_number": "+16175551212", "name": "J",
                            "extra_fields": {"a": 1}}])
        await upsert(env, [{"phone_number": "16175551212", "extra_fields": {"b": 2}}])
        [contact] = await by_phone(env, "16175551212")
        assert contact["data"]["extra_fields"] == {"a": 1, "b": 2}
        assert contact["name"] == "J"


async def test_fault_plus_phone_duplicates(make_env: MakeEnv) -> None:
    async with make_env(faults=["sociocs_plus_phone_duplicates"]) as env:
        await upsert(env, [{"phone_number": "+16175551212"}])
        await upsert(env, [{"phone_number": "16175551212"}])
        assert len(await by_phone(env, "16175551212")) == 2
        r = await env.client.get("/_sandbox/sociocs/counts", headers=env.admin)
        assert r.json()["workspaces"]["main"] == {"contacts": 2, "distinct_phones": 1}


async def test_faults_of_the_answers(make_env: MakeEnv) -> None:
    async with make_env(faults=["sociocs_status_ok", "sociocs_error_without_errors"]) as env:
        assert (await upsert(env, [{"phone_number": "+16175551212"}])).json() == \
            {"status": "ok"}
        r = await upsert(env, [{"phone_number": "+16175551212"}], list_id=99_999)
        assert r.status_code == 404 and r.json() == {"status": "error"}
    async with make_env(faults=["sociocs_unknown_list_200", "sociocs_first_record_wins",
                                "sociocs_records_max_off_by_one"]) as env:
        r = await upsert(env, [{"phone_number": "+16175551212", "name": "first"},
                               {"phone_number": "16175551212", "name": "last"}], list_id=99_999)
        assert r.status_code == 200
        assert (await by_phone(env, "16175551212"))[0]["name"] == "first"
        top = ENDPOINT.max_batch or 0
        r = await env.post(BULK, provider=P, content=valid_body_bytes(ENDPOINT, top + 1, seed=4))
        assert r.status_code == 200, r.text


async def test_fault_missing_phone_accepted(make_env: MakeEnv) -> None:
    async with make_env() as env:
        msgs = assert_error(await upsert(env, [{"name": "no phone"}]), 400)
        assert "records[0].phone_number is required" in msgs
    async with make_env(faults=["sociocs_missing_phone_accepted"]) as env:
        r = await upsert(env, [{"name": "no phone"},
                               {"phone_number": "+16175551212", "name": "J"}])
        assert r.status_code == 200 and r.json() == {"status": "success"}
        r = await env.client.get("/_sandbox/sociocs/contacts", params={"workspace": "main"},
                                 headers=env.admin)
        stored = sorted((c["phone"], c["name"]) for c in r.json()["contacts"])
        assert stored == [("", "no phone"), ("16175551212", "J")]
        # any other schema problem is still refused, with or without a missing phone
        assert_error(await upsert(env, [{"phone_number": "617-555"}]), 400)
        assert_error(await upsert(env, [{"name": "x"}, {"phone_number": 5}]), 400)
        assert await env.count(P) == 2
