"""Relative paths are the caller's: ``cd /somewhere && bulkbench contract --out relout``
writes to /somewhere/relout, although the suite (and locust) run in the repository."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from .conftest import REPO, run_bulkbench


@pytest.mark.timeout(240)
def test_contract_takes_out_and_config_from_the_callers_folder(tmp_path: Path) -> None:
    (tmp_path / "relcfg.toml").write_text("[sociocs]\ntimeout_seconds = 20\n")
    done = run_bulkbench("contract", "--provider", "sociocs", "--check",
                         "batch_over_max_rejected", "--out", "relout", "--config", "relcfg.toml",
                         timeout=220, cwd=tmp_path)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-3000:]
    results = orjson.loads((tmp_path / "relout" / "results.json").read_bytes())
    assert results["summary"]["passed"] > 0
    assert (tmp_path / "relout" / "junit.xml").exists()
    assert not (REPO / "relout").exists()


@pytest.mark.timeout(240)
def test_load_takes_out_from_the_callers_folder(tmp_path: Path) -> None:
    done = run_bulkbench("load", "--provider", "sociocs", "--duration", "2s", "--out", "relrun",
                         timeout=220, cwd=tmp_path)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-3000:]
    folder = tmp_path / "relrun" / "load" / "sociocs-steady"
    assert (folder / "summary.json").exists() and (folder / "locust.log").exists()
    assert not (REPO / "relrun").exists()
