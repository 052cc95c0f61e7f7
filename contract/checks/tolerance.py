"""Edge cases whose outcome the documentation leaves to the provider.

For these the spec's expected outcome is one reading among several the pages allow
(NOTES names each). A provider that answers otherwise passes when what must hold under
every reading holds:

- refused (4xx): the answer is in the documented envelope (checked before) and nothing of
  the request was stored, where contacts can be read back;
- accepted (2xx): the answer is a JSON object and, where it carries counts, they add up
  (an import's created + updated + skipped is the number of rows, and every row error
  names one of them; a bulk create's ``created`` is the number of contacts).

Anything else about such a case is still checked by the checks that own it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bulkbench.contract.checks.registry import CheckContext
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.requests import result_data
from bulkbench.core.catalog import Endpoint
from bulkbench.generators import Case, CaseRequest
from bulkbench.generators.edge_cases.readings import READINGS

__all__ = ["Family", "family_of", "sent_rows", "tolerated"]


@dataclass(frozen=True)
class Family:
    """A kind of case whose outcome the documentation leaves open."""

    name: str
    why: str
    selects: Callable[[Case], bool]
    #: aspects of the case's outcome that still hold when the provider accepts it (e.g.
    #: ``stored``: an accepted value is stored as sent).
    holds: frozenset[str] = frozenset()


def _short(case: Case) -> str:
    return case.name[len(case.endpoint) + 1:]


FAMILIES = (
    Family("malformed import row", "NOTES L11: a row that breaks the row schema may reject "
           "the request (400) or be reported as a row error",
           lambda c: c.endpoint == "leadlex.import_contacts"
           and "A JSON row that breaks" in c.expected.source),
    Family("format strictness", "NOTES L28: validators disagree on email and URI formats",
           lambda c: 'is not a "email"' in c.expected.source
           or 'is not a "uri"' in c.expected.source),
    Family("email case", "NOTES L18/D5: the pages do not say whether emails match "
           "case-insensitively", lambda c: _short(c).endswith("email_other_case")),
    Family("rows and csv", "NOTES L17: 'Provide either rows or csv' does not say what both get",
           lambda c: _short(c) == "rows_and_csv"),
    Family("unknown fields and long values", "NOTES X4: no page says whether unknown fields "
           "are ignored or how long a value may be",
           lambda c: _short(c) == "unknown_field" or (_short(c).endswith("_long")
                                                       and c.expected.status < 300)),
    Family("empty batch", "NOTES L22, S7: the pages give a maximum and no minimum (\"up "
           "to\"): an empty batch may be refused, or accepted with nothing created",
           lambda c: _short(c) == "size_min_minus_1"),
    Family("csv dialect", "NOTES L27: no CSV dialect is documented (BOM, blank lines, "
           "delimiter, ragged or unparseable lines, line ends, quoting, formula-like cells)",
           lambda c: _short(c) in ("csv_bom", "csv_blank_lines", "csv_semicolon_delimiter",
                                   "csv_ragged_rows", "csv_unparseable_line", "csv_crlf",
                                   "csv_quoted_commas_newlines_quotes",
                                   "csv_formula_injection")),
    Family("csv mapping", "NOTES L16: the pages list no mapping targets and say nothing of "
           "an import without mapping or without a header line",
           lambda c: _short(c) in ("csv_header_field_names_without_mapping",
                                   "csv_without_header", "csv_tags_column")),
    Family("row errors", "NOTES L9-L12: which rows fail, under which code and how they are "
           "counted is assumed (only the counts adding up follows from the page)",
           lambda c: c.endpoint == "leadlex.import_contacts" and _short(c) in (
               "missing_full_name", "rows_missing_full_name", "skipped_and_failed_rows",
               "csv_row_missing_full_name", "csv_invalid_email_cell")),
    Family("values without a rule", "NOTES X4, L28, S6: the pages put no rule on these "
           "values (text, phone formats, empty or nested values): they may be accepted or "
           "refused", lambda c: "field" in c.tags and any(s in c.expected.source for s in (
               "the request schema accepts it", "is shorter than", "does not match")),
           holds=frozenset({"stored"})),
    Family("matching and merging", "NOTES L5, L26, D5, S8: the pages do not say how items "
           "of one batch that match each other, or a partial update, are merged",
           lambda c: ("duplicate_" in _short(c) and "_in_batch" in _short(c))
           or _short(c) in ("existing_contact_partial_update",
                            "existing_contact_extra_fields_left_out",
                            "existing_contact_sent_again")),
    Family("invalid among valid", "NOTES X3: the pages do not say whether a batch with an "
           "invalid item is atomic or partly accepted",
           lambda c: _short(c) == "invalid_among_valid"),
    Family("batch size limit", "NOTES H1: a maximum the provider's pages do not state (the "
           "spec's maxItems is assumed): a larger batch may be refused, nothing created, or "
           "accepted", lambda c: _short(c) == "size_max_plus_1"),
    Family("body size limit", "NOTES X2: no page but LeadLex import states a body limit",
           lambda c: _short(c) in ("body_under_limit", "body_at_limit", "body_over_limit")),
)


#: schema errors that break what a page's field table states (Required?, Data type).
_TABLE_RULES = ("is a required property", "is not of type")


def rests_on_documentation(case: Case, endpoint: Endpoint, names_settled: bool = False) -> bool:
    """Whether ``case``'s outcome follows from the documentation: a documented case, or a
    request that breaks a field's documented required flag or type, where the page names
    its fields or the provider config settles the names it leaves out (``field_names``:
    the user vouches for them)."""
    if case.expected.basis == "documented":
        return True
    return (case.expected.status == 400
            and (not names_assumed(endpoint) or names_settled)
            and any(rule in case.expected.source for rule in _TABLE_RULES))


def names_assumed(endpoint: Endpoint) -> bool:
    """Whether the endpoint's item field names are assumed (``field_names``, NOTES D1)."""
    schema = endpoint.item_schema or {}
    return "field_names" in (schema.get("x-bulkbench-settled-by") or ())


def is_csv_dialect(case: Case) -> bool:
    family = family_of(case)
    return family is not None and family.name == "csv dialect"


def family_of(case: Case) -> Family | None:
    """The open point ``case`` belongs to, when its outcome is one the docs leave open."""
    if case.expected.basis == "documented" or case.name in READINGS:  # a key settles those
        return None
    return next((f for f in FAMILIES if f.selects(case)), None)


def sent_rows(request: CaseRequest, batch_field: str | None) -> list[Any]:
    """The rows ``request`` sends; a body sent as bytes or streamed (a sized body of many
    megabytes) is generated again and read back."""
    if request.items is not None:
        return list(request.items)
    body = request.body
    sent = request.raw if request.raw is not None else (
        b"".join(request.stream()) if request.stream is not None else None)
    if body is None and sent is not None:
        try:
            body = orjson.loads(sent)
        except orjson.JSONDecodeError:
            body = None
    items = body.get(batch_field) if isinstance(body, dict) and batch_field else None
    return list(items) if isinstance(items, list) else []


def _stored_any(ctx: CheckContext, request: CaseRequest, rows: list[Any]) -> list[str]:
    reader = ctx.session.reader(ctx.target.name)
    if reader is None or not request.setup.empty:
        return []
    found = []
    for row in rows:
        email = ctx.endpoint.field_of(row, "email")  # inside the item: x-bulkbench-item-fields
        if isinstance(email, str) and email and reader.contacts(ctx.target.name, email=email):
            found.append(email)
    return found


def tolerated(ctx: CheckContext, case: Case, exchange: Exchange) -> str | None:
    """None when ``exchange`` is an answer the docs allow for ``case`` and what must hold
    under every reading holds; else what breaks it."""
    status = exchange.status or 0
    request = case.request(ctx.seed, run_tag=ctx.run_tag)
    rows = sent_rows(request, ctx.endpoint.batch_field)
    if 400 <= status < 500:
        stored = _stored_any(ctx, request, rows)
        return (f"refused with {status}, yet {len(stored)} of its contacts were stored "
                f"({', '.join(stored[:3])})") if stored else None
    if not 200 <= status < 300:
        return f"answered {status}"
    data = result_data(exchange.json())
    counts = [data.get(k) for k in ("created_count", "updated_count", "skipped_count")]
    if ctx.endpoint.name == "import_contacts" and data.get("status") == "completed":
        numbers_of = [c for c in counts if isinstance(c, int)]
        if len(numbers_of) != len(counts):
            return f"created/updated/skipped {counts} are not all counts"
        created, updated, skipped = numbers_of
        errors = data.get("errors") or []
        numbers = [e.get("row_number") for e in errors if isinstance(e, dict)]
        if is_csv_dialect(case):  # how many rows a CSV holds is the dialect's to say
            total = sum(numbers_of)
            if created + updated > len(rows) or skipped < len(numbers):
                return (f"created/updated/skipped {counts} with {len(numbers)} row errors "
                        f"for {len(rows)} records")
        else:
            total = len(rows)
            if sum(numbers_of) != total:
                return (f"created/updated/skipped {counts} do not add up to the {total} "
                        "rows sent")
        if (any(not isinstance(n, int) or not 1 <= n <= total for n in numbers)
                or len(set(numbers)) != len(numbers)):
            return f"row errors name rows {numbers} of {total}"
    echoed = data.get("created")
    merged = (family_of(case) or FAMILIES[0]).name == "matching and merging"
    if ctx.endpoint.name == "bulk_create" and isinstance(echoed, int) and (
            echoed > len(rows) if merged else echoed != len(rows)):
        return f"created {echoed} of {len(rows)} contacts sent"
    # under every reading, no more contacts are created or updated than were sent (the
    # spec's x-bulkbench-counters name them)
    made = {name: data.get(name) for kind, name in ctx.endpoint.counters.items()
            if kind in ("created", "updated")}
    counted: list[int] = [n for n in made.values() if isinstance(n, int)]
    if made and len(counted) == len(made) and sum(counted) > len(rows):
        return f"{made} count more contacts than the {len(rows)} sent"
    return None
