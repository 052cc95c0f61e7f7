"""`report --compare` knows noise: each figure's ratio comes with a bootstrap interval, a
regression is called only when the interval lies wholly beyond the threshold, and one run
a side without per-second samples is thin evidence, never a call."""

from __future__ import annotations

from pathlib import Path

import orjson

from bulkbench.cli import main
from bulkbench.reports import render_run
from bulkbench.reports.compare import Comparison, MetricChange, compare_runs
from bulkbench.reports.noise import Interval, Repetition, call, ratio_interval

from .repetitions import steady_run_folder

FIGURES = ("contacts/s", "p50 ms", "p95 ms", "p99 ms")


def _metric(cmp: Comparison, name: str) -> MetricChange:
    return next(m for m in cmp.metrics if (m.scenario, m.metric) == ("steady", name))


def _slower(seed: int, factor: float = 0.6, **options: object) -> dict[str, object]:
    """A run ``1/factor`` times slower: ``factor`` times the contacts/s, latency / factor."""
    return {"seed": seed, "contacts_per_second": 1000.0 * factor,
            "latency_ms": 20.0 / factor, **options}


def test_two_runs_of_one_distribution_are_within_noise(tmp_path: Path) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}, {"seed": 3}])
    b = steady_run_folder(tmp_path / "b", [{"seed": 2}, {"seed": 4}])
    cmp = compare_runs(a, b)
    assert cmp.regressions == [] and cmp.thin_evidence == []
    for name in FIGURES:
        m = _metric(cmp, name)
        assert m.verdict == "within noise" and m.basis == "repetitions and seconds", m
        assert m.low is not None and m.high is not None and m.low <= 1.0 <= m.high, m
        assert m.high - m.low < 0.2, m  # the seconds' spread, not a blanket interval


def test_one_run_a_side_with_series_shows_its_interval_but_calls_nothing(
        tmp_path: Path) -> None:
    """One run a side: its seconds give an interval, but it does not see a drift between
    runs (the machine busier during one of them), so even a 40 % drop is not called."""
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}])
    b = steady_run_folder(tmp_path / "b", [_slower(2)])
    cmp = compare_runs(a, b)
    assert cmp.regressions == [] and len(cmp.thin_evidence) == len(FIGURES)
    for name in FIGURES:
        m = _metric(cmp, name)
        assert m.verdict == "thin evidence" and m.basis == "seconds", m
        assert m.low is not None and m.high is not None, m


def test_a_shift_of_40_percent_is_a_regression_with_its_interval(tmp_path: Path,
                                                                 capsys) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}, {"seed": 3}])
    b = steady_run_folder(tmp_path / "b", [_slower(2), _slower(4)])
    cmp = compare_runs(a, b)
    for name in FIGURES:
        m = _metric(cmp, name)
        assert m.verdict == "regression" and m.regression, m
        assert m.low is not None and m.high is not None
        assert (m.high < 0.8) if m.higher_is_better else (m.low > 1.2), m
    assert len(cmp.regressions) == len(FIGURES)
    assert "95% interval [" in cmp.regressions[0]
    assert main(["report", "--compare", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "regression(s)" in out and "interval" in out


def test_a_shift_within_the_threshold_is_not_called(tmp_path: Path) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}, {"seed": 3}])
    b = steady_run_folder(tmp_path / "b", [_slower(2, factor=0.9), _slower(4, factor=0.9)])
    cmp = compare_runs(a, b)
    assert cmp.regressions == []
    assert _metric(cmp, "contacts/s").verdict == "within noise"


def test_one_run_a_side_without_series_is_thin_evidence(tmp_path: Path, capsys) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1, "series": False}])
    b = steady_run_folder(tmp_path / "b", [_slower(2, series=False)])
    cmp = compare_runs(a, b)
    assert cmp.regressions == []  # even a 40 % drop: one number a side says nothing of noise
    for name in FIGURES:
        m = _metric(cmp, name)
        assert m.verdict == "thin evidence" and m.low is None and m.high is None, m
        assert m.ratio is not None
    assert len(cmp.thin_evidence) == len(FIGURES)
    assert main(["report", "--compare", str(a), str(b)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "thin evidence for 4 figure(s)" in out and "--repeat" in out


def test_a_kept_summary_json_of_one_run_is_thin_evidence(tmp_path: Path) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}])
    b = steady_run_folder(tmp_path / "b", [_slower(2)])
    render_run(a)
    cmp = compare_runs(a / "summary.json", b)  # a kept summary holds no per-second samples
    assert cmp.regressions == []
    assert _metric(cmp, "contacts/s").verdict == "thin evidence"


def test_repetitions_without_series_are_evidence(tmp_path: Path, capsys) -> None:
    same_a = steady_run_folder(tmp_path / "a", [{"seed": s, "series": False} for s in (1, 2, 3)])
    same_b = steady_run_folder(tmp_path / "b", [{"seed": s, "series": False} for s in (4, 5, 6)])
    slow = steady_run_folder(tmp_path / "c", [_slower(s, series=False) for s in (7, 8, 9)])
    cmp = compare_runs(same_a, same_b)
    m = _metric(cmp, "contacts/s")
    assert (m.before_runs, m.after_runs, m.basis) == (3, 3, "repetitions")
    assert m.verdict == "within noise" and cmp.regressions == []
    cmp = compare_runs(same_a, slow)
    assert all(_metric(cmp, name).regression for name in FIGURES)
    render_run(same_a)  # a kept summary.json of a repeated run holds every repetition
    assert _metric(compare_runs(same_a / "summary.json", slow), "contacts/s").regression
    assert main(["report", "--compare", str(same_a), str(slow), "--json"]) == 1
    data = orjson.loads(capsys.readouterr().out)
    assert data["confidence"] == 0.95 and data["thin_evidence"] == []
    assert {m["before_runs"] for m in data["metrics"]} == {3}


def test_one_thin_side_against_repetitions_is_still_thin(tmp_path: Path) -> None:
    repeated = steady_run_folder(tmp_path / "a", [{"seed": s, "series": False}
                                                  for s in (1, 2, 3)])
    single = steady_run_folder(tmp_path / "b", [_slower(4, series=False)])
    assert _metric(compare_runs(repeated, single), "contacts/s").verdict == "thin evidence"


def test_the_interval_is_seeded(tmp_path: Path) -> None:
    a = steady_run_folder(tmp_path / "a", [{"seed": 1}])
    b = steady_run_folder(tmp_path / "b", [{"seed": 2}])
    first, second = compare_runs(a, b), compare_runs(a, b)
    assert [(m.low, m.high) for m in first.metrics] == [(m.low, m.high) for m in second.metrics]


def test_a_call_needs_the_whole_interval_beyond_the_threshold() -> None:
    assert call(Interval(0.7, 0.65, 0.79, "repetitions"), True, 0.2) == "regression"
    assert call(Interval(0.7, 0.55, 0.85, "repetitions"), True, 0.2) == "within noise"
    assert call(Interval(1.3, 1.21, 1.4, "repetitions"), False, 0.2) == "regression"
    assert call(Interval(1.3, 1.1, 1.5, "repetitions"), False, 0.2) == "within noise"
    # one run a side: an interval from its seconds, never a call
    assert call(Interval(0.7, 0.65, 0.79, "seconds"), True, 0.2) == "thin evidence"
    assert call(Interval(1.3, 1.21, 1.4, "repetitions"), True, 0.2) == "improvement"
    assert call(Interval(0.5, None, None, "thin"), True, 0.2) == "thin evidence"


def test_the_bootstrap_sees_the_spread_of_the_repetitions() -> None:
    tight = [Repetition(v) for v in (100.0, 101.0, 99.0)]
    loose = [Repetition(v) for v in (60.0, 140.0, 100.0)]
    narrow = ratio_interval(tight, tight, seed="x")
    wide = ratio_interval(loose, loose, seed="x")
    assert narrow.low is not None and narrow.high is not None
    assert wide.low is not None and wide.high is not None
    assert narrow.high - narrow.low < 0.05 < wide.high - wide.low
    assert ratio_interval([Repetition(100.0)], [Repetition(50.0)], seed="x").thin
