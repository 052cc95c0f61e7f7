"""Schemathesis over each spec: generated requests, schemathesis' own checks.

For every endpoint, schemathesis (4.x, Python API) generates ``--max-examples`` positive
and as many negative requests from the derived copy of the spec (``derived_spec``), sends
them to the target with its full key (schemathesis' OpenAPI auth configuration, so a
negative case that leaves the key out really leaves it out), and runs each of
:data:`CHECK_NAMES` on every response, one at a time, so every failure is filed under the
check that raised it. Generation is seeded (``--seed``; no example database) and never
shrinks: the first failing example of each check is kept with schemathesis' curl line.

A transport problem (refused, reset, timed out) ends the endpoint's run: it is reported
as a failure of ``not_a_server_error`` and the checks that saw no response are skipped
with that reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bulkbench.contract.derived_spec import Pins, derived_document, served_path
from bulkbench.contract.exchange import Exchange, Received, SentRequest
from bulkbench.contract.redaction import scrub
from bulkbench.contract.target import Target
from bulkbench.core.catalog import Endpoint

__all__ = ["CHECK_NAMES", "ConformanceResult", "StFailure", "run_conformance"]

#: schemathesis checks run on every response, by their schemathesis names.
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
)

#: schemathesis checks that only judge one generation mode.
_MODE_ONLY = {"negative_data_rejection": "negative", "positive_data_acceptance": "positive"}


@dataclass(frozen=True)
class StFailure:
    title: str
    message: str
    curl: str | None
    mode: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    #: the failing exchange whole (for failures.har and the repro command).
    exchange: Exchange | None = field(default=None, repr=False, compare=False)


@dataclass
class ConformanceResult:
    endpoint: str
    examples: dict[str, int] = field(default_factory=dict)
    failures: dict[str, StFailure] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    seconds: float = 0.0
    #: how many generated requests got each status.
    statuses: dict[int, int] = field(default_factory=dict)


def _checks() -> dict[str, Any]:
    from schemathesis.checks import load_all_checks, not_a_server_error
    from schemathesis.specs.openapi import checks as openapi_checks

    load_all_checks()
    found = {"not_a_server_error": not_a_server_error}
    for name in CHECK_NAMES[1:]:
        found[name] = getattr(openapi_checks, name)
    return found


def _schema(target: Target, positive: bool, pins: Pins, cache: dict[str, Any]) -> Any:
    import schemathesis

    key = f"st-schema:{target.name}:{'positive' if positive else 'negative'}"
    if key in cache:
        return cache[key]
    document = derived_document(target.provider, positive=positive, pins=pins,
                                settled=target.config.assumptions if target.config else None)
    schemes = document.get("components", {}).get("securitySchemes", {})
    auth: dict[str, Any] = {}
    for name, scheme in schemes.items():
        key_value = target.keys["full"]
        auth[name] = ({"api_key": key_value} if scheme.get("type") == "apiKey"
                      else {"bearer": key_value})
    config = schemathesis.Config.from_dict({"auth": {"openapi": auth}})
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.config.update(base_url=target.base_url)
    cache[key] = schema
    return schema


def _operation(schema: Any, endpoint: Endpoint, path: str) -> Any:
    """The operation of ``endpoint``, served at ``path`` (``derived_spec.served_path``)."""
    from schemathesis.core.result import Ok

    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            op = result.ok()
            if op.path == path and op.method.upper() == endpoint.method:
                return op
    return None


def _response_excerpt(response: Any) -> dict[str, Any]:
    text = response.content[:2048].decode("utf-8", errors="replace") if response.content else ""
    return {"status": response.status_code, "body": scrub(text)}


def _failure(exc: BaseException, case: Any, response: Any, mode: str) -> StFailure:
    title = scrub(str(getattr(exc, "title", type(exc).__name__)))
    message = scrub(str(getattr(exc, "message", exc)))
    try:
        curl = scrub(case.as_curl_command(headers=dict(response.request.headers)))
    except Exception:  # schemathesis could not render it: the excerpts still reproduce it
        curl = None
    body = response.request.body
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body or "")
    request = {"method": response.request.method, "url": scrub(str(response.request.url)),
               "body": scrub(text[:2048])}
    return StFailure(title, message, curl, mode, request, _response_excerpt(response),
                     _exchange(response))


def _exchange(response: Any) -> Exchange | None:
    """The request schemathesis sent and the response, as the suite's own exchange."""
    try:
        sent = response.request
        body = sent.body if isinstance(sent.body, bytes) else (
            str(sent.body).encode() if sent.body else None)
        elapsed = response.elapsed
        seconds = elapsed.total_seconds() if hasattr(elapsed, "total_seconds") else float(
            elapsed or 0)
        return Exchange(
            SentRequest(str(sent.method), str(sent.url),
                        tuple((str(k), str(v)) for k, v in sent.headers.items()), body,
                        len(body or b"")),
            Received(int(response.status_code),
                     tuple((str(k), str(v)) for k, values in response.headers.items()
                           for v in (values if isinstance(values, list) else [values])),
                     bytes(response.content or b""), seconds))
    except Exception:  # a response of another shape: the excerpts still describe it
        return None


class _Runner:
    """Sends generated cases and files each check's first failure."""

    def __init__(self, target: Target, result: ConformanceResult) -> None:
        self.target = target
        self.result = result
        self.checks = _checks()
        self.seen: set[str] = set()
        self.count = 0

    def one(self, case: Any, mode_name: str) -> None:
        from schemathesis.core.failures import Failure, FailureGroup

        result, target = self.result, self.target
        if result.problem is not None:
            return
        self.count += 1
        try:
            response = case.call(timeout=target.timeout)
        except Exception as exc:  # requests' transport errors, whatever their class
            result.problem = scrub(f"{type(exc).__name__}: {exc}")[:500]
            return
        status = int(response.status_code)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        for name, func in self.checks.items():
            if _MODE_ONLY.get(name, mode_name) != mode_name:
                continue
            self.seen.add(name)
            if name in result.failures:
                continue
            try:
                case.validate_response(response, checks=[func], transport_kwargs={
                    "timeout": target.timeout, "base_url": target.base_url})
            except (FailureGroup, Failure) as exc:
                first = exc.exceptions[0] if isinstance(exc, FailureGroup) else exc
                result.failures[name] = _failure(first, case, response, mode_name)
            except Exception as exc:  # a probe (ignored_auth) hit a transport error
                result.failures.setdefault(name, StFailure(
                    "check could not complete", scrub(f"{type(exc).__name__}: {exc}"),
                    None, mode_name, {}, _response_excerpt(response)))

    def test_for(self, mode_name: str) -> Any:
        def one(case: Any) -> None:
            self.one(case, mode_name)
        return one


def run_conformance(target: Target, endpoint: Endpoint, pins: Pins,
                    cache: dict[str, Any]) -> ConformanceResult:
    """Generate, send and check ``target.max_examples`` requests per mode for ``endpoint``."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from schemathesis import GenerationMode

    result = ConformanceResult(endpoint.key)
    runner = _Runner(target, result)
    started = time.perf_counter()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        if result.problem is not None:
            break
        schema = _schema(target, mode is GenerationMode.POSITIVE, pins, cache)
        path = served_path(endpoint, target.config.assumptions if target.config else None)
        op = _operation(schema, endpoint, path)
        if op is None:
            result.problem = f"schemathesis found no operation {endpoint.method} {path}"
            break
        before = runner.count
        test = settings(max_examples=target.max_examples, database=None, deadline=None,
                        derandomize=False, phases=[Phase.explicit, Phase.generate],
                        suppress_health_check=list(HealthCheck),
                        verbosity=Verbosity.quiet)(given(case=op.as_strategy(
                            generation_mode=mode))(runner.test_for(mode.value)))
        hypothesis_seed(target.seed)(test)()
        result.examples[mode.value] = runner.count - before
    if result.problem is not None:
        result.failures.setdefault("not_a_server_error", StFailure(
            "transport error", f"the conformance run stopped: {result.problem}", None,
            "positive", {}, None))
        for name in CHECK_NAMES:
            if name not in result.failures:
                result.skipped[name] = f"the conformance run stopped: {result.problem}"
    for name in CHECK_NAMES:
        if name not in runner.seen and name not in result.failures and name not in result.skipped:
            result.skipped[name] = "no generated request reached this check"
    result.seconds = time.perf_counter() - started
    return result
