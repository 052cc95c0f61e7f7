"""Comparisons that know noise: false regressions between two runs of the same sandbox,
and a 30 % worsening (added latency, or a throttle) flagged every time.

Every run is ``bulkbench load`` (its Python API, ``run_load``) of leadlex's ``steady``
scenario against the embedded sandbox on loopback: 2 users, batches of 10, ``--duration``
seconds (default 8), each in a run folder of its own. The sandbox answers with an added
latency of ``--base-latency`` ms (default 20: a provider that far away), so that a
latency 30 % worse is several ms worse, beyond ``report --compare``'s 5 ms floor. Each
comparison is ``bulkbench.reports.compare.compare_runs`` with the default threshold (20 %)
between two run folders of ``--reps`` (2) load runs each, as ``bulkbench run --repeat 2``
keeps them: the intervals are drawn over the repetitions and their seconds.

1. **False regressions**: ``--pairs`` (10) pairs of runs of the same sandbox; a pair
   with any regression is a false one. Target: 0 in 10.
2. **Detection**: for ``--trials`` (5) baseline runs (the first run of the first pairs),
   a run with the latency 30 % worse (``--sandbox-latency`` raised by 30 % of the
   baseline's p50) must have its p50 flagged, and a run throttled to 70 % of the
   baseline's requests/s (``--sandbox-rate-limit N/1``) its contacts/s. Target: every
   time. The users do not wait out a 429 (``--option on-429=ignore``, in every run): the
   sandbox's ``Retry-After`` is whole seconds, so honouring it would cut throughput to
   well under 70 % in bursts; sending on, a user keeps the throttle at its limit.

Printed: one line per comparison, then a table of both figures.

With one load run a side (``--reps 1``) ``report --compare`` calls nothing (thin
evidence): an interval from one run's seconds does not see a disturbance of the machine
during one whole run (other jobs on the same two cores), and on this machine such a pair
once showed p99 2.7x worse with an interval wholly above 1.2.

    .venv/bin/python bench/compare_noise.py [--pairs 10] [--trials 5] [--duration 8s]

Loopback only; bounded (each run lasts --duration; about 12 s each with the sandbox's
start, so the defaults take some 14 minutes).
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bulkbench.commands.load import LoadRequest, run_load
from bulkbench.reports.compare import Comparison, compare_runs
from bulkbench.reports.load_results import LoadRun, read_load_run


@dataclass
class Bench:
    root: Path
    duration: str
    base_latency_ms: float
    reps: int = 2
    runs: int = 0

    def run(self, name: str, *, latency_ms: float | None = None,
            rate_limit: str | None = None) -> Path:
        """A steady run of leadlex in its own run folder ``root/name``: ``reps`` load runs
        (``load/leadlex-steady/rep-<k>/`` when more than one, as ``run --repeat``)."""
        out = self.root / name
        for k in range(1, self.reps + 1):
            self.runs += 1
            quiet = Console(file=io.StringIO(), width=120)
            run_load(LoadRequest(
                provider="leadlex", scenario="steady", users=2, batch_size=10,
                duration=self.duration, out=out, seed=self.runs,
                sandbox_latency_ms=self.base_latency_ms if latency_ms is None else latency_ms,
                sandbox_rate_limit=rate_limit, options=["on-429=ignore"],
                repetition=k if self.reps > 1 else None), quiet)
        return out


def load_runs(folder: Path) -> list[LoadRun]:
    """The load runs of a bench run folder (each repetition)."""
    return [read_load_run(p.parent) for p in sorted((folder / "load").rglob("summary.json"))]


def mean(values: list[float | None]) -> float:
    known = [v for v in values if v is not None]
    assert known, "a baseline measured nothing"
    return sum(known) / len(known)


def metric_line(cmp: Comparison, metric: str) -> str:
    m = next(m for m in cmp.metrics if m.metric == metric)
    ratio = "—" if m.ratio is None else f"{m.ratio:.2f}"
    return f"{metric} {ratio} {m.interval_text or '(no interval)'} {m.verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--duration", default="8s")
    parser.add_argument("--base-latency", type=float, default=20.0)
    parser.add_argument("--reps", type=int, default=2,
                        help="load runs a side (repetitions, as `bulkbench run --repeat`)")
    args = parser.parse_args(argv)
    if args.trials > args.pairs:
        parser.error("--trials reuses the baselines of the first pairs: at most --pairs")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bulkbench-compare-noise-") as tmp:
        bench = Bench(Path(tmp), args.duration, args.base_latency, args.reps)
        false_pairs, baselines = 0, []
        print(f"1. {args.pairs} pairs of runs of the same sandbox (added latency "
              f"{args.base_latency:g} ms, {args.reps} load run(s) of {args.duration} a side)")
        for k in range(args.pairs):
            a, b = bench.run(f"same-{k}-a"), bench.run(f"same-{k}-b")
            baselines.append(a)
            cmp = compare_runs(a, b)
            false_pairs += bool(cmp.regressions)
            print(f"  pair {k + 1}: {'FALSE REGRESSION' if cmp.regressions else 'no regression'}"
                  f"; {metric_line(cmp, 'contacts/s')}; {metric_line(cmp, 'p50 ms')}"
                  + "".join(f"\n    - {r}" for r in cmp.regressions), flush=True)

        print(f"2. {args.trials} baselines against a latency and a throttle 30 % worse")
        flagged_latency = flagged_throttle = 0
        for k, a in enumerate(baselines[:args.trials]):
            base = load_runs(a)  # 30 % of the mean over the baseline's repetitions
            slower = args.base_latency + 0.3 * mean([r.latency.p50 for r in base])
            limit = max(1, math.floor(0.7 * mean([r.requests_per_second for r in base])))
            cmp_latency = compare_runs(a, bench.run(f"latency-{k}", latency_ms=slower))
            cmp_throttle = compare_runs(a, bench.run(f"throttle-{k}", rate_limit=f"{limit}/1"))
            hit_latency = any(m.regression and m.metric == "p50 ms" for m in cmp_latency.metrics)
            hit_throttle = any(m.regression and m.metric == "contacts/s"
                               for m in cmp_throttle.metrics)
            flagged_latency += hit_latency
            flagged_throttle += hit_throttle
            print(f"  trial {k + 1}: latency {slower:.1f} ms → "
                  f"{'flagged' if hit_latency else 'MISSED'} ({metric_line(cmp_latency, 'p50 ms')})"
                  f"; throttle {limit}/1 s → {'flagged' if hit_throttle else 'MISSED'} "
                  f"({metric_line(cmp_throttle, 'contacts/s')})", flush=True)
    minutes = (time.monotonic() - started) / 60
    rows = [("false regressions, same sandbox", f"{false_pairs} in {args.pairs} pairs",
             "0 in 10"),
            ("latency +30 % flagged (p50)", f"{flagged_latency} of {args.trials}", "every time"),
            ("throttle to 70 % flagged (contacts/s)", f"{flagged_throttle} of {args.trials}",
             "every time")]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'measured':<16}  target")
    for name, measured, target in rows:
        print(f"{name:<{width}}  {measured:<16}  {target}")
    print(f"({bench.runs} runs of {args.duration}, {minutes:.1f} min)")
    ok = (false_pairs == 0 and flagged_latency == args.trials
          and flagged_throttle == args.trials)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
