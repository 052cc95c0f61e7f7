"""`bulkbench contract` against the sandbox it starts: the faithful sandbox is conformant
(exit 0, results.json and junit.xml written, no key anywhere in the output folder), and a
sandbox with a fault switched on fails the check that names it (exit 1)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bulkbench.contract.results import read_results
from tests.contract.conftest import run_cli


def _all_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", errors="replace")
                     for p in folder.rglob("*") if p.is_file())


def test_the_faithful_sandbox_is_conformant(out_dir: Path, seed_secrets: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli("--provider", "leadlex", "--out", str(out_dir), "--max-examples", "10")
    printed = capsys.readouterr().out
    results = read_results(out_dir / "results.json")
    failed = [r for r in results["results"] if r["status"] == "failed"]
    assert code == 0, [(r["nodeid"], r["failure"]["title"]) for r in failed]
    assert (out_dir / "junit.xml").is_file()
    assert "results.json" in printed and "junit.xml" in printed
    summary = results["summary"]
    assert summary["failed"] == 0 and summary["passed"] > 100
    assert {r["provider"] for r in results["results"]} == {"leadlex"}
    checks = {r["check"] for r in results["results"] if r["status"] == "passed"}
    assert {"batch_over_max_rejected", "idempotent_replay", "import_webhook_signature",
            "queued_import_completes", "rate_limit_enforced", "unknown_key_401",
            "read_only_key_403", "ignored_auth", "negative_data_rejection"} <= checks
    for record in results["results"]:
        assert record["status"] in ("passed", "skipped")
        assert record["doc"]["sentence"]
        if record["status"] == "skipped":
            assert record["reason"]
    junit = (out_dir / "junit.xml").read_text()
    assert 'name="check" value="idempotent_replay"' in junit
    text = _all_text(out_dir)
    for secret in seed_secrets:
        assert secret not in text


#: (provider, faults switched on together, the checks that must fail): each fault breaks
#: only what its check enforces, so unrelated ones share a sandbox to keep the test short.
FAULT_RUNS = [
    ("leadlex", ["leadlex_bulk_max_off_by_one", "leadlex_list_counts_duplicates",
                 "rate_limit_remaining_stuck", "leadlex_import_replay_new_job_id",
                 "leadlex_import_job_other_workspace_visible"],
     ["batch_over_max_rejected", "add_to_list_skips_duplicates",
      "rate_limit_remaining_decreases", "idempotent_replay", "other_workspace_job_404"]),
    ("leadlex", ["wrong_validation_code"], ["error_envelope"]),
    ("leadlex", ["unknown_key_403"], ["unknown_key_401"]),
    ("datananas", ["datananas_ws_counts_swapped"], ["progress_ending_counts"]),
    ("sociocs", ["sociocs_extra_fields_merged"], ["sociocs_upsert_replaces"]),
    ("sociocs", ["sociocs_foreign_list_accepted"], ["foreign_list_refused"]),
    ("datananas", ["datananas_ws_events_to_every_workspace"],
     ["progress_events_stay_in_workspace"]),
]


@pytest.mark.parametrize(("provider", "faults", "expected"), FAULT_RUNS,
                         ids=["+".join(run[1]) for run in FAULT_RUNS])
def test_faults_fail_the_checks_that_name_them(provider: str, faults: list[str],
                                               expected: list[str], out_dir: Path,
                                               seed_secrets: list[str]) -> None:
    args = ["--provider", provider, "--out", str(out_dir)]
    for fault in faults:
        args += ["--sandbox-fault", fault]
    for name in expected:
        args += ["--check", name]
    assert run_cli(*args) == 1
    results = orjson.loads((out_dir / "results.json").read_bytes())
    failed = [r for r in results["results"] if r["status"] == "failed"]
    assert {r["check"] for r in failed} == set(expected)
    for record in failed:
        failure = record["failure"]
        assert failure["title"] and failure["message"]
        assert failure["curl"].startswith("curl ")
        assert record["provider"] == provider and record["endpoint"].startswith(provider)
        assert record["seed"] == 0 and record["doc"]["sentence"]
    text = _all_text(out_dir)
    for secret in seed_secrets:
        assert secret not in text
