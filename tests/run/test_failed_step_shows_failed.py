"""Failed means failed in the terminal too: a step that ran to its end and found a
contract check failing is printed as failed (✘ … FAILED), not ticked."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_bulkbench


@pytest.mark.timeout(300)
def test_a_contract_step_with_failed_checks_is_printed_failed(tmp_path: Path) -> None:
    done = run_bulkbench("run", "--provider", "sociocs", "--skip", "load",
                         "--sandbox-fault", "sociocs_status_ok", "--out", str(tmp_path / "run"),
                         timeout=240, cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    step = [line for line in done.stdout.splitlines() if "contract suite" in line
            and ("passed," in line)]
    assert step and step[0].startswith("✘ contract suite FAILED: "), done.stdout[-3000:]
    assert not any(line.startswith("✔ contract suite") for line in done.stdout.splitlines())
