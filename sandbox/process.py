"""Start the sandbox as a real subprocess and wait until it is serving.

Used by the sandbox's own tests, the contract suite, the load tests and the benchmark::

    with start_sandbox(tmp_path, rate_limit="5/1", faults=["request_id_missing"]) as sb:
        base = sb.info["base_urls"]["leadlex"]
        key = sb.key("leadlex")              # the full-access key
        ...
        sb.kill()                             # SIGKILL, as a crash would
        sb.restart()                          # same data folder, same port

The child is ``python -m bulkbench.sandbox`` on a free loopback port; ``sandbox.json`` (the
server's announcement, with this child's pid) is what tells us it accepts connections.
It dies with this process (``bulkbench.core.child_processes``), even one killed outright; with
``remove_data_on_exit`` (a temporary data folder: ``sandbox.json`` holds keys) it removes
its data folder when it stops or finds itself orphaned, so no key outlives the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from bulkbench.core.child_processes import child_env, parent_death_signal
from bulkbench.sandbox.errors import SandboxError
from bulkbench.sandbox.server import INFO_FILENAME
from bulkbench.sandbox.settings import WEBHOOK_SECRET_ENV

__all__ = ["SandboxProcess", "start_sandbox"]


class SandboxProcess:
    """A sandbox server running as a child process; a context manager that stops it."""

    def __init__(self, data_dir: Path, args: Sequence[str], *, timeout: float = 30.0,
                 log_path: Path | None = None, env: Mapping[str, str] | None = None,
                 remove_data_on_exit: bool = False) -> None:
        # absolute: the child runs in the repository, not in the caller's folder
        self.data_dir = Path(data_dir).absolute()
        self.args = list(args)
        #: the child removes ``data_dir`` when it stops or its parent dies (a temp folder).
        self.remove_data_on_exit = remove_data_on_exit
        #: extra environment of the child (secrets go there, never on its command line).
        self.env = dict(env or {})
        self.timeout = timeout
        self.log_path = Path(log_path).absolute() if log_path else self.data_dir / "sandbox.log"
        self.popen: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.returncode: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int | None = None) -> SandboxProcess:
        """Start the child (on ``port`` when given) and wait for its ``sandbox.json``."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        info_path = self.data_dir / INFO_FILENAME
        info_path.unlink(missing_ok=True)
        args = [a for a in self.args]
        if port is not None:
            args += ["--port", str(port)]
        if self.remove_data_on_exit:
            args.append("--remove-data-on-exit")
        env = {**os.environ, **self.env, **child_env()}
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        try:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bulkbench.sandbox", "--data", str(self.data_dir), *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(self.data_dir),
                preexec_fn=parent_death_signal())
        finally:
            log.close()
        self.returncode = None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            code = self.popen.poll()
            if code is not None:
                self.returncode = code
                raise SandboxError(f"the sandbox exited with {code} before serving: "
                                   f"{self._log_tail()}")
            if info_path.exists():
                info = orjson.loads(info_path.read_bytes())
                if info.get("pid") == self.popen.pid:
                    self.info = info
                    return self
            time.sleep(0.02)
        self.kill()
        raise SandboxError(f"the sandbox did not serve within {self.timeout:g} s: "
                           f"{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError("the sandbox was not started")
        return self.popen.pid

    @property
    def port(self) -> int:
        origin = str(self.info["origin"])
        return int(origin.rsplit(":", 1)[1])

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait for a clean exit; returns the exit code (SIGKILL if it hangs)."""
        if self.popen is None:
            return 0
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.returncode = self.popen.returncode
        return self.returncode

    def kill(self) -> int:
        """SIGKILL, as a crash would; returns the exit code."""
        if self.popen is None:
            return 0
        if self.popen.poll() is None:
            self.popen.kill()
        self.returncode = self.popen.wait()
        return self.returncode

    def restart(self, *, same_port: bool = True) -> SandboxProcess:
        """Stop if running (gracefully), then start again on the same data folder."""
        port = self.port if same_port and self.info else None
        if self.alive():
            self.stop()
        return self.start(port)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ sandbox.json

    def base_url(self, provider: str) -> str:
        return str(self.info["base_urls"][provider])

    def key(self, provider: str, role: str = "full") -> str:
        """The key of ``role`` (``full``, ``read_only``, ``other_workspace``)."""
        for k in self.info["providers"][provider]["keys"]:
            if k["role"] == role:
                return str(k["key"])
        raise KeyError(f"no {role} key for {provider}")

    def lists(self, provider: str, workspace: str = "main") -> list[str]:
        return [str(lst["id"]) for lst in self.info["providers"][provider]["lists"]
                if lst["workspace"] == workspace]

    @property
    def admin_url(self) -> str:
        return str(self.info["admin_url"])

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.info['admin_key']}"}


def start_sandbox(data_dir: Path | str, *, rate_limit: str | None = None,
                  faults: Iterable[str] = (), latency_ms: float = 0, seed: int | None = None,
                  host: str = "127.0.0.1", port: int = 0, webhook_url: str | None = None,
                  options: Mapping[str, object] | None = None, extra_args: Sequence[str] = (),
                  timeout: float = 30.0, webhook_secret: str | None = None,
                  webhook_max_attempts: int | None = None,
                  remove_data_on_exit: bool = False, variant: str | None = None,
                  assumptions: Path | str | Sequence[Path | str] = ()) -> SandboxProcess:
    """Start a sandbox subprocess on ``data_dir`` and return it once it serves.

    ``remove_data_on_exit``: ``data_dir`` is a temporary folder the child removes when it
    stops or its parent dies (then ``restart`` starts from an empty folder).

    ``variant`` serves a shipped variant's readings of the documentation's open points
    (``sandbox/variants/NAME.toml``, e.g. ``alt``); ``assumptions`` is a provider-config
    TOML file (or several) whose ``[provider.assumptions]`` are served on top of it
    (``sandbox/assumed.py``); ``info["providers"][P]["assumptions"]`` says what is served.

    ``options`` are provider-specific settings (``--option KEY=VALUE``). The webhook
    secret reaches the child through its environment (``WEBHOOK_SECRET_ENV``), not its
    command line; without one the sandbox generates one (``info["webhook"]["secret"]``).
    """
    args = ["--host", host, "--log-level", "warning"]
    if rate_limit:
        args += ["--rate-limit", rate_limit]
    for fault in faults:
        args += ["--fault", fault]
    if latency_ms:
        args += ["--latency", str(latency_ms)]
    if seed is not None:
        args += ["--seed", str(seed)]
    if webhook_url:
        args += ["--webhook-url", webhook_url]
    if webhook_max_attempts is not None:
        args += ["--webhook-max-attempts", str(webhook_max_attempts)]
    for name, value in (options or {}).items():
        args += ["--option", f"{name}={value}"]
    if variant:
        args += ["--variant", variant]
    files = [assumptions] if isinstance(assumptions, str | Path) else list(assumptions)
    for path in files:  # absolute: the child runs in the repository, not in our folder
        args += ["--assumptions", str(Path(path).absolute())]
    args += list(extra_args)
    env = {WEBHOOK_SECRET_ENV: webhook_secret} if webhook_secret else {}
    proc = SandboxProcess(Path(data_dir), args, timeout=timeout, env=env,
                          remove_data_on_exit=remove_data_on_exit)
    return proc.start(port or None)
