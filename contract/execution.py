"""Running planned checks: a semantic check through the registry, a schemathesis check
from its endpoint's (cached) conformance run. Both end the same three ways: return
(passed), :class:`CheckSkipped` (skipped, with the reason) or
:class:`~contract.failures.CheckFailure`."""

from __future__ import annotations

from typing import Any

import orjson

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.checks.registry import CheckContext, CheckSkipped, run_check
from bulkbench.contract.checks.tolerance import family_of, rests_on_documentation
from bulkbench.contract.conformance import ConformanceResult, StFailure, run_conformance
from bulkbench.contract.derived_spec import Pins
from bulkbench.contract.error_bodies import ENVELOPE_KEYS, code_problems
from bulkbench.contract.failures import AssumptionMismatch, CheckFailure, DocRef, ProviderProblem
from bulkbench.contract.plan import PlannedCheck
from bulkbench.contract.requests import result_data
from bulkbench.contract.session import SuiteSession
from bulkbench.contract.target import Target
from bulkbench.core.assumptions import ASSUMPTIONS, operation_keys
from bulkbench.core.catalog import Endpoint
from bulkbench.generators import find_case

__all__ = ["run_planned"]

#: contacts created for schemathesis to add to a list (add-to-list needs real ids).
_PINNED_CONTACTS = 5


def _pins(session: SuiteSession, provider: str) -> Pins:
    target = session.targets[provider]
    ids: list[str] = []
    if provider == "leadlex":
        endpoint = session.catalog.endpoint("leadlex.bulk_create")
        client = session.client(provider)
        try:
            exchange = client.send("POST", endpoint.path, json={
                "contacts": session.contacts(endpoint, _PINNED_CONTACTS)})
            contacts = result_data(exchange.json()).get("contacts")
        except ProviderProblem:
            contacts = None
        ids = [str(c["id"]) for c in contacts or [] if isinstance(c, dict) and c.get("id")]
    jobs: list[str] = []
    if provider == "leadlex":  # a finished import's job, for the job status operation
        importer = session.catalog.endpoint("leadlex.import_contacts")
        try:
            exchange = session.client(provider).send("POST", importer.path, json={
                "rows": session.contacts(importer, 1)})
            job = result_data(exchange.json()).get("job_id")
        except ProviderProblem:
            job = None
        jobs = [job] if isinstance(job, str) and job else []
    list_type = (target.assumed("list_id_type")
                 if ASSUMPTIONS["list_id_type"].applies_to(provider) else "string")
    return Pins(target.lists, ids, jobs, str(list_type))


def _conformance(session: SuiteSession, planned: PlannedCheck) -> ConformanceResult:
    key = f"conformance:{planned.endpoint}"
    found = session.cache.get(key)
    if isinstance(found, ConformanceResult):
        return found
    pins_key = f"pins:{planned.provider}"
    pins = session.cache.get(pins_key)
    if not isinstance(pins, Pins):
        pins = session.cache[pins_key] = _pins(session, planned.provider)
    target = session.targets[planned.provider]
    endpoint = session.catalog.endpoint(planned.endpoint)
    result = run_conformance(target, endpoint, pins, session.cache)
    if endpoint.name == "add_to_list" and not pins.contact_ids:
        result.failures.pop("positive_data_acceptance", None)
        result.skipped["positive_data_acceptance"] = (
            "no contact ids of the workspace to add (creating them failed)")
    session.cache[key] = result
    return result


def _assumption_behind(target: Target, endpoint: Endpoint, check: str,
                       failure: StFailure) -> tuple[str, ...] | None:
    """The assumption keys a schemathesis failure comes down to, when the response is one
    a reading of the docs other than the spec's allows (None: a contract failure).

    A success status other than the assumed one (``success_status``); an error body in
    another envelope than the assumed one, when what the documentation shows of it holds
    (``error_*_pointer``)."""
    response = failure.response or {}
    status = response.get("status")
    if not isinstance(status, int):
        return None
    if not endpoint.documented and check != "not_a_server_error" and status < 500:
        keys = operation_keys(target.provider, endpoint)  # the whole operation is assumed
        if keys:
            return keys
    if check == "status_code_conformance" and 200 <= status < 300:
        return ("success_status",)
    if check == "response_schema_conformance" and status >= 400:
        try:
            body = orjson.loads(str(response.get("body") or ""))
        except orjson.JSONDecodeError:
            return None
        if isinstance(body, dict) and not code_problems(target, endpoint, status, body):
            return ENVELOPE_KEYS
    return None


def _run_schemathesis(session: SuiteSession, planned: PlannedCheck) -> None:
    result = _conformance(session, planned)
    target = session.targets[planned.provider]
    endpoint = session.catalog.endpoint(planned.endpoint)
    failure = result.failures.get(planned.check)
    if failure is not None:
        found = CheckFailure(
            title=failure.title, message=failure.message, check=planned.check,
            endpoint=planned.endpoint,
            doc=DocRef(f"the response conforms to the spec ({planned.check})",
                       endpoint.doc_seed, endpoint.doc_url),
            seed=target.seed, run_tag=target.run_tag, curl=failure.curl,
            request=failure.request, response=failure.response,
            extra={"generation_mode": failure.mode, "examples": dict(result.examples)},
            exchange=failure.exchange)
        keys = _assumption_behind(target, endpoint, planned.check, failure)
        if keys is not None:
            raise AssumptionMismatch.of(found, keys, target.name)
        raise found
    if planned.check in result.skipped:
        raise CheckSkipped(result.skipped[planned.check])


def doc_of(session: SuiteSession, planned: PlannedCheck) -> DocRef:
    endpoint = session.catalog.endpoint(planned.endpoint)
    if planned.kind == "schemathesis":
        return DocRef(f"the response conforms to the spec ({planned.check})",
                      endpoint.doc_seed, endpoint.doc_url)
    case = find_case(planned.case, session.catalog) if planned.case else None
    return CHECKS[planned.check].doc_for(endpoint, case)


def basis_of(session: SuiteSession, planned: PlannedCheck) -> str:
    """What the planned check's expectation rests on: ``documented``, ``consequence`` or
    ``assumption`` (a schemathesis check: the spec, whose assumptions it reports apart)."""
    if planned.kind == "schemathesis":
        return "documented"
    if planned.case:
        case = find_case(planned.case, session.catalog)
        endpoint = session.catalog.endpoint(planned.endpoint)
        if rests_on_documentation(case, endpoint):
            return "documented"
        return "tolerant" if family_of(case) is not None else "assumption"
    return CHECKS[planned.check].basis


def run_planned(session: SuiteSession, planned: PlannedCheck) -> None:
    """Run one planned check (see module docstring)."""
    if planned.not_run is not None:
        raise CheckSkipped(planned.not_run)
    if planned.kind == "schemathesis":
        _run_schemathesis(session, planned)
        return
    spec = CHECKS[planned.check]
    endpoint = session.catalog.endpoint(planned.endpoint)
    case = find_case(planned.case, session.catalog) if planned.case else None
    ctx = CheckContext(spec, endpoint, session.targets[planned.provider], session, case)
    run_check(ctx)


def describe(planned: PlannedCheck) -> dict[str, Any]:
    return {"kind": planned.kind, "provider": planned.provider, "endpoint": planned.endpoint,
            "check": planned.check, "group": planned.group, "case": planned.case}
