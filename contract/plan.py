"""What one suite run executes: a :class:`PlannedCheck` per (check, endpoint[, case]),
for the chosen providers, in a fixed order (schemathesis first, then the checks in
registration order, cases in catalog order). The pytest items are these, one to one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.checks.case_selection import NOT_RUN
from bulkbench.contract.checks.registry import assigned_cases
from bulkbench.contract.conformance import CHECK_NAMES
from bulkbench.core.catalog import Catalog
from bulkbench.generators import edge_cases

__all__ = ["SCHEMATHESIS_SUMMARIES", "PlannedCheck", "known_checks", "plan_checks",
           "plan_conformance", "unknown_checks"]

#: what each schemathesis check (``bulkbench.contract.conformance.CHECK_NAMES``) holds a
#: response to.
SCHEMATHESIS_SUMMARIES = {
    "not_a_server_error": "No generated request is answered with a 5xx.",
    "status_code_conformance": "Every status code answered is one the spec documents.",
    "content_type_conformance": "Every response's Content-Type is one the spec documents.",
    "response_schema_conformance": "Every response body matches the spec's schema for it.",
    "response_headers_conformance": "Every response carries the headers the spec requires.",
    "negative_data_rejection": "A request the spec makes invalid is rejected with a 4xx.",
    "positive_data_acceptance": "A request the spec makes valid is accepted.",
    "ignored_auth": "A request without (or with a wrong) key is refused.",
}


@dataclass(frozen=True)
class PlannedCheck:
    kind: str  # "schemathesis" or "semantic"
    check: str
    provider: str
    endpoint: str
    group: str
    case: str | None = None
    not_run: str | None = None

    @property
    def test_id(self) -> str:
        tail = f"-{self.case[len(self.endpoint) + 1:]}" if self.case else ""
        return f"{self.endpoint}-{self.check}{tail}"


def plan_conformance(catalog: Catalog, providers: Sequence[str],
                     only: Sequence[str] = ()) -> list[PlannedCheck]:
    out: list[PlannedCheck] = []
    for provider in providers:
        for ep in catalog.provider(provider).endpoints:
            for name in CHECK_NAMES:
                if not only or name in only:
                    out.append(PlannedCheck("schemathesis", name, provider, ep.key,
                                            "conformance"))
    return out


def plan_checks(catalog: Catalog, providers: Sequence[str],
                only: Sequence[str] = ()) -> list[PlannedCheck]:
    cases = edge_cases(catalog)
    out: list[PlannedCheck] = []
    for spec in CHECKS.values():
        if only and spec.name not in only:
            continue
        mine = assigned_cases(spec, cases) if spec.cases is not None else []
        for provider in providers:
            for ep in catalog.provider(provider).endpoints:
                if not spec.applies(ep):
                    continue
                if spec.cases is None:
                    out.append(PlannedCheck("semantic", spec.name, provider, ep.key,
                                            spec.group))
                    continue
                for case in mine:
                    if case.endpoint != ep.key:
                        continue
                    short = case.name[len(case.endpoint) + 1:]
                    out.append(PlannedCheck("semantic", spec.name, provider, ep.key,
                                            spec.group, case.name, NOT_RUN.get(short)))
    return out


def known_checks() -> dict[str, str]:
    """Every check ``--check`` accepts, with its summary: schemathesis' checks (in
    ``CHECK_NAMES`` order), then the registered checks (in registration order)."""
    known = {name: f"schemathesis: {SCHEMATHESIS_SUMMARIES.get(name, name)}"
             for name in CHECK_NAMES}
    known.update((spec.name, f"{spec.group}: {spec.summary}") for spec in CHECKS.values())
    return known


def unknown_checks(names: Sequence[str]) -> list[str]:
    """The names of ``names`` no check has (an empty list: all known)."""
    known = known_checks()
    return [name for name in names if name not in known]
