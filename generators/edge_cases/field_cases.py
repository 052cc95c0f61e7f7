"""Field cases: one bad or unusual value in the second item of an otherwise valid batch.

Each variant targets a *role* (the name, email, phone, profile URL, tags or custom-fields
field), found in each endpoint's item fields under the provider's own name
(``full_name`` / ``name`` / ``firstName``, ``phone`` / ``phone_number`` ...). The case is
named ``<endpoint>.<field>_<variant>`` (``sociocs.bulk_upsert.phone_number_spaces``).

What must happen:

* what the request schema says — 400 when it rejects the body (every batch is atomic),
  else the batch is created — documented where the docs say it, spec-implied otherwise;
* except on the LeadLex import, where a JSON row without a required field (full_name,
  which the import schema does not require) is a per-row ``missing_required_field`` and
  the other rows are imported, as the spec's import assumption says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators.edge_cases.building import (
    Builder,
    CaseContext,
    Draft,
    doc,
    probe,
    rejected,
    schema_verdict,
    spec_implied,
    success,
)
from bulkbench.generators.edge_cases.model import (
    Basis,
    CaseRequest,
    Expected,
    ItemRef,
    Outcome,
    RowError,
    StoredContact,
)

__all__ = [
    "ROLE_FIELDS",
    "ROW_ENDPOINTS",
    "VARIANTS",
    "Variant",
    "field_cases",
    "role_field",
    "row_required",
]

#: endpoints that report bad rows one by one, and the endpoint whose item schema says
#: which fields a row needs ("Each object accepts the same fields as POST /v1/contacts").
ROW_ENDPOINTS: Mapping[str, str] = {"leadlex.import_contacts": "leadlex.bulk_create"}

#: a long string where the spec sets no maxLength.
LONG_STRING = 10_000
#: the batch size of a field case; the odd value sits at index 1 (data row 2).
BATCH = 3
TARGET = 1

_MISSING = object()

ROLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "name": ("full_name", "name", "fullName", "firstName"),
    "email": ("email",),
    "phone": ("phone_number", "phone"),
    "url": ("linkedin_url", "linkedinUrl"),
    "tags": ("tags",),
    "custom": ("custom_fields", "extra_fields", "vars"),
}

Value = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]  # (item, field schema) → value


@dataclass(frozen=True)
class Variant:
    role: str
    suffix: str
    title: str
    value: Value
    check_stored: bool = False


def _const(value: Any) -> Value:
    return lambda _item, _schema: value


def _digits(item: Mapping[str, Any]) -> str:
    """The unique digits of the item's phone (or email) — odd values stay unique too."""
    for key in ("phone_number", "phone", "email"):
        found = re.findall(r"\d{6,}", str(item.get(key, "")))
        if found:
            return str(found[0])
    return "33612345678"


def _long(item: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    length = int(schema.get("maxLength", LONG_STRING))
    return ("Ana María " * (length // 10 + 1))[:length]


def _spaced(d: str) -> str:
    return f"+{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}"


VARIANTS: tuple[Variant, ...] = (
    Variant("name", "wrong_type", "a number instead of a string", _const(42)),
    Variant("name", "empty", "an empty string", _const("")),
    Variant("name", "long", "a long string (maxLength, or 10,000 characters if none)", _long, True),
    Variant("name", "cjk", "a name in CJK characters", _const("山田 太郎"), True),
    Variant("name", "rtl_arabic", "a right-to-left name (Arabic)", _const("محمد العلي"), True),
    Variant("name", "rtl_hebrew", "a right-to-left name (Hebrew)", _const("דוד כהן"), True),
    Variant(
        "name",
        "emoji",
        "a name with emoji, a ZWJ sequence among them",
        _const("Zoë 🚀 Ng 👩‍💻"),
        True,
    ),
    Variant(
        "name",
        "combining",
        "combining marks (NFD, not NFC)",
        _const("Zoe\u0301 Bro\u0308nte"),
        True,
    ),
    Variant(
        "name",
        "zero_width",
        "zero-width space, joiner and BOM inside the name",
        _const("Jane\u200b Doe\u200d\ufeff"),
        True,
    ),
    Variant(
        "name",
        "bidi_override",
        "a right-to-left override character",
        _const("Jane \u202eeoD"),
        True,
    ),
    Variant(
        "name",
        "control_chars",
        "control characters (NUL, BEL, ESC)",
        _const("Jane\u0000\u0007\u001b Doe"),
        True,
    ),
    Variant("email", "wrong_type", "a number instead of a string", _const(42)),
    Variant("email", "empty", "an empty string", _const("")),
    Variant("email", "invalid", "not an email address", _const("not-an-email")),
    Variant(
        "email", "missing_domain", "nothing after the @", lambda item, _s: f"jane.{_digits(item)}@"
    ),
    Variant(
        "email",
        "internationalised",
        "non-ASCII local part and domain (IDN)",
        lambda item, _s: f"josé.{_digits(item)}@bücher.de",
    ),
    Variant(
        "email",
        "internationalised_cjk",
        "an email address entirely in CJK",
        lambda item, _s: f"用户{_digits(item)}@例子.广告",
    ),
    Variant(
        "phone", "with_plus", "E.164 with the leading plus", lambda item, _s: f"+{_digits(item)}"
    ),
    Variant(
        "phone",
        "without_plus",
        "E.164 digits without the leading plus",
        lambda item, _s: _digits(item),
    ),
    Variant(
        "phone", "spaces", "digits grouped with spaces", lambda item, _s: _spaced(_digits(item))
    ),
    Variant(
        "phone",
        "dashes",
        "digits grouped with dashes",
        lambda item, _s: _spaced(_digits(item)).replace(" ", "-"),
    ),
    Variant(
        "phone",
        "parentheses",
        "a national format with parentheses",
        lambda item, _s: f"({_digits(item)[2:5]}) {_digits(item)[5:8]}-{_digits(item)[8:]}",
    ),
    Variant("phone", "too_short", "six digits", lambda item, _s: f"+{_digits(item)[-6:]}"),
    Variant(
        "phone",
        "letters",
        "letters among the digits",
        lambda item, _s: f"+{_digits(item)[:-4]}CALL",
    ),
    Variant(
        "phone", "wrong_type", "a number instead of a string", lambda item, _s: int(_digits(item))
    ),
    Variant("url", "invalid", "not a URL", _const("not a url")),
    Variant("url", "missing_scheme", "no scheme", _const("www.linkedin.com/in/jane-doe")),
    Variant("url", "javascript", "a javascript: URL", _const("javascript:alert(1)")),
    Variant("url", "relative", "a relative reference", _const("/in/jane-doe")),
    Variant("url", "wrong_type", "a number instead of a string", _const(42)),
    Variant(
        "tags",
        "duplicated",
        "the same tag twice, and once in capitals",
        _const(["vip", "vip", "VIP"]),
    ),
    Variant("tags", "empty", "an empty array", _const([])),
    Variant(
        "tags", "wrong_type", "a comma-separated string instead of an array", _const("vip,partner")
    ),
    Variant("tags", "nested", "an array inside the array", _const([["vip"]])),
    Variant(
        "custom",
        "nested",
        "objects and arrays nested in the custom fields",
        _const(
            {
                "crm": {"ids": [1, 2], "owner": {"name": "Ana", "active": True}},
                "score": 1.5,
                "note": None,
            }
        ),
        True,
    ),
    Variant("custom", "unicode_keys", "non-ASCII keys", _const({"名前": "値", "🔑": "🗝"}), True),
    Variant("custom", "empty", "an empty object", _const({})),
    Variant("custom", "wrong_type", "an array instead of an object", _const(["a", "b"])),
)


def role_field(endpoint: Endpoint, role: str) -> str | None:
    """The endpoint's item field that plays ``role`` (``name`` → ``full_name`` ...), if any."""
    fields = endpoint.contact_fields or endpoint.item_fields
    return next((f for f in ROLE_FIELDS[role] if f in fields), None)


def row_required(catalog: Catalog, endpoint: Endpoint) -> tuple[str, ...]:
    """The fields a row of a row endpoint needs (a row without one is a row error)."""
    return catalog.endpoint(ROW_ENDPOINTS[endpoint.key]).item_required


_ROW_RULE = (
    "A row without full_name … is reported in errors[] (missing_required_field) and "
    "counted in skipped_count"
)
_ROW_SCHEMA = (
    "A JSON row that breaks the ImportRow schema (wrong type, malformed email or "
    "linkedin_url) fails the request with 400 validation_error"
)


def _batch_builder(key: str, field: str, value: Any) -> Builder:
    def build(ctx: CaseContext) -> CaseRequest:
        ep = ctx.endpoint(key)
        items = ctx.contacts(key, BATCH)
        item = dict(items[TARGET])
        # a contact field inside the item (x-bulkbench-item-fields) is set where it sits
        nested = ep.fields_at and field not in ep.item_fields and ep.contact_of(item) is not None
        target = dict(ep.contact_of(item) or {}) if nested else item
        schema = ep.contact_schema if nested else ep.item_schema
        if value is _MISSING:
            target.pop(field, None)
        else:
            prop = ((schema or {}).get("properties") or {}).get(field, {})
            target[field] = value(ep.contact_of(item) if nested else item, prop)
        if nested:
            node = item
            path = ep.fields_at.lstrip("/").split("/")
            for part in path[:-1]:
                node[part] = dict(node[part])
                node = node[part]
            node[path[-1]] = target
        items[TARGET] = item
        return CaseRequest(body={ep.batch_field: items}, batch_field=ep.batch_field)

    return build


def _expected(
    catalog: Catalog,
    ep: Endpoint,
    builder: Builder,
    field: str,
    documented: str | None,
    check_stored: bool,
) -> Expected:
    basis = Basis.DOCUMENTED if documented else Basis.SPEC_IMPLIED
    errors = schema_verdict(catalog, ep, builder)
    if errors:
        why = _ROW_SCHEMA if ep.key in ROW_ENDPOINTS else "the request schema rejects it"
        return rejected(ep, documented or spec_implied(f"{why} ({errors[0]})"), basis)
    if ep.key in ROW_ENDPOINTS:
        row = probe(catalog, builder).item(ItemRef("request", TARGET))
        if any(name not in row for name in row_required(catalog, ep)):
            return success(
                ep,
                Outcome.ROW_ERRORS,
                documented or spec_implied(_ROW_RULE),
                basis,
                created=BATCH - 1,
                skipped=1,
                row_errors=[RowError(TARGET + 1, "missing_required_field")],
            )
    source = documented or spec_implied(
        "the request schema accepts it; a string is stored as sent"
        if check_stored
        else "the request schema accepts it"
    )
    return success(
        ep, Outcome.ACCEPTED, source, basis, created=BATCH, stored=_stored(field, check_stored)
    )


def _stored(field: str, check: bool) -> list[StoredContact]:
    target = ItemRef("request", TARGET)
    return [StoredContact(target, target, (field,))] if check else []


def _documented(ep: Endpoint, variant: str) -> str | None:
    """The documentation sentence that decides a variant on an endpoint, when one does."""
    if ep.key == "sociocs.bulk_upsert" and variant in (
        "phone_number_with_plus",
        "phone_number_without_plus",
    ):
        return doc(ep, "with or without leading plus")
    if ep.key == "sociocs.bulk_upsert" and variant == "missing_phone_number":
        return doc(ep, "Validation error")
    if ep.key == "leadlex.bulk_create" and variant.startswith("missing_"):
        return doc(ep, "Missing or invalid `contacts` array")
    return None


def field_cases(catalog: Catalog) -> Iterator[Draft]:
    """The field cases of every endpoint whose items are objects."""
    for ep in catalog.endpoints():
        if ep.batch_field is None or not ep.item_fields:
            continue
        required = set(ep.item_required)
        if ep.key in ROW_ENDPOINTS:
            required |= set(catalog.endpoint(ROW_ENDPOINTS[ep.key]).item_required)
        for name in sorted(required):
            suffix = f"missing_{name}"
            builder = _batch_builder(ep.key, name, _MISSING)
            yield Draft(
                suffix,
                ep.key,
                f"the second item lacks the required {name}",
                _expected(catalog, ep, builder, name, _documented(ep, suffix), False),
                builder,
                frozenset({"field", "required"}),
            )
        for variant in VARIANTS:
            field = role_field(ep, variant.role)
            if field is None:
                continue
            suffix = f"{field}_{variant.suffix}"
            builder = _batch_builder(ep.key, field, variant.value)
            yield Draft(
                suffix,
                ep.key,
                f"{field}: {variant.title}",
                _expected(
                    catalog, ep, builder, field, _documented(ep, suffix), variant.check_stored
                ),
                builder,
                frozenset({"field", variant.role}),
            )
        builder = _batch_builder(ep.key, "favourite_colour", _const("teal"))
        yield Draft(
            "unknown_field",
            ep.key,
            "a field the spec does not define",
            _expected(catalog, ep, builder, "favourite_colour", None, False),
            builder,
            frozenset({"field"}),
        )
