"""Run folders as the stages leave them: partial, damaged, or made by stages run alone."""

from __future__ import annotations

import shutil

import pytest

from bulkbench.reports import RunFolderError, read_run, render_run

from .conftest import read_json, write_json


def test_a_missing_results_json_is_named_and_the_run_is_incomplete(recorded_run):
    (recorded_run / "contract" / "results.json").unlink()
    rendered = render_run(recorded_run)
    assert any("contract/results.json: missing, although the contract step finished" in p
               for p in rendered.run.problems)
    assert rendered.verdict.status == "failed"  # the SLA still failed
    assert not rendered.verdict.complete
    assert "Problems reading the run folder" in (recorded_run / "index.html").read_text()


@pytest.mark.parametrize("content, expected", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"version": 1}', "lacks provider, scenario or totals"),
])
def test_a_malformed_summary_json_is_named(recorded_run, content, expected):
    path = recorded_run / "load" / "leadlex-sweep" / "summary.json"
    path.write_bytes(content)
    run = read_run(recorded_run)
    problem = next(p for p in run.problems if "leadlex-sweep/summary.json" in p)
    assert expected in problem
    assert all(r.name != "leadlex.sweep" for r in run.load_runs)
    assert any("load/leadlex-sweep/summary.json: missing, although the leadlex sweep step "
               "finished" in p for p in run.problems)


def test_a_malformed_manifest_is_named_and_the_files_still_render(recorded_run):
    (recorded_run / "run.json").write_text('{"schema": "bulkbench.run/1"}')
    rendered = render_run(recorded_run)
    assert any(p.startswith("run.json: started_at") for p in rendered.run.problems)
    assert len(rendered.run.load_runs) == 7 and rendered.run.contract is not None


def test_stages_run_alone_leave_a_folder_that_renders(recorded_run):
    (recorded_run / "run.json").unlink()
    shutil.rmtree(recorded_run / "contract")
    run = read_run(recorded_run)
    assert [s.name for s in run.steps if s.stage == "load"] and run.problems == []
    assert all(s.status == "done" for s in run.steps)
    rendered = render_run(recorded_run)
    assert "The contract stage did not run for leadlex" in (
        recorded_run / "index.html").read_text()
    assert rendered.summary["providers"]["leadlex"]["contract"] is None


def test_an_unknown_check_status_never_counts_as_a_pass(recorded_run):
    path = recorded_run / "contract" / "results.json"
    data = read_json(path)
    for record in data["results"]:
        record["status"] = "passed"
        record.pop("failure", None)
    data["results"][0]["status"] = "xpassed"
    write_json(path, data)
    run = read_run(recorded_run)
    assert run.contract is not None
    assert run.contract.checks[0].status == "error"
    assert run.contract.counts()["error"] == 1


def test_nothing_to_render_raises_a_clear_error(tmp_path):
    with pytest.raises(RunFolderError, match="not a run folder"):
        read_run(tmp_path)
    with pytest.raises(RunFolderError, match="not a folder"):
        read_run(tmp_path / "missing")
