"""Run the locustfile as its own processes: one headless locust, or a master and workers.

``bulkbench load`` never imports locust (it monkey-patches the standard library with
gevent); it starts ``python -m locust -f loadtests/locustfile.py --headless ...`` and,
with workers, one ``--master --expect-workers N`` bound to loopback plus N ``--worker``
processes. The master's output goes to ``locust.log`` in the run folder; its progress
lines (``PROGRESS_PREFIX``) are handed to a callback for the live line; each worker logs
to ``worker-<n>.log``. The whole run is bounded: past the duration plus a grace period,
the processes are terminated, and they die with this process (SIGTERM on its death, see
``bulkbench.core.child_processes``). No locust, no gevent here (subprocess and threads only).
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

from bulkbench.core.child_processes import parent_death_signal
from bulkbench.core.run_layout import worker_log
from bulkbench.loadtests.load_settings import PROGRESS_PREFIX

__all__ = ["LOCUSTFILE", "LocustRun", "free_port", "run_locust"]

LOCUSTFILE = Path(__file__).parent / "locustfile.py"
#: seconds a run may take beyond its duration and stop timeout before it is terminated.
GRACE_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocustRun:
    """One headless locust run (``workers`` 0: a single local process)."""

    host: str
    out_dir: Path
    users: int
    duration_s: float
    bb_args: Sequence[str]
    env: dict[str, str]
    workers: int = 0
    spawn_rate: float = 0.0
    stop_timeout_s: float = 10.0
    locustfile: Path = LOCUSTFILE
    extra_args: Sequence[str] = field(default_factory=tuple)

    def base_command(self) -> list[str]:
        return [sys.executable, "-m", "locust", "-f", str(self.locustfile),
                "--loglevel", "INFO"]

    def master_command(self, port: int | None) -> list[str]:
        out = self.out_dir.absolute()  # locust runs in the repository, not the caller's folder
        cmd = [*self.base_command(), "--headless", "--host", self.host,
               "-u", str(self.users), "-r", f"{self.spawn_rate or self.users:g}",
               "-t", f"{max(1, math.ceil(self.duration_s))}s",
               "--stop-timeout", f"{self.stop_timeout_s:g}", "--only-summary",
               "--csv", str(out / "locust"), "--html", str(out / "locust.html"),
               "--json-file", str(out / "locust")]
        if port is not None:
            cmd += ["--master", "--master-bind-host", "127.0.0.1",
                    "--master-bind-port", str(port), "--expect-workers", str(self.workers),
                    "--expect-workers-max-wait", "60"]
        return [*cmd, *self.bb_args, *self.extra_args]

    def worker_command(self, port: int) -> list[str]:
        return [*self.base_command(), "--worker", "--master-host", "127.0.0.1",
                "--master-port", str(port), *self.bb_args]

    def process_env(self) -> dict[str, str]:
        return {**self.env, "PYTHONUNBUFFERED": "1"}


def _relay(stream: IO[str], log_path: Path, on_progress: Callable[[str], None]) -> None:
    with log_path.open("a", encoding="utf-8", errors="replace") as log:
        for line in stream:
            log.write(line)
            log.flush()
            if line.startswith(PROGRESS_PREFIX):
                on_progress(line[len(PROGRESS_PREFIX):].rstrip("\n"))


def _stop(processes: Sequence[subprocess.Popen[str]], timeout: float = 10.0) -> None:
    for proc in processes:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                proc.terminate()
    end = time.monotonic() + timeout
    for proc in processes:
        try:
            proc.wait(max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_locust(run: LocustRun, on_progress: Callable[[str], None]) -> int:
    """Run locust to the end (bounded); returns the exit code of the master/local process."""
    run.out_dir = run.out_dir.absolute()
    run.out_dir.mkdir(parents=True, exist_ok=True)
    env = run.process_env()
    port = free_port() if run.workers else None
    processes: list[subprocess.Popen[str]] = []
    logs: list[TextIO] = []
    try:
        master = subprocess.Popen(
            run.master_command(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, env=env, cwd=str(run.out_dir),
            preexec_fn=parent_death_signal())
        processes.append(master)
        for n in range(run.workers):
            assert port is not None
            log = (run.out_dir / worker_log(n)).open("w", encoding="utf-8")
            logs.append(log)
            processes.append(subprocess.Popen(
                run.worker_command(port), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, text=True, env=env, cwd=str(run.out_dir),
                preexec_fn=parent_death_signal()))
        relay = threading.Thread(target=_relay, daemon=True,
                                 args=(master.stdout, run.out_dir / "locust.log", on_progress))
        relay.start()
        deadline = run.duration_s + run.stop_timeout_s + GRACE_SECONDS + 30.0 * bool(run.workers)
        try:
            code = master.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            _stop(processes)
            code = master.wait()
        relay.join(timeout=10)
        for worker in processes[1:]:
            try:
                worker.wait(timeout=run.stop_timeout_s + 15)
            except subprocess.TimeoutExpired:
                _stop([worker])
        return int(code)
    finally:
        _stop(processes)
        for handle in logs:
            handle.close()
        for proc in processes:
            if proc.stdout is not None:
                proc.stdout.close()
