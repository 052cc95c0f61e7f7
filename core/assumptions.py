"""What the documentation leaves open, and how a provider config settles it.

The specs mark every guess with ``x-bulkbench-assumption``; next to it,
``x-bulkbench-settled-by`` names the config keys below that settle it, or
``x-bulkbench-tolerant`` says how the checks accept every reading the documentation
allows. This module is the one list of those keys: their type, the values they may take,
the NOTES.md entry they come from, the providers they apply to and what the spec assumes
when the config is silent.

A user settles a key in the provider config::

    [leadlex.assumptions]
    idempotency_reuse = "original"     # a reused key with another body replays the result

Every stage reads the value through :func:`settle` (the config's value, else the
spec's assumption), so the checks, the generators, the load scenarios and the sandbox
agree. A check whose expectation rests on a key reports a provider that decides otherwise
as an *assumption mismatch* naming the key (``bulkbench.contract.failures.AssumptionMismatch``),
not as a contract failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkbench.core.catalog import Endpoint, Provider
    from bulkbench.core.config import ProviderConfig

__all__ = ["ASSUMED_ERROR_CODES", "ASSUMPTIONS", "Assumption", "operation_keys", "problem",
           "settle", "success_status"]

Kinds = tuple[type, ...]
Default = Callable[["Provider"], Any]


@dataclass(frozen=True)
class Assumption:
    """One open point of the documentation that a provider config can settle."""

    key: str
    kinds: Kinds
    note: str
    summary: str
    default: Default
    #: the providers it applies to; empty: every provider.
    providers: frozenset[str] = frozenset()
    #: the values it may take; empty: any value of ``kinds``.
    choices: tuple[Any, ...] = ()

    def applies_to(self, provider: str) -> bool:
        return not self.providers or provider in self.providers


#: every assumption key, by name.
ASSUMPTIONS: dict[str, Assumption] = {}


def _add(key: str, kinds: type | Kinds, note: str, summary: str, default: Default, *,
         providers: tuple[str, ...] = (), choices: tuple[Any, ...] = ()) -> None:
    if key in ASSUMPTIONS:
        raise ValueError(f"assumption {key!r} is registered twice")
    ASSUMPTIONS[key] = Assumption(key, kinds if isinstance(kinds, tuple) else (kinds,), note,
                                  summary, default, frozenset(providers), choices)


def _const(value: Any) -> Default:
    return lambda _provider: value


def _envelope(part: str) -> Default:
    """The spec's pointer to ``part`` of an error (``x-bulkbench-error-envelope``)."""
    return lambda provider: str(getattr(provider.error_envelope, part))


def _rate(attr: str, fallback: Any) -> Default:
    def default(provider: Provider) -> Any:
        spec = provider.rate_limit
        return getattr(spec, attr) if spec is not None else fallback
    return default


#: the codes the spec assumed for statuses whose code the pages do not give (NOTES L24, D8).
ASSUMED_ERROR_CODES: dict[str, dict[str, str]] = {
    "leadlex": {"409": "idempotency_key_reused", "500": "internal_error"},
    "datananas": {"400": "validation_error", "401": "unauthorized",
                  "413": "payload_too_large", "429": "rate_limited"},
}


def _job_path(provider: Provider) -> str | None:
    return next((ep.path for ep in provider.endpoints if ep.name == "import_job_status"), None)


def _websocket_url(provider: Provider) -> str | None:
    return next((str(ep.websocket["url"]) for ep in provider.endpoints
                 if ep.websocket and ep.websocket.get("url")), None)


# ---------------------------------------------------------------- across providers

_add("success_status", int, "NOTES L3, D7",
     "the HTTP status of a successful batch request (the pages show bodies, not statuses)",
     _const(200))
_add("error_code_pointer", str, "NOTES L24, D8, S4",
     "JSON pointer to the error code in an error body ('' when errors carry no code)",
     _envelope("code"))
_add("error_message_pointer", str, "NOTES L24, D8, S4",
     "JSON pointer to the human-readable message of an error body",
     _envelope("message"))
_add("error_details_pointer", str, "NOTES L5, L22, L24",
     "JSON pointer to the error's details object (invalid_ids, errors) ('' when none)",
     _envelope("details"))
_add("unsupported_method_status", int, "NOTES X5",
     "the status of a method the endpoint does not serve (405 with Allow, or 404 like an "
     "unknown path)", _const(405), choices=(404, 405))
_add("rate_limit_requests", int, "NOTES X1", "requests allowed per rate-limit window",
     _rate("requests", 120))
_add("rate_limit_window_seconds", (int, float), "NOTES X1", "the rate-limit window, seconds",
     _rate("window_seconds", 60))
_add("rate_limit_reset", str, "NOTES X1", "what X-RateLimit-Reset holds",
     _rate("reset", "epoch-seconds"), choices=("epoch-seconds", "delta-seconds"))

# ---------------------------------------------------------------- LeadLex

_add("required_scope", str, "NOTES L1",
     "the permission the write endpoints need (the pages name it three ways)",
     _const("contacts:write"), providers=("leadlex",))
_add("import_job_status_path", str, "NOTES L8",
     "the path that reads a queued import's job ({job_id} is replaced)", _job_path,
     providers=("leadlex",))
_add("job_status_pointer", str, "NOTES L8",
     "JSON pointer to a job's state in the job status answer", _const("/data/status"),
     providers=("leadlex",))
_add("job_counts_pointer", str, "NOTES L8, L13",
     "JSON pointer to the object holding a job's created_count, updated_count, "
     "skipped_count and errors in the job status answer", _const("/data"),
     providers=("leadlex",))
_add("job_states", dict, "NOTES L8",
     "the job states the provider reports, by meaning: a table with done (completed), "
     "failed and pending (a list of the in-progress states)",
     _const({"done": "completed", "failed": "failed", "pending": ["queued", "running"]}),
     providers=("leadlex",))
_add("idempotency_reuse", str, "NOTES L15",
     "the answer to a reused Idempotency-Key with another body: a conflict error, or the "
     "original result", _const("conflict"), providers=("leadlex",),
     choices=("conflict", "original"))
_add("idempotency_conflict_status", int, "NOTES L15",
     "the status of that conflict, when idempotency_reuse is 'conflict'", _const(409),
     providers=("leadlex",))
_add("webhook_signature_header", str, "NOTES L14",
     "the header that signs an import.completed webhook", _const("X-LeadLex-Signature"),
     providers=("leadlex",))
_add("webhook_signature_format", str, "NOTES L14",
     "how the HMAC-SHA256 of the raw body is written in that header",
     _const("sha256=hex"), providers=("leadlex",), choices=("sha256=hex", "hex", "base64"))
_add("webhook_data_pointer", str, "NOTES L14",
     "JSON pointer to the object holding the job's job_id, status and counts in an "
     "import.completed webhook body ('' when they sit at its top level)", _const("/data"),
     providers=("leadlex",))
_add("row_error_codes", list, "NOTES L10",
     "the codes a per-row import error may carry", _const(["missing_required_field",
                                                           "invalid_field", "invalid_row"]),
     providers=("leadlex",))
_add("error_codes", dict, "NOTES L24, D8",
     "the error codes of the statuses whose code the pages do not give: a table of status "
     "= code (e.g. \"409\" = \"idempotency_key_reused\")", lambda provider: dict(
         ASSUMED_ERROR_CODES.get(provider.name, {})), providers=("leadlex", "datananas"))
_add("list_id_type", str, "NOTES L20, D4",
     "the type of a list id: a UUID, any string, or an integer", lambda provider:
     "uuid" if provider.name == "leadlex" else "string", providers=("leadlex", "datananas"),
     choices=("uuid", "string", "integer"))
_add("unknown_list_status", int, "NOTES L20, S2, D4",
     "the status of a list id that names no list of the workspace",
     lambda provider: 400 if provider.name == "datananas" else 404)

# ---------------------------------------------------------------- Sociocs

_add("phone_number_cc", str, "NOTES S5",
     "what phone_number_cc does: prefixed to a record's phone_number that does not start "
     "with it, or ignored (every number carries its own country code)", _const("prefix"),
     providers=("sociocs",), choices=("prefix", "ignore"))
_add("phone_separators", str, "NOTES S6",
     "a phone_number with spaces, dashes or parentheses: refused (400), or normalised to "
     "its digits and stored", _const("reject"), providers=("sociocs",),
     choices=("reject", "normalise"))

# ---------------------------------------------------------------- Datananas

_add("field_names", dict, "NOTES D1",
     "the provider's names of the contact fields the page lists without a name: a table "
     "of spec name = provider name (e.g. firstName = \"first_name\")", _const({}),
     providers=("datananas",))
_add("query_names", dict, "NOTES D3",
     "the names of the two boolean query flags: a table of spec name = provider name "
     "(moveExistingToList, replaceOwner)", _const({}), providers=("datananas",))
_add("transaction_id_pointer", str, "NOTES D7",
     "JSON pointer to the transaction id (the uuid the progress events carry) in the "
     "success body", _const("/uuid"), providers=("datananas",))
_add("websocket_url", str, "NOTES D6", "the progress WebSocket's URL", _websocket_url,
     providers=("datananas",))
_add("websocket_auth", str, "NOTES D6",
     "how the progress WebSocket takes the token: a query parameter (websocket_token_param), "
     "an Authorization: Bearer header, or the Sec-WebSocket-Protocol subprotocol",
     _const("query"), providers=("datananas",), choices=("query", "header", "subprotocol"))
_add("websocket_token_param", str, "NOTES D6",
     "the query parameter that carries the token when websocket_auth is 'query'",
     _const("access_token"), providers=("datananas",))


def operation_keys(provider: Provider, endpoint: Endpoint) -> tuple[str, ...]:
    """The keys that settle an operation as a whole (its ``x-bulkbench-settled-by``)."""
    operation = provider.document["paths"][endpoint.path][endpoint.method.lower()]
    keys = operation.get("x-bulkbench-settled-by")
    return tuple(str(k) for k in keys) if isinstance(keys, list) else ()


def settle(config: ProviderConfig | None, provider: Provider, key: str) -> Any:
    """The value of ``key`` for ``provider``: the config's, else the spec's assumption."""
    entry = ASSUMPTIONS.get(key)
    if entry is None:
        raise KeyError(f"unknown assumption {key!r}")
    if config is not None and key in config.assumptions:
        return config.assumptions[key]
    return entry.default(provider)


def success_status(config: ProviderConfig | None, endpoint: Endpoint) -> int:
    """The status of a successful request of ``endpoint``: for a batch endpoint the one the
    config settles (``success_status``), else the spec's, the operation's first 2xx
    response (HubSpot: 201 for batch create, 200 for batch upsert)."""
    if (endpoint.batch_field is not None and config is not None
            and "success_status" in config.assumptions):
        return int(config.assumptions["success_status"])
    return endpoint.success_status


def problem(provider: str, key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``key`` in ``[provider.assumptions]`` (None: fine)."""
    entry = ASSUMPTIONS.get(key)
    if entry is None:
        return f"unknown key (known: {', '.join(sorted(ASSUMPTIONS))})"
    if not entry.applies_to(provider):
        return f"applies only to {', '.join(sorted(entry.providers))}"
    if isinstance(value, bool) or not isinstance(value, entry.kinds):
        names = " or ".join(k.__name__ for k in entry.kinds)
        return f"expected {names}, got {type(value).__name__}"
    if entry.choices and value not in entry.choices:
        return "expected one of " + ", ".join(repr(c) for c in entry.choices)
    if key.endswith("_pointer") and value and not str(value).startswith("/"):
        return "expected a JSON pointer ('' or starting with '/')"
    if isinstance(value, list) and not all(isinstance(v, str) and v for v in value):
        return "expected a list of non-empty strings"
    if key == "job_states":
        return _job_states_problem(value)
    if key == "error_codes" and isinstance(value, dict) and not all(
            str(s).isdigit() and 400 <= int(s) <= 599 for s in value):
        return "expected a table of status = \"code\" (statuses 400..599)"
    if isinstance(value, dict) and not all(isinstance(v, str) and v for v in value.values()):
        return "expected a table of names (spec name = \"provider name\")"
    return None


def _job_states_problem(value: Any) -> str | None:
    wrong = "expected a table: done = \"…\", failed = \"…\", pending = [\"…\", …]"
    if not isinstance(value, dict) or set(value) != {"done", "failed", "pending"}:
        return wrong
    pending = value["pending"]
    words = [value["done"], value["failed"], *(pending if isinstance(pending, list) else [1])]
    return None if all(isinstance(w, str) and w for w in words) else wrong
