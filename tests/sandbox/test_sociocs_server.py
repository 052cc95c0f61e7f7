"""Sociocs against a real sandbox server: the documented behaviours on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.sandbox.process import SandboxProcess

ENDPOINT = default_catalog().endpoint("sociocs.bulk_upsert")


@pytest.fixture(scope="module")
def api(server: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url("sociocs"), timeout=30,
                      headers={"apikey": server.key("sociocs")}) as client:
        yield client


@pytest.fixture(scope="module")
def admin(server: SandboxProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.admin_url + "/sociocs", timeout=30,
                      headers=server.admin_headers) as client:
        yield client


def contacts(admin: httpx.Client, phone: str) -> list[dict[str, Any]]:
    r = admin.get("/contacts/by-phone", params={"phone": phone})
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["contacts"]
    return found


def test_upsert_by_phone_replaces_everything(api: httpx.Client, admin: httpx.Client) -> None:
    r = api.post("/contacts/bulk", json={"list_id": 0, "phone_number_cc": "1", "records": [
        {"phone_number": "16175551212", "name": "John Johnson",
         "extra_fields": {"email_address": "john@example.com", "id": 987123}}]})
    assert r.status_code == 200 and r.json() == {"status": "success"}
    assert r.headers["x-request-id"]
    r = api.post("/contacts/bulk", json={"records": [
        {"phone_number": "+16175551212", "extra_fields": {"segment": "b2b"}}]})
    assert r.status_code == 200
    [contact] = contacts(admin, "+16175551212")
    assert contact["name"] is None
    assert contact["data"]["extra_fields"] == {"segment": "b2b"}


def test_unknown_list_is_404_in_the_envelope(api: httpx.Client, admin: httpx.Client) -> None:
    r = api.post("/contacts/bulk", json={"list_id": 424242,
                                         "records": [{"phone_number": "+447700900123"}]})
    assert r.status_code == 404
    assert r.json()["status"] == "error" and r.json()["errors"][0]["msg"]
    assert contacts(admin, "447700900123") == []


def test_full_batch_accepted_one_more_refused(api: httpx.Client, admin: httpx.Client) -> None:
    top = ENDPOINT.max_batch or 0
    headers = {"content-type": "application/json"}
    r = api.post("/contacts/bulk", content=valid_body_bytes(ENDPOINT, top, seed=9, start=10**6),
                 headers=headers)
    assert r.status_code == 200, r.text
    r = api.post("/contacts/bulk",
                 content=valid_body_bytes(ENDPOINT, top + 1, seed=9, start=2 * 10**6),
                 headers=headers)
    assert r.status_code == 400 and r.json()["status"] == "error"
    counts = admin.get("/counts").json()["workspaces"]["main"]
    assert counts["contacts"] == counts["distinct_phones"] >= top
