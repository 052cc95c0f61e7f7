"""The contract suite's parametrization and its ``suite`` fixture (its options:
``bulkbench.contract.pytest_entry``; its session and results recorder:
``bulkbench.contract.pytest_plugin``).

Run it as ``bulkbench contract …`` (which starts the sandbox unless given a base URL) or
as plain pytest::

    pytest --pyargs bulkbench.contract --provider leadlex --base-url https://…
        [--provider-config FILE] [--seed N] [--max-examples N] [--request-timeout S]
        [--junitxml DIR/junit.xml]

Keys come from the environment variables the provider config names (by default
``LEADLEX_API_KEY``, ``DATANANAS_ACCESS_TOKEN``, ``SOCIOCS_API_KEY``), never from the
command line. ``--sandbox-info FILE`` (a sandbox's ``sandbox.json``) targets a sandbox
with every key role, its lists and its inspection routes.
"""

from __future__ import annotations

import pytest

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.plan import PlannedCheck, plan_checks, plan_conformance
from bulkbench.contract.pytest_plugin import SESSION_KEY
from bulkbench.contract.session import SuiteSession


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "planned" not in metafunc.fixturenames:
        return
    session = metafunc.config.stash[SESSION_KEY]
    only = list(metafunc.config.getoption("only_checks") or [])
    providers = list(session.targets)
    kind = getattr(metafunc.module, "PLAN_KIND", "semantic")
    planned: list[PlannedCheck] = (plan_conformance(session.catalog, providers, only)
                                   if kind == "schemathesis"
                                   else plan_checks(session.catalog, providers, only))
    metafunc.parametrize("planned", planned, ids=[p.test_id for p in planned])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis first, then the checks, each in plan order; the checks that exhaust a
    rate limit last of all, so that no other check meets the window they spent."""
    def kind(item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        planned = callspec.params.get("planned") if callspec is not None else None
        if not isinstance(planned, PlannedCheck):
            return 1
        if planned.kind == "schemathesis":
            return 0
        return 2 if "throttle" in CHECKS[planned.check].needs else 1
    items.sort(key=kind)


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config) -> SuiteSession:
    session = pytestconfig.stash[SESSION_KEY]
    assert isinstance(session, SuiteSession)
    return session
