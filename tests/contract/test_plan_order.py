"""The checks that exhaust a rate limit run after every other check, so that against a
real provider no later check meets the window they spent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bulkbench.contract.checks import CHECKS


def test_rate_limit_exhausting_checks_run_last(tmp_path: Path) -> None:
    from bulkbench.sandbox.process import start_sandbox

    with start_sandbox(tmp_path / "sb", seed=0) as sandbox:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "bulkbench.contract", "--collect-only",
             "-q",
             "-p", "no:cacheprovider", "--provider", "leadlex",
             "--sandbox-info", str(sandbox.data_dir / "sandbox.json")],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert ids, done.stdout + done.stderr
    throttling = {name for name, spec in CHECKS.items() if "throttle" in spec.needs}
    assert throttling
    positions = [i for i, line in enumerate(ids) if any(f"-{n}" in line for n in throttling)]
    assert positions and min(positions) == len(ids) - len(positions), ids[-5:]
