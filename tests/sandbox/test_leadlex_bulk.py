"""LeadLex bulk create through the app (ASGI): seed 000 and the spec, limits from the catalog."""

from __future__ import annotations

import uuid

import orjson
import pytest

from tests.sandbox.conftest import MakeEnv, endpoint

pytestmark = pytest.mark.anyio

BULK = "/leadlex/v1/contacts/bulk"
EP = endpoint("leadlex.bulk_create")
MAX = EP.max_batch or 0
MIN = EP.min_batch or 0


def contacts(n: int, start: int = 0) -> list[dict[str, str]]:
    return [{"full_name": f"Jane {i}", "email": f"jane{i}@example.com"}
            for i in range(start, start + n)]


async def test_creates_all_and_echoes_them_in_order_with_uuids(make_env: MakeEnv) -> None:
    async with make_env() as env:
        batch = [{"full_name": "Jane Doe", "email": "jane@example.com", "job_title": "CEO"},
                 {"full_name": "John Smith", "company": "Acme Inc"},
                 {"full_name": "Jane Doe", "email": "jane@example.com"}]  # no identity: a 3rd
        r = await env.post(BULK, {"contacts": batch})
        assert r.status_code == EP.success_status
        data = r.json()["data"]
        assert data["created"] == 3
        assert [c["full_name"] for c in data["contacts"]] == [c["full_name"] for c in batch]
        assert [c["email"] for c in data["contacts"]] == ["jane@example.com", None,
                                                          "jane@example.com"]
        ids = [c["id"] for c in data["contacts"]]
        assert len(set(ids)) == 3 and all(str(uuid.UUID(i)) == i for i in ids)
        assert await env.count() == 3
        stored = (await env.client.get("/_sandbox/leadlex/contacts", headers=env.admin)).json()
        assert [c["id"] for c in stored["contacts"]] == ids
        assert stored["contacts"][0]["data"]["job_title"] == "CEO"


async def test_limits_come_from_the_catalog(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.post(BULK, {"contacts": contacts(MAX)})
        assert r.status_code == 200 and r.json()["data"]["created"] == MAX
        over = await env.post(BULK, {"contacts": contacts(MAX + 1)})
        assert over.status_code == 400
        error = over.json()["error"]
        assert error["code"] == "validation_error" and str(MAX) in error["message"]
        under = await env.post(BULK, {"contacts": contacts(MIN - 1) if MIN else []})
        assert under.status_code == 400
        assert await env.count() == MAX


async def test_one_invalid_contact_rejects_the_batch_naming_index_and_field(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        batch = [*contacts(2), {"email": "no-name@example.com"}, {"full_name": ""},
                 {"full_name": "X", "email": "not an email"}, {"full_name": "Y", "tags": "x"}]
        r = await env.post(BULK, {"contacts": batch})
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["code"] == "validation_error" and error["message"]
        found = {(e["index"], e.get("field")) for e in error["details"]["errors"]}
        assert {(2, "full_name"), (3, "full_name"), (4, "email"), (5, "tags")} <= found
        assert all(e["message"] for e in error["details"]["errors"])
        assert await env.count() == 0


@pytest.mark.parametrize("body", [
    {}, {"contacts": "x"}, {"contacts": None}, {"contacts": {"full_name": "a"}}, [],
    "contacts", 42, None, {"contacts": [1, 2]}, {"contacts": [{"full_name": 5}]},
    {"contacts": [{"full_name": "a", "custom_fields": []}]},
])
async def test_wrong_shapes_are_400_in_the_envelope(make_env: MakeEnv, body: object) -> None:
    async with make_env() as env:
        r = await env.post(BULK, content=orjson.dumps(body))
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "validation_error"
        assert r.json()["error"]["message"]


@pytest.mark.parametrize(("content", "content_type"), [
    (b"{", "application/json"),
    (b"", "application/json"),
    (b'{"contacts": [{"full_name": "\xff\xfe"}]}', "application/json"),
    (b'{"contacts": [{"full_name": "\\ud800"}]}', "application/json"),
    (b'{"contacts": [{"full_name": "a"}]}', "text/plain"),
    (b'{"contacts": [{"full_name": "a"}]}', "application/x-www-form-urlencoded"),
    (b'{"contacts": [{"full_name": "a"}]}', "application/json; charset=latin-1"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (b'{"contacts": [{"full_name": "a", "custom_fields": ' + b'{"a":' * 2000 + b"1"
     + b"}" * 2000 + b"}]}", "application/json"),
    (b"NaN", "application/json"),
    (b'{"contacts": [{"full_name": "a"}]} trailing', "application/json"),
])
async def test_bad_bodies_are_400(make_env: MakeEnv, content: bytes, content_type: str) -> None:
    async with make_env() as env:
        r = await env.post(BULK, content=content, headers={"Content-Type": content_type})
        assert r.status_code == 400, r.text
        assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "validation_error"


async def test_missing_content_type_is_400(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.client.post(BULK, content=orjson.dumps({"contacts": contacts(1)}),
                                  headers=env.auth())
        assert r.status_code == 400


async def test_auth_and_scope(make_env: MakeEnv) -> None:
    async with make_env() as env:
        body = {"contacts": contacts(1)}
        for headers in ({}, {"Authorization": "Bearer wbk_unknown"}, {"Authorization": "wbk_x"},
                        {"Authorization": f"Basic {env.key()}"},
                        {"Authorization": f"Bearer {env.key('sociocs')}"}):
            r = await env.client.post(BULK, json=body, headers=headers)
            assert r.status_code == 401, headers
            assert r.json()["error"]["code"] == "invalid_key"
        r = await env.post(BULK, body, role="read_only")
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "insufficient_permissions"
        assert EP.required_scope and EP.required_scope in r.json()["error"]["message"]
        assert await env.count() == 0
        r = await env.post(BULK, body, role="other_workspace")
        assert r.status_code == 200
        assert (await env.count(workspace="other"), await env.count()) == (1, 0)


async def test_unknown_paths_and_methods_answer_in_the_envelope(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.client.get(BULK, headers=env.auth())
        assert r.status_code == 405 and "POST" in r.headers["allow"]
        assert r.json()["error"]["code"]
        r = await env.client.get("/leadlex/v1/nothing")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        r = await env.client.get("/sociocs/nothing")
        assert r.status_code == 404 and r.json()["status"] == "error"


async def test_request_id_is_echoed_or_generated(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.post(BULK, {"contacts": contacts(1)}, headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        r = await env.post(BULK, {"contacts": contacts(1)})
        assert r.headers["x-request-id"]
        r = await env.post(BULK, {"contacts": contacts(1)}, headers={"X-Request-ID": "a b"})
        assert r.headers["x-request-id"] not in ("", "a b")


# --------------------------------------------------------------------------- faults


async def test_fault_max_off_by_one_and_min_zero(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_bulk_max_off_by_one", "leadlex_bulk_min_zero"}) as env:
        assert (await env.post(BULK, {"contacts": contacts(MAX + 1)})).status_code == 200
        assert (await env.post(BULK, {"contacts": contacts(MAX + 2)})).status_code == 400
        r = await env.post(BULK, {"contacts": []})
        assert r.status_code == 200 and r.json()["data"]["created"] == 0


async def test_fault_counts_ids_and_lost_contact(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_bulk_created_off_by_one", "leadlex_bulk_ids_missing",
                                "leadlex_bulk_loses_last_contact"}) as env:
        r = await env.post(BULK, {"contacts": contacts(3)})
        data = r.json()["data"]
        assert data["created"] == 4
        assert all("id" not in c for c in data["contacts"])
        assert await env.count() == 2


async def test_fault_500_on_empty_full_name(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_bulk_500_on_empty_full_name"}) as env:
        r = await env.post(BULK, {"contacts": [{"full_name": ""}]})
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
        assert (await env.post(BULK, {"contacts": [{}]})).status_code == 400


async def test_core_error_faults(make_env: MakeEnv) -> None:
    async with make_env(faults={"bad_request_as_422", "wrong_validation_code",
                                "error_envelope_missing_message"}) as env:
        r = await env.post(BULK, {"contacts": []})
        assert r.status_code == 422
        assert r.json() == {"error": {"code": "bad_request", "details": r.json()["error"][
            "details"]}}
    async with make_env(faults={"unknown_key_403", "read_only_key_can_write",
                                "request_id_missing", "malformed_json_500"}) as env:
        r = await env.client.post(BULK, json={"contacts": contacts(1)})
        assert r.status_code == 403 and "x-request-id" not in r.headers
        assert (await env.post(BULK, {"contacts": contacts(1)}, role="read_only")
                ).status_code == 200
        assert (await env.post(BULK, content=b"{")).status_code == 500
