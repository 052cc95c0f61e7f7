"""What one suite run executes: a :class:`PlannedCheck` per (check, endpoint[, case]),
for the chosen providers, in a fixed order (schemathesis first, then the checks in
registration order, cases in catalog order). The pytest items are these, one to one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract.catalog import Catalog
from contract.checks import CHECKS
from contract.checks.case_selection import NOT_RUN
from contract.checks.registry import assigned_cases
from contract.conformance import CHECK_NAMES
from generators import edge_cases

__all__ = ["PlannedCheck", "plan_checks", "plan_conformance"]


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
