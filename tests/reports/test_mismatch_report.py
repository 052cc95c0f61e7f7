"""A run with assumption mismatches: every view lists them apart from failures, naming the
key that settles each, and none of them fails the run (--strict aside)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bulkbench.cli import main

from .conftest import read_json


@pytest.fixture(scope="module")
def mismatched_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real contract run against the sandbox, told the provider replays a reused key's
    result (the sandbox answers 409): one mismatch, then the report of its folder."""
    folder = tmp_path_factory.mktemp("run")
    config = folder.parent / "cfg.toml"
    config.write_text("[leadlex.assumptions]\nidempotency_reuse = \"original\"\n")
    code = main(["contract", "--provider", "leadlex", "--out", str(folder / "contract"),
                 "--config", str(config), "--check", "idempotency_key_reuse_conflict",
                 "--check", "idempotent_replay"])
    assert code == 0
    assert main(["report", str(folder)]) == 0
    return folder


def test_summary_json_counts_the_mismatch_and_passes(mismatched_run: Path) -> None:
    summary = read_json(mismatched_run / "summary.json")
    assert summary["verdict"]["status"] == "passed"
    assert summary["verdict"]["contract_mismatches"] == 1
    assert any("assumption mismatch" in r for r in summary["verdict"]["reasons"])
    checks = summary["providers"]["leadlex"]["contract"]["checks"]
    (record,) = [c for c in checks if c["status"] == "mismatch"]
    assert record["settle_with"][0] == "[leadlex.assumptions] idempotency_reuse"
    assert record["basis"] == "assumption"


def test_markdown_and_junit_list_it_apart(mismatched_run: Path) -> None:
    markdown = (mismatched_run / "summary.md").read_text(encoding="utf-8")
    assert "### Assumption mismatches (1)" in markdown
    assert "idempotency\\_reuse" in markdown  # escaped for Markdown
    assert "Failed contract checks" not in markdown
    junit = ET.parse(mismatched_run / "junit.xml").getroot()
    skipped = [s.get("message", "") for s in junit.iter("skipped")]
    assert any("assumption mismatch" in m and "idempotency_reuse" in m for m in skipped)
    assert not list(junit.iter("failure"))


def test_the_html_shows_the_mismatch_with_its_key(mismatched_run: Path) -> None:
    html = (mismatched_run / "index.html").read_text(encoding="utf-8")
    assert "assumption mismatches" in html
    assert "[leadlex.assumptions] idempotency_reuse" in html
