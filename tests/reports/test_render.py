"""Rendering the recorded run folder: every format, and what each one says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from bulkbench.cli import main
from bulkbench.reports import SUMMARY_SCHEMA, render_run

from .conftest import read_json

SCHEMA = Path(__file__).resolve().parents[2] / "reports" / "summary.schema.json"


def _failed_checks(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in read_json(folder / "contract" / "results.json")["results"]:
        if record["status"] == "failed":
            counts[record["provider"]] = counts.get(record["provider"], 0) + 1
    return counts


def test_every_format_is_written_and_agrees_with_the_run_folder(recorded_run):
    rendered = render_run(recorded_run)
    names = sorted(p.name for p in rendered.files)
    assert names == ["index.html", "junit.xml", "summary.json", "summary.md"]
    failed = _failed_checks(recorded_run)
    assert all(failed.values()) and len(failed) == 3
    verdict = rendered.verdict
    assert verdict.status == "failed" and verdict.exit_code == 1 and verdict.complete
    assert verdict.contract_failed == sum(failed.values())
    for provider, count in failed.items():
        assert f"{provider}: {count} contract check" in " ".join(verdict.reasons)
    assert verdict.sla_failed >= 1


def test_summary_json_follows_its_schema(recorded_run):
    render_run(recorded_run)
    summary = read_json(recorded_run / "summary.json")
    jsonschema.validate(summary, read_json(SCHEMA))
    assert summary["schema"] == SUMMARY_SCHEMA == "bulkbench.summary/1"
    assert summary["verdict"]["status"] == "failed"
    failed = _failed_checks(recorded_run)
    for provider, entry in summary["providers"].items():
        assert entry["contract"]["failed"] == failed[provider]
        bad = [c for c in entry["contract"]["checks"] if c["status"] == "failed"]
        assert len(bad) == failed[provider]
        assert all(c["title"] and "seed" in c for c in bad)
        assert any(c["curl"] and c["curl"].startswith("curl") for c in bad)
        scenarios = {run["scenario"] for run in entry["load"]}
        assert {"sweep", "rate_limit"} <= scenarios
        probe = next(r for r in entry["load"] if r["scenario"] == "rate_limit")["rate_limit"]
        assert probe["honest"] is False and probe["problems"]
        sweep = next(r for r in entry["load"] if r["scenario"] == "sweep")
        assert [p["batch_size"] for p in sweep["by_batch_size"]] == sorted(
            p["batch_size"] for p in sweep["by_batch_size"])
        assert len(sweep["by_batch_size"]) == 4


def test_junit_holds_every_check_every_sla_threshold_and_every_step(recorded_run):
    render_run(recorded_run)
    root = ET.parse(recorded_run / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"bulkbench.contract", "bulkbench.load", "bulkbench.run"}
    results = read_json(recorded_run / "contract" / "results.json")["results"]
    contract = suites["bulkbench.contract"]
    assert int(contract.get("tests", 0)) == len(results)
    assert int(contract.get("failures", 0)) == sum(r["status"] == "failed" for r in results)
    assert int(contract.get("skipped", 0)) == sum(r["status"] == "skipped" for r in results)
    failure = next(c for c in contract.iter("testcase") if c.find("failure") is not None)
    text = failure.findtext("failure") or ""
    assert "seed:" in text and "reproduce: curl" in text
    load = suites["bulkbench.load"]
    sla_cases = [c for c in load.iter("testcase") if c.get("name", "").startswith("sla ")]
    assert sla_cases and any(c.find("failure") is not None for c in sla_cases)
    assert any(c.find("failure") is None and c.find("skipped") is None for c in sla_cases)
    steps = suites["bulkbench.run"]
    assert int(steps.get("tests", 0)) == len(read_json(recorded_run / "run.json")["steps"])
    assert int(steps.get("errors", 0)) == 0
    assert int(root.get("failures", 0)) == sum(int(s.get("failures", 0)) for s in suites.values())


def test_summary_md_has_the_verdict_the_table_and_the_failures(recorded_run):
    render_run(recorded_run)
    text = (recorded_run / "summary.md").read_text()
    assert text.startswith("## bulkbench: ❌ FAILED")
    assert "| provider | contract |" in text
    for provider in ("leadlex", "datananas", "sociocs"):
        assert f"| {provider} |" in text
    assert "### Not passed, grouped by cause" in text and "```sh\ncurl" in text
    assert "### SLA" in text and "❌ FAIL" in text
    assert len(text.encode()) < 1024 * 1024


def test_rendering_twice_gives_the_same_summary(recorded_run):
    first = render_run(recorded_run).summary
    second = render_run(recorded_run).summary
    assert first == second


def test_report_command_renders_and_exits_with_the_verdict(recorded_run, capsys):
    assert main(["report", str(recorded_run)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and str(recorded_run / "index.html") in out.replace("\n", "")
    assert (recorded_run / "index.html").is_file()


@pytest.mark.parametrize("argv", [
    ["report"],
    ["report", "/nonexistent/run"],
    ["report", "--compare", "/nonexistent/a", "/nonexistent/b"],
])
def test_report_usage_errors_are_one_line_and_exit_2(argv, capsys, tmp_path):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().count("\n") <= 2, err


def test_a_folder_that_is_no_run_says_so(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a run folder" in err and "contract/results.json" in err
