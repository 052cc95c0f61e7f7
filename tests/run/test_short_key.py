"""A key of any length is never written: a three-character key given through the
environment reaches neither the run folder nor the terminal (a sandbox the test starts
plays the provider, and refuses the key: every authenticated request shows it)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bulkbench.contract.redaction import scrub_file
from bulkbench.core.config import redact
from bulkbench.sandbox.process import start_sandbox

from .conftest import run_bulkbench

SHORT_KEY = "q7Z"


@pytest.mark.timeout(300)
def test_a_three_character_key_is_nowhere_in_the_run_folder(tmp_path: Path) -> None:
    with start_sandbox(tmp_path / "provider", seed=3) as provider:
        out = tmp_path / "run"
        done = run_bulkbench("run", "--provider", "sociocs", "--base-url",
                             provider.base_url("sociocs"), "--skip", "load", "--out", str(out),
                             timeout=280, env={"SOCIOCS_API_KEY": SHORT_KEY})
    printed = done.stdout + done.stderr
    assert done.returncode == 1, printed[-3000:]  # the provider refuses the key: failures
    assert (out / "contract" / "results.json").exists(), printed[-3000:]
    holding = [str(path.relative_to(out)) for path in sorted(out.rglob("*"))
               if path.is_file() and SHORT_KEY.encode() in path.read_bytes()]
    assert holding == []
    assert SHORT_KEY not in printed
    results = orjson.loads((out / "contract" / "results.json").read_bytes())
    assert results["summary"]["failed"] > 0  # scrubbed value by value, still JSON


def test_redaction_hides_most_of_any_key() -> None:
    for key in ("abc", "ab_c", "wbk_abcd1234", "plainsecret1"):
        assert redact(key) == "…"
    assert redact("wbk_abcdefghijkl1234") == "wbk_…1234"


def test_a_short_numeric_key_leaves_json_numbers_alone(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(orjson.dumps({"duration_ms": 12345, "curl": "curl -H 'apikey: 234'"}))
    assert scrub_file(path, ["234"]) == 1
    assert orjson.loads(path.read_bytes()) == {"duration_ms": 12345,
                                               "curl": "curl -H 'apikey: …'"}
