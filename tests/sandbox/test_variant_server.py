"""The ``alt`` variant on the wire: a real sandbox subprocess started with
``start_sandbox(..., variant="alt")``, its ``sandbox.json``, and one progress WebSocket
that authenticates with an ``Authorization: Bearer`` header at ``<prefix>/events``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bulkbench.sandbox.process import SandboxProcess, start_sandbox

WAIT = 20.0  # bound of every wait, in seconds
FAULT = "datananas_ws_counts_swapped"  # a fault works with a variant as without one


@pytest.fixture(scope="module")
def alt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with start_sandbox(tmp_path_factory.mktemp("alt"), seed=13, variant="alt",
                       faults=[FAULT], extra_args=["--header-timeout", "7", "--body-timeout",
                                                   "9", "--max-connections", "50"]) as sb:
        yield sb


def ws_url(sb: SandboxProcess) -> str:
    return str(sb.info["providers"]["datananas"]["websocket"]["url"])


def test_sandbox_json_names_the_variant_and_what_it_serves(alt: SandboxProcess) -> None:
    info = alt.info
    assert info["variant"] == "alt"
    assert [Path(f).name for f in info["assumption_files"]] == ["alt.toml"]
    assert info["faults"] == [FAULT]
    assert info["connection_limits"] == {"header_timeout_seconds": 7.0,
                                         "body_timeout_seconds": 9.0, "max_connections": 50}
    leadlex = info["providers"]["leadlex"]
    assert leadlex["paths"]["import_job_status"] == "/v1/imports/{job_id}"
    assert leadlex["assumptions"]["success_status"] == 201
    assert leadlex["rate_limit"]["reset"] == "delta-seconds"
    assert all("write:contacts" in k["scopes"] for k in leadlex["keys"] if k["role"] == "full")
    hook = leadlex["webhooks"]["import.completed"]
    assert (hook["signature_header"], hook["signature_format"]) == ("X-Webhook-Signature", "hex")
    ws = info["providers"]["datananas"]["websocket"]
    assert ws["path"] == "/datananas/events" and ws["auth"] == "header"
    assert ws["url"] == str(info["origin"]).replace("http://", "ws://") + "/datananas/events"


def test_http_answers_with_the_variant(alt: SandboxProcess) -> None:
    key = {"Authorization": f"Bearer {alt.key('leadlex')}"}
    with httpx.Client(timeout=WAIT) as client:
        r = client.post(f"{alt.base_url('leadlex')}/v1/contacts/bulk", headers=key,
                        json={"contacts": [{"full_name": "Wire"}]})
        assert r.status_code == 201, r.text
        r = client.delete(f"{alt.base_url('leadlex')}/v1/contacts/bulk")
        assert r.status_code == 404 and "allow" not in r.headers


@pytest.mark.anyio
async def test_websocket_with_header_auth_gets_the_events(alt: SandboxProcess) -> None:
    token = alt.key("datananas")
    auth = {"Authorization": f"Bearer {token}"}
    events: list[dict[str, Any]] = []
    async with connect(ws_url(alt), additional_headers=auth, max_queue=None) as ws:
        async with httpx.AsyncClient(timeout=WAIT) as client:
            r = await client.post(f"{alt.base_url('datananas')}/contacts/bulk", headers=auth,
                                  json={"contacts": [{"email": "ws1@example.com"},
                                                     {"email": "ws2@example.com"}]})
        assert r.status_code == 201, r.text
        txn = r.json()["transactionId"]  # alt.toml: transaction_id_pointer
        async with asyncio.timeout(WAIT):
            while not events or events[-1]["event"] != "contact_bulk_create_ending":
                events.append(orjson.loads(await ws.recv()))
    assert [e["event"] for e in events] == [
        "contact_bulk_create_starting", "contact_bulk_create_running",
        "contact_bulk_create_running", "contact_bulk_create_ending"]
    assert all(e["data"]["uuid"] == txn for e in events)
    # the fault applies as with the default sandbox: created and updated swapped
    assert (events[-1]["data"]["created"], events[-1]["data"]["updated"]) == (0, 2)


@pytest.mark.anyio
async def test_websocket_token_in_the_query_is_refused(alt: SandboxProcess) -> None:
    url = ws_url(alt) + f"?access_token={alt.key('datananas')}"
    async with connect(url) as ws, asyncio.timeout(WAIT):
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "Authorization" in closed.value.rcvd.reason


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
