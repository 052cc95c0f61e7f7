"""Datananas bulk create: existing contacts (same email) are updated, the two query flags
do what their sentences say, and a quota refusal (402) names a documented ``reason``."""

from __future__ import annotations

from typing import Any

from bulkbench.contract.checks.case_selection import enforce_case, is_endpoint, outcome_in
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.error_bodies import error_code
from bulkbench.contract.requests import send_batch
from bulkbench.generators import Outcome
from bulkbench.generators.edge_cases.readings import list_id_value

__all__: list[str] = []

BULK = "datananas.bulk_create"
_ONLY_BULK = is_endpoint(BULK)


@check(group="semantics", endpoints=_ONLY_BULK,
       doc=("Creates multiple contacts and updates existing ones.",),
       cases=outcome_in(Outcome.UPDATED, endpoint=BULK), rank=20)
def datananas_update_existing(ctx: CheckContext) -> None:
    """A contact whose email exists updates it (counted as updated on the WebSocket)."""
    enforce_case(ctx)


def _post(ctx: CheckContext, body: dict[str, Any], params: dict[str, Any] | None = None,
          what: str = "the request") -> None:
    exchange = send_batch(ctx, ctx.endpoint, body, params=params)
    ctx.expect(ctx.succeeded(exchange), "unexpected status",
               f"{what} answered {exchange.status}")


def _flag(ctx: CheckContext, word: str) -> str:
    """The query flag whose name contains ``word`` (the spec's names are assumed)."""
    for name in ctx.endpoint.query_params:
        if word in name.lower():
            return name
    ctx.skip(f"the spec has no query flag about {word!r}")


def _stored(ctx: CheckContext, email: str) -> dict[str, Any]:
    reader = ctx.session.reader(ctx.target.name)
    assert reader is not None
    found = reader.contacts(ctx.target.name, email=email)
    ctx.expect(len(found) == 1, "contact stored twice" if found else "contact not stored",
               f"{len(found)} contacts stored with email {email}")
    return found[0]


@check(group="semantics", endpoints=_ONLY_BULK, needs=("readback", "list"),
       doc=("When true, existing contacts will be moved to the list passed in parameter",))
def datananas_move_existing_to_list(ctx: CheckContext) -> None:
    """With moveExistingToList=true an existing contact leaves its other lists."""
    if len(ctx.target.lists) < 2:
        ctx.skip("needs two lists of the key's workspace")
    first, second = ctx.target.lists[0], ctx.target.lists[1]
    contact = ctx.session.contacts(ctx.endpoint, 1)[0]
    kind = str(ctx.assumed("list_id_type"))
    _post(ctx, {"list": {"id": list_id_value(first, kind)}, "contacts": [contact]},
          what="creating the contact")
    _post(ctx, {"list": {"id": list_id_value(second, kind)}, "contacts": [contact]},
          {_flag(ctx, 'move'): True}, what="sending it again with the flag")
    lists = _stored(ctx, contact["email"]).get("lists")
    ctx.expect_named(("query_names",), lists == [second], "existing contact not moved",
                     f"after moveExistingToList=true into list {second}, the contact is in "
                     f"lists {lists} (it was in {first})", ctx.client.last)


@check(group="semantics", endpoints=_ONLY_BULK, needs=("readback",),
       doc=("When true, existing contact owner will be replaced by the owner field",))
def datananas_replace_owner(ctx: CheckContext) -> None:
    """replaceOwner=true replaces an existing contact's owner; without it the owner stays."""
    contact = ctx.session.contacts(ctx.endpoint, 1)[0]
    owner, other, third = (f"owner{i}.{ctx.run_tag}@example.com" for i in range(3))
    flag = _flag(ctx, "owner")
    _post(ctx, {"contacts": [{**contact, "ownerEmail": owner}]}, what="creating the contact")
    _post(ctx, {"contacts": [{**contact, "ownerEmail": other}]}, {flag: False},
          what="sending it again without the flag")
    kept = (_stored(ctx, contact["email"]).get("data") or {}).get("ownerEmail")
    ctx.expect_named(("field_names", "query_names"), kept == owner,
                     "owner replaced without the flag",
                     f"the owner is {kept!r} after replaceOwner=false, expected {owner!r}")
    _post(ctx, {"contacts": [{**contact, "ownerEmail": third}]}, {flag: True},
          what="sending it again with the flag")
    got = (_stored(ctx, contact["email"]).get("data") or {}).get("ownerEmail")
    ctx.expect_named(("field_names", "query_names"), got == third, "owner not replaced",
                     f"after replaceOwner=true with ownerEmail {third!r}, the owner is "
                     f"{got!r}", ctx.client.last)


@check(group="semantics", endpoints=_ONLY_BULK, needs=("inspection",),
       doc=("The reason parameter describes the error:",))
def quota_402_reason(ctx: CheckContext) -> None:
    """Past a quota the answer is 402 with the documented reason (total, then connect)."""
    inspector = ctx.session.inspector(ctx.target.name)
    assert inspector is not None
    codes = ctx.endpoint.error_codes(402)
    Scenario = tuple[str, dict[str, int], dict[str, str]]
    scenarios: tuple[Scenario, ...] = (("contact_total_quotas", {"total_quota": 0}, {}),
                 ("contact_connect_quotas", {"daily_connect_quota": 0}, {"source": "connect"}))
    try:
        for reason, quotas, extra in scenarios:
            if reason not in codes:
                continue
            inspector.set_quotas("main", total_quota=None, daily_connect_quota=None)
            inspector.set_quotas("main", **quotas)
            contact = {**ctx.session.contacts(ctx.endpoint, 1)[0], **extra}
            exchange = send_batch(ctx, ctx.endpoint, {"contacts": [contact]})
            ctx.expect(exchange.status == 402, "quota not enforced",
                       f"with {quotas} a new contact answered {exchange.status}, expected 402")
            got = error_code(ctx.target, exchange.json())
            ctx.expect(got in codes, "402 without a documented reason",
                       f"reason {got!r}; the documented reasons are {list(codes)}")
            ctx.expect(got == reason, "wrong 402 reason",
                       f"with {quotas} the reason is {got!r}, expected {reason!r}")
    finally:
        inspector.set_quotas("main", total_quota=None, daily_connect_quota=None)
