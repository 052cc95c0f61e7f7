"""Requests the checks send, built from the catalog: paths, bodies, the error code of an
answer, the counters of a success, and the Datananas progress exchange.

Nothing here knows a limit or a field name the spec does not give: paths and methods come
from the endpoint, the error code's place from the provider's error envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from bulkbench.contract.exchange import Exchange
from bulkbench.contract.progress import ProgressRun, post_with_progress
from bulkbench.core.catalog import Endpoint

if TYPE_CHECKING:
    from bulkbench.contract.checks.registry import CheckContext

__all__ = [
    "ENDING",
    "RUNNING",
    "STARTING",
    "create_items",
    "path_of",
    "result_data",
    "send_batch",
    "send_with_progress",
]

STARTING = "contact_bulk_create_starting"
RUNNING = "contact_bulk_create_running"
ENDING = "contact_bulk_create_ending"


def path_of(endpoint: Endpoint, template: str | None = None, **params: str) -> str:
    """The endpoint's path (or ``template``) with ``{name}`` parameters filled in."""
    path = template or endpoint.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path


def result_data(body: Any) -> dict[str, Any]:
    """Where a success keeps its fields: ``data`` (LeadLex) or the body itself."""
    if isinstance(body, dict):
        inner = body.get("data")
        return inner if isinstance(inner, dict) else body
    return {}


def send_batch(ctx: CheckContext, endpoint: Endpoint, body: Any, *, role: str | None = "full",
               path_params: Mapping[str, str] | None = None,
               params: Mapping[str, Any] | None = None,
               headers: Mapping[str, str] | None = None) -> Exchange:
    """POST a JSON body to ``endpoint`` of the check's target."""
    return ctx.client.send(endpoint.method, path_of(endpoint, **(path_params or {})),
                           role=role, json=body, params=params, headers=headers)


def create_items(ctx: CheckContext, endpoint: Endpoint, items: list[Any], *,
                 role: str = "full", extras: Mapping[str, Any] | None = None) -> list[str]:
    """Create ``items`` with ``endpoint`` (setup); the created ids when the answer has them."""
    assert endpoint.batch_field is not None
    exchange = send_batch(ctx, endpoint, {endpoint.batch_field: items, **(extras or {})},
                          role=role)
    if not ctx.succeeded(exchange):
        ctx.fail("setup request failed",
                 f"creating {len(items)} contact(s) with {endpoint.key} (key role {role}) "
                 f"answered {exchange.status}", exchange)
    data = result_data(exchange.json())
    contacts = data.get("contacts")
    ids: list[str] = []
    if isinstance(contacts, list):
        ids = [str(c.get("id")) for c in contacts if isinstance(c, dict) and c.get("id")]
    return ids


def send_with_progress(ctx: CheckContext, endpoint: Endpoint, body: bytes, *,
                       params: Mapping[str, Any] | None = None,
                       body_note: str | None = None) -> ProgressRun:
    """POST ``body`` while listening on the progress WebSocket (Datananas)."""
    target = ctx.target
    assert target.websocket_url is not None
    token = target.keys["full"]
    url = ctx.client.url(path_of(endpoint))
    wire = ctx.client.wire
    if wire:
        body = wire.content(endpoint.method, url, body)
        params = wire.params(params) if params else params
    if params:
        query = {k: ("true" if v is True else "false" if v is False else str(v))
                 for k, v in params.items()}
        url = str(httpx.URL(url, params=query))
    headers = ctx.client.auth_headers("full")
    ctx.client.last = None
    run = post_with_progress(target.websocket_url, token, url, headers, body,
                             timeout=target.timeout, settle=min(target.timeout, 10.0),
                             body_note=body_note,
                             ws_auth=str(target.assumed("websocket_auth")),
                             ws_token_param=str(target.assumed("websocket_token_param")),
                             transaction_pointer=str(target.assumed("transaction_id_pointer")))
    ctx.client.last = run.exchange
    return run
