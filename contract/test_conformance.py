"""Schemathesis' checks, one test per (endpoint, check): see ``contract/conformance.py``."""

from __future__ import annotations

import pytest

from contract.checks.registry import CheckSkipped
from contract.execution import run_planned
from contract.plan import PlannedCheck
from contract.session import SuiteSession

PLAN_KIND = "schemathesis"


def test_schemathesis(planned: PlannedCheck, suite: SuiteSession) -> None:
    try:
        run_planned(suite, planned)
    except CheckSkipped as skipped:
        pytest.skip(skipped.reason)
