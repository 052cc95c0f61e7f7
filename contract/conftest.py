"""The contract suite's pytest options, session and parametrization.

Run it as ``bulkbench contract …`` (which starts the sandbox unless given a base URL) or
as plain pytest::

    pytest contract/ --provider leadlex --base-url https://… [--provider-config FILE]
        [--seed N] [--max-examples N] [--request-timeout S] [--junitxml DIR/junit.xml]

Keys come from the environment variables the provider config names (by default
``LEADLEX_API_KEY``, ``DATANANAS_ACCESS_TOKEN``, ``SOCIOCS_API_KEY``), never from the
command line. ``--sandbox-info FILE`` (a sandbox's ``sandbox.json``) targets a sandbox
with every key role, its lists and its inspection routes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.errors import BulkbenchError
from contract.catalog import default_catalog
from contract.checks import CHECKS
from contract.plan import (
    PlannedCheck,
    known_checks,
    plan_checks,
    plan_conformance,
    unknown_checks,
)
from contract.preflight import TargetUnreachable, preflight
from contract.pytest_plugin import SESSION_KEY, ResultsRecorder
from contract.redaction import scrub
from contract.session import SuiteSession
from contract.target import PROVIDERS, SuiteOptions, build_targets

_PLUGIN_NAME = "bulkbench-contract-results"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkbench contract suite")
    group.addoption("--provider", default="all", choices=[*PROVIDERS, "all"],
                    help="The provider to test (default: all).")
    group.addoption("--base-url", default=None, help="The provider's base URL.")
    group.addoption("--provider-config", "--config", dest="provider_config", default=None,
                    help="The provider config (TOML): URLs, key variables, lists.")
    group.addoption("--seed", type=int, default=0, help="Seed of every generated request.")
    group.addoption("--run-tag", type=int, default=None,
                    help="Three digits keeping this run's contacts apart (default: from the "
                         "seed against a sandbox, random against a real provider).")
    group.addoption("--max-examples", type=int, default=20,
                    help="Schemathesis examples per endpoint and generation mode.")
    group.addoption("--request-timeout", type=float, default=None,
                    help="Seconds each request may take (default: the config's, 30).")
    group.addoption("--job-timeout", type=float, default=30.0,
                    help="Seconds to wait for a queued import and its webhook.")
    group.addoption("--sandbox-info", default=None, help="A sandbox's sandbox.json.")
    group.addoption("--throttled-sandbox-info", default=None,
                    help="sandbox.json of a sandbox with a small rate limit (429 check).")
    group.addoption("--webhook-listen", default=None, metavar="HOST:PORT",
                    help="Where the harness receives the provider's webhooks.")
    group.addoption("--probe-rate-limit", action="store_true", default=False,
                    help="Exhaust a real provider's rate limit to see its 429.")
    group.addoption("--results", default=None,
                    help="Where to write results.json (default: beside --junitxml).")
    group.addoption("--check", action="append", default=[], dest="only_checks",
                    help="Run only this check (repeatable).")
    group.addoption("--strict-assumptions", action="store_true", default=False,
                    dest="strict_assumptions",
                    help="Fail on assumption mismatches too (a provider deciding an open "
                         "point of the docs otherwise than the spec assumed).")


def _options(config: pytest.Config) -> SuiteOptions:
    provider = str(config.getoption("provider"))
    path = config.getoption("provider_config")
    return SuiteOptions(
        providers=PROVIDERS if provider == "all" else (provider,),
        base_url=config.getoption("base_url"),
        config=Path(path) if path else None,
        seed=int(config.getoption("seed")),
        run_tag=config.getoption("run_tag"),
        max_examples=int(config.getoption("max_examples")),
        timeout=config.getoption("request_timeout"),
        job_timeout=float(config.getoption("job_timeout")),
        sandbox_info=Path(config.getoption("sandbox_info"))
        if config.getoption("sandbox_info") else None,
        throttled_sandbox_info=Path(config.getoption("throttled_sandbox_info"))
        if config.getoption("throttled_sandbox_info") else None,
        webhook_listen=config.getoption("webhook_listen"),
        probe_rate_limit=bool(config.getoption("probe_rate_limit")))


def pytest_configure(config: pytest.Config) -> None:
    catalog = default_catalog()
    unknown = unknown_checks(list(config.getoption("only_checks") or []))
    if unknown:
        raise pytest.UsageError(f"--check {', '.join(unknown)}: no such check (known: "
                                f"{', '.join(known_checks())})")
    try:
        options = _options(config)
        targets = build_targets(options, catalog)
    except BulkbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    for name, target in targets.items():  # a target that does not answer: one line, no check
        if not target.is_sandbox:
            try:
                preflight(name, target.base_url)
            except TargetUnreachable as exc:
                pytest.exit(str(exc), returncode=pytest.ExitCode.INTERRUPTED)
    session = SuiteSession(targets, catalog)
    config.stash[SESSION_KEY] = session
    if not config.pluginmanager.has_plugin(_PLUGIN_NAME):
        recorder = ResultsRecorder(config)
        recorder.meta = {
            "providers": list(options.providers),
            "targets": {name: {"base_url": scrub(t.base_url), "sandbox": t.is_sandbox,
                               "run_tag": t.run_tag,
                               "keys": sorted(t.keys)} for name, t in targets.items()},
            "seed": options.seed,
            "max_examples": options.max_examples,
        }
        config.pluginmanager.register(recorder, _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if isinstance(session, SuiteSession):
        session.close()


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
