"""Real runs: the real sandbox, the real locust as subprocesses (local, master + workers).

Every run is bounded (3-4 s of load at low rates); nothing asserts a wall-clock time.
Counts are checked against the sandbox's own (``/_sandbox/counts``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hdrh.log import HistogramLogReader

from bulkbench.cli import main
from bulkbench.core.catalog import default_catalog
from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.locust_processes import LOCUSTFILE
from bulkbench.sandbox.process import SandboxProcess

from .conftest import read_json, reset, sandbox_contacts

LAX = "[default]\nmax_p99_ms = 60000\nmax_error_rate = 0.5\nmin_contacts_per_second = 1\n"
IMPOSSIBLE = "[default]\nmax_p50_ms = 0.001\nmin_contacts_per_second = 1e12\n"


def _load(tmp_path: Path, sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch,
          *args: str, sla: str | None = None) -> tuple[int, Path]:
    monkeypatch.setenv("LEADLEX_API_KEY", sandbox.key("leadlex"))
    argv = ["load", "--provider", "leadlex", "--base-url", sandbox.base_url("leadlex"),
            "--out", str(tmp_path), *args]
    if sla is not None:
        path = tmp_path / "sla.toml"
        path.write_text(sla)
        argv += ["--sla", str(path)]
    code = main(argv)
    scenario = args[args.index("--scenario") + 1] if "--scenario" in args else "steady"
    return code, tmp_path / "load" / f"leadlex-{scenario}"


def test_steady_run_writes_the_run_folder_with_consistent_totals(
        tmp_path, sandbox, monkeypatch, capsys):
    reset(sandbox)
    batch = 20
    code, out = _load(tmp_path, sandbox, monkeypatch, "--users", "2", "--duration", "3s",
                      "--batch-size", str(batch), sla=LAX)
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert sandbox.key("leadlex") not in printed
    for name in ("summary.json", "series.json", "latency.hlog", "locust_stats.csv",
                 "locust_stats_history.csv", "locust.html", "locust.json", "locust.log"):
        assert (out / name).is_file(), name
    summary = read_json(out / "summary.json")
    totals = summary["totals"]
    assert totals["contacts"] > 0 and totals["errors"] == 0
    assert totals["contacts"] == totals["ok"] * batch == sandbox_contacts(sandbox)
    assert summary["locust"]["total"]["requests"] == totals["requests"]
    assert summary["sla"]["passed"] is True
    assert summary["contacts_per_second"] == pytest.approx(
        totals["contacts"] / summary["window"]["seconds"], rel=1e-3)
    series = read_json(out / "series.json")["seconds"]
    assert sum(r["requests"] for r in series) == totals["requests"]
    assert sum(r["contacts"] for r in series) == totals["contacts"]
    reader = HistogramLogReader(str(out / "latency.hlog"), hdr.new_histogram())
    logged = 0
    while (interval := reader.get_next_interval_histogram()) is not None:
        logged += interval.get_total_count()
    reader.close()
    assert logged == summary["latency"]["http"]["count"] == totals["ok"]
    assert "wbk_" not in (out / "summary.json").read_text()


def test_an_impossible_sla_exits_1(tmp_path, sandbox, monkeypatch, capsys):
    code, out = _load(tmp_path, sandbox, monkeypatch, "--users", "1", "--duration", "3s",
                      "--batch-size", "5", sla=IMPOSSIBLE)
    printed = capsys.readouterr().out
    assert code == 1, printed
    assert "FAIL" in printed
    verdicts = {v["name"]: v for v in read_json(out / "summary.json")["sla"]["verdicts"]}
    assert verdicts["max_p50_ms"]["passed"] is False
    assert verdicts["min_contacts_per_second"]["passed"] is False


def test_master_with_two_workers_sums_the_workers_reports(tmp_path, sandbox, monkeypatch,
                                                          capsys):
    reset(sandbox)
    code, out = _load(tmp_path, sandbox, monkeypatch, "--users", "4", "--workers", "2",
                      "--duration", "4s", "--batch-size", "10")
    assert code == 0, capsys.readouterr().out
    summary = read_json(out / "summary.json")
    workers = [read_json(p) for p in sorted((out / "workers").glob("*.json"))]
    assert len(workers) == 2
    assert sorted(summary["workers_final"]) == sorted(w["client_id"] for w in workers)
    totals = summary["totals"]
    assert totals["contacts"] > 0
    for field in ("requests", "ok", "contacts", "rate_limited", "errors"):
        assert totals[field] == sum(w["totals"][field] for w in workers), field
    assert totals["contacts"] == sandbox_contacts(sandbox)
    by_worker = summary["by_worker"]
    assert {k: v["contacts"] for k, v in by_worker.items()} == {
        w["client_id"]: w["totals"]["contacts"] for w in workers}
    assert sum(v["contacts_per_second"] for v in by_worker.values()) == pytest.approx(
        summary["contacts_per_second"], rel=1e-3)
    # the master's histogram is exactly the sum of the workers' bucket counts
    expected: dict[int, int] = {}
    for w in workers:
        for value, count in hdr.bucket_counts(hdr.decode(w["histograms"]["http"])).items():
            expected[value] = expected.get(value, 0) + count
    assert hdr.bucket_counts(hdr.decode(summary["histograms"]["http"])) == expected
    assert summary["locust"]["total"]["requests"] == totals["requests"]


def test_plain_locust_open_model_measures_from_the_intended_send_time(tmp_path):
    """``locust -f loadtests/locustfile.py`` configured by environment variables only."""
    latency_ms = 80
    from bulkbench.sandbox.process import start_sandbox

    with start_sandbox(tmp_path / "sandbox", latency_ms=latency_ms) as slow:
        env = {**os.environ, "LEADLEX_API_KEY": slow.key("leadlex"),
               "BULKBENCH_SCENARIO": "steady", "BULKBENCH_BATCH_SIZE": "2",
               "BULKBENCH_RATE": "20", "BULKBENCH_OUT": str(tmp_path / "out")}
        proc = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
             "--host", slow.base_url("leadlex"), "-u", "1", "-r", "1", "-t", "3s",
             "--stop-timeout", "5"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    summary = read_json(tmp_path / "out" / "summary.json")
    assert summary["model"] == "open"
    http = summary["latency"]["http"]
    assert http["count"] > 10
    assert http["min_ms"] >= latency_ms and http["p50_ms"] >= latency_ms
    assert summary["harness"]["scheduled_sends"] == summary["totals"]["requests"]


def _probe(tmp_path: Path, capsys: pytest.CaptureFixture[str], *faults: str) -> dict:
    argv = ["load", "--provider", "leadlex", "--scenario", "rate_limit", "--duration", "40s",
            "--out", str(tmp_path), "--sandbox-rate-limit", "20/2",
            "--option", "probe-start-rate=10", "--option", "probe-step-seconds=0.5",
            "--option", "probe-max-rate=200", "--option", "probe-compare-seconds=1",
            "--option", "probe-poll-seconds=0.05"]
    for fault in faults:
        argv += ["--sandbox-fault", fault]
    assert main(argv) == 0, capsys.readouterr().out
    summary = read_json(tmp_path / "load" / "leadlex-rate_limit" / "summary.json")
    assert (tmp_path / "load" / "leadlex-rate_limit" / "rate_limit.json").is_file()
    # the sandbox the command started keeps its keys outside the run folder
    assert not list(tmp_path.rglob("sandbox.json"))
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert not re.search(rb"wbk_[A-Za-z0-9]{8,}", path.read_bytes()), path
    probe: dict = summary["rate_limit"]
    return probe


def test_rate_limit_probe_finds_an_honest_limit(tmp_path, capsys):
    probe = _probe(tmp_path, capsys)
    assert probe["honest"], probe["problems"]
    assert probe["observed_limit"] == probe["advertised_limit"] == 20
    assert probe["remaining_decrements_by_one"] and probe["remaining_reaches_zero_at_first_429"]
    assert probe["accepted_beyond_limit"] == 0
    assert probe["retry_after"]["honest"] and probe["reset"]["honest"]
    assert probe["recovery"]["recovered"]
    assert probe["clients"]["retry_blindly"]["rate_limited"] > 0


@pytest.mark.parametrize("fault, broken", [
    ("rate_limit_remaining_stuck", "remaining_decrements_by_one"),
    ("rate_limit_not_enforced", "enforced"),
])
def test_rate_limit_probe_reports_a_dishonest_limit(tmp_path, capsys, fault, broken):
    probe = _probe(tmp_path, capsys, fault)
    assert probe["honest"] is False
    assert probe[broken] is False
    assert probe["problems"]


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    catalog = default_catalog()
    assert catalog.provider("leadlex")
    cases = [
        ["load", "--provider", "leadlex", "--scenario", "nope"],
        ["load", "--provider", "leadlex", "--users", "2", "--rate", "5"],
        ["load", "--provider", "leadlex", "--base-url", "https://data.example.com"],
        ["load", "--provider", "leadlex", "--scenario", "rate_limit", "--workers", "2"],
        ["load", "--provider", "leadlex", "--duration", "soon"],
    ]
    for argv in cases:
        assert main([*argv, "--out", str(tmp_path)]) == 2, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.count("\n") <= 3, err


def test_import_scenario_times_submit_to_completed_for_sync_and_queued(
        tmp_path, sandbox, monkeypatch, capsys):
    endpoint = default_catalog().endpoint("leadlex.import_contacts")
    if "import_contacts" not in sandbox.info["providers"]["leadlex"]["endpoints"]:
        pytest.skip("the sandbox does not serve the LeadLex import yet")
    reset(sandbox)
    sync_max = endpoint.sync_max_rows
    assert sync_max
    code, out = _load(tmp_path, sandbox, monkeypatch, "--scenario", "import", "--users", "2",
                      "--duration", "4s", "--batch-size", "20",
                      "--option", f"queued-size={sync_max + 1}")
    assert code == 0, capsys.readouterr().out
    summary = read_json(out / "summary.json")
    labels = summary["by_label"]
    assert labels["sync"]["ok"] > 0 and labels["queued"]["ok"] > 0
    assert labels["sync"]["contacts"] == labels["sync"]["ok"] * 20
    assert labels["queued"]["contacts"] == labels["queued"]["ok"] * (sync_max + 1)
    assert summary["totals"]["contacts"] == sandbox_contacts(sandbox)
    completed = labels["queued"]["latency"]["import_completed"]
    assert completed["count"] == labels["queued"]["ok"]
    # a queued import completes after its submit was answered
    assert completed["p50_ms"] >= labels["queued"]["latency"]["http"]["p50_ms"]


def test_datananas_time_to_the_ending_websocket_event(tmp_path, sandbox, monkeypatch, capsys):
    if "bulk_create" not in sandbox.info["providers"]["datananas"]["endpoints"]:
        pytest.skip("the sandbox does not serve Datananas yet")
    reset(sandbox)
    monkeypatch.setenv("DATANANAS_ACCESS_TOKEN", sandbox.key("datananas"))
    code = main(["load", "--provider", "datananas", "--scenario", "websocket",
                 "--base-url", sandbox.base_url("datananas"), "--out", str(tmp_path),
                 "--users", "2", "--duration", "3s", "--batch-size", "10"])
    assert code == 0, capsys.readouterr().out
    summary = read_json(tmp_path / "load" / "datananas-websocket" / "summary.json")
    totals = summary["totals"]
    assert totals["ok"] > 0 and totals["contacts"] == totals["ok"] * 10
    assert totals["contacts"] == sandbox_contacts(sandbox, "datananas")
    ending = summary["latency"]["ws_ending"]
    assert ending["count"] == totals["ok"]
    assert summary["harness"].get("websocket_endings_missed", 0) == 0


def test_add_to_list_counts_the_contacts_the_list_gained(tmp_path, sandbox, monkeypatch, capsys):
    reset(sandbox)
    list_id = sandbox.lists("leadlex")[0]
    code, out = _load(tmp_path, sandbox, monkeypatch, "--scenario", "add_to_list",
                      "--users", "2", "--duration", "3s", "--batch-size", "10",
                      "--option", f"list-id={list_id}")
    assert code == 0, capsys.readouterr().out
    totals = read_json(out / "summary.json")["totals"]
    assert totals["ok"] > 0 and totals["errors"] == 0
    stored = httpx.get(f"{sandbox.admin_url}/leadlex/lists/{list_id}",
                       headers=sandbox.admin_headers, timeout=30).json()
    # every accepted id is a fresh contact, so the list grew by exactly what was accepted
    assert totals["contacts"] == stored["contact_count"] > 0
