"""LeadLex bulk create and add to list: what the answers say matches what happened.

Bulk create echoes every contact it created (with a UUID id, in request order) and those
contacts exist. Add to list skips members silently, counts only the new ones, reports the
list's size afterwards, names invalid ids in ``details.invalid_ids``, and answers 404 for a
list outside the key's workspace. The add-to-list outcomes come from the edge-case
catalog; the lists are shared, so sizes are read relative to the list's size before.
"""

from __future__ import annotations

import uuid

from bulkbench.contract.checks.case_selection import enforce_case, is_endpoint, named
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.requests import result_data, send_batch
from bulkbench.generators import Case

__all__: list[str] = []

LIST = "leadlex.add_to_list"
BULK = "leadlex.bulk_create"


@check(group="semantics", endpoints=is_endpoint(LIST),
       doc=("Total number of contacts now in the list",),
       cases=named("add_new_contacts", endpoint=LIST), rank=10)
def add_to_list_contact_count(ctx: CheckContext) -> None:
    """``contact_count`` is the list's size after the request (previous + added)."""
    enforce_case(ctx, ("status", "code", "data", "counts"))


@check(group="semantics", endpoints=is_endpoint(LIST),
       doc=("it will be silently skipped",),
       cases=named("already_in_list", "duplicate_ids_in_request", endpoint=LIST), rank=10)
def add_to_list_skips_duplicates(ctx: CheckContext) -> None:
    """Ids already in the list (or repeated) are skipped; ``added`` counts new ones only."""
    enforce_case(ctx, ("status", "code", "counts"))


def _id_case(case: Case) -> bool:
    return case.endpoint == LIST and case.name[len(LIST) + 1:].startswith("id_")


@check(group="semantics", endpoints=is_endpoint(LIST), doc=("Invalid contact IDs",),
       cases=_id_case, rank=10)
def invalid_ids_listed(ctx: CheckContext) -> None:
    """An id that is no contact of the workspace is a 400 naming it in details.invalid_ids."""
    enforce_case(ctx, ("status", "code", "details"))


@check(group="auth", endpoints=is_endpoint(LIST),
       doc=("List not found or not in your workspace",),
       cases=named("list_of_other_workspace", "list_unknown", endpoint=LIST), rank=10)
def list_not_in_workspace_404(ctx: CheckContext) -> None:
    """A list of another workspace (or no list at all) is a 404, and nothing is added."""
    enforce_case(ctx, ("status", "code"))


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@check(group="semantics", endpoints=is_endpoint(BULK),
       doc=("Create multiple contacts in a single request",),
       note="NOTES L4/L5: `created` equals the number of items; `contacts` echoes each with "
            "a UUID id, in request order")
def bulk_create_echo(ctx: CheckContext) -> None:
    """``created`` equals the contacts sent, each echoed with a UUID ``id`` in order."""
    items = ctx.session.contacts(ctx.endpoint, 3)
    exchange = send_batch(ctx, ctx.endpoint, {"contacts": items})
    ctx.expect(ctx.succeeded(exchange), "unexpected status",
               f"3 valid contacts answered {exchange.status}")
    data = result_data(exchange.json_object())
    created, echoed = data.get("created"), data.get("contacts")
    ctx.expect(created == len(items), "wrong created count",
               f"created is {created!r}, expected {len(items)}")
    ctx.expect(isinstance(echoed, list) and len(echoed) == len(items), "wrong contacts echo",
               f"contacts holds {len(echoed) if isinstance(echoed, list) else echoed!r} "
               f"entries for {len(items)} contacts sent")
    assert isinstance(echoed, list)
    for i, (sent, got) in enumerate(zip(items, echoed, strict=True)):
        ctx.expect(isinstance(got, dict) and _is_uuid(got.get("id")), "contact without id",
                   f"contacts[{i}] has no UUID id: {got!r}")
        ctx.expect(got.get("full_name") == sent["full_name"]
                   and (got.get("email") or None) == (sent.get("email") or None),
                   "contacts out of order",
                   f"contacts[{i}] is {got.get('full_name')!r} <{got.get('email')}>, sent "
                   f"{sent['full_name']!r} <{sent.get('email')}>")


@check(group="semantics", endpoints=is_endpoint(BULK), needs=("list",),
       doc=("Create multiple contacts in a single request",),
       note="every contact reported created exists (add to list takes its id)")
def bulk_created_contacts_exist(ctx: CheckContext) -> None:
    """Every contact reported created exists: adding its id to a list is accepted."""
    items = ctx.session.contacts(ctx.endpoint, 3)
    exchange = send_batch(ctx, ctx.endpoint, {"contacts": items})
    ctx.expect(ctx.succeeded(exchange), "unexpected status",
               f"3 valid contacts answered {exchange.status}")
    echoed = result_data(exchange.json_object()).get("contacts")
    ids = [c.get("id") for c in echoed if isinstance(c, dict)] if isinstance(echoed, list) else []
    ctx.expect(len(ids) == len(items) and all(isinstance(i, str) for i in ids),
               "contact without id", f"the answer names {len(ids)} ids for {len(items)} "
               "contacts created")
    lists = ctx.session.catalog.endpoint(LIST)
    added = send_batch(ctx, lists, {"contact_ids": ids}, path_params={"id": ctx.target.lists[0]})
    ctx.expect(ctx.succeeded(added), "created contact does not exist",
               f"adding the {len(ids)} ids bulk create returned to a list answered "
               f"{added.status}: {added.json() if added.status == 400 else ''}", added)
