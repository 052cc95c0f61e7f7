"""Ctrl-C and SIGTERM: the run stops its child processes and still writes a report,
marked incomplete, with the interrupted step named."""

from __future__ import annotations

import signal
import subprocess

import orjson
import pytest

from .conftest import REPO, alive, bulkbench_command, descendants, wait_for


@pytest.mark.timeout(240)
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_load_step_stops_everything_and_still_reports(tmp_path, signum,
                                                                         code):
    out = tmp_path / "run"
    log = (tmp_path / "output.log").open("w")
    proc = subprocess.Popen(
        bulkbench_command("run", "--provider", "leadlex", "--skip", "contract", "--out",
                          str(out)), stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO))
    try:
        progress = out / "load" / "leadlex-sweep" / "locust.log"
        wait_for(lambda: progress.exists() and "bulkbench-progress" in progress.read_text(),
                  120, "the sweep's first progress line")
        children = descendants(proc.pid)
        assert len(children) >= 2, children  # the shared sandbox and locust at least
        proc.send_signal(signum)
        assert proc.wait(timeout=120) == code
        wait_for(lambda: not any(alive(pid) for pid in children), 30,
                  "the run's child processes to end")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    manifest = orjson.loads((out / "run.json").read_bytes())
    assert manifest["interrupted"] == signal.Signals(signum).name
    steps = {s["name"]: s for s in manifest["steps"]}
    assert steps["contract suite"]["status"] == "skipped"
    assert steps["leadlex sweep"]["status"] == "interrupted"
    assert steps["leadlex import"]["status"] == "not_run"
    assert "stopped by" in steps["leadlex import"]["reason"]
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["verdict"]["status"] == "incomplete"
    assert summary["run"]["interrupted"] == signal.Signals(signum).name
    html = (out / "index.html").read_text()
    assert "INCOMPLETE" in html and "the run was stopped by" in html
