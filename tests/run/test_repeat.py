"""`bulkbench run --repeat N` keeps every repetition of each throughput scenario, each in
its own folder, and the report (and ``report --compare``) reads them all."""

from __future__ import annotations

import html
from pathlib import Path

import orjson
import pytest

from .conftest import run_bulkbench


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_a_repeated_run_keeps_and_reports_every_repetition(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = run_bulkbench("run", "--provider", "sociocs", "--skip", "contract", "--repeat", "2",
                         "--profile", "quick", "--out", str(out), timeout=280)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    sweep = out / "load" / "sociocs-sweep"
    for k in (1, 2):
        assert (sweep / f"rep-{k}" / "summary.json").is_file(), sorted(
            str(p.relative_to(out)) for p in out.rglob("summary.json"))
        assert (sweep / f"rep-{k}" / "series.json").is_file()
    assert not (sweep / "summary.json").exists()  # no un-numbered run beside them

    manifest = orjson.loads((out / "run.json").read_bytes())
    steps = {s["name"]: s for s in manifest["steps"] if s["stage"] == "load"}
    assert {"sociocs sweep rep 1", "sociocs sweep rep 2", "sociocs rate_limit"} <= set(steps)
    assert [steps[f"sociocs sweep rep {k}"]["folder"] for k in (1, 2)] == [
        "load/sociocs-sweep/rep-1", "load/sociocs-sweep/rep-2"]
    assert all(steps[f"sociocs sweep rep {k}"]["status"] == "done" for k in (1, 2)), steps
    assert manifest["options"]["repeat"] == 2

    summary = orjson.loads((out / "summary.json").read_bytes())
    loads = summary["providers"]["sociocs"]["load"]
    sweeps = [entry for entry in loads if entry["scenario"] == "sweep"]
    assert [(e["repetition"], e["folder"]) for e in sweeps] == [
        (1, "sociocs-sweep/rep-1"), (2, "sociocs-sweep/rep-2")]
    assert [e["repetition"] for e in loads if e["scenario"] == "rate_limit"] == [None]
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    for k in (1, 2):
        assert f"sociocs.sweep rep {k}" in page
        assert f"sociocs.sweep rep {k}" in markdown

    # the run compared with itself: two repetitions a side, judged, no regression
    compared = run_bulkbench("report", "--compare", str(out), str(out), "--json", timeout=60)
    assert compared.returncode == 0, compared.stdout + compared.stderr
    data = orjson.loads(compared.stdout)
    contacts = next(m for m in data["metrics"]
                    if (m["scenario"], m["metric"]) == ("sweep", "contacts/s"))
    assert (contacts["before_runs"], contacts["after_runs"]) == (2, 2)
    assert contacts["basis"].startswith("repetitions")
    assert contacts["verdict"] == "within noise"
    assert contacts["low"] <= 1.0 <= contacts["high"]
