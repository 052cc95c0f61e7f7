"""The repro `bulkbench contract` prints for a failure runs as printed: a sandbox started
with the printed `bulkbench serve` line (same seed and fault), the key and the base URL
from environment variables, the body from its file in the contract folder; and the
replayed request fails the same way (same status, same body shape, created N+1)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console

from bulkbench.commands.contract import render_summary
from bulkbench.contract.results import read_results
from bulkbench.contract.suite_process import free_port, run_suite

FAULT = "leadlex_bulk_created_off_by_one"
pytestmark = pytest.mark.slow  # a suite run and a sandbox


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def _printed(tmp_path: Path) -> tuple[list[str], dict[str, Any]]:
    out = tmp_path / "run" / "contract"
    run = run_suite(["leadlex"], out, seed=0, max_examples=1, faults=[FAULT],
                    checks=["bulk_create_echo"])
    assert run.results is not None and run.failed, run.output[-2000:]
    results = read_results(run.results_path)
    buffer = io.StringIO()
    render_summary(results, Console(file=buffer, width=80, color_system=None))
    lines = [line.strip() for line in buffer.getvalue().splitlines()]
    return lines, results


def _start_printed_sandbox(serve: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    data, port = tmp_path / "sandbox", free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen(["bash", "-c", f"exec {serve} --port {port} --data {data}"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    info = data / "sandbox.json"
    for _ in range(600):
        if info.exists() and orjson.loads(info.read_bytes()).get("pid") == proc.pid:
            return proc, info
        assert proc.poll() is None, "the printed bulkbench serve line exited"
        time.sleep(0.05)
    proc.terminate()
    raise AssertionError("the printed sandbox did not start")


def test_the_printed_repro_reproduces_the_failure(tmp_path: Path) -> None:
    lines, results = _printed(tmp_path)
    serve = next(line for line in lines if line.startswith("bulkbench serve"))
    serve = serve.split("   #", 1)[0]
    assert f"--fault {FAULT}" in serve and "--seed 0" in serve
    curl = next(line for line in lines if line.startswith("curl "))
    assert "${LEADLEX_API_KEY}" in curl and "${BASE_URL}" in curl and "--data-binary @" in curl
    assert any(line.startswith("export LEADLEX_API_KEY=") for line in lines)
    record = next(r for r in results["results"] if r["status"] == "failed")
    recorded = record["failure"]["response"]

    proc, info_path = _start_printed_sandbox(serve, tmp_path)
    try:
        info = orjson.loads(info_path.read_bytes())
        key = next(k["key"] for k in info["providers"]["leadlex"]["keys"] if k["role"] == "full")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        done = subprocess.run(["bash", "-c", curl], cwd=elsewhere, capture_output=True,
                              timeout=60, check=False, env={
                                  **os.environ, "BASE_URL": info["base_urls"]["leadlex"],
                                  "LEADLEX_API_KEY": key})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.decode().partition("\r\n\r\n")
    assert head.split()[1] == str(recorded["status"]) == "200"
    replayed = orjson.loads(body)
    assert _shape(replayed) == _shape(orjson.loads(recorded["body"]))
    sent = orjson.loads((Path(results["meta"]["contract_dir"]) / record["failure"]
                         ["exchange"]["body_file"]).read_bytes())
    assert replayed["data"]["created"] == len(sent["contacts"]) + 1  # reproduced
