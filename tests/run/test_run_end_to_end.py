"""The main job, end to end: `bulkbench run --profile quick` against the embedded sandbox.

This is what `make demo` does on a fresh machine; CI runs it (it takes a few minutes, it
is bounded by a timeout, and nothing here asserts how long it took).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import orjson
import pytest

from tests.reports.chromium import charts, load_page

from .conftest import REPO, files_holding, run_bulkbench, sandbox_secrets


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_quick_run_against_the_sandbox(tmp_path):
    out = tmp_path / "run"
    done = run_bulkbench("run", "--profile", "quick", "--out", str(out), timeout=840)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-5000:]
    assert "PASSED" in done.stdout and f"report: {out / 'index.html'}" in printed.replace(
        "\n", "")
    for provider in ("leadlex", "datananas", "sociocs"):
        assert provider in done.stdout

    for name in ("index.html", "summary.json", "summary.md", "junit.xml", "run.json",
                 "contract/results.json", "contract/junit.xml"):
        assert (out / name).is_file(), name
    summary = orjson.loads((out / "summary.json").read_bytes())
    jsonschema.validate(summary, orjson.loads(
        (REPO / "reports" / "summary.schema.json").read_bytes()))
    assert summary["verdict"] == {**summary["verdict"], "status": "passed", "complete": True,
                                  "exit_code": 0}
    assert all(step["status"] == "done" for step in summary["steps"])
    for provider, entry in summary["providers"].items():
        assert entry["contract"]["passed"] > 0 and entry["contract"]["failed"] == 0, provider
        scenarios = {run["scenario"]: run for run in entry["load"]}
        assert "sweep" in scenarios and "rate_limit" in scenarios, provider
        assert scenarios["sweep"]["requests"] > 0
        assert scenarios["rate_limit"]["rate_limit"]["honest"] is True, provider
    assert "import" in {run["scenario"] for run in summary["providers"]["leadlex"]["load"]}
    root = ET.parse(out / "junit.xml").getroot()
    assert int(root.get("failures", "1")) == 0 and int(root.get("errors", "1")) == 0

    leaks = files_holding(out, sandbox_secrets(tmp_path / "seed0"))
    assert leaks == [], leaks

    page = load_page(out / "index.html", tmp_path / "profile")
    assert page.console == [], page.console
    found = charts(page.dom)
    assert len(found) >= 3 * 4
    assert all(c.points == c.declared_points > 0 for c in found)


def test_the_run_folder_defaults_under_reports_runs(tmp_path):
    """Without --out the run goes to reports/runs/<UTC timestamp>/ (here nothing runs, and
    a run where nothing ran is incomplete, never passed)."""
    done = run_bulkbench("run", "--provider", "sociocs", "--skip", "contract", "--skip",
                         "load", timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "INCOMPLETE" in done.stdout and "no step ran" in done.stdout
    folders = list((tmp_path / "reports" / "runs").iterdir())
    assert len(folders) == 1 and len(folders[0].name) == len("20250101T000000Z")
    assert (folders[0] / "index.html").is_file()
    manifest = orjson.loads((folders[0] / "run.json").read_bytes())
    assert {s["status"] for s in manifest["steps"]} == {"skipped"}
    assert Path(folders[0] / "summary.md").read_text().startswith(
        "## bulkbench: ⚠️ INCOMPLETE")
