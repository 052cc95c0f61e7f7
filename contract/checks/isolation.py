"""Isolation between workspaces, where the documentation implies it without a sentence.

What holds under every reading of the docs: a list of another workspace is never
accepted as the target of this workspace's contacts, and another workspace listening on
the progress WebSocket never receives this workspace's events. Which status refuses the
foreign list is an open point (``unknown_list_status``). LeadLex's own case
(``list_of_other_workspace``) is an edge case of ``list_not_in_workspace_404``.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from websockets.exceptions import ConcurrencyError, InvalidHandshake, WebSocketException
from websockets.sync.client import ClientConnection, connect

from bulkbench.contract.checks.case_selection import is_endpoint
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.progress import socket_auth, transaction_id
from bulkbench.contract.requests import send_batch, send_with_progress
from bulkbench.generators.edge_cases.readings import list_id_value, wrong_type_list_id

__all__: list[str] = []

DATANANAS = "datananas.bulk_create"
SOCIOCS = "sociocs.bulk_upsert"


def _foreign_list_body(ctx: CheckContext, foreign: str) -> dict[str, Any]:
    contacts = ctx.session.contacts(ctx.endpoint, 1)
    if ctx.endpoint.key == SOCIOCS:
        return {"list_id": int(foreign) if foreign.isdigit() else foreign, "records": contacts}
    return {"list": {"id": list_id_value(foreign, str(ctx.assumed("list_id_type")))},
            "contacts": contacts}


@check(group="auth", endpoints=is_endpoint(DATANANAS, SOCIOCS), needs=("other_list",),
       assumes=("unknown_list_status",),
       note="NOTES S2/D4: a list that is no list of the account is refused (404 for "
            "Sociocs, 400 for Datananas, as assumed)")
def foreign_list_refused(ctx: CheckContext) -> None:
    """A list of another workspace is refused as the target of this workspace's batch,
    with the status the config settles; the foreign list gains nothing."""
    foreign = ctx.target.other_lists[0]
    inspector = ctx.session.inspector(ctx.target.name)
    before = inspector.list_view(ctx.target.name, foreign) if inspector else None
    exchange = send_batch(ctx, ctx.endpoint, _foreign_list_body(ctx, foreign))
    if inspector is not None and before is not None:
        after = inspector.list_view(ctx.target.name, foreign)
        ctx.require(after.get("member_count") == before.get("member_count"),
                    "another workspace's list gained contacts",
                    f"list {foreign} of another workspace went from "
                    f"{before.get('member_count')} to {after.get('member_count')} members",
                    exchange)
    expected = int(ctx.assumed("unknown_list_status"))
    ctx.expect(exchange.status == expected, "foreign list not refused as assumed",
               f"a batch naming list {foreign} of another workspace answered "
               f"{exchange.status}, expected {expected}", exchange)


def _listen(ctx: CheckContext, token: str) -> ClientConnection:
    assert ctx.target.websocket_url is not None
    url, headers, subprotocols = socket_auth(
        ctx.target.websocket_url, token, str(ctx.assumed("websocket_auth")),
        str(ctx.assumed("websocket_token_param")))
    return connect(url, additional_headers=headers, subprotocols=subprotocols,
                   open_timeout=ctx.target.timeout, max_size=2**20)


def _frames(socket: ClientConnection, seconds: float) -> list[str]:
    """Every text frame ``socket`` receives within ``seconds``."""
    frames: list[str] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = socket.recv(timeout=left)
        except TimeoutError:
            break
        except (WebSocketException, ConcurrencyError):
            break
        frames.append(frame if isinstance(frame, str) else frame.decode(errors="replace"))
    return frames


@check(group="auth", endpoints=is_endpoint(DATANANAS),
       needs=("websocket", "other_workspace_key"),
       consequence="the events carry one workspace's contacts: another workspace's "
                   "connection receiving them would leak them (NOTES D6: events go to the "
                   "connections of the same user)")
def progress_events_stay_in_workspace(ctx: CheckContext) -> None:
    """A connection of another workspace's token receives none of this workspace's
    progress events."""
    try:
        other = _listen(ctx, ctx.target.keys["other_workspace"])
    except (OSError, InvalidHandshake, TimeoutError) as exc:
        ctx.skip(f"the other workspace's token cannot open the progress socket ({exc})")
    with other:
        body = orjson.dumps({"contacts": ctx.session.contacts(ctx.endpoint, 2)})
        run = send_with_progress(ctx, ctx.endpoint, body)
        ctx.expect(ctx.succeeded(run.exchange), "unexpected status",
                   f"the batch answered {run.exchange.status}", run.exchange)
        uuid = transaction_id(run.exchange.json(), str(ctx.assumed("transaction_id_pointer")))
        leaked = [f for f in _frames(other, min(2.0, ctx.target.timeout))
                  if isinstance(uuid, str) and uuid in f]
    ctx.require(not leaked, "progress events reach another workspace",
                f"{len(leaked)} events of transaction {uuid} reached a connection of another "
                f"workspace's token, e.g. {leaked[0][:200] if leaked else ''}", run.exchange)


def _wrong_type_request(ctx: CheckContext) -> tuple[str, dict[str, Any], str]:
    """A request naming its list with a value of the wrong type: the path, the body and
    what was sent."""
    endpoint = ctx.endpoint
    if endpoint.key == SOCIOCS:  # the page: list_id is an Integer
        return (endpoint.path, {"list_id": "not-a-list",
                                "records": ctx.session.contacts(endpoint, 1)},
                'list_id "not-a-list"')
    kind = str(ctx.assumed("list_id_type"))  # NOTES L20, D4: the type is the provider's
    wrong = wrong_type_list_id(kind, in_path="{id}" in endpoint.path)
    if wrong is None:
        ctx.skip(f"list ids are strings (list_id_type {kind!r}): no path segment is of "
                 "another type")
    if endpoint.key == DATANANAS:
        return (endpoint.path, {"list": {"id": wrong},
                                "contacts": ctx.session.contacts(endpoint, 1)},
                f"list.id {orjson.dumps(wrong).decode()} ({kind} list ids)")
    return (endpoint.path.replace("{id}", str(wrong)),
            {"contact_ids": ["00000000-0000-4000-8000-000000000000"]},
            f"list id {wrong} in the path ({kind} list ids)")


@check(group="semantics", endpoints=is_endpoint(DATANANAS, SOCIOCS, "leadlex.add_to_list"),
       doc=('to add to "All Contacts"', "List not found or not in your workspace"),
       consequence="a list id of the wrong type names no list: the request is refused, "
                   "never a success and never a server error")
def list_id_of_wrong_type_refused(ctx: CheckContext) -> None:
    """A list id of the wrong type (a string for Sociocs' Integer, a non-UUID LeadLex
    list, an object for Datananas) is refused with a 4xx; Sociocs documents the 400."""
    path, body, what = _wrong_type_request(ctx)
    exchange = ctx.client.send("POST", path, json=body)
    status = exchange.status or 0
    ctx.require(400 <= status < 500, "list id of the wrong type not refused",
                f"a request with {what} answered {status}", exchange)
    if ctx.endpoint.key == SOCIOCS:
        ctx.require(status == 400, "wrong type not a validation error",
                    f"a request with {what} answered {status}; the page documents 400 for "
                    "a validation error", exchange)
