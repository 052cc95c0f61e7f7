"""Running one case of the generators' edge-case catalog and comparing it with its
expected outcome (the case carries the expectation and the doc sentence; nothing is
restated here).

:func:`run_case` performs the case's setup (contacts created first, some added to the
target list, contacts of another workspace), fills the ids it learnt into the body, sends
the request (with the progress WebSocket for Datananas, whose counts arrive there), and
returns a :class:`CaseOutcome`: every :class:`Mismatch` by aspect (``status``, ``code``,
``details``, ``counts``, ``data``, ``row_errors``, ``stored``) and the aspects that could
not be verified against this target (with the reason). A check decides which aspects it
enforces.

Lists are shared within a run, so a case's expected ``contact_count`` (stated for a list
holding exactly the case's setup contacts) is read relative to the list's size before
the setup, learnt by re-adding an anchor contact already in the list.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bulkbench.contract.error_bodies import error_code, error_details
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.inspection import SandboxInspector
from bulkbench.contract.progress import transaction_id
from bulkbench.contract.requests import (
    ENDING,
    create_items,
    path_of,
    result_data,
    send_batch,
    send_with_progress,
)
from bulkbench.core.catalog import Endpoint
from bulkbench.generators import Case, CaseRequest, Ref, StoredContact, resolve_refs
from bulkbench.generators.edge_cases.readings import unknown_list_id

if TYPE_CHECKING:
    from bulkbench.contract.checks.registry import CheckContext

__all__ = ["ASPECTS", "CaseOutcome", "Mismatch", "list_size", "run_case"]

ASPECTS = ("status", "code", "details", "counts", "data", "row_errors", "stored",
           "duplicated")
#: the ending event of a request whose progress socket heard nothing at all.
_DEAF: dict[str, Any] = {}


@dataclass(frozen=True)
class Mismatch:
    aspect: str
    message: str


@dataclass
class CaseOutcome:
    case: Case
    exchange: Exchange
    mismatches: list[Mismatch] = field(default_factory=list)
    unverified: dict[str, str] = field(default_factory=dict)

    def failing(self, aspects: Iterable[str] | None = None) -> list[Mismatch]:
        """The mismatches of ``aspects`` (default: all); which 2xx answered, a progress
        socket that heard nothing, and an existing contact stored twice always count."""
        wanted = {*(aspects if aspects is not None else ASPECTS), "success_status", "socket",
                  "duplicated"}
        return [m for m in self.mismatches if m.aspect in wanted]

    def unverified_of(self, aspects: Iterable[str] | None = None) -> dict[str, str]:
        wanted = set(aspects) if aspects is not None else set(ASPECTS)
        return {k: v for k, v in self.unverified.items() if k in wanted}


# --------------------------------------------------------------------------- lists


def list_size(ctx: CheckContext, list_id: str) -> int:
    """The list's current size: re-adding its anchor contact (already a member) adds
    nothing and answers ``contact_count`` (the anchor is created on first use)."""
    endpoint = ctx.session.catalog.provider(ctx.target.name).endpoint("add_to_list")
    key = f"anchor:{ctx.target.name}:{list_id}"
    anchor = ctx.session.cache.get(key)
    if anchor is None:
        creator = ctx.session.catalog.endpoint("leadlex.bulk_create")
        ids = create_items(ctx, creator, ctx.session.contacts(creator, 1))
        if not ids:
            ctx.fail("setup request failed", "bulk create returned no contact id")
        anchor = ctx.session.cache[key] = ids[0]
    exchange = send_batch(ctx, endpoint, {"contact_ids": [anchor]},
                          path_params={"id": list_id})
    if not ctx.succeeded(exchange):
        ctx.fail("setup request failed", f"re-adding a contact already in list {list_id} "
                 f"answered {exchange.status}", exchange)
    count = result_data(exchange.json()).get("contact_count")
    if not isinstance(count, int):
        ctx.fail("contact_count missing", "the add-to-list answer has no integer "
                 "contact_count", exchange)
    return count


# --------------------------------------------------------------------------- setup


@dataclass
class _Prepared:
    request: CaseRequest
    ids: dict[Ref, str]
    list_id: str | None
    list_before: int | None


def _prepare(ctx: CheckContext, case: Case) -> _Prepared:
    request = case.request(ctx.seed, run_tag=ctx.run_tag)
    setup = request.setup
    catalog = ctx.session.catalog
    ids: dict[Ref, str] = {}
    creator = catalog.endpoint(setup.create_with) if setup.create_with else None
    needs_ids = bool(request.refs())
    if setup.existing and creator is not None:
        created = create_items(ctx, creator, list(setup.existing))
        if needs_ids and len(created) != len(setup.existing):
            ctx.fail("setup request failed", f"created {len(setup.existing)} contacts, got "
                     f"{len(created)} ids back")
        ids.update({Ref("existing", i): cid for i, cid in enumerate(created)})
    if setup.other_workspace and creator is not None:
        ctx.need("other_workspace_key")
        created = create_items(ctx, creator, list(setup.other_workspace),
                               role="other_workspace")
        ids.update({Ref("other_workspace", i): cid for i, cid in enumerate(created)})
    list_id: str | None = None
    before: int | None = None
    if setup.target_list == "own":
        ctx.need("list")
        list_id = ctx.target.lists[0]
        if "contact_count" in case.expected.data:
            before = list_size(ctx, list_id)
        if setup.in_list:
            members = [ids[Ref("existing", i)] for i in setup.in_list]
            endpoint = catalog.provider(ctx.target.name).endpoint("add_to_list")
            exchange = send_batch(ctx, endpoint, {"contact_ids": members},
                                  path_params={"id": list_id})
            if not ctx.succeeded(exchange):
                ctx.fail("setup request failed", "adding the setup contacts to the list "
                         f"answered {exchange.status}", exchange)
    elif setup.target_list == "other_workspace":
        ctx.need("other_list")
        list_id = ctx.target.other_lists[0]
    elif setup.target_list == "unknown":
        rng = random.Random(f"{ctx.seed}:{case.name}:list")
        list_id = unknown_list_id(str(ctx.assumed("list_id_type")), rng)
    return _Prepared(request, ids, list_id, before)


# --------------------------------------------------------------------------- sending


def _body_note(ctx: CheckContext, case: Case) -> str:
    return (f"regenerate: bulkbench generate --case {case.name} --seed {ctx.seed} "
            f"--run-tag {ctx.run_tag} -o body.json")


def _send(ctx: CheckContext, case: Case, prep: _Prepared) -> tuple[Exchange, Any]:
    """The exchange, and for Datananas the ending event's data (None when absent)."""
    endpoint = ctx.endpoint
    request = prep.request
    content = request.content(prep.ids)
    note = _body_note(ctx, case)
    params = dict(request.query) or None
    if endpoint.websocket and ctx.target.websocket_url and case.expected.status < 300:
        run = send_with_progress(ctx, endpoint, content, params=params, body_note=note)
        body = run.exchange.json() if ctx.succeeded(run.exchange) else {}
        txn = transaction_id(body, str(ctx.assumed("transaction_id_pointer")))
        ending = next((e.data for e in run.of(str(txn)) if e.event == ENDING), None)
        if ending is None and not run.events:  # not one frame: the socket, not the provider
            return run.exchange, _DEAF
        return run.exchange, ending
    path = path_of(endpoint, **({"id": prep.list_id} if prep.list_id else {}))
    exchange = ctx.client.send(endpoint.method, path, content=content, params=params,
                               headers=request.headers, body_note=note)
    return exchange, None


# --------------------------------------------------------------------------- comparing


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(_subset(e, a) for a in actual) for e in expected)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(field_name: str, expected: Any, actual: Any) -> bool:
    if isinstance(expected, list) and isinstance(actual, list) and field_name == "tags":
        return set(map(str, expected)) == set(map(str, actual))
    return bool(expected == actual)


def _expected_field(request: CaseRequest, endpoint: Endpoint, holds: Mapping[str, Any],
                    name: str) -> Any:
    value = endpoint.field_of(holds, name)
    extra_tags = request.body.get("tags") if isinstance(request.body, dict) else None
    if (name == "tags" and endpoint.name == "import_contacts" and isinstance(extra_tags, list)
            and extra_tags):
        value = list(dict.fromkeys([*(value or []), *extra_tags]))
    return value


def _lookup(ctx: CheckContext, item: Mapping[str, Any], body: Any,
            request: CaseRequest, stored: StoredContact) -> list[dict[str, Any]]:
    inspector = ctx.session.reader(ctx.target.name)
    assert inspector is not None
    provider = ctx.target.name
    keys = ctx.endpoint.identity_keys
    if provider == "sociocs":
        cc = request.body.get("phone_number_cc") if isinstance(request.body, dict) else None
        return inspector.contacts(provider, phone=str(item.get("phone_number")),
                                  phone_cc=cc if isinstance(cc, str) else None)
    # a provider served from its spec alone is found by its identity keys, whatever their
    # names (the sandbox's generic route, ``SandboxInspector.find``)
    field = ctx.endpoint.field_of  # top-level, else inside the item (x-bulkbench-item-fields)
    identity = {k: field(item, k) for k in keys if k not in ("email", "phone")
                and field(item, k) not in (None, "")}
    if identity and isinstance(inspector, SandboxInspector):
        return inspector.find(provider, identity)
    email = field(item, "email")
    phone = field(item, "phone")
    found: list[dict[str, Any]] = []
    if isinstance(email, str) and email:
        found = inspector.contacts(provider, email=email)
    if not found and isinstance(phone, str) and phone and "phone" in keys:
        found = inspector.contacts(provider, phone=phone)
    if not keys and stored.find.where == "request":  # no identity: the id the answer gave
        contacts = result_data(body).get("contacts")
        if isinstance(contacts, list) and stored.find.index < len(contacts):
            wanted = contacts[stored.find.index]
            wanted_id = wanted.get("id") if isinstance(wanted, dict) else None
            found = [c for c in found if c.get("id") == wanted_id]
    return found


def _existed(ctx: CheckContext, request: CaseRequest, item: Mapping[str, Any]) -> bool:
    """Whether ``item``'s identity is that of a contact the case created first."""
    keys = ctx.endpoint.identity_keys

    def identity(value: Any) -> tuple[Any, ...]:
        return tuple(ctx.endpoint.field_of(value, k) for k in keys)

    mine = identity(item)
    return any(v is not None for v in mine) and any(
        identity(existing) == mine for existing in request.setup.existing)


def _compare_stored(ctx: CheckContext, prep: _Prepared, body: Any,
                    outcome: CaseOutcome) -> None:
    request = prep.request
    for stored in outcome.case.expected.stored:
        item = request.item(stored.find)
        holds = request.item(stored.holds)
        if not isinstance(item, Mapping) or not isinstance(holds, Mapping):
            continue
        found = _lookup(ctx, item, body, request, stored)
        where = f"{stored.find.where} item {stored.find.index}"
        if not found:
            outcome.mismatches.append(Mismatch("stored", f"the contact of {where} is not "
                                                         "stored"))
            continue
        if len(found) > 1 and ctx.endpoint.identity_keys:
            # a contact that existed before, sent again: stored twice under no reading of
            # the docs (how items of one batch merge is open; matching what exists is not)
            aspect = "duplicated" if _existed(ctx, request, item) else "stored"
            outcome.mismatches.append(Mismatch(
                aspect, f"the contact of {where} is stored {len(found)} times (its identity "
                f"{', '.join(ctx.endpoint.identity_keys)} should match one contact)"))
        data = found[0].get("data") or {}
        for name in stored.fields:
            expected = _expected_field(request, ctx.endpoint, holds, name)
            actual = ctx.endpoint.field_of(data, name)
            if _empty(expected):
                if not _empty(actual):
                    outcome.mismatches.append(Mismatch(
                        "stored", f"{where}: {name} should be cleared, is {actual!r}"))
            elif not _same(name, expected, actual):
                outcome.mismatches.append(Mismatch(
                    "stored", f"{where}: {name} is {actual!r}, expected {expected!r}"))


def run_case(ctx: CheckContext, case: Case) -> CaseOutcome:
    """Set up, send and compare one edge case (see the module docstring)."""
    ctx.client.ensure_reachable()
    prep = _prepare(ctx, case)
    exchange, ending = _send(ctx, case, prep)
    outcome = CaseOutcome(case, exchange)
    expected = case.expected
    add = outcome.mismatches.append
    status = exchange.status
    want = expected.status
    if want == ctx.endpoint.success_status:  # the success status is an assumption (NOTES L3)
        want = ctx.target.success_status(ctx.endpoint)
    if status != want:
        if not (status is not None and 200 <= status < 300 and 200 <= want < 300):
            add(Mismatch("status", f"answered {status}, expected {want}"))
            return outcome
        # another success status: an open point (success_status); the rest is still read
        add(Mismatch("success_status", f"answered {status}, expected {want}"))
    body = exchange.json() if exchange.response is not None and exchange.response.body else {}
    if expected.code is not None:
        code = error_code(ctx.target, body)
        if code != expected.code:
            add(Mismatch("code", f"error code {code!r}, expected {expected.code!r}"))
    if expected.details:
        details = error_details(ctx.target, body)
        wanted = resolve_refs(dict(expected.details), prep.ids)
        if not _subset(wanted, details):
            add(Mismatch("details", f"error details {details!r} do not hold {wanted!r}"))
    data = result_data(body)
    if expected.counts:
        source: Any = data
        if ctx.endpoint.websocket:
            if not ctx.target.websocket_url:
                outcome.unverified["counts"] = "the counts arrive on the progress WebSocket"
                source = None
            elif ending is _DEAF:
                add(Mismatch("socket", "not one frame reached the progress socket, so the "
                                       "counts of the ending event could not be read"))
                source = None
            elif ending is None:
                add(Mismatch("counts", "no contact_bulk_create_ending event for this request"))
                source = None
            else:
                source = ending
        if isinstance(source, dict):
            for name, value in expected.counts.items():
                if source.get(name) != value:
                    add(Mismatch("counts", f"{name} is {source.get(name)!r}, expected {value}"))
    for name, value in expected.data.items():
        if name == "contact_count" and prep.list_before is not None:
            value = prep.list_before + value
        if data.get(name) != value:
            add(Mismatch("data", f"{name} is {data.get(name)!r}, expected {value!r}"))
    if expected.status < 300 and (expected.row_errors or "errors" in data):
        wanted_rows = {(e.row_number, e.code) for e in expected.row_errors}
        errors = data.get("errors")
        got = {(e.get("row_number"), e.get("code")) for e in errors
               if isinstance(e, dict)} if isinstance(errors, list) else set()
        if ctx.target.settled("row_error_codes"):  # the provider's own codes: any of them
            known = set(ctx.target.assumed("row_error_codes"))
            wanted_rows = {(n, "<one of the configured codes>") for n, _ in wanted_rows}
            got = {(n, "<one of the configured codes>" if c in known else c) for n, c in got}
        if got != wanted_rows:
            add(Mismatch("row_errors", f"row errors {sorted(got, key=str)}, expected "
                                       f"{sorted(wanted_rows)}"))
    if expected.stored:
        if ctx.session.reader(ctx.target.name) is None:
            outcome.unverified["stored"] = ("stored contacts cannot be read back from this "
                                            "provider (no documented read endpoint; name "
                                            "one in [provider.readback] of --config)")
        else:
            _compare_stored(ctx, prep, body, outcome)
    return outcome
