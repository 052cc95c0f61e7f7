"""`bulkbench serve`: start the sandbox, the reference provider for every endpoint of the specs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bulkbench.commands.help_values import ValuesInHelp, completer
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.core.config import redact


def _print_faults() -> None:
    from bulkbench.sandbox.faults import FAULTS

    width = max(len(name) for name in FAULTS)
    for fault in FAULTS.values():
        where = fault.endpoint_key or "any endpoint"
        typer.echo(f"{fault.name:<{width}}  [{where}] {fault.description}")


def _announce(path: Path, info: dict[str, Any]) -> None:
    typer.echo(f"sandbox serving (pid {info['pid']}); data in {info['data_dir']}")
    for name, url in info["base_urls"].items():
        keys = ", ".join(f"{k['role']} {redact(k['key'])}"
                         for k in info["providers"][name]["keys"])
        served = ", ".join(info["providers"][name]["endpoints"]) or "no endpoint served yet"
        typer.echo(f"  {name:<10} {url}  ({served}; keys: {keys})")
    typer.echo(f"  inspection {info['admin_url']}  (admin key {redact(info['admin_key'])})")
    webhook = info.get("webhook") or {}
    if webhook.get("url"):
        attempts = webhook.get("max_attempts")
        typer.echo(f"  webhook    {webhook['url']}  (secret {redact(webhook.get('secret'))}"
                   + (f", at most {attempts} attempts)" if attempts else ")"))
    if info["faults"]:
        typer.echo(f"  faults on: {', '.join(info['faults'])}")
    if info.get("assumption_files"):
        label = f"variant {info['variant']}: " if info.get("variant") else ""
        typer.echo(f"  assumptions: {label}{', '.join(info['assumption_files'])}")
    typer.echo(f"keys and lists: {path}")
    typer.echo("stop with Ctrl-C")


_EPILOG = """\b
Examples:
  bulkbench serve --port 8080 --seed 1          # same seed, same keys and list ids
  bulkbench serve --fault leadlex_bulk_created_off_by_one --rate-limit 120/60
  bulkbench serve --variant alt                 # the other reading of the docs' open points
  bulkbench serve --list-faults

Faults (--fault NAME; --list-faults says what each does): {faults}.

Variants (--variant NAME): {variants}.
"""


def register(app: typer.Typer) -> None:
    @app.command("serve", cls=ValuesInHelp, epilog=_EPILOG)
    def serve(
        host: Annotated[str, typer.Option(
            "--host", metavar="HOST", help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(
            "--port", metavar="PORT", help="Port (0: a free port).")] = 0,
        data: Annotated[Path | None, typer.Option(
            "--data", metavar="DIR",
            help="Data folder (SQLite, sandbox.json); default: a fresh temporary folder.")] = None,
        rate_limit: Annotated[str | None, typer.Option(
            "--rate-limit", metavar="N/SECONDS",
            help="Per-key fixed window, e.g. 120/60 (default: off).")] = None,
        latency: Annotated[float, typer.Option(
            "--latency", metavar="MS",
            help="Fixed delay added to every request, in milliseconds.")] = 0.0,
        seed: Annotated[int | None, typer.Option(
            "--seed", "-s", metavar="N",
            help="Seed for the generated keys and list ids (same seed, same keys).")] = None,
        fault: Annotated[list[str] | None, typer.Option(
            "--fault", metavar="NAME", autocompletion=completer("faults"),
            help="Switch on a provider defect (repeatable; the faults are listed below).")
        ] = None,
        list_faults: Annotated[bool, typer.Option(
            "--list-faults", help="List the faults, one line each, and exit.")] = False,
        webhook_url: Annotated[str | None, typer.Option(
            "--webhook-url", metavar="URL",
            help="Where the LeadLex import.completed webhook is sent.")] = None,
        webhook_secret: Annotated[str | None, typer.Option(
            # envvar: sandbox.settings.WEBHOOK_SECRET_ENV (not imported here: startup time)
            "--webhook-secret", metavar="SECRET", envvar="BULKBENCH_SANDBOX_WEBHOOK_SECRET",
            show_default=False,
            help="HMAC secret of the webhook signature (default: a generated one, kept in "
                 "the data folder and written to sandbox.json).")] = None,
        webhook_max_attempts: Annotated[int, typer.Option(
            "--webhook-max-attempts", metavar="N",
            help="POSTs of one webhook delivery before it is given up (1: no retry).")] = 5,
        option: Annotated[list[str] | None, typer.Option(
            "--option", metavar="KEY=VALUE",
            help="A provider-specific setting, e.g. total_quota=100 (repeatable).")] = None,
        log_level: Annotated[str, typer.Option(
            "--log-level", metavar="LEVEL", help="debug, info, warning or error.",
            autocompletion=lambda: ["debug", "info", "warning", "error"])] = "warning",
        variant: Annotated[str | None, typer.Option(
            "--variant", metavar="NAME", autocompletion=completer("variants"),
            help="Serve a shipped variant's readings of what the documentation leaves open "
                 "(sandbox/variants/NAME.toml; `alt` takes the other reasonable reading "
                 "everywhere).")] = None,
        assumptions: Annotated[list[Path] | None, typer.Option(
            "--assumptions", metavar="FILE",
            help="A provider-config TOML whose [provider.assumptions] tables the sandbox "
                 "serves (repeatable; wins over --variant, key by key).")] = None,
        header_timeout: Annotated[float, typer.Option(
            "--header-timeout", metavar="SECONDS",
            help="Seconds a connection may take to send a request's headers (then 408 "
                 "and closed).")] = 10.0,
        body_timeout: Annotated[float, typer.Option(
            "--body-timeout", metavar="SECONDS",
            help="Seconds from a request's headers to its body's last byte (then "
                 "closed).")] = 60.0,
        max_connections: Annotated[int, typer.Option(
            "--max-connections", metavar="N",
            help="Open connections, WebSockets included; one more is answered 503 and "
                 "closed.")] = 1000,
        spec: SpecOption = None,
    ) -> int:
        """Start the sandbox: a faithful reference provider for every endpoint of the specs."""
        use_spec_options(spec)
        from bulkbench.sandbox import faults
        from bulkbench.sandbox.assumed import resolve
        from bulkbench.sandbox.errors import SandboxError
        from bulkbench.sandbox.providers import load_plugins
        from bulkbench.sandbox.server import run
        from bulkbench.sandbox.settings import SandboxSettings, parse_options, parse_rate_limit

        load_plugins()
        if list_faults:
            _print_faults()
            return 0
        if log_level.lower() not in ("critical", "error", "warning", "info", "debug", "trace"):
            raise SandboxError(f"--log-level {log_level!r}: expected debug, info, warning or "
                               "error")
        values, files = resolve(variant, assumptions or ())
        settings = SandboxSettings(
            host=host, port=port, data_dir=data, rate_limit=parse_rate_limit(rate_limit),
            latency_ms=latency, seed=seed, faults=faults.check_names(fault or ()),
            webhook_url=webhook_url, webhook_secret=webhook_secret or None,
            webhook_max_attempts=webhook_max_attempts, log_level=log_level.lower(),
            header_timeout_seconds=header_timeout, body_timeout_seconds=body_timeout,
            max_connections=max_connections, extra=parse_options(option or ()),
            assumptions=values, variant=variant, assumption_files=files)
        return run(settings, on_ready=_announce)
