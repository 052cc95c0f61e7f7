"""The ``alt`` variant: at every assumption key it serves the other reading, driven by the
same keys the contract suite reads (handler level, through the ASGI transport).

Each test runs the same request against the default sandbox and the alt one, so that a
difference is the key's doing and the default stays as it was.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.assumed import resolve
from bulkbench.sandbox.webhooks import sign
from tests.sandbox.conftest import BASE, Env, MakeEnv
from tests.sandbox.test_leadlex_import_server import Receiver

pytestmark = pytest.mark.anyio

ALT, _ = resolve("alt")
SYNC_MAX = default_catalog().endpoint("leadlex.import_contacts").sync_max_rows or 0
WAIT = 20.0  # bound of every wait, in seconds


@asynccontextmanager
async def both(make_env: MakeEnv, **settings: Any) -> AsyncIterator[tuple[Env, Env]]:
    """(the default sandbox, the alt variant), with the same other settings."""
    async with make_env(**settings) as default, \
            make_env(assumptions=ALT, variant="alt", **settings) as alt:
        yield default, alt


def reason_envelope(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"reason", "error_description"}


# --------------------------------------------------------------------------- success_status


async def test_success_status_201_for_leadlex_and_datananas_not_sociocs(
        make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for env, status in ((default, 200), (alt, 201)):
            r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"full_name": "A"}]})
            assert r.status_code == status, r.text
            r = await env.post("/leadlex/v1/import/contacts", {"rows": [{"full_name": "B"}]})
            assert r.status_code == status and r.json()["data"]["status"] == "completed"
            ids = [c["id"] for c in (await env.post("/leadlex/v1/contacts/bulk", {
                "contacts": [{"full_name": "C"}]})).json()["data"]["contacts"]]
            r = await env.post(f"/leadlex/v1/lists/{env.lists()[0]}/contacts",
                               {"contact_ids": ids})
            assert r.status_code == status, r.text
            r = await env.post("/datananas/contacts/bulk",
                               {"contacts": [{"email": "a@example.com"}]}, provider="datananas")
            assert r.status_code == status, r.text
            r = await env.post("/sociocs/contacts/bulk",
                               {"records": [{"phone_number": "+16175551212"}]},
                               provider="sociocs")
            assert r.status_code == 200, r.text  # Sociocs documents 200


async def test_queued_import_and_its_status_route(make_env: MakeEnv) -> None:
    rows = [{"full_name": f"R{i}"} for i in range(SYNC_MAX + 1)]
    async with both(make_env) as (default, alt):
        for env, status, path, old in (
                (default, 200, "/leadlex/v1/import/jobs/{}", "/leadlex/v1/imports/{}"),
                (alt, 201, "/leadlex/v1/imports/{}", "/leadlex/v1/import/jobs/{}")):
            r = await env.post("/leadlex/v1/import/contacts", {"rows": rows})
            assert r.status_code == status and r.json()["data"]["status"] == "queued"
            job_id = r.json()["data"]["job_id"]
            r = await env.client.get(path.format(job_id), headers=env.auth())
            assert r.status_code == 200 and r.json()["data"]["job_id"] == job_id
            assert (await env.client.get(old.format(job_id), headers=env.auth())
                    ).status_code == 404
        paths = alt.sandbox.describe(BASE)["providers"]["leadlex"]["paths"]
        assert paths["import_job_status"] == "/v1/imports/{job_id}"


# --------------------------------------------------------------------------- error envelope


async def test_datananas_errors_in_the_reason_error_description_envelope(
        make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        r = await default.post("/datananas/contacts/bulk", {"contacts": []},
                               provider="datananas")
        assert r.status_code == 400 and set(r.json()) == {"reason", "message"}
        r = await alt.post("/datananas/contacts/bulk", {"contacts": []}, provider="datananas")
        assert r.status_code == 400 and reason_envelope(r.json())
        assert r.json()["reason"] == "invalid_request"  # error_codes: the variant's reasons
        r = await default.post("/datananas/contacts/bulk", {"contacts": []},
                               provider="datananas")
        assert r.json()["reason"] == "validation_error"
        r = await alt.client.post("/datananas/contacts/bulk", json={"contacts": []})
        assert r.status_code == 401 and reason_envelope(r.json())
        # LeadLex's and Sociocs' envelopes are documented: the same in both
        for env in (default, alt):
            r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": []})
            assert set(r.json()["error"]) >= {"code", "message"}
            r = await env.post("/sociocs/contacts/bulk", {"records": []}, provider="sociocs")
            assert r.json()["status"] == "error" and r.json()["errors"][0]["msg"]


async def test_error_faults_act_on_the_variant_envelope(make_env: MakeEnv) -> None:
    async with make_env(assumptions=ALT, faults={"error_envelope_missing_message",
                                                 "leadlex_bulk_created_off_by_one"}) as env:
        r = await env.post("/datananas/contacts/bulk", {"contacts": []}, provider="datananas")
        assert r.status_code == 400 and r.json() == {"reason": "invalid_request"}
        r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"full_name": "A"}]})
        assert r.status_code == 201 and r.json()["data"]["created"] == 2
    async with make_env(assumptions=ALT, faults={"datananas_402_without_reason"},
                        extra={"datananas_total_quota": "1"}) as env:
        r = await env.post("/datananas/contacts/bulk", {"contacts": [
            {"email": "a@example.com"}, {"email": "b@example.com"}]}, provider="datananas")
        assert r.status_code == 402 and set(r.json()) == {"error_description"}


async def test_custom_pointers_nest_and_keep_details(make_env: MakeEnv) -> None:
    pointers = {"leadlex": {"error_code_pointer": "/errors/0/type",
                            "error_message_pointer": "/errors/0/detail",
                            "error_details_pointer": "/meta"}}
    async with make_env(assumptions=pointers) as env:
        r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"email": "x"}]})
        body = r.json()
        assert r.status_code == 400 and set(body) == {"errors", "meta"}
        assert body["errors"][0]["type"] == "validation_error"
        assert body["errors"][0]["detail"] and body["meta"]["errors"]


# --------------------------------------------------------------------------- routing


async def test_unserved_method_404_without_allow_for_leadlex(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        r = await default.client.delete("/leadlex/v1/contacts/bulk")
        assert r.status_code == 405 and "POST" in r.headers["allow"]
        r = await alt.client.delete("/leadlex/v1/contacts/bulk")
        assert r.status_code == 404 and "allow" not in r.headers
        assert r.json()["error"]["code"] == "not_found"
        r = await alt.client.get("/datananas/contacts/bulk")  # not settled for Datananas
        assert r.status_code == 405 and r.headers["allow"]


# --------------------------------------------------------------------------- rate limit


async def test_rate_limit_numbers_and_delta_reset(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for env, limit in ((default, 120), (alt, 300)):
            r = await env.post("/leadlex/v1/import/contacts", {"rows": [{"full_name": "A"}]})
            assert r.headers["x-ratelimit-limit"] == str(limit)
            assert r.headers["x-ratelimit-remaining"] == str(limit - 1)
            reset = int(r.headers["x-ratelimit-reset"])
            if env is alt:
                assert 0 <= reset <= 60  # delta seconds
            else:
                assert reset > time.time()  # epoch seconds
        described = alt.sandbox.describe(BASE)["providers"]["leadlex"]["rate_limit"]
        assert described == {"requests": 300, "window_seconds": 60.0, "reset": "delta-seconds",
                             "enforced": False}


async def test_rate_limit_option_wins_over_the_numbers_not_the_reset_style(
        make_env: MakeEnv) -> None:
    async with make_env(assumptions=ALT, rate_limit=(2, 30.0)) as env:
        answers = [await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"full_name": "A"}]})
                   for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[0].headers["x-ratelimit-limit"] == "2"
        assert 0 <= int(answers[2].headers["x-ratelimit-reset"]) <= 30


# --------------------------------------------------------------------------- scope


async def test_required_scope_named_write_contacts(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for env, scope in ((default, "contacts:write"), (alt, "write:contacts")):
            keys = env.sandbox.describe(BASE)["providers"]["leadlex"]["keys"]
            scopes = {k["role"]: set(k["scopes"]) for k in keys}
            assert scope in scopes["full"] and scope not in scopes["read_only"]
            r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"full_name": "A"}]},
                               role="read_only")
            assert r.status_code == 403
            assert r.json()["error"]["message"] == f"Missing {scope} permission"


async def test_reopened_folder_renames_the_scopes(make_env: MakeEnv, tmp_path: Any) -> None:
    data = tmp_path / "shared"
    async with make_env(data_dir=data) as env:
        key = env.key()
    async with make_env(data_dir=data, assumptions=ALT) as env:
        assert env.key() == key
        r = await env.post("/leadlex/v1/contacts/bulk", {"contacts": [{"full_name": "A"}]})
        assert r.status_code == 201


# --------------------------------------------------------------------------- idempotency


async def test_reused_idempotency_key_answers_the_original(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for env in (default, alt):
            first = await env.post("/leadlex/v1/import/contacts", {"rows": [{"full_name": "A"}]},
                                   headers={"Idempotency-Key": "k1"})
            again = await env.post("/leadlex/v1/import/contacts",
                                   {"rows": [{"full_name": "Other"}]},
                                   headers={"Idempotency-Key": "k1"})
            if env is default:
                assert again.status_code == 409
            else:
                assert again.status_code == 201 and again.content == first.content
    settled = {"leadlex": {"idempotency_conflict_status": 422}}
    async with make_env(assumptions=settled) as env:
        await env.post("/leadlex/v1/import/contacts", {"rows": [{"full_name": "A"}]},
                       headers={"Idempotency-Key": "k2"})
        r = await env.post("/leadlex/v1/import/contacts", {"rows": [{"full_name": "B"}]},
                           headers={"Idempotency-Key": "k2"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"


# --------------------------------------------------------------------------- row errors


async def test_row_error_codes_in_order_of_meaning(make_env: MakeEnv) -> None:
    text = "full_name,email\nBob,not-an-email\n,nobody@example.com\nCarl,\"carl\"@x.com\n"
    async with both(make_env) as (default, alt):
        for env, codes in ((default, ["invalid_field", "missing_required_field", "invalid_row"]),
                           (alt, ["field_invalid", "required_field_missing", "row_unparseable"])):
            r = await env.post("/leadlex/v1/import/contacts", {"csv": text})
            assert [e["code"] for e in r.json()["data"]["errors"]] == codes


# --------------------------------------------------------------------------- lists


async def test_unknown_list_status(make_env: MakeEnv) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    async with both(make_env) as (default, alt):
        for env, datananas, sociocs in ((default, 400, 404), (alt, 404, 400)):
            r = await env.post("/datananas/contacts/bulk", {
                "contacts": [{"email": "a@example.com"}], "list": {"id": unknown}},
                provider="datananas")
            assert r.status_code == datananas, r.text
            r = await env.post("/sociocs/contacts/bulk", {
                "records": [{"phone_number": "+16175551212"}], "list_id": 999},
                provider="sociocs")
            assert r.status_code == sociocs, r.text
            assert r.json()["status"] == "error"
            r = await env.post(f"/leadlex/v1/lists/{unknown}/contacts",
                               {"contact_ids": [unknown]})
            assert r.status_code == 404  # LeadLex: not settled by the variant
    async with make_env(assumptions={"leadlex": {"unknown_list_status": 400}}) as env:
        r = await env.post(f"/leadlex/v1/lists/{unknown}/contacts", {"contact_ids": [unknown]})
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"


# --------------------------------------------------------------------------- phones


async def test_phone_separators_normalised(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        body = {"records": [{"phone_number": "+1 (617) 555-1212", "name": "Jo"}]}
        assert (await default.post("/sociocs/contacts/bulk", body, provider="sociocs")
                ).status_code == 400
        r = await alt.post("/sociocs/contacts/bulk", body, provider="sociocs")
        assert r.status_code == 200 and r.json() == {"status": "success"}
        r = await alt.post("/sociocs/contacts/bulk", {"records": [
            {"phone_number": "16175551212", "name": "Jo again"}]}, provider="sociocs")
        assert r.status_code == 200
        found = (await alt.client.get("/_sandbox/sociocs/contacts/by-phone?phone=16175551212",
                                      headers=alt.admin)).json()
        assert found["total"] == 1 and found["contacts"][0]["name"] == "Jo again"
        bad = {"records": [{"phone_number": "+1 617 CALL-NOW"}]}
        assert (await alt.post("/sociocs/contacts/bulk", bad, provider="sociocs")
                ).status_code == 400


# --------------------------------------------------------------------------- websocket


async def test_websocket_served_at_events_with_header_auth(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        ws = default.sandbox.describe("http://h:1")["providers"]["datananas"]["websocket"]
        assert (ws["path"], ws["auth"], ws["token_param"]) == (
            "/datananas/ws", "query", "access_token")
        ws = alt.sandbox.describe("http://h:1")["providers"]["datananas"]["websocket"]
        assert ws["path"] == "/datananas/events" and ws["url"] == "ws://h:1/datananas/events"
        assert ws["auth"] == "header" and ws["token_param"] is None
        # the connection itself: tests/sandbox/test_variant_server.py


# --------------------------------------------------------------------------- webhook


async def test_webhook_signed_in_its_own_header_as_bare_hex(make_env: MakeEnv) -> None:
    receiver = Receiver()
    try:
        rows = [{"full_name": f"W{i}"} for i in range(SYNC_MAX + 1)]
        async with make_env(assumptions=ALT, webhook_url=receiver.url) as env:
            r = await env.post("/leadlex/v1/import/contacts", {"rows": rows})
            assert r.status_code == 201
            deadline = time.monotonic() + WAIT
            while not receiver.acknowledged():
                assert time.monotonic() < deadline, "no webhook"
                await asyncio.sleep(0.05)
            secret = env.sandbox.webhook_secret
            hook = env.sandbox.describe(BASE)["providers"]["leadlex"]["webhooks"]
        delivery = receiver.acknowledged()[0]
        expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["x-webhook-signature"] == expected
        assert "x-leadlex-signature" not in delivery.headers
        assert hook["import.completed"]["signature_header"] == "X-Webhook-Signature"
        assert hook["import.completed"]["signature_format"] == "hex"
    finally:
        receiver.close()


def test_signature_formats() -> None:
    body, secret = b'{"a":1}', "s3cret"
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    assert sign(secret, body) == "sha256=" + digest.hexdigest()
    assert sign(secret, body, "hex") == digest.hexdigest()
    assert sign(secret, body, "base64") == base64.b64encode(digest.digest()).decode()


# --------------------------------------------------------------------------- sandbox.json


async def test_sandbox_json_reports_what_is_served(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        info = default.sandbox.describe(BASE)
        assert info["variant"] is None and info["assumption_files"] == []
        assert info["providers"]["leadlex"]["assumptions"]["success_status"] == 200
        info = alt.sandbox.describe(BASE)
        assert info["variant"] == "alt"
        served = info["providers"]["leadlex"]["assumptions"]
        for key, value in ALT["leadlex"].items():
            assert served[key] == value, key
        assert info["providers"]["datananas"]["assumptions"]["error_message_pointer"] == \
            "/error_description"
        assert "required_scope" not in info["providers"]["sociocs"]["assumptions"]


def test_alt_takes_another_reading_than_the_spec_everywhere() -> None:
    from bulkbench.core.assumptions import settle

    catalog = default_catalog()
    stated_for_clarity = {("leadlex", "rate_limit_window_seconds")}  # 300 per *60* s
    for provider, table in ALT.items():
        for key, value in table.items():
            if (provider, key) not in stated_for_clarity:
                assert value != settle(None, catalog.provider(provider), key), (provider, key)

