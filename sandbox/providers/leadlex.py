"""LeadLex: bulk create (seed 000) and add to list (seed 003).

Bulk create: every item creates a contact (no identity keys); the batch is atomic, one
invalid contact rejects it with 400 ``validation_error`` and ``details.errors`` of
``{index, field, message}`` (0-based index); the answer echoes ``{id, full_name, email}``
in request order with new UUIDs.

Add to list: 1..100 contact ids; the list must be one of the key's workspace (else, or
when its id is not a UUID, 404 ``not_found``, or the status ``unknown_list_status``
says); any id that is not a UUID or not a contact of the workspace fails the whole
request with ``details.invalid_ids``; an id repeated in the request counts once; ids
already in the list are skipped; ``added`` counts the new ones and ``contact_count`` is
the list's exact size afterwards.

Limits, scopes and schemas come from the catalog; the pipeline (``sandbox/pipeline.py``)
has checked them before these handlers run.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING, Any

from bulkbench.sandbox import faults
from bulkbench.sandbox.body import Problem, dump_json
from bulkbench.sandbox.errors import SandboxHTTPError
from bulkbench.sandbox.ids import is_uuid, uuid7_batch
from bulkbench.sandbox.pipeline import generic_problem_error
from bulkbench.sandbox.plugin import Call, ProviderPlugin
from bulkbench.sandbox.storage import (
    ContactRow,
    add_list_members,
    existing_contact_ids,
    get_list,
    insert_contacts,
    norm_email,
)

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["plugin"]

PROVIDER = "leadlex"
plugin = ProviderPlugin(PROVIDER)

BULK = f"{PROVIDER}.bulk_create"
LIST = f"{PROVIDER}.add_to_list"

faults.register_all([
    ("leadlex_bulk_max_off_by_one", BULK, "bulk create accepts one contact more than the maximum"),
    ("leadlex_bulk_min_zero", BULK, "bulk create accepts an empty contacts array (created 0)"),
    ("leadlex_bulk_created_off_by_one", BULK, "`created` is one more than the contacts created"),
    ("leadlex_bulk_ids_missing", BULK, "the returned contacts have no `id`"),
    ("leadlex_bulk_loses_last_contact", BULK,
     "the last contact of a batch is reported created but never stored"),
    ("leadlex_bulk_500_on_empty_full_name", BULK,
     "an empty-string full_name crashes the handler (500) instead of 400"),
    ("leadlex_list_max_off_by_one", LIST, "add to list accepts one id more than the maximum"),
    ("leadlex_list_counts_duplicates", LIST,
     "`added` also counts ids that were already in the list"),
    ("leadlex_list_repeated_id_counted_twice", LIST,
     "an id repeated within one request is counted (and reported) once per occurrence"),
    ("leadlex_list_count_stale", LIST, "`contact_count` is the list's size before the request"),
    ("leadlex_list_foreign_200", LIST,
     "a list of another workspace is answered 200 (contacts added to it) instead of 404"),
    ("leadlex_list_invalid_ids_missing", LIST,
     "the 400 for invalid contact ids has no details.invalid_ids"),
])


# --------------------------------------------------------------------------- bulk create


def _item_problem(problem: Problem) -> dict[str, Any]:
    path = problem.path
    field = problem.field if problem.keyword == "Required" else (
        str(path[2]) if len(path) > 2 else None)
    if problem.keyword == "Required":
        message = f"{field} is required"
    else:
        message = f"{field}: {problem.message}" if field else problem.message
    out: dict[str, Any] = {"index": path[1], "message": message}
    if field:
        out["field"] = field
    return out


def _bulk_invalid(problems: list[Problem], sandbox: Sandbox) -> SandboxHTTPError:
    if sandbox.fault("leadlex_bulk_500_on_empty_full_name") and any(
            p.keyword == "MinLength" and p.path[-1:] == ("full_name",) for p in problems):
        raise RuntimeError("empty full_name (fault leadlex_bulk_500_on_empty_full_name)")
    items = [p for p in problems if len(p.path) >= 2 and p.path[0] == "contacts"
             and isinstance(p.path[1], int)]
    if len(items) != len(problems):
        return generic_problem_error(problems)
    return SandboxHTTPError(400, "validation_error", "One or more contacts are invalid",
                            {"errors": [_item_problem(p) for p in items]})


@plugin.endpoint("bulk_create", max_fault="leadlex_bulk_max_off_by_one",
                 min_fault="leadlex_bulk_min_zero", invalid=_bulk_invalid)
async def bulk_create(call: Call) -> Any:
    contacts: list[dict[str, Any]] = call.body["contacts"]
    workspace = call.workspace
    now = time.time()
    ids = uuid7_batch(len(contacts))
    rows: list[ContactRow] = [
        (cid, PROVIDER, workspace, c["full_name"], (e := c.get("email")) and norm_email(e),
         c.get("phone"), dump_json(c), now, now)
        for cid, c in zip(ids, contacts, strict=True)]
    if call.fault("leadlex_bulk_loses_last_contact"):
        rows = rows[:-1]
    await call.storage.run(insert_contacts, rows)
    created = len(contacts) + (1 if call.fault("leadlex_bulk_created_off_by_one") else 0)
    if call.fault("leadlex_bulk_ids_missing"):
        echoed = [{"full_name": c["full_name"], "email": c.get("email")} for c in contacts]
    else:
        echoed = [{"id": cid, "full_name": c["full_name"], "email": c.get("email")}
                  for cid, c in zip(ids, contacts, strict=True)]
    return {"data": {"created": created, "contacts": echoed}}


# --------------------------------------------------------------------------- add to list


def _list_invalid(problems: list[Problem], sandbox: Sandbox) -> SandboxHTTPError:
    return generic_problem_error(problems)


@plugin.endpoint("add_to_list", formats=False, max_fault="leadlex_list_max_off_by_one",
                 invalid=_list_invalid)
async def add_to_list(call: Call) -> Any:
    raw_list_id = call.request.path_params["id"]
    list_id = raw_list_id.lower()
    requested: list[str] = call.body["contact_ids"]
    repeated_twice = call.fault("leadlex_list_repeated_id_counted_twice")
    normalised = [i.lower() if is_uuid(i) else i for i in requested]
    unique = normalised if repeated_twice else list(dict.fromkeys(normalised))
    workspace = call.workspace
    foreign_ok = call.fault("leadlex_list_foreign_200")
    counts_duplicates = call.fault("leadlex_list_counts_duplicates")
    hide_invalid = call.fault("leadlex_list_invalid_ids_missing")
    unknown_list = call.error(int(call.assumed("unknown_list_status")),
                              "List not found or not in your workspace", {"list_id": raw_list_id})

    def work(conn: sqlite3.Connection) -> tuple[int, int, int]:
        lst = get_list(conn, PROVIDER, list_id) if is_uuid(list_id) else None
        if lst is None or (lst.workspace != workspace and not foreign_ok):
            raise unknown_list
        candidates = [i for i in dict.fromkeys(unique) if is_uuid(i)]
        found = existing_contact_ids(conn, PROVIDER, workspace, candidates)
        invalid = [i for i in dict.fromkeys(unique) if i not in found]
        if invalid:
            originals = {n: r for n, r in zip(normalised, requested, strict=True)}
            details = None if hide_invalid else {"invalid_ids": [originals[i] for i in invalid]}
            raise SandboxHTTPError(
                400, "validation_error",
                "One or more contact IDs are invalid or not in your workspace", details)
        added = add_list_members(conn, PROVIDER, lst.id, unique, time.time())
        return added, lst.contact_count, lst.contact_count + added

    added, before, after = await call.storage.run(work)
    if repeated_twice:
        added += len(unique) - len(set(unique))
    if counts_duplicates:
        added = len(unique)
    count = before if call.fault("leadlex_list_count_stale") else after
    return {"data": {"added": added, "list_id": list_id, "contact_count": count}}
