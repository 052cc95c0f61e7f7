"""HubSpot's own semantics: a batch create that meets an existing email is a 409 CONFLICT
that creates nothing (NOTES H6); an upsert says by ``new`` whether it created the contact,
and keeps the properties an update leaves out (NOTES H7)."""

from __future__ import annotations

from typing import Any

from bulkbench.contract.checks.case_selection import enforce_case, is_endpoint, named
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.requests import send_batch

__all__: list[str] = []

CREATE = "hubspot.batch_create"
UPSERT = "hubspot.batch_upsert"


def _results(exchange: Exchange) -> list[dict[str, Any]]:
    body = exchange.json()
    results = body.get("results") if isinstance(body, dict) else None
    return [r for r in results or [] if isinstance(r, dict)]


@check(group="semantics", endpoints=is_endpoint(CREATE),
       doc=("primary unique identifier",),
       note="NOTES H6: an existing or repeated email is a 409 CONFLICT, nothing created",
       cases=named("existing_email_conflict", "duplicate_email_in_batch", endpoint=CREATE),
       rank=10)
def hubspot_email_conflict(ctx: CheckContext) -> None:
    """A create batch with an email that exists (or repeats) is a 409 CONFLICT."""
    enforce_case(ctx)


@check(group="semantics", endpoints=is_endpoint(CREATE), needs=("readback",),
       doc=("primary unique identifier",),
       note="NOTES H3, H6: the batch is atomic: the 409 creates none of its inputs")
def hubspot_conflict_creates_nothing(ctx: CheckContext) -> None:
    """After a 409 on an existing email, the batch's other inputs are not stored."""
    old, fresh = ctx.session.contacts(ctx.endpoint, 2)
    first = send_batch(ctx, ctx.endpoint, {"inputs": [old]})
    ctx.require(ctx.succeeded(first), "unexpected status",
                f"creating a contact answered {first.status}", first)
    again = send_batch(ctx, ctx.endpoint, {"inputs": [fresh, old]})
    ctx.expect(again.status == 409, "existing email not refused",
               f"a batch repeating a stored email answered {again.status}, expected 409",
               again)
    reader = ctx.session.reader(ctx.target.name)
    assert reader is not None
    email = str(fresh["properties"]["email"])
    found = reader.contacts(ctx.target.name, email=email)
    ctx.expect(not found, "conflict created the rest",
               f"the 409 batch's other input ({email}) was stored", again)


@check(group="semantics", endpoints=is_endpoint(UPSERT), doc=("Whether the property is new.",),
       note="NOTES H7: new is true when the upsert created the contact, false when it "
            "updated it")
def hubspot_upsert_new_flag(ctx: CheckContext) -> None:
    """An upsert's results say new: true for a created contact, false for an updated one."""
    item = ctx.session.contacts(ctx.endpoint, 1)[0]
    for want in (True, False):
        exchange = send_batch(ctx, ctx.endpoint, {"inputs": [item]})
        ctx.require(ctx.succeeded(exchange), "unexpected status",
                    f"upserting {item['id']} answered {exchange.status}", exchange)
        results = _results(exchange)
        ctx.require(len(results) == 1, "results do not match the inputs",
                    f"one input, {len(results)} results", exchange)
        ctx.expect(results[0].get("new") is want, "wrong new flag",
                   f"{'first' if want else 'second'} upsert of {item['id']}: new is "
                   f"{results[0].get('new')!r}, expected {want}", exchange)


@check(group="semantics", endpoints=is_endpoint(UPSERT), needs=("readback",),
       doc=("Provided property values will be overwritten.",),
       note="NOTES H7: an update writes the properties sent; one left out keeps its value "
            "(unlike Sociocs' full overwrite)")
def hubspot_upsert_keeps_left_out(ctx: CheckContext) -> None:
    """An upsert that leaves a property out keeps its stored value."""
    item = ctx.session.contacts(ctx.endpoint, 1)[0]
    full = {**item, "properties": {**item["properties"], "lastname": "Kept",
                                   "firstname": "Before"}}
    partial = {**item, "properties": {"firstname": "After"}}
    for body, what in (({"inputs": [full]}, "creating the contact"),
                       ({"inputs": [partial]}, "updating its firstname alone")):
        exchange = send_batch(ctx, ctx.endpoint, body)
        ctx.require(ctx.succeeded(exchange), "unexpected status",
                    f"{what} answered {exchange.status}", exchange)
    reader = ctx.session.reader(ctx.target.name)
    assert reader is not None
    found = reader.contacts(ctx.target.name, email=str(item["id"]))
    ctx.require(len(found) == 1, "contact not stored once",
                f"{len(found)} contacts stored for {item['id']}", ctx.client.last)
    stored = ctx.endpoint.contact_of(found[0].get("data")) or {}
    ctx.expect(stored.get("firstname") == "After", "update not written",
               f"firstname is {stored.get('firstname')!r}, expected 'After'", ctx.client.last)
    ctx.expect(stored.get("lastname") == "Kept", "left-out property cleared",
               f"lastname is {stored.get('lastname')!r} after an update without it, "
               "expected 'Kept'", ctx.client.last)
