"""``python -m bulkbench.sandbox``: the sandbox server without the rest of the CLI (used by
``bulkbench.sandbox.process`` to start it quickly as a subprocess). Same options as
``bulkbench serve`` (``--variant NAME``, ``--assumptions FILE``, the connection guard's
``--header-timeout``, ``--body-timeout``, ``--max-connections`` among them), plus
``--remove-data-on-exit``.

Started by ``bulkbench.sandbox.process`` it stops (SIGTERM to itself) once its parent is gone, even
one killed outright (``bulkbench.core.child_processes.watch_parent``). With
``--remove-data-on-exit`` the data folder (a temporary one: ``sandbox.json`` holds keys)
is removed when the server has stopped, or, should a stop not end it, just before the
orphaned process exits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from bulkbench.core.child_processes import parent_gone, watch_parent
from bulkbench.sandbox.errors import SandboxError
from bulkbench.sandbox.settings import WEBHOOK_SECRET_ENV

__all__ = ["main"]

#: seconds an orphaned sandbox has to stop by itself before it removes its data and exits.
ORPHAN_GRACE_SECONDS = 10.0


def _remove(data: Path | None) -> None:
    if data is not None:
        shutil.rmtree(data, ignore_errors=True)


def _stop_when_orphaned(data: Path | None, orphaned: threading.Event) -> None:
    """Once the parent is gone: SIGTERM to ourselves (the server stops cleanly, see
    ``main``); past the grace period, remove the data and exit regardless."""

    def on_orphan() -> None:
        orphaned.set()
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(ORPHAN_GRACE_SECONDS)
        _remove(data)
        os._exit(1)

    watch_parent(on_orphan)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # before the server takes the signals over


def main(argv: Sequence[str] | None = None) -> int:
    from bulkbench.sandbox import faults
    from bulkbench.sandbox.assumed import resolve
    from bulkbench.sandbox.providers import load_plugins
    from bulkbench.sandbox.server import run
    from bulkbench.sandbox.settings import SandboxSettings, parse_options, parse_rate_limit

    parser = argparse.ArgumentParser(prog="python -m bulkbench.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--rate-limit", default=None)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default=None,
                        help=f"HMAC secret of the webhook signature (default: ${WEBHOOK_SECRET_ENV}"
                             ", else a generated one, in sandbox.json)")
    parser.add_argument("--webhook-max-attempts", type=int, default=5)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--option", action="append", default=[])
    parser.add_argument("--variant", default=None,
                        help="Serve a shipped variant's readings of the open points "
                             "(sandbox/variants/NAME.toml, e.g. alt).")
    parser.add_argument("--assumptions", action="append", default=[], type=Path,
                        help="A provider-config TOML whose [provider.assumptions] the sandbox "
                             "serves (repeatable; wins over --variant, key by key).")
    parser.add_argument("--header-timeout", type=float,
                        default=SandboxSettings.header_timeout_seconds,
                        help="Seconds a connection may take to send a request's headers.")
    parser.add_argument("--body-timeout", type=float,
                        default=SandboxSettings.body_timeout_seconds,
                        help="Seconds from a request's headers to its body's last byte.")
    parser.add_argument("--max-connections", type=int,
                        default=SandboxSettings.max_connections,
                        help="Open connections; one more is answered 503 and closed.")
    parser.add_argument("--remove-data-on-exit", action="store_true",
                        help="Remove --data when stopped or orphaned (a temporary folder).")
    args = parser.parse_args(argv)
    remove = args.data if args.remove_data_on_exit else None
    orphaned = threading.Event()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _stop_when_orphaned(remove, orphaned)
    code = 1
    try:
        load_plugins()
        assumptions, files = resolve(args.variant, args.assumptions)
        settings = SandboxSettings(
            host=args.host, port=args.port, data_dir=args.data,
            rate_limit=parse_rate_limit(args.rate_limit), latency_ms=args.latency,
            seed=args.seed, faults=faults.check_names(args.fault),
            webhook_url=args.webhook_url,
            webhook_secret=args.webhook_secret or os.environ.get(WEBHOOK_SECRET_ENV) or None,
            webhook_max_attempts=args.webhook_max_attempts, log_level=args.log_level,
            header_timeout_seconds=args.header_timeout,
            body_timeout_seconds=args.body_timeout, max_connections=args.max_connections,
            extra=parse_options(args.option), assumptions=assumptions, variant=args.variant,
            assumption_files=files)
        code = run(settings)
        return code
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        # a failed start keeps its folder (and log) for the parent's error message
        if code == 0 or orphaned.is_set() or parent_gone():
            _remove(remove)


if __name__ == "__main__":
    sys.exit(main())
