"""``python -m sandbox``: the sandbox server without the rest of the CLI (used by
``sandbox.process`` to start it quickly as a subprocess). Same options as
``bulkbench serve``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sandbox.errors import SandboxError
from sandbox.settings import WEBHOOK_SECRET_ENV

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    from sandbox import faults
    from sandbox.providers import load_plugins
    from sandbox.server import run
    from sandbox.settings import SandboxSettings, parse_options, parse_rate_limit

    parser = argparse.ArgumentParser(prog="python -m sandbox")
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
    args = parser.parse_args(argv)
    try:
        load_plugins()
        settings = SandboxSettings(
            host=args.host, port=args.port, data_dir=args.data,
            rate_limit=parse_rate_limit(args.rate_limit), latency_ms=args.latency,
            seed=args.seed, faults=faults.check_names(args.fault),
            webhook_url=args.webhook_url,
            webhook_secret=args.webhook_secret or os.environ.get(WEBHOOK_SECRET_ENV) or None,
            webhook_max_attempts=args.webhook_max_attempts, log_level=args.log_level,
            extra=parse_options(args.option))
        return run(settings)
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
