"""The contract suite's ``pytest11`` entry point: its options, and its plugin once a
session collects the suite.

The options (``--provider``, ``--base-url``, ``--provider-config`` …) exist in any pytest
session of an environment where bulkbench is installed; they do nothing until the suite is
collected (``pytest --pyargs bulkbench.contract --provider …``). Only then is the plugin
(``bulkbench.contract.pytest_plugin``: the catalog, the targets, the recorder) imported:
this module imports nothing of bulkbench, so other sessions start as fast as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["pytest_addoption", "pytest_configure", "pytest_unconfigure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkbench contract suite")
    group.addoption("--provider", default="all",
                    help="The provider to test: one of the catalog's, or all (default).")
    group.addoption("--spec", action="append", default=[], dest="specs", metavar="FILE",
                    help="A spec of your own (a file or a folder of *.yaml) beside the "
                         "bundled ones (repeatable).")
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


def _suite_requested(config: pytest.Config) -> bool:
    """Whether this session collects the suite: ``--pyargs bulkbench.contract[…]`` or a
    path to its folder or one of its files (links resolved)."""
    suite = Path(__file__).parent.resolve()
    for arg in config.args:
        target = arg.split("::", 1)[0]
        if config.option.pyargs and (target == __package__
                                     or target.startswith(f"{__package__}.")):
            return True
        path = (config.invocation_params.dir / target).resolve()
        if path == suite or suite in path.parents:
            return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    if _suite_requested(config):
        from bulkbench.contract.pytest_plugin import configure_suite

        configure_suite(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _suite_requested(config):
        from bulkbench.contract.pytest_plugin import unconfigure_suite

        unconfigure_suite(config)
