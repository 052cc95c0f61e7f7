"""Datananas bulk create through the app's ASGI interface: create or update by email, the
two query flags, lists, quotas (402), limits from the catalog, and a few faults.

The WebSocket progress events are tested in ``test_datananas_progress.py`` (in-process,
the exact ASGI message order) and ``test_datananas_websocket.py`` (a real server).
"""

from __future__ import annotations

from typing import Any

import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.providers.datananas import MOVE_FLAG, OWNER_FLAG
from tests.sandbox.conftest import Env, MakeEnv

pytestmark = pytest.mark.anyio

P = "datananas"
BULK = "/datananas/contacts/bulk"
ENDPOINT = default_catalog().endpoint("datananas.bulk_create")


async def post(env: Env, contacts: list[dict[str, Any]], *, params: str = "",
               role: str = "full", **extra: Any) -> Any:
    return await env.post(BULK + params, {"contacts": contacts, **extra}, provider=P, role=role)


async def stored(env: Env, email: str, workspace: str = "main") -> list[dict[str, Any]]:
    r = await env.client.get("/_sandbox/datananas/contacts/by-email",
                             params={"email": email, "workspace": workspace}, headers=env.admin)
    assert r.status_code == 200, r.text
    contacts: list[dict[str, Any]] = r.json()["contacts"]
    return contacts


async def set_quotas(env: Env, **quotas: Any) -> dict[str, Any]:
    r = await env.client.put("/_sandbox/datananas/quotas", json={"workspace": "main", **quotas},
                             headers=env.admin)
    assert r.status_code == 200, r.text
    view: dict[str, Any] = r.json()
    return view


def test_the_flags_and_the_identity_key_are_the_specs() -> None:
    assert ENDPOINT.query_params == (MOVE_FLAG, OWNER_FLAG)
    assert ENDPOINT.identity_keys == ("email",)
    assert ENDPOINT.websocket is not None


async def test_creates_then_updates_by_email_only_the_fields_sent(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await post(env, [{"email": "Jane.Doe@Acme.com", "firstName": "Jane",
                              "companyName": "Acme", "vars": {"a": 1}}])
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"uuid", "listId"} and body["listId"] is None
        r = await post(env, [{"email": "jane.doe@acme.com", "lastName": "Doe",
                              "vars": {"b": 2}}])
        assert r.status_code == 200, r.text
        [contact] = await stored(env, "JANE.DOE@acme.com")
        data = contact["data"]
        assert data["firstName"] == "Jane" and data["lastName"] == "Doe"
        assert data["companyName"] == "Acme" and data["vars"] == {"b": 2}
        assert data["source"] == "manual" and data["language"] == "en"  # the defaults
        assert contact["name"] == "Jane Doe"
        assert await env.count(P) == 1


async def test_a_repeated_email_updates_the_contact_the_batch_created(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await post(env, [{"email": "a@x.com", "firstName": "A"},
                             {"email": "A@X.COM", "lastName": "Z"},
                             {"email": "b@x.com"}])
        assert r.status_code == 200, r.text
        [a] = await stored(env, "a@x.com")
        assert (a["data"]["firstName"], a["data"]["lastName"]) == ("A", "Z")
        assert await env.count(P) == 2


async def test_contacts_are_per_workspace(make_env: MakeEnv) -> None:
    async with make_env() as env:
        assert (await post(env, [{"email": "a@x.com"}])).status_code == 200
        assert (await post(env, [{"email": "a@x.com"}], role="other_workspace")).status_code \
            == 200
        assert await env.count(P, "main") == 1 and await env.count(P, "other") == 1


async def test_list_membership_and_move_existing_to_list(make_env: MakeEnv) -> None:
    async with make_env() as env:
        first, second = env.lists(P)
        r = await post(env, [{"email": "a@x.com"}, {"email": "b@x.com"}], list={"id": first})
        assert r.status_code == 200 and r.json()["listId"] == first
        # without the flag an existing contact keeps its lists and joins the new one
        await post(env, [{"email": "a@x.com"}], list={"id": second})
        assert (await stored(env, "a@x.com"))[0]["lists"] == sorted([first, second])
        # with it, it leaves the account's other lists
        r = await post(env, [{"email": "b@x.com"}, {"email": "c@x.com"}],
                       params=f"?{MOVE_FLAG}=true", list={"id": second})
        assert r.status_code == 200, r.text
        assert (await stored(env, "b@x.com"))[0]["lists"] == [second]
        assert (await stored(env, "c@x.com"))[0]["lists"] == [second]
        counts = {lst["id"]: lst["contact_count"] for lst in
                  (await env.client.get("/_sandbox/counts", headers=env.admin)).json()
                  ["lists"][P]}
        assert counts[first] == 1 and counts[second] == 3  # exact after the move


async def test_replace_owner(make_env: MakeEnv) -> None:
    async with make_env() as env:
        await post(env, [{"email": "a@x.com", "ownerEmail": "old@x.com"}])
        await post(env, [{"email": "a@x.com", "ownerEmail": "new@x.com", "city": "Lyon"}])
        data = (await stored(env, "a@x.com"))[0]["data"]
        assert data["ownerEmail"] == "old@x.com" and data["city"] == "Lyon"
        await post(env, [{"email": "a@x.com", "ownerEmail": "new@x.com"}],
                   params=f"?{OWNER_FLAG}=true")
        assert (await stored(env, "a@x.com"))[0]["data"]["ownerEmail"] == "new@x.com"


async def test_unknown_list_bad_flag_and_missing_email_are_400(make_env: MakeEnv) -> None:
    async with make_env() as env:
        foreign = env.lists(P, "other")[0]
        for r in (await post(env, [{"email": "a@x.com"}], list={"id": "nope"}),
                  await post(env, [{"email": "a@x.com"}], list={"id": foreign}),
                  await post(env, [{"email": "a@x.com"}], params=f"?{MOVE_FLAG}=maybe"),
                  await post(env, [{"firstName": "no email"}])):
            assert r.status_code == 400, r.text
            assert r.json()["reason"] == "validation_error"
        assert await env.count(P) == 0


async def test_limits_come_from_the_catalog(make_env: MakeEnv) -> None:
    top = ENDPOINT.max_batch
    assert top == 10_000 and ENDPOINT.min_batch == 1
    async with make_env() as env:
        r = await env.post(BULK, provider=P, content=valid_body_bytes(ENDPOINT, top, seed=1))
        assert r.status_code == 200, r.text
        r = await env.post(BULK, provider=P,
                           content=valid_body_bytes(ENDPOINT, top + 1, seed=2, start=top))
        assert r.status_code == 400 and r.json()["reason"] == "validation_error"
        assert (await post(env, [])).status_code == 400
        assert await env.count(P) == top


async def test_missing_or_unknown_token_is_401(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.client.post(BULK, json={"contacts": [{"email": "a@x.com"}]})
        assert r.status_code == 401 and r.json()["reason"] == "unauthorized"
        r = await env.client.post(BULK, json={"contacts": [{"email": "a@x.com"}]},
                                  headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401


async def test_quotas_answer_402_with_their_reason_and_write_nothing(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        await post(env, [{"email": "a@x.com"}, {"email": "b@x.com"}])
        view = await set_quotas(env, total_quota=3)
        assert view["total_quota"] == 3 and view["contacts"] == 2
        r = await post(env, [{"email": "c@x.com"}, {"email": "d@x.com"}])
        assert r.status_code == 402 and r.json()["reason"] == "contact_total_quotas"
        # updates are not new contacts: they pass a full account
        assert (await post(env, [{"email": "a@x.com"}, {"email": "c@x.com"}])).status_code \
            == 200
        await set_quotas(env, total_quota=None, daily_connect_quota=1)
        connect = [{"email": "e@x.com", "source": "connect"},
                   {"email": "f@x.com", "source": "connect"}]
        r = await post(env, connect)
        assert r.status_code == 402 and r.json()["reason"] == "contact_connect_quotas"
        assert (await post(env, connect[:1])).status_code == 200
        assert (await post(env, [{"email": "g@x.com", "source": "api"}])).status_code == 200
        r = await post(env, connect[1:])
        assert r.status_code == 402 and r.json()["reason"] == "contact_connect_quotas"
        assert await env.count(P) == 5
        r = await env.client.get("/_sandbox/datananas/quotas", headers=env.admin)
        main = next(a for a in r.json()["accounts"] if a["workspace"] == "main")
        assert main["connect_created_today"] == 1 and main["contacts"] == 5
        # the reset restores the defaults
        await env.client.post("/_sandbox/reset", params={"provider": P}, headers=env.admin)
        assert (await post(env, connect)).status_code == 200


async def test_quota_route_refuses_bad_values(make_env: MakeEnv) -> None:
    async with make_env() as env:
        for body in ({"total_quota": -1}, {"total_quota": "3"}, {"daily_connect_quota": True}):
            r = await env.client.put("/_sandbox/datananas/quotas", json=body, headers=env.admin)
            assert r.status_code == 400, body
        r = await env.client.put("/_sandbox/datananas/quotas", json={"workspace": "nope"},
                                 headers=env.admin)
        assert r.status_code == 404
        assert (await env.client.put("/_sandbox/datananas/quotas", json={})).status_code == 401


# --------------------------------------------------------------------------- faults


def test_faults_are_registered_for_the_endpoint() -> None:
    mine = [f for f in FAULTS.values() if f.endpoint_key == "datananas.bulk_create"]
    assert len(mine) >= 10


async def test_fault_duplicates_instead_of_updates(make_env: MakeEnv) -> None:
    async with make_env(faults=["datananas_update_creates_duplicate"]) as env:
        await post(env, [{"email": "a@x.com"}])
        await post(env, [{"email": "A@x.com"}])
        assert len(await stored(env, "a@x.com")) == 2


async def test_fault_move_flag_ignored(make_env: MakeEnv) -> None:
    async with make_env(faults=["datananas_move_flag_ignored"]) as env:
        first, second = env.lists(P)
        await post(env, [{"email": "a@x.com"}], list={"id": first})
        await post(env, [{"email": "a@x.com"}], params=f"?{MOVE_FLAG}=true",
                   list={"id": second})
        assert len((await stored(env, "a@x.com"))[0]["lists"]) == 2


async def test_faults_of_the_402(make_env: MakeEnv) -> None:
    async with make_env(faults=["datananas_402_without_reason"]) as env:
        await set_quotas(env, total_quota=0)
        r = await post(env, [{"email": "a@x.com"}])
        assert r.status_code == 402 and "reason" not in r.json()
    async with make_env(faults=["datananas_402_undocumented_reason"]) as env:
        await set_quotas(env, total_quota=0)
        r = await post(env, [{"email": "a@x.com"}])
        assert r.status_code == 402 and r.json()["reason"] == "quota_exceeded"


async def test_fault_max_off_by_one(make_env: MakeEnv) -> None:
    top = ENDPOINT.max_batch or 0
    async with make_env(faults=["datananas_bulk_max_off_by_one"]) as env:
        r = await env.post(BULK, provider=P, content=valid_body_bytes(ENDPOINT, top + 1, seed=3))
        assert r.status_code == 200, r.text
