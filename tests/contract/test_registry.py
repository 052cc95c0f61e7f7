"""The check registry: names are unique, every check cites a doc sentence or a decision,
every edge case of the catalog is run by exactly one check."""

from __future__ import annotations

import pytest

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.checks.case_selection import NOT_RUN
from bulkbench.contract.checks.registry import (
    NEEDS,
    CheckContext,
    DuplicateCheck,
    assigned_cases,
    check,
)
from bulkbench.contract.plan import plan_checks, plan_conformance
from bulkbench.core.catalog import default_catalog
from bulkbench.generators import edge_cases


def test_a_name_registered_twice_is_refused() -> None:
    existing = next(iter(CHECKS))

    def impostor(ctx: CheckContext) -> None:
        return None

    impostor.__name__ = existing
    with pytest.raises(DuplicateCheck, match=existing):
        check(group="semantics", endpoints=lambda ep: True, consequence="a test")(impostor)
    assert CHECKS[existing].func is not impostor


def test_a_new_name_is_registered_under_the_function_name() -> None:
    def brand_new_check_for_the_test(ctx: CheckContext) -> None:
        """One line."""

    try:
        check(group="semantics", endpoints=("leadlex.bulk_create",),
              assumes=("success_status",))(brand_new_check_for_the_test)
        spec = CHECKS["brand_new_check_for_the_test"]
        assert spec.summary == "One line."
        assert spec.basis == "assumption"
        with pytest.raises(DuplicateCheck):
            check(group="semantics", endpoints=(), consequence="a test")(
                brand_new_check_for_the_test)
    finally:
        CHECKS.pop("brand_new_check_for_the_test", None)


def test_unknown_needs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown needs"):
        check(group="auth", endpoints=(), needs=("a_pony",))


def test_a_check_without_provenance_or_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="needs doc=, assumes=, consequence= or cases="):
        check(group="auth", endpoints=())
    with pytest.raises(ValueError, match="unknown assumption keys"):
        check(group="auth", endpoints=(), assumes=("a_pony",))


def test_every_check_cites_a_doc_sentence_or_a_decision_on_each_endpoint() -> None:
    catalog = default_catalog()
    for spec in CHECKS.values():
        applies = [ep for ep in catalog.endpoints() if spec.applies(ep)]
        assert applies, f"{spec.name} applies to no endpoint"
        for ep in applies:
            doc = spec.doc_for(ep)
            assert doc.sentence
            assert doc.sentence in ep.doc_sentences or doc.url == "specs/NOTES.md" or (
                spec.cases is not None) or (spec.consequence is not None
                                            and spec.consequence in doc.sentence), (
                spec.name, ep.key, doc)
        assert set(spec.needs) <= set(NEEDS)


def test_every_edge_case_runs_under_exactly_one_check() -> None:
    cases = edge_cases(default_catalog())
    owners: dict[str, list[str]] = {}
    for spec in CHECKS.values():
        for case in assigned_cases(spec, cases):
            owners.setdefault(case.name, []).append(spec.name)
    assert set(owners) == {c.name for c in cases}
    assert all(len(v) == 1 for v in owners.values())


def test_the_plan_covers_every_provider_and_marks_what_it_leaves_out() -> None:
    catalog = default_catalog()
    planned = plan_checks(catalog, ["leadlex", "datananas", "sociocs"])
    assert {p.provider for p in planned} == {"leadlex", "datananas", "sociocs"}
    left_out = [p for p in planned if p.not_run]
    assert left_out and all(p.case and p.case.endswith(tuple(NOT_RUN)) for p in left_out)
    ids = [p.test_id for p in planned]
    assert len(ids) == len(set(ids))
    st = plan_conformance(catalog, ["sociocs"])
    assert {p.check for p in st} >= {"not_a_server_error", "status_code_conformance",
                                     "response_schema_conformance", "content_type_conformance",
                                     "negative_data_rejection", "positive_data_acceptance",
                                     "ignored_auth"}
