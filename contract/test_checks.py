"""The semantic checks, one test per (check, endpoint[, edge case]): see
``contract/checks/``."""

from __future__ import annotations

import pytest

from contract.checks.registry import CheckSkipped
from contract.execution import run_planned
from contract.plan import PlannedCheck
from contract.session import SuiteSession

PLAN_KIND = "semantic"


def test_check(planned: PlannedCheck, suite: SuiteSession) -> None:
    try:
        run_planned(suite, planned)
    except CheckSkipped as skipped:
        pytest.skip(skipped.reason)
