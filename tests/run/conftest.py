"""Helpers of the ``bulkbench run`` tests: the real command as a subprocess, the keys a
sandbox of a given seed has, and the processes a run started."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from bulkbench.sandbox.process import start_sandbox

REPO = Path(__file__).resolve().parents[2]
#: shapes of keys that must never appear unredacted (a redacted key has "…" in it).
KEY_SHAPES = re.compile(rb"wbk_[A-Za-z0-9]{12,}|sbx_admin_[0-9a-f]{12,}|whsec_[0-9a-f]{12,}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: runs `bulkbench run` end to end against the sandbox (CI runs it)")


def bulkbench_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("bulkbench")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from bulkbench.cli import main; main()", *args]


def run_bulkbench(*args: str, timeout: float, env: dict[str, str] | None = None,
                  cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(bulkbench_command(*args), capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=str(cwd),
                          check=False)


def sandbox_secrets(tmp: Path, seed: int = 0) -> list[str]:
    """Every key, the admin key and the webhook secret of a sandbox started with ``seed``
    (the same seed gives the same secrets: the ones a run with that seed used)."""
    with start_sandbox(tmp, seed=seed) as sandbox:
        info = sandbox.info
    found = [info["admin_key"], info["webhook"]["secret"]]
    for entry in info["providers"].values():
        found += [k["key"] for k in entry["keys"]]
    return found


def files_holding(folder: Path, secrets: Iterable[str]) -> list[str]:
    """``file: what`` for every file below ``folder`` holding a secret or a key's shape."""
    wanted = [s.encode() for s in secrets]
    hits = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits += [f"{path.relative_to(folder)}: {s.decode()[:8]}…" for s in wanted if s in data]
        hits += [f"{path.relative_to(folder)}: {m.group().decode()[:12]}…"
                 for m in KEY_SHAPES.finditer(data)]
    return hits


def descendants(pid: int) -> set[int]:
    """The process ids below ``pid`` (children, grandchildren, …), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``predicate()`` holds; AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
