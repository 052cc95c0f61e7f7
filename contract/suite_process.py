"""Running the contract suite as a pytest subprocess, against the sandbox or a real target.

:func:`run_suite` is what ``bulkbench contract`` and the benches call. Without a base URL
(from the options or the config) it starts two sandboxes in a temporary folder (never in
the output folder: ``sandbox.json`` holds keys): the main one with a rate limit high
enough never to be reached (so the rate-limit headers are sent) and its webhook URL
pointed at the receiver the suite runs, and a second one with a small limit for the 429
check. Keys reach the suite through environment variables or ``sandbox.json``, never its
command line. A real target gets a preflight first (``bulkbench.core.preflight``): one that does
not answer raises ``TargetUnreachable`` before the suite starts. The suite writes
``results.json`` and ``junit.xml`` into the output folder, which is scrubbed of every key
afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkbench.contract.redaction import register_secrets, scrub, scrub_file
from bulkbench.contract.results import read_results
from bulkbench.contract.target import SuiteOptions, build_targets
from bulkbench.core.catalog import default_catalog
from bulkbench.core.child_processes import parent_death_signal
from bulkbench.core.config import load_config
from bulkbench.core.errors import BulkbenchError, UsageError
from bulkbench.core.preflight import preflight_providers
from bulkbench.core.providers import provider_names
from bulkbench.core.run_layout import JUNIT, RESULTS

__all__ = ["MAIN_RATE_LIMIT", "THROTTLED_RATE_LIMIT", "SuiteCrashed", "SuiteRun", "run_suite"]

#: the suite's folder as the package holds it (not resolved: it is collected as
#: ``bulkbench.contract``, whatever links lead there).
SUITE_DIR = Path(__file__).parent
#: the main sandbox's limit: on (so the headers are sent), never reached by the suite.
MAIN_RATE_LIMIT = "1000000/60"
#: the second sandbox's limit, reached by the 429 check.
THROTTLED_RATE_LIMIT = "20/60"
#: the longest a whole suite run may take before it is stopped.
DEFAULT_SUITE_TIMEOUT = 1800.0


class SuiteCrashed(BulkbenchError):
    """The suite itself did not run to its end (not a verdict on the provider)."""

    exit_code = 1


@dataclass
class SuiteRun:
    """One finished suite run."""

    pytest_exit: int
    out_dir: Path
    results_path: Path
    junit_path: Path
    results: dict[str, Any] | None
    output: str
    sandbox: bool
    seconds: float = 0.0
    faults: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in (self.results or {}).get("results", []) if r["status"] == "failed"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _sandbox_secrets(info: Mapping[str, Any]) -> list[str]:
    found = [str(info.get("admin_key", "")), str((info.get("webhook") or {}).get("secret", ""))]
    for entry in info.get("providers", {}).values():
        found += [str(k["key"]) for k in entry.get("keys", ())]
    return found


@contextmanager
def _sandboxes(work: Sequence[Path], faults: Sequence[str], seed: int, webhook_port: int,
               variant: str | None = None) -> Iterator[tuple[Path, Path]]:
    """The main and the rate-limited sandbox, started side by side, stopped at the end;
    each in its own temporary folder of ``work``, which it removes when it stops or this
    process dies."""
    from concurrent.futures import ThreadPoolExecutor

    from bulkbench.sandbox.process import SandboxProcess, start_sandbox

    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        main_future = pool.submit(
            start_sandbox, work[0], rate_limit=MAIN_RATE_LIMIT, faults=faults, seed=seed,
            webhook_url=f"http://127.0.0.1:{webhook_port}/hooks/import-completed",
            remove_data_on_exit=True, variant=variant)
        throttled_future = pool.submit(start_sandbox, work[1],
                                       rate_limit=THROTTLED_RATE_LIMIT, faults=faults,
                                       seed=seed, remove_data_on_exit=True, variant=variant)
        started: list[SandboxProcess] = []
        errors: list[BaseException] = []
        for future in (main_future, throttled_future):
            try:
                started.append(future.result())
            except BaseException as exc:  # stop the one that did start, then re-raise
                errors.append(exc)
        for proc in started:
            stack.callback(proc.stop)
        if errors:
            raise errors[0]
        main, throttled = started
        register_secrets(_sandbox_secrets(main.info) + _sandbox_secrets(throttled.info))
        yield work[0] / "sandbox.json", work[1] / "sandbox.json"


def _scrub_dir(out_dir: Path) -> None:
    for path in out_dir.rglob("*"):
        scrub_file(path)


def run_suite(providers: Sequence[str], out_dir: Path, *, base_url: str | None = None,
              api_key: str | None = None, config: Path | None = None, seed: int = 0,
              max_examples: int = 20, timeout: float | None = None,
              job_timeout: float | None = None, faults: Sequence[str] = (),
              checks: Sequence[str] = (), suite_timeout: float = DEFAULT_SUITE_TIMEOUT,
              extra_args: Sequence[str] = (), variant: str | None = None) -> SuiteRun:
    """Run the suite for ``providers`` and return its outcome (see module docstring).

    Relative paths are the caller's (the suite itself runs in the repository)."""
    out_dir = Path(out_dir).absolute()
    config = Path(config).absolute() if config is not None else None
    known = provider_names()
    for name in providers:
        if name not in known:
            raise UsageError(f"unknown provider {name!r} (known: {', '.join(known)}; a spec "
                             "of your own is added with --spec FILE)")
    if len(set(providers)) not in (1, len(known)):
        raise UsageError("give one provider or all")
    cfg = load_config(config, default_catalog())
    if base_url is not None and len(providers) != 1:
        raise UsageError("--base-url is one provider's URL: give one --provider, or put each "
                         "provider's base_url in --config")
    real = base_url is not None or any(cfg.provider(p).base_url for p in providers)
    if real and faults:
        raise UsageError("faults can only be switched on in the sandbox (no --base-url)")
    if real and variant:
        raise UsageError("a sandbox variant is only for the sandbox (no --base-url)")
    env = dict(os.environ)
    if api_key is not None:
        if len(providers) != 1:
            raise UsageError("--api-key is one provider's key: give one --provider")
        env[cfg.provider(providers[0]).key_env["full"]] = api_key
        register_secrets([api_key])
    if real:  # the keys the suite will read, whatever their length, kept out of its output
        for name in providers:
            pconf = cfg.provider(name)
            register_secrets(pconf.api_key(role, env) for role in pconf.key_env)
            if pconf.webhook_secret_env:
                register_secrets([env.get(pconf.webhook_secret_env)])
    if real:  # what the suite would refuse, refused here in one line
        build_targets(SuiteOptions(
            providers=known if len(set(providers)) == len(known) else tuple(providers),
            base_url=base_url, config=config, seed=seed), default_catalog(), env)
        # a target that does not answer at all: one line, no check judged
        preflight_providers(providers, base_url, config, timeout=timeout)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path, junit_path = out_dir / RESULTS, out_dir / JUNIT
    for stale in (results_path, junit_path):
        stale.unlink(missing_ok=True)
    args = [sys.executable, "-m", "pytest", str(SUITE_DIR), "-c", str(SUITE_DIR / "pytest.ini"),
            "--rootdir", str(SUITE_DIR), "-q", "--tb=short",
            "-p", "no:cacheprovider", "--junitxml", str(junit_path),
            "--results", str(results_path), "--seed", str(seed),
            "--max-examples", str(max_examples)]
    args += ["--provider", providers[0] if len(set(providers)) == 1 else "all"]
    if config is not None:
        args += ["--provider-config", str(config)]
    if base_url is not None:
        args += ["--base-url", base_url]
    if timeout is not None:
        args += ["--request-timeout", str(timeout)]
    if job_timeout is not None:
        args += ["--job-timeout", str(job_timeout)]
    for name in checks:
        args += ["--check", name]
    args += list(extra_args)
    started = time.monotonic()
    work = [Path(tempfile.mkdtemp(prefix=f"bulkbench-contract-{kind}-"))
            for kind in ("main", "throttled")] if not real else []
    # the suite's own working folder: what pytest, hypothesis and schemathesis leave in
    # their current directory goes with it, not into the caller's
    cwd = Path(tempfile.mkdtemp(prefix="bulkbench-contract-cwd-"))
    work.append(cwd)
    try:
        with ExitStack() as stack:
            if not real:
                port = free_port()
                info, throttled = stack.enter_context(
                    _sandboxes(work, faults, seed, port, variant))
                args += ["--sandbox-info", str(info), "--throttled-sandbox-info",
                         str(throttled), "--webhook-listen", f"127.0.0.1:{port}"]
            try:
                done = subprocess.run(args, cwd=str(cwd), env=env, capture_output=True,
                                      text=True, timeout=suite_timeout, check=False,
                                      preexec_fn=parent_death_signal())
            except subprocess.TimeoutExpired as exc:
                raise SuiteCrashed(f"the contract suite did not finish within "
                                   f"{suite_timeout:g} s") from exc
    finally:
        for folder in work:
            shutil.rmtree(folder, ignore_errors=True)
    output = scrub((done.stdout or "") + (done.stderr or ""))
    _scrub_dir(out_dir)
    results = read_results(results_path) if results_path.exists() else None
    return SuiteRun(done.returncode, out_dir, results_path, junit_path, results, output,
                    not real, time.monotonic() - started, tuple(faults))
