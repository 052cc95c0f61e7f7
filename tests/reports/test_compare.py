"""Comparing two runs: flipped checks and throughput/latency ratios, gated by a threshold."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

from bulkbench.cli import main
from bulkbench.reports import compare_runs, render_run

from .conftest import read_json, write_json
from .repetitions import repeat_load_run


def _copy(folder: Path, name: str) -> Path:
    other = folder.parent / name
    shutil.copytree(folder, other)
    return other


def _slow_down(folder: Path, factor: float) -> None:
    """The leadlex sweep (each repetition) as if the provider were ``factor`` times slower."""
    for path in (folder / "load" / "leadlex-sweep").rglob("summary.json"):
        summary = read_json(path)
        summary["contacts_per_second"] /= factor
        for part in summary["by_label"].values():
            part["contacts_per_second"] /= factor
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            summary["latency"]["http"][key] *= factor
        write_json(path, summary)


def _repeated(folder: Path) -> Path:
    """The recorded run with its leadlex sweep repeated three times (within 1 % of each
    other): evidence enough to call a change (one run a side is thin evidence)."""
    repeat_load_run(folder, "leadlex-sweep", [1.0, 0.99, 1.01])
    return folder


def _flip_first_passing_check(folder: Path) -> dict:
    path = folder / "contract" / "results.json"
    data = read_json(path)
    record = next(r for r in data["results"] if r["status"] == "passed")
    record["status"] = "failed"
    record["failure"] = {"title": "broken now", "message": "", "curl": None}
    write_json(path, data)
    return record


def test_a_run_compared_with_itself_has_no_regression(recorded_run, capsys):
    cmp = compare_runs(recorded_run, recorded_run)
    assert cmp.flips == [] and cmp.regressions == []
    assert {m.ratio for m in cmp.metrics if m.ratio is not None} == {1.0}
    assert main(["report", "--compare", str(recorded_run), str(recorded_run)]) == 0
    assert "no regression beyond 20%" in capsys.readouterr().out


def test_a_slower_provider_and_a_broken_check_are_regressions(recorded_run, capsys):
    _repeated(recorded_run)
    after = _copy(recorded_run, "after")
    _slow_down(after, 2.0)
    flipped = _flip_first_passing_check(after)
    cmp = compare_runs(recorded_run, after)
    regressions = "\n".join(cmp.regressions)
    assert f"check {flipped['endpoint']} {flipped['check']}" in regressions
    assert "leadlex.sweep contacts/s:" in regressions
    assert "leadlex.sweep p99 ms" in regressions
    ratio = next(m.ratio for m in cmp.metrics
                 if (m.provider, m.scenario, m.metric) == ("leadlex", "sweep", "contacts/s"))
    assert ratio is not None and abs(ratio - 0.5) < 0.01
    assert main(["report", "--compare", str(recorded_run), str(after)]) == 1
    out = capsys.readouterr().out
    assert "regression(s)" in out and "0.50" in out


def test_the_threshold_decides_what_is_a_regression(recorded_run):
    _repeated(recorded_run)
    after = _copy(recorded_run, "after")
    _slow_down(after, 1.1)
    assert compare_runs(recorded_run, after, threshold=0.2).regressions == []
    assert compare_runs(recorded_run, after, threshold=0.05).regressions


def test_a_kept_summary_json_is_enough_to_compare_against(recorded_run, capsys):
    _repeated(recorded_run)
    render_run(recorded_run)
    baseline = recorded_run.parent / "baseline-summary.json"
    shutil.copy(recorded_run / "summary.json", baseline)
    after = _copy(recorded_run, "after")
    _slow_down(after, 3.0)
    assert main(["report", "--compare", str(baseline), str(after), "--json"]) == 1
    data = orjson.loads(capsys.readouterr().out)
    assert data["regressions"] and data["threshold"] == 0.2
    assert any(m["metric"] == "contacts/s" and m["ratio"] < 0.4 for m in data["metrics"])


def test_a_fixed_check_is_a_flip_but_no_regression(recorded_run):
    after = _copy(recorded_run, "after")
    path = after / "contract" / "results.json"
    data = read_json(path)
    fixed = next(r for r in data["results"] if r["status"] == "failed")
    fixed["status"] = "passed"
    fixed.pop("failure")
    write_json(path, data)
    cmp = compare_runs(recorded_run, after)
    assert [(f.before, f.after, f.regression) for f in cmp.flips] == [
        ("failed", "passed", False)]
    assert cmp.regressions == []


def test_a_latency_regression_must_also_exceed_the_floor(recorded_run):
    after = _copy(recorded_run, "after")
    _slow_down(after, 2.0)
    cmp = compare_runs(recorded_run, after, latency_floor_ms=5.0)
    p50 = next(m for m in cmp.metrics
               if (m.provider, m.scenario, m.metric) == ("leadlex", "sweep", "p50 ms"))
    assert p50.before is not None and p50.before * 2 - p50.before < 5.0
    assert p50.ratio is not None and p50.ratio > 1.9 and not p50.regression
