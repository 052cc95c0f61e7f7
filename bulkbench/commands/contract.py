"""`bulkbench contract`: run the contract suite against the sandbox or a real provider.

Without ``--base-url`` (and no base URL in ``--config``) the sandbox is started for the
run; otherwise the suite runs against the given provider with the key from ``--api-key``
or the environment variable the config names. The suite runs as a pytest subprocess
(``contract/``) and writes ``results.json`` and ``junit.xml`` into ``--out``; this command
prints a summary and decides the exit code: 0 conformant, 1 a check failed (or the suite
could not finish, or the target did not answer the preflight: nothing is judged then),
2 a usage or configuration error (an unknown ``--check`` included; ``--list-checks``
prints the known ones). Paths given relative are taken from the caller's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from bulkbench.commands.help_values import ValuesInHelp, completer
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.core.errors import UsageError
from bulkbench.core.providers import provider_names
from bulkbench.core.run_layout import RunLayout
from bulkbench.orchestration.display import make_console

__all__ = ["register", "render_summary"]


def _default_out() -> Path:
    return RunLayout.default().contract_dir


def render_summary(results: dict[str, Any], console: Console) -> None:
    """The per-endpoint counts, the checks that did not pass grouped by cause (each with
    the command replaying it), and the verdict of a ``results.json``
    (``bulkbench.commands.contract_summary``)."""
    from bulkbench.commands.contract_summary import print_contract_summary

    print_contract_summary(results, console)


def _print_checks(checks: dict[str, str]) -> None:
    width = max(len(name) for name in checks)
    for name, summary in checks.items():
        typer.echo(f"{name:<{width}}  {summary}")


def _pytest_error(output: str) -> str | None:
    for line in output.splitlines():
        if line.startswith("ERROR: ") or line.startswith("error: "):
            return line.split(": ", 1)[1].strip()
    return None


_EPILOG = """\b
Examples:
  bulkbench contract                                  # every provider, against the sandbox
  bulkbench contract -p leadlex --check bulk_create_echo -o runs/today/contract
  bulkbench contract -p sociocs --base-url https://api.sociocs.example --config my.toml
  bulkbench contract --sandbox-variant alt --config sandbox/variants/alt.toml

Checks (--check NAME; --list-checks says what each holds the provider to): {checks}.

Sandbox variants (--sandbox-variant NAME): {variants}.
"""


def register(app: typer.Typer) -> None:
    @app.command("contract", cls=ValuesInHelp, epilog=_EPILOG)
    def contract(
        provider: Annotated[str, typer.Option(
            "--provider", "-p", metavar="PROVIDER", autocompletion=completer("providers", "all"),
            help="all, or one provider of the catalog: {providers}.")] = "all",
        base_url: Annotated[str | None, typer.Option(
            "--base-url", metavar="URL",
            help="The provider's base URL (default: start the sandbox).")] = None,
        api_key: Annotated[str | None, typer.Option(
            "--api-key", metavar="KEY", help="The provider's key (default: from the "
                                             "environment variable the config names).")] = None,
        config: Annotated[Path | None, typer.Option(
            "--config", metavar="FILE", help="The provider config (TOML).")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", metavar="DIR", help="Where results.json and junit.xml go (default: "
                                               "reports/runs/<UTC time>/contract).")] = None,
        seed: Annotated[int, typer.Option(
            "--seed", "-s", metavar="N", help="Seed of every generated request.")] = 0,
        max_examples: Annotated[int, typer.Option(
            "--max-examples", metavar="N",
            help="Schemathesis examples per endpoint and mode.")] = 20,
        timeout: Annotated[float | None, typer.Option(
            "--timeout", metavar="S", help="Seconds each request may take.")] = None,
        job_timeout: Annotated[float | None, typer.Option(
            "--job-timeout", metavar="S",
            help="Seconds to wait for a queued import and its webhook.")] = None,
        check: Annotated[list[str] | None, typer.Option(
            "--check", metavar="NAME", autocompletion=completer("checks"),
            help="Run only this check (repeatable; the checks are listed below).")] = None,
        list_checks: Annotated[bool, typer.Option(
            "--list-checks", help="List the checks, one line each, and exit.")] = False,
        webhook_listen: Annotated[str | None, typer.Option(
            "--webhook-listen", metavar="HOST:PORT",
            help="Real provider: where the harness receives import.completed (the URL "
                 "registered with the provider must reach it).")] = None,
        probe_rate_limit: Annotated[bool, typer.Option(
            "--probe-rate-limit",
            help="Real provider: exhaust its rate limit once to check the 429.")] = False,
        strict: Annotated[bool, typer.Option(
            "--strict", help="Fail on assumption mismatches too (the provider deciding an "
                             "open point of the docs otherwise than the spec assumed and "
                             "the config says).")] = False,
        sandbox_variant: Annotated[str | None, typer.Option(
            "--sandbox-variant", metavar="NAME", autocompletion=completer("variants"),
            help="Test a sandbox that reads the docs' open points otherwise (alt): "
                 "with the default config, each difference is an assumption mismatch; "
                 "with --config sandbox/variants/NAME.toml, none is.")] = None,
        sandbox_fault: Annotated[list[str] | None, typer.Option(
            "--sandbox-fault", hidden=True,
            help="Switch a sandbox fault on (for demos and bench/detection.py).")] = None,
        spec: SpecOption = None,
    ) -> int:
        """Run the contract suite: does the provider do what its documentation promises?"""
        from bulkbench.contract.plan import known_checks, unknown_checks
        from bulkbench.contract.results import read_results
        from bulkbench.contract.suite_process import SuiteCrashed, run_suite

        if list_checks:
            _print_checks(known_checks())
            return 0
        use_spec_options(spec, config)
        known = provider_names()
        if provider not in (*known, "all"):
            raise UsageError(f"--provider {provider!r}: expected one of "
                             f"{', '.join(known)} or all")
        if max_examples < 1:
            raise UsageError("--max-examples must be at least 1")
        if timeout is not None and timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        if config is not None and not config.is_file():
            raise UsageError(f"--config {config}: no such file")
        unknown = unknown_checks(check or [])
        if unknown:
            raise UsageError(f"--check {', '.join(unknown)}: no such check (known: "
                             f"{', '.join(known_checks())}; see --list-checks)")
        if sandbox_fault:
            from bulkbench.sandbox import faults
            from bulkbench.sandbox.providers import load_plugins

            load_plugins()
            faults.check_names(sandbox_fault)
        providers = list(known) if provider == "all" else [provider]
        # the suite runs in the repository: relative paths are the caller's, made absolute
        out_dir = (out or _default_out()).absolute()
        config = config.absolute() if config is not None else None
        console = make_console(highlight=False)
        extra: list[str] = []
        if webhook_listen is not None:
            extra += ["--webhook-listen", webhook_listen]
        if probe_rate_limit:
            extra.append("--probe-rate-limit")
        if strict:
            extra.append("--strict-assumptions")
        run = run_suite(providers, out_dir, base_url=base_url, api_key=api_key, config=config,
                        seed=seed, max_examples=max_examples, timeout=timeout,
                        job_timeout=job_timeout, faults=sandbox_fault or (),
                        checks=check or (), extra_args=extra, variant=sandbox_variant)
        if run.pytest_exit == 4:
            raise UsageError(_pytest_error(run.output) or "the suite refused its options")
        if run.pytest_exit == 5:
            raise UsageError("no check matched (see --check)")
        if run.results is None or run.pytest_exit not in (0, 1):
            last = _pytest_error(run.output) or (run.output.strip().splitlines() or ["?"])[-1]
            raise SuiteCrashed(f"the contract suite did not finish (pytest exit "
                               f"{run.pytest_exit}): {last}")
        results = read_results(run.results_path)
        target = "the sandbox" if run.sandbox else (base_url or "the configured provider")
        console.print(f"contract suite against {target} ({', '.join(providers)}), seed {seed}"
                      f", {run.seconds:.1f} s", markup=False)
        render_summary(results, console)
        console.print(f"results: {run.results_path}", markup=False)
        console.print(f"junit:   {run.junit_path}", markup=False)
        failed = int(results.get("summary", {}).get("failed", 0))
        return 1 if failed or run.pytest_exit != 0 else 0
