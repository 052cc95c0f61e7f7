"""A run killed outright (``kill -9``) leaves nothing behind: its sandboxes and other child
processes die with it, and the sandboxes' temporary folders (``sandbox.json`` holds keys)
are removed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, alive, bulkbench_command, descendants, wait_for


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _sandboxes(parent: int) -> dict[int, Path]:
    """The sandbox processes below ``parent`` that serve (their sandbox.json is written),
    with their data folders."""
    found: dict[int, Path] = {}
    for pid in descendants(parent):
        args = _cmdline(pid)
        if "bulkbench.sandbox" in args and "--data" in args:
            data = Path(args[args.index("--data") + 1])
            if (data / "sandbox.json").exists():
                found[pid] = data
    return found


def _kill_when_serving(command: list[str], log: Path, sandboxes: int
                       ) -> tuple[dict[int, Path], set[int]]:
    """Start ``command``, wait for ``sandboxes`` serving sandboxes below it, SIGKILL it;
    the sandboxes and every process it had started."""
    with log.open("w") as stream:
        proc = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT,
                                cwd=str(REPO))
        try:
            wait_for(lambda: len(_sandboxes(proc.pid)) >= sandboxes or proc.poll() is not None,
                      120, "the sandboxes to serve")
            assert proc.poll() is None, log.read_text()[-3000:]
            found = _sandboxes(proc.pid)
            children = descendants(proc.pid)
            proc.kill()
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return found, children


@pytest.mark.timeout(180)
def test_kill_9_of_a_run_stops_its_sandboxes_and_removes_their_folders(tmp_path: Path) -> None:
    sandboxes, children = _kill_when_serving(
        bulkbench_command("run", "--provider", "sociocs", "--skip", "contract", "--out",
                          str(tmp_path / "run")), tmp_path / "output.log", 1)
    assert sandboxes and all(not data.is_relative_to(tmp_path) for data in sandboxes.values())
    wait_for(lambda: not any(alive(pid) for pid in children), 30,
              "the run's child processes to end")
    wait_for(lambda: not any(data.exists() for data in sandboxes.values()), 30,
              "the sandboxes' folders to be removed")


@pytest.mark.timeout(180)
def test_kill_9_of_the_contract_command_stops_its_sandboxes_and_suite(tmp_path: Path) -> None:
    # the suite's two sandboxes are started from worker threads: no parent-death signal
    # there, their own watch on the parent has to notice
    sandboxes, children = _kill_when_serving(
        bulkbench_command("contract", "--provider", "sociocs", "--out",
                          str(tmp_path / "contract")), tmp_path / "output.log", 2)
    assert len(sandboxes) == 2
    wait_for(lambda: not any(alive(pid) for pid in children), 30,
              "the command's child processes to end")
    wait_for(lambda: not any(data.exists() for data in sandboxes.values()), 30,
              "the sandboxes' folders to be removed")
