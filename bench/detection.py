"""Does the contract suite catch broken providers? One suite run per sandbox fault, on
each sandbox variant.

For each variant (``default``: the specs' readings; ``alt``: the other reading of every
open point; each with the config that describes it, ``sandbox/variants/<name>.toml``)
and each fault of ``bulkbench.sandbox.faults.FAULTS``: start the sandbox with that fault switched
on, run the suite for the fault's provider (core faults: LeadLex), and record
which checks failed. The table says, per fault, whether it was caught, by which checks,
and whether the check expected to catch it (:data:`EXPECTED`) was among them; a fault
caught only by other checks is flagged. A fault that is a reading the documentation
allows (:data:`READINGS`) is no defect: it must be reported as an assumption mismatch
naming its key, or pass where the checks tolerate it. Then each faithful variant is run
``--faithful-runs`` times (all providers): each must have zero failures and zero
mismatches.

    .venv/bin/python bench/detection.py [--variant default|alt ...] [--fault NAME ...]
        [--faithful-runs 3] [--max-examples N] [--out DIR]

Prints a table per variant and the totals; exits 1 when a fault expected to be caught was
not caught by its check, or a faithful run failed or had a mismatch.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bulkbench.contract.suite_process import SuiteRun, run_suite
from bulkbench.core.errors import BulkbenchError
from bulkbench.core.providers import provider_names
from bulkbench.sandbox.assumed import VARIANTS_DIR

#: the check(s) expected to catch each fault; an empty tuple: not a contract violation the
#: suite can observe (the reason is in NOT_OBSERVABLE).
EXPECTED: dict[str, tuple[str, ...]] = {
    "rate_limit_headers_missing": ("rate_limit_headers",),
    "rate_limit_remaining_stuck": ("rate_limit_remaining_decreases",),
    "rate_limit_not_enforced": ("rate_limit_enforced",),
    "retry_after_missing": (),
    "request_id_missing": ("request_id_header",),
    "unknown_key_403": ("unknown_key_401",),
    "read_only_key_can_write": ("read_only_key_403",),
    "body_limit_off": ("body_over_limit_rejected",),
    "error_envelope_missing_message": ("error_envelope",),
    "bad_request_as_422": ("error_envelope",),
    "wrong_validation_code": ("error_envelope",),
    "malformed_json_500": ("malformed_json_rejected",),
    "leadlex_bulk_max_off_by_one": ("batch_over_max_rejected",),
    "leadlex_bulk_min_zero": ("batch_empty_rejected",),
    "leadlex_bulk_created_off_by_one": ("bulk_create_echo",),
    "leadlex_bulk_ids_missing": ("bulk_create_echo",),
    "leadlex_bulk_loses_last_contact": ("bulk_created_contacts_exist",),
    "leadlex_bulk_500_on_empty_full_name": ("field_validation",),
    "leadlex_list_max_off_by_one": ("batch_over_max_rejected",),
    "leadlex_list_counts_duplicates": ("add_to_list_skips_duplicates",),
    "leadlex_list_repeated_id_counted_twice": ("add_to_list_skips_duplicates",),
    "leadlex_list_count_stale": ("add_to_list_contact_count",),
    "leadlex_list_foreign_200": ("list_not_in_workspace_404",),
    "leadlex_list_invalid_ids_missing": ("invalid_ids_listed",),
    "datananas_bulk_max_off_by_one": ("batch_over_max_rejected",),
    "datananas_bulk_min_zero": ("batch_empty_rejected",),
    "datananas_ws_ending_before_response": ("progress_response_between",),
    "datananas_ws_starting_after_response": ("progress_response_between",),
    "datananas_ws_running_missing_one": ("progress_event_sequence",),
    "datananas_ws_index_zero_based": ("progress_event_sequence",),
    "datananas_ws_running_out_of_order": ("progress_event_sequence",),
    "datananas_ws_counts_swapped": ("progress_ending_counts",),
    "datananas_ws_uuid_mismatch": ("progress_uuid_matches",),
    "datananas_402_without_reason": ("quota_402_reason",),
    "datananas_402_undocumented_reason": ("quota_402_reason",),
    "datananas_update_creates_duplicate": ("datananas_update_existing",),
    "datananas_move_flag_ignored": ("datananas_move_existing_to_list",),
    "datananas_replace_owner_ignored": ("datananas_replace_owner",),
    "sociocs_records_max_off_by_one": ("batch_over_max_rejected",),
    "sociocs_records_min_zero": (),
    "sociocs_extra_fields_merged": ("sociocs_upsert_replaces",),
    "sociocs_name_kept_on_update": ("sociocs_upsert_clears_left_out_fields",),
    "sociocs_plus_phone_duplicates": ("sociocs_upsert_replaces",),
    "sociocs_phone_cc_ignored": (),
    "sociocs_first_record_wins": ("sociocs_upsert_replaces",),
    "sociocs_missing_phone_accepted": ("field_validation",),
    "sociocs_unknown_list_200": (),
    "sociocs_foreign_list_accepted": ("foreign_list_refused",),
    "datananas_ws_events_to_every_workspace": ("progress_events_stay_in_workspace",),
    "sociocs_status_ok": ("response_schema_conformance",),
    "sociocs_error_without_errors": ("error_envelope",),
    "leadlex_webhook_bad_signature": ("import_webhook_signature",),
    "leadlex_import_job_never_completes": ("queued_import_completes",),
    "leadlex_import_resume_reimports": (),
    "leadlex_webhook_not_sent": ("import_webhook_delivered",),
    "leadlex_webhook_counts_wrong": ("import_webhook_delivered",),
    "leadlex_import_sync_threshold_off_by_one": ("sync_import_threshold",),
    "leadlex_import_update_existing_ignored": ("import_update_existing",),
    "leadlex_import_always_updates": ("import_update_existing",),
    "leadlex_import_email_match_case_sensitive": (),
    "leadlex_import_tags_not_applied": ("import_tags_applied",),
    "leadlex_import_row_number_zero_based": ("import_row_errors",),
    "leadlex_import_csv_header_counted": ("import_row_errors",),
    "leadlex_import_skipped_excludes_errors": ("import_counts_add_up",),
    "leadlex_import_idempotency_ignored": ("idempotent_replay",),
    "leadlex_import_replay_new_job_id": ("idempotent_replay",),
    "leadlex_import_idempotency_body_not_checked": (),
    "leadlex_import_job_other_workspace_visible": ("other_workspace_job_404",),
    "hubspot_conflict_creates_the_rest": ("hubspot_conflict_creates_nothing",),
    "hubspot_upsert_clears_left_out": ("hubspot_upsert_keeps_left_out",),
    "hubspot_upsert_new_always_true": ("hubspot_upsert_new_flag",),
}

#: faults that are a reading the documentation allows, not a defect: why, and the key the
#: suite must name in a mismatch (None: a reading the checks tolerate, so nothing to report).
READINGS: dict[str, tuple[str, str | None]] = {
    "leadlex_import_email_match_case_sensitive": (
        "NOTES L18: the page does not say emails match case-insensitively", None),
    "leadlex_import_idempotency_body_not_checked": (
        "NOTES L15: the page says nothing of a reused key with another body",
        "idempotency_reuse"),
    "sociocs_unknown_list_200": (
        "NOTES S2: the page does not say what an unknown list_id gets", "unknown_list_status"),
    "sociocs_phone_cc_ignored": (
        "NOTES S5: the page does not say what phone_number_cc does to a number", "phone_number_cc"),
    "sociocs_records_min_zero": (
        "NOTES S7: 'up to 10,000' gives no minimum: an empty batch may be accepted", None),
}

#: the variants, and the provider config that describes each.
VARIANTS: dict[str, Path] = {
    name: VARIANTS_DIR / f"{name}.toml" for name in ("default", "alt")
}

#: why a fault is not expected to be caught by the contract suite.
NOT_OBSERVABLE = {
    "retry_after_missing": "the spec declares Retry-After optional (NOTES X1: documented "
                           "nowhere), so a 429 without it keeps the contract",
    "leadlex_import_resume_reimports": "shows only when the provider restarts in the middle "
                                       "of a job (a durability fault: the sandbox's own tests)",
    # the spec-only sandbox's faults: every bundled provider has a folder serving its batch
    # endpoints, so they show only on a provider of the user's own, where
    # tests/foundation/test_added_provider.py catches them
    "generic_created_off_by_one": "a fault of the spec-only sandbox, which no bundled "
                                  "provider uses (caught on an added provider by "
                                  "tests/foundation/test_added_provider.py)",
    "generic_upsert_duplicates": "a fault of the spec-only sandbox, which no bundled "
                                 "provider uses (caught on an added provider by "
                                 "tests/foundation/test_added_provider.py)",
}


def _provider_of(fault: str) -> str:
    from bulkbench.sandbox.faults import FAULTS

    key = FAULTS[fault].endpoint_key
    return key.split(".", 1)[0] if key else "leadlex"


def _failed_checks(run: SuiteRun) -> list[str]:
    return sorted({str(r["check"]) for r in run.failed})


def _mismatch_keys(run: SuiteRun) -> set[str]:
    return {str(k) for r in (run.results or {}).get("results", [])
            if r["status"] == "mismatch" for k in r["mismatch"].get("keys", [])}


def _run(variant: str, providers: list[str], out: Path, faults: list[str],
         max_examples: int) -> SuiteRun:
    config = VARIANTS[variant]
    return run_suite(providers, out, faults=faults, max_examples=max_examples,
                     job_timeout=10.0, config=config,
                     variant=None if variant == "default" else variant)


def _faults_table(variant: str, chosen: list[str], out_root: Path, max_examples: int,
                  console: Console, problems: list[str]) -> None:
    table = Table(title=f"fault detection: {variant} sandbox, config {VARIANTS[variant].name}",
                  title_justify="left")
    for column in ("fault", "provider", "caught", "expected check", "caught by"):
        table.add_column(column)
    caught = by_expected = expected_total = readings_ok = 0
    for fault in chosen:
        provider = _provider_of(fault)
        try:
            run: SuiteRun | None = _run(variant, [provider], out_root / variant / fault,
                                        [fault], max_examples)
        except BulkbenchError as exc:  # e.g. the sandbox could not start
            run = None
            console.print(f"[red]{variant} {fault}: {exc}[/]")
        done = run is not None and run.results is not None
        failed = _failed_checks(run) if run is not None and done else []
        keys = _mismatch_keys(run) if run is not None and done else set()
        expected = EXPECTED.get(fault, ())
        hit = bool(set(expected) & set(failed))
        caught += bool(failed)
        if expected:
            expected_total += 1
            by_expected += hit
        reading = READINGS.get(fault)
        if run is None or not done:
            verdict = ("[red]sandbox did not start[/]" if run is None
                       else f"[red]suite crashed (exit {run.pytest_exit})[/]")
            problems.append(f"{variant} {fault}: the suite crashed")
        elif reading is not None:
            why, key = reading
            named = key is None or key in keys or (variant != "default" and not failed)
            ok = named and not failed
            readings_ok += ok
            verdict = (f"[green]a reading ({why}): "
                       f"{'tolerated' if key is None else 'mismatch ' + key}[/]" if ok
                       else f"[red]a reading ({why}), but reported as {failed or keys}[/]")
            if not ok:
                problems.append(f"{variant} {fault}: a reading, not reported as such")
        elif not expected:
            verdict = ("[yellow]yes (unrelated)[/]" if failed
                       else f"not expected: {NOT_OBSERVABLE.get(fault, '?')}")
        elif hit:
            verdict = "[green]yes[/]"
        elif failed:
            verdict = "[yellow]only by other checks[/]"
            problems.append(f"{variant} {fault}: caught only by {', '.join(failed)}")
        else:
            verdict = "[red]no[/]"
            problems.append(f"{variant} {fault}: not caught")
        table.add_row(fault, provider, verdict, ", ".join(expected) or "—",
                      ", ".join(failed) or "—")
        took = f"{run.seconds:.0f} s" if run is not None else "not run"
        console.print(f"{variant} {fault}: {', '.join(failed) or 'no failure'} ({took})")
    console.print(table)
    readings = sum(1 for f in chosen if f in READINGS)
    console.print(f"{variant}: caught {caught}/{len(chosen) - readings} faults; by the "
                  f"expected check {by_expected}/{expected_total}; readings reported as "
                  f"such {readings_ok}/{readings} ({len(chosen) - expected_total - readings} "
                  "not observable by design)")


def _faithful(variant: str, runs: int, out_root: Path, max_examples: int,
              console: Console, problems: list[str]) -> None:
    for i in range(runs):
        faithful = _run(variant, list(provider_names()), out_root / variant / f"faithful-{i + 1}",
                        [], max_examples)
        records = (faithful.results or {}).get("results", [])
        failed = (_failed_checks(faithful) if faithful.results is not None
                  else ["(suite crashed)"])
        mismatched = sorted({str(r["check"]) for r in records if r["status"] == "mismatch"})
        skipped = sum(1 for r in records if r["status"] == "skipped")
        console.print(f"{variant} faithful run {i + 1}: {len(faithful.failed)} failures"
                      f"{': ' + ', '.join(failed) if failed else ''}, {len(mismatched)} "
                      f"mismatched checks{': ' + ', '.join(mismatched) if mismatched else ''},"
                      f" {skipped} skipped ({faithful.seconds:.0f} s)")
        if failed or mismatched:
            problems.append(f"{variant} faithful run {i + 1}: failed {failed}, "
                            f"mismatched {mismatched}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), default=[],
                        help="Only these sandbox variants (default: all).")
    parser.add_argument("--fault", action="append", default=[], help="Only these faults.")
    parser.add_argument("--faithful-runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="Keep each run's results here.")
    args = parser.parse_args(argv)

    from bulkbench.sandbox.faults import FAULTS
    from bulkbench.sandbox.providers import load_plugins

    load_plugins()
    chosen = args.fault or list(FAULTS)
    unknown = [f for f in chosen if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    missing = [f for f in FAULTS if f not in EXPECTED]
    console = Console(highlight=False, width=260)
    out_root = args.out or Path(tempfile.mkdtemp(prefix="bulkbench-detection-"))
    problems: list[str] = []
    started = time.monotonic()
    for variant in args.variant or list(VARIANTS):
        _faults_table(variant, chosen, out_root, args.max_examples, console, problems)
        _faithful(variant, args.faithful_runs, out_root, args.max_examples, console,
                  problems)
    if missing:
        console.print(f"[yellow]faults without an expected check: {', '.join(missing)}[/]")
    console.print(f"total {time.monotonic() - started:.0f} s; results under {out_root}")
    for problem in problems:
        console.print(f"[red]problem:[/] {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
