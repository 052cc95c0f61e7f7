"""How a planned check ends as a pytest test: passed, failed, skipped, or an assumption
mismatch.

A mismatch (:class:`~contract.failures.AssumptionMismatch`) is not a broken contract: the
test ends as skipped with :class:`MismatchSkip`, which carries the mismatch so that the
results recorder files it under ``mismatch`` (JUnit shows it as a skipped case whose
message names the config key). With ``--strict-assumptions`` it fails like any failure.
"""

from __future__ import annotations

import pytest

from bulkbench.contract.checks.registry import CheckSkipped
from bulkbench.contract.execution import run_planned
from bulkbench.contract.failures import AssumptionMismatch
from bulkbench.contract.plan import PlannedCheck
from bulkbench.contract.session import SuiteSession

__all__ = ["MismatchSkip", "run_as_test"]


class MismatchSkip(pytest.skip.Exception):  # type: ignore[misc,name-defined]
    """A skipped test that is an assumption mismatch (``mismatch`` holds it)."""

    def __init__(self, mismatch: AssumptionMismatch) -> None:
        keys = ", ".join(mismatch.settle_with)
        super().__init__(f"assumption mismatch ({keys}): {mismatch.title}: {mismatch.message}",
                         allow_module_level=False)
        self.mismatch = mismatch


def run_as_test(session: SuiteSession, planned: PlannedCheck, strict: bool) -> None:
    """Run ``planned``; a skip or (unless ``strict``) a mismatch ends the test as skipped."""
    try:
        run_planned(session, planned)
    except CheckSkipped as skipped:
        pytest.skip(skipped.reason)
    except AssumptionMismatch as mismatch:
        if strict:
            raise
        raise MismatchSkip(mismatch) from None
