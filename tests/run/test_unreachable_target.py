"""A target that does not answer at all: one line naming the host and the error, exit 1,
the run incomplete, and no verdict on the provider (no per-check table, nothing failed)."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from bulkbench.core.preflight import TargetUnreachable, preflight

from .conftest import run_bulkbench

KEY = {"SOCIOCS_API_KEY": "sociocs_0123456789abcdef"}


@pytest.fixture
def refused() -> str:
    """A loopback URL on a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/sociocs"


def _host(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0]


def _one_error_line(stderr: str, url: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert _host(url) in lines[0] and "connection refused" in lines[0], lines[0]
    return lines[0]


@pytest.mark.timeout(120)
def test_run_against_an_unreachable_target_is_incomplete_not_failed(refused: str,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = run_bulkbench("run", "--provider", "sociocs", "--base-url", refused, "--out",
                         str(out), timeout=100, env=KEY)
    assert done.returncode == 1, done.stdout + done.stderr
    _one_error_line(done.stderr, refused)
    assert "contract checks" not in done.stdout  # no table: nothing was measured
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["verdict"]["status"] == "incomplete"
    assert summary["verdict"]["contract_failed"] == 0
    manifest = orjson.loads((out / "run.json").read_bytes())
    assert {s["status"] for s in manifest["steps"]} == {"not_run"}
    assert all(_host(refused) in s["reason"] for s in manifest["steps"])
    assert not (out / "contract").exists() and not (out / "load").exists()
    assert "FAILED" not in (out / "summary.md").read_text()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("command", ["contract", "load"])
def test_a_stage_command_against_an_unreachable_target_says_so_in_one_line(
        command: str, refused: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_bulkbench(command, "--provider", "sociocs", "--base-url", refused, "--out",
                         str(out), timeout=100, env=KEY)
    assert done.returncode == 1, done.stdout + done.stderr
    _one_error_line(done.stderr, refused)
    assert done.stdout.strip() == ""  # no per-check table, no figures
    assert not out.exists()


@pytest.mark.timeout(120)
def test_plain_pytest_stops_before_any_check(refused: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "bulkbench.contract", "-q",
         "-p", "no:cacheprovider",
         "--provider", "sociocs", "--base-url", refused, "--junitxml",
         str(tmp_path / "junit.xml")],
        capture_output=True, text=True, timeout=100, cwd=str(tmp_path), check=False,
        env={**os.environ, **KEY})
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.INTERRUPTED, output[-3000:]
    assert _host(refused) in output and "connection refused" in output
    assert " failed" not in output and " passed" not in output


@pytest.fixture
def resetting() -> Iterator[str]:
    """A loopback server that accepts a connection and resets it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.recv(1024)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    thread.join(timeout=10)


def test_a_reset_connection_is_unreachable(resetting: str) -> None:
    with pytest.raises(TargetUnreachable, match="connection reset"):
        preflight("sociocs", resetting, timeout=5)


def test_any_http_answer_is_reachable(tmp_path: Path) -> None:
    from bulkbench.sandbox.process import start_sandbox

    with start_sandbox(tmp_path / "sb") as sandbox:
        preflight("sociocs", sandbox.base_url("sociocs") + "/no/such/path")  # a 404 is fine


@pytest.mark.parametrize("argv", [["--provider", "nope"],
                                  ["--provider", "sociocs", "--base-url", "ftp://127.0.0.1:9"]])
def test_usage_errors_of_load_come_before_the_preflight(argv: list[str], refused: str) -> None:
    if "--base-url" not in argv:
        argv = [*argv, "--base-url", refused]
    done = run_bulkbench("load", *argv, timeout=100, env=KEY)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "unreachable" not in done.stderr
