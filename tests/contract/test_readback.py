"""Checks that must read stored contacts back use the sandbox's inspection routes, or a
read endpoint the user names in [provider.readback]; without either they are skipped
with the reason, never passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.contract.results import read_results
from tests.contract.conftest import assert_config_error, run_cli

READBACK_CHECKS = ("sociocs_upsert_clears_left_out_fields", "sociocs_upsert_replaces")


@pytest.mark.parametrize(("table", "message"), [
    ("[sociocs.readback]\nphone_path = \"/contacts\"\n", "holding {phone}"),
    ("[sociocs.readback]\nemail_path = \"contacts?e={email}\"\n", "starting with '/'"),
    ("[sociocs.readback]\nitems_pointer = \"data\"\n", "JSON pointer"),
    ("[sociocs.readback]\npath = \"/x/{phone}\"\n", "unknown key"),
])
def test_a_wrong_readback_is_a_config_error(tmp_path: Path, table: str, message: str) -> None:
    assert_config_error(tmp_path, table, message)


def test_without_a_readback_the_checks_are_skipped_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox taken as a real provider (its base URL and key, no inspection): the
    checks that read contacts back are skipped, naming [provider.readback]."""
    from bulkbench.sandbox.process import start_sandbox

    with start_sandbox(tmp_path / "sb", seed=0) as sandbox:
        info = sandbox.info
        key = next(k["key"] for k in info["providers"]["sociocs"]["keys"]
                   if k["role"] == "full")
        monkeypatch.setenv("SOCIOCS_API_KEY", key)
        out = tmp_path / "out"
        args = ["--provider", "sociocs", "--base-url", info["base_urls"]["sociocs"],
                "--out", str(out)]
        for name in READBACK_CHECKS:
            args += ["--check", name]
        run_cli(*args)
    records = read_results(out / "results.json")["results"]
    assert {r["check"] for r in records} == set(READBACK_CHECKS)
    for record in records:
        assert record["status"] == "skipped", record
        assert "[provider.readback]" in record["reason"], record["reason"]
