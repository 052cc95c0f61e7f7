"""The suite's lanes: ``make test`` runs every test, ``make test-fast`` (``-m "not slow"``)
leaves out the slow ones, those that start a process or a server (a sandbox, locust,
``bulkbench``, a wheel's venv). They are marked here, by module, test or fixture, so
test files need no edit; tests/fast_lane.py fails any test that starts one unmarked.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester", "tests.fast_lane"]

#: modules (``tests/x/test_y.py``) and tests (``…::test_name``, every parameter) that
#: start a process or a server, or are slow in-process (measured with --durations=0).
SLOW: frozenset[str] = frozenset({
    # a real `bulkbench contract` (sandbox and suite processes), or a webhook receiver
    "tests/contract/test_against_sandbox.py",
    "tests/contract/test_alt_variant.py",
    "tests/contract/test_bad_provider.py",
    "tests/contract/test_conformance_job_path.py",
    "tests/contract/test_har.py",
    "tests/contract/test_hubspot.py::test_the_suite_passes_against_the_sandbox",
    "tests/contract/test_hubspot.py::test_each_fault_is_caught_by_its_check",
    "tests/contract/test_repro_runs.py",
    "tests/contract/test_assumptions.py::test_a_provider_deciding_otherwise_is_a_mismatch_naming_the_key",
    "tests/contract/test_cli_usage.py::test_plain_pytest_refuses_an_unknown_check",
    "tests/contract/test_failure_report.py::test_a_failure_carries_curl_with_the_key_redacted",
    "tests/contract/test_plan_order.py::test_rate_limit_exhausting_checks_run_last",
    "tests/contract/test_readback.py::test_without_a_readback_the_checks_are_skipped_with_the_reason",
    # the console script and the command line's conventions, in subprocesses
    "tests/foundation/test_cli_conventions.py",
    "tests/foundation/test_cli.py::test_catalog_table_through_the_console_script",
    "tests/foundation/test_plain_errors.py::test_a_run_folder_with_markup_in_its_name_is_printed_as_given",
    # locust runs against a sandbox process or a loopback server
    "tests/loadtests/test_field_names.py",
    "tests/loadtests/test_honest_failures.py",
    "tests/loadtests/test_load_runs.py",
    "tests/loadtests/test_markup_paths.py",
    "tests/loadtests/test_settled_assumptions.py",
    "tests/loadtests/test_step_outcomes.py",
    "tests/loadtests/test_metrics_logic.py::test_pure_modules_and_the_cli_never_import_locust_or_gevent",
    # chromium, a real run, a fresh interpreter
    "tests/reports/test_html_in_chromium.py",
    "tests/reports/test_mismatch_report.py",
    "tests/reports/test_stopped_run_in_chromium.py",
    "tests/reports/test_public_api.py::test_importing_reports_loads_no_other_stage",
    # `bulkbench run` and the other commands as subprocesses
    "tests/run/test_failed_step_shows_failed.py",
    "tests/run/test_parent_killed.py",
    "tests/run/test_relative_paths.py",
    "tests/run/test_repeat.py",
    "tests/run/test_run_against_a_provider.py",
    "tests/run/test_run_end_to_end.py",
    "tests/run/test_short_key.py",
    "tests/run/test_stopping.py",
    "tests/run/test_strict.py",
    "tests/run/test_unreachable_target.py",
    "tests/run/test_usage_and_availability.py::test_a_stage_that_does_not_import_is_not_run_and_never_passes",
    # sandbox processes (the `server` fixture and their own), webhook receivers
    "tests/sandbox/test_datananas_websocket.py",
    "tests/sandbox/test_leadlex_import_server.py",
    "tests/sandbox/test_server.py",
    "tests/sandbox/test_sociocs_server.py",
    "tests/sandbox/test_variant_server.py",
    "tests/sandbox/test_assumption_files.py::test_bulkbench_serve_help_lists_the_new_options",
    "tests/sandbox/test_assumption_files.py::test_bulkbench_serve_refuses_a_bad_file_in_one_line",
    "tests/sandbox/test_assumption_files.py::test_python_m_sandbox_refuses_an_unknown_variant_in_one_line",
    "tests/sandbox/test_connection_guard.py::test_connections_past_the_cap_are_refused_until_others_close",
    "tests/sandbox/test_connection_guard.py::test_half_sent_requests_are_closed_and_a_normal_one_still_succeeds",
    "tests/sandbox/test_variant_alt.py::test_webhook_signed_in_its_own_header_as_bare_hex",
    # in-process but long: malformed bodies up to the size limit
    "tests/sandbox/test_garbage.py",
    # builds the wheel and installs it in a fresh venv (also marked in the file)
    "tests/packaging/test_wheel.py",
})

#: fixtures that start a process or a server: every test using one is slow.
SLOW_FIXTURES: frozenset[str] = frozenset({"server", "sandbox", "seed_secrets"})


def is_slow(item: pytest.Item) -> bool:
    module, _, name = item.nodeid.partition("::")
    function = name.split("[", 1)[0]
    return (module in SLOW or f"{module}::{function}" in SLOW
            or not SLOW_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
