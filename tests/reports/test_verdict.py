"""The verdict: failed on any failure, incomplete on any gap, passed only when neither."""

from __future__ import annotations

from pathlib import Path

from bulkbench.reports import decide, read_run

from .conftest import read_json, write_json


def _make_everything_pass(folder: Path) -> None:
    path = folder / "contract" / "results.json"
    data = read_json(path)
    for record in data["results"]:
        if record["status"] == "failed":
            record["status"] = "passed"
            record.pop("failure", None)
    write_json(path, data)
    for summary_path in (folder / "load").glob("*/summary.json"):
        summary = read_json(summary_path)
        summary.pop("sla", None)
        write_json(summary_path, summary)


def test_a_run_without_failures_or_gaps_passes(recorded_run):
    _make_everything_pass(recorded_run)
    verdict = decide(read_run(recorded_run))
    assert (verdict.status, verdict.complete, verdict.exit_code) == ("passed", True, 0)
    assert verdict.reasons == ()


def test_a_stage_not_run_is_never_a_pass(recorded_run):
    _make_everything_pass(recorded_run)
    manifest = read_json(recorded_run / "run.json")
    manifest["steps"][0].update(status="not_run", reason="the contract stage is not available")
    write_json(recorded_run / "run.json", manifest)
    verdict = decide(read_run(recorded_run))
    assert (verdict.status, verdict.complete, verdict.exit_code) == ("incomplete", False, 1)
    assert "contract suite not run: the contract stage is not available" in verdict.reasons


def test_an_interrupted_run_is_incomplete_and_says_by_what(recorded_run):
    _make_everything_pass(recorded_run)
    manifest = read_json(recorded_run / "run.json")
    manifest["interrupted"] = "SIGTERM"
    manifest["steps"][-1].update(status="interrupted")
    write_json(recorded_run / "run.json", manifest)
    verdict = decide(read_run(recorded_run))
    assert verdict.status == "incomplete"
    assert "the run was stopped by SIGTERM" in verdict.reasons


def test_a_skipped_stage_is_named_but_does_not_make_the_run_incomplete(recorded_run):
    _make_everything_pass(recorded_run)
    manifest = read_json(recorded_run / "run.json")
    for step in manifest["steps"]:
        if step["stage"] == "contract":
            step.update(status="skipped", reason="--skip contract")
    write_json(recorded_run / "run.json", manifest)
    verdict = decide(read_run(recorded_run))
    assert verdict.status == "passed"
    assert "contract suite skipped: --skip contract" in verdict.reasons


def test_failures_win_over_gaps(recorded_run):
    manifest = read_json(recorded_run / "run.json")
    manifest["steps"][-1].update(status="error", reason="locust crashed")
    write_json(recorded_run / "run.json", manifest)
    verdict = decide(read_run(recorded_run))
    assert verdict.status == "failed" and not verdict.complete
    assert verdict.headline == "FAILED (incomplete run)"
