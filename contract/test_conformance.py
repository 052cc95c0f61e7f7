"""Schemathesis' checks, one test per (endpoint, check): see ``contract/conformance.py``."""

from __future__ import annotations

import pytest

from bulkbench.contract.outcomes import run_as_test
from bulkbench.contract.plan import PlannedCheck
from bulkbench.contract.session import SuiteSession

PLAN_KIND = "schemathesis"


def test_schemathesis(planned: PlannedCheck, suite: SuiteSession,
                      request: pytest.FixtureRequest) -> None:
    run_as_test(suite, planned, bool(request.config.getoption("strict_assumptions")))
