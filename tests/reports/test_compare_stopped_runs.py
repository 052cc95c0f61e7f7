"""Comparing runs where a load run stopped early or the rate-limit probe was inconclusive:
no crash, no "dishonest", and a run that stopped early after is never a clean gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

from bulkbench.cli import main
from bulkbench.reports import compare_runs, render_run

from .conftest import read_json, write_json


def _answered(folder: Path, name: str) -> Path:
    """A copy of ``folder`` as if the target had answered: no abort, an honest probe."""
    other = folder.parent / name
    shutil.copytree(folder, other)
    steady = other / "load" / "leadlex-steady" / "summary.json"
    data = read_json(steady)
    data["aborted"] = None
    write_json(steady, data)
    probe = other / "load" / "leadlex-rate_limit" / "summary.json"
    data = read_json(probe)
    data["rate_limit"].update(honest=True, verdict="honest", inconclusive=[], problems=[])
    write_json(probe, data)
    manifest = read_json(other / "run.json")
    for step in manifest["steps"]:
        if step["scenario"] == "steady":
            step.update(status="done", reason="")
    write_json(other / "run.json", manifest)
    return other


def test_a_run_that_stopped_early_after_is_a_regression_never_dishonest(stopped_run):
    before = _answered(stopped_run, "before")
    cmp = compare_runs(before, stopped_run)
    regressions = "\n".join(cmp.regressions)
    assert "leadlex.steady: stopped early, the target did not answer: 20 requests" in regressions
    assert "ran to its end before" in regressions
    assert "dishonest" not in regressions
    assert not any(m.regression for m in cmp.metrics)  # its figures measure no provider
    assert any("rate limit: honest → inconclusive" in n for n in cmp.notes), cmp.notes
    assert "notes" in cmp.as_dict()


def test_a_run_that_stopped_early_before_only_is_a_note(stopped_run):
    after = _answered(stopped_run, "after")
    cmp = compare_runs(stopped_run, after)
    assert cmp.regressions == []
    assert any(n.startswith("leadlex.steady: stopped early before") for n in cmp.notes)


def test_a_kept_summary_with_null_verdicts_compares(stopped_run, capsys):
    render_run(stopped_run)
    kept = stopped_run.parent / "kept-summary.json"
    shutil.copy(stopped_run / "summary.json", kept)
    after = _answered(stopped_run, "after")
    assert main(["report", "--compare", str(kept), str(after), "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["regressions"] == []
    assert main(["report", "--compare", str(after), str(kept)]) == 1
    out = capsys.readouterr().out
    assert "stopped early" in out and "dishonest" not in out


def test_an_inconclusive_probe_after_a_dishonest_one_is_no_regression(stopped_run):
    before = _answered(stopped_run, "before")
    probe = before / "load" / "leadlex-rate_limit" / "summary.json"
    data = read_json(probe)
    data["rate_limit"].update(honest=False, verdict="not honest", problems=["stuck"])
    write_json(probe, data)
    after = _answered(stopped_run, "after")
    probe = after / "load" / "leadlex-rate_limit" / "summary.json"
    data = read_json(probe)
    data["rate_limit"].update(honest=None, verdict="inconclusive",
                              inconclusive=["no request succeeded"])
    write_json(probe, data)
    cmp = compare_runs(before, after)
    assert cmp.regressions == []
    assert any("dishonest → inconclusive (no request succeeded)" in n for n in cmp.notes)
