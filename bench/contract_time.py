"""How long the contract suite takes against the sandbox: all providers, and each alone.

    .venv/bin/python bench/contract_time.py [--max-examples N] [--seed N]

Target: all providers within 3 minutes on the 2-core reference machine. Prints the wall
time of the full run (sandbox start-up included), its pytest time per provider (the sum
of its checks' durations), and the time of a run per provider; tests never assert times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bulkbench.contract.suite_process import run_suite
from bulkbench.core.providers import BUNDLED as PROVIDERS

TARGET_SECONDS = 180.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="bulkbench-contract-time-"))
    full = run_suite(list(PROVIDERS), out / "all", seed=args.seed,
                     max_examples=args.max_examples)
    if full.results is None:
        print(f"the suite crashed (pytest exit {full.pytest_exit})")
        return 1
    per_provider: dict[str, float] = defaultdict(float)
    for record in full.results["results"]:
        per_provider[record["provider"]] += float(record.get("duration_ms", 0)) / 1000
    summary = full.results["summary"]
    print(f"all providers: {full.seconds:.1f} s wall ({full.seconds / TARGET_SECONDS:.0%} of "
          f"the {TARGET_SECONDS:.0f} s target); {summary['passed']} passed, "
          f"{summary['failed']} failed, {summary['skipped']} skipped")
    for name in PROVIDERS:
        print(f"  {name:<10} {per_provider[name]:6.1f} s of checks in the full run")
    for name in PROVIDERS:
        alone = run_suite([name], out / name, seed=args.seed, max_examples=args.max_examples)
        print(f"{name} alone: {alone.seconds:.1f} s wall")
    return 0 if full.seconds <= TARGET_SECONDS and summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
