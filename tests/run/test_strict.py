"""`bulkbench run`: an assumption mismatch is reported and passes; with --strict it fails
the run (exit 1)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from .conftest import run_bulkbench


@pytest.mark.timeout(300)
def test_a_mismatch_fails_the_run_only_with_strict(tmp_path: Path) -> None:
    config = tmp_path / "cfg.toml"
    config.write_text('[leadlex.assumptions]\nidempotency_reuse = "original"\n',
                      encoding="utf-8")
    outcomes = {}
    for strict in (False, True):
        out = tmp_path / ("strict" if strict else "lenient")
        done = run_bulkbench("run", "--provider", "leadlex", "--skip", "load", "--config",
                             str(config), "--out", str(out), *(["--strict"] if strict else []),
                             timeout=280)
        summary = orjson.loads((out / "summary.json").read_bytes())
        outcomes[strict] = (done.returncode, summary["verdict"]["status"],
                            summary["verdict"]["contract_mismatches"],
                            summary["verdict"]["contract_failed"])
    assert outcomes[False] == (0, "passed", 1, 0), outcomes
    assert outcomes[True] == (1, "failed", 0, 1), outcomes
