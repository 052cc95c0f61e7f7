"""`bulkbench load`: run a locust load scenario and check it against an SLA.

A shell around the load stage's runner (``bulkbench.loadtests.load_runner``): it reads
the options, runs the stage (which checks them, starts the sandbox when no base URL is
given, sends the preflight's one request to a remote target and runs locust with a live
progress line), then prints the figures and each SLA threshold against what was measured.
The exit code is the runner's (``LoadOutcome.exit_code``): 1 when the run stopped early
because the target did not answer (``loadtests/transport_failures.py``), when an SLA
threshold fails, or, when the SLA sets no ``max_error_rate`` (or there is no SLA), when
any request failed at the transport level or with a 5xx; else 0 (2 for anything the user
can fix, raised as a ``BulkbenchError``).

Files go to ``<out>/load/<provider>-<scenario>/`` (``bulkbench.core.run_layout``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bulkbench.commands.help_values import ValuesInHelp, completer
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.loadtests.load_runner import (
    LoadRequest,
    LoadRunFailed,
    run_load_stage,
)
from bulkbench.loadtests.load_settings import OPTIONS, LoadError
from bulkbench.loadtests.sla_thresholds import Verdict
from bulkbench.orchestration.display import make_console
from bulkbench.reports.load_views import fmt

__all__ = ["LoadRequest", "LoadRunFailed", "register", "run_load"]


def run_load(req: LoadRequest, console: Console | None = None) -> int:
    """Run one load scenario and print its figures and verdicts; the exit code (0, or 1
    when the SLA or the run fails)."""
    console = console or make_console()
    outcome = run_load_stage(req, console)
    _print_summary(outcome.summary, console)
    if outcome.verdicts:
        _print_verdicts(outcome.verdicts, console)
    for reason in outcome.reasons:
        console.print(f"[red]FAILED[/]: {escape(reason)}")
    console.print(f"run folder: {outcome.out}", markup=False)
    return outcome.exit_code


#: harness counters of work the answers pointed at and the run could not follow.
_FOLLOW_UPS = ("job_answers_unreadable", "job_poll_errors", "jobs_failed", "jobs_timed_out",
               "jobs_not_followed", "websocket_connect_errors", "websocket_endings_missed")


def _print_summary(summary: dict[str, Any], console: Console) -> None:
    totals = summary["totals"]
    table = Table(title=f"{summary['provider']}.{summary['scenario']} "
                        f"({summary['endpoint']['key']}, {summary['model']} model)")
    for column in ("figure", "harness (HdrHistogram)", "locust"):
        table.add_column(column)
    http = summary["latency"].get("http") or {}
    lt = (summary.get("locust") or {}).get("total") or {}
    table.add_row("requests", fmt(totals["requests"]), fmt(lt.get("requests")))
    table.add_row("contacts accepted", fmt(totals["contacts"]), "")
    table.add_row("contacts/s", fmt(summary["contacts_per_second"]), "")
    table.add_row("requests/s", fmt(summary["requests_per_second"]), fmt(lt.get("rps")))
    table.add_row("429 / other errors", f"{totals['rate_limited']:,} / {totals['errors']:,}",
                  fmt(lt.get("failures")))
    for p in ("50", "95", "99", "99_9"):
        table.add_row(f"p{p.replace('_', '.')} ms", fmt(http.get(f"p{p}_ms"), 2),
                      fmt(lt.get(f"p{p}_ms"), 2))
    for metric, stats in summary["latency"].items():
        if metric != "http":
            table.add_row(f"{metric} p50 / p99 ms",
                          f"{fmt(stats.get('p50_ms'), 2)} / {fmt(stats.get('p99_ms'), 2)}", "")
    for label, row in summary.get("by_label", {}).items():
        lat = row.get("latency", {}).get("http", {})
        table.add_row(escape(f"[{label}] contacts/s, p99 ms"),
                      f"{fmt(row.get('contacts_per_second'))}, {fmt(lat.get('p99_ms'), 2)}", "")
    console.print(table)
    probe = summary.get("rate_limit")
    if probe:
        honest = probe.get("honest")
        verdict = "inconclusive" if honest is None else fmt(honest)
        console.print(f"rate limit: advertised {probe['advertised_limit']}, observed "
                      f"{probe['observed_limit']}, honest: {verdict}", markup=False)
        for problem in probe.get("problems", ()):
            console.print(f"  - {problem}", markup=False)
        for mismatch in probe.get("assumption_mismatches") or ():
            console.print(f"  - assumption mismatch ([{summary['provider']}.assumptions] "
                          f"{mismatch['key']}): {mismatch['message']}", markup=False)
    harness = summary.get("harness") or {}
    follow_ups = [f"{name.replace('_', ' ')}: {int(harness[name]):,}" for name in _FOLLOW_UPS
                  if harness.get(name)]
    if follow_ups:
        console.print("follow-up problems: " + ", ".join(follow_ups), markup=False)


def _print_verdicts(verdicts: list[Verdict], console: Console) -> None:
    table = Table(title="SLA")
    for column in ("threshold", "limit", "measured", "verdict"):
        table.add_column(column)
    for v in verdicts:
        verdict = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[dim]not measured[/]"}
        measured = fmt(v.measured, 3) + (f" ({v.detail})" if v.detail else "")
        table.add_row(v.name, fmt(v.threshold, 3), measured, verdict[v.passed])
    console.print(table)


_EPILOG = """\b
Examples:
  bulkbench load -p sociocs --scenario steady --duration 10s
  bulkbench load -p leadlex --scenario sweep --users 4 --option sweep-sizes=1,50,500
  bulkbench load -p datananas --scenario websocket --rate 20 --duration 30s -o runs/ws
  bulkbench load -p leadlex --scenario rate_limit --sandbox-rate-limit 20/2

Scenarios: {scenarios}.

Locustfile options (--option NAME=VALUE, see loadtests/README.md): {load_options}.

Sandbox faults (--sandbox-fault NAME; `bulkbench serve --list-faults` says what each does):
{faults}.
"""


def _out_not_an_option(out: Path | None) -> None:
    """``-o`` is ``--out`` (it passed a locustfile option before): ``-o sweep-sizes=1,50``
    is refused rather than taken for a folder's name."""
    if out is None:
        return
    name, sep, _ = str(out).partition("=")
    if sep and name.removeprefix("bb-") in {spec.name for spec in OPTIONS}:
        raise LoadError(f"-o {out}: -o is --out, the run folder; pass a locustfile option "
                        f"with --option {out}")


def register(app: typer.Typer) -> None:
    @app.command("load", cls=ValuesInHelp, epilog=_EPILOG)
    def load(
        provider: Annotated[str, typer.Option(
            "--provider", "-p", metavar="PROVIDER", autocompletion=completer("providers"),
            help="A provider of the catalog: {providers}.")],
        scenario: Annotated[str, typer.Option(
            "--scenario", metavar="SCENARIO", autocompletion=completer("scenarios"),
            help="One of: {scenarios}.")] = "steady",
        endpoint: Annotated[str, typer.Option(
            "--endpoint", "-e", metavar="NAME", help="Endpoint name, e.g. bulk_create "
            "(default: the scenario's; see `bulkbench catalog`).")] = "",
        users: Annotated[int | None, typer.Option(
            "--users", metavar="N", help="Closed model: concurrent users (default 1).")] = None,
        rate: Annotated[float | None, typer.Option(
            "--rate", metavar="PER_S",
            help="Open model: requests/s for the whole run, at fixed intended times.")] = None,
        duration: Annotated[str, typer.Option(
            "--duration", metavar="TIME", help="e.g. 30s, 2m.")] = "60s",
        batch_size: Annotated[int, typer.Option(
            "--batch-size", metavar="N",
            help="Items per request (default: the endpoint's maximum).")] = 0,
        workers: Annotated[int, typer.Option(
            "--workers", metavar="N",
            help="Locust worker processes on loopback (0: one process).")] = 0,
        base_url: Annotated[str | None, typer.Option(
            "--base-url", metavar="URL",
            help="The provider's base URL (default: start the sandbox).")] = None,
        config: Annotated[Path | None, typer.Option(
            "--config", metavar="FILE", help="Provider config (TOML).")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", metavar="DIR",
            help="Run folder (default reports/runs/<UTC timestamp>); the files go to "
                 "DIR/load/<provider>-<scenario>/.")] = None,
        sla: Annotated[Path | None, typer.Option(
            "--sla", metavar="FILE", help="SLA thresholds (TOML).")] = None,
        allow_host: Annotated[list[str] | None, typer.Option(
            "--allow-host", metavar="HOST",
            help="A non-loopback host load may target (repeatable).")] = None,
        seed: Annotated[int, typer.Option(
            "--seed", "-s", metavar="N", help="Seed of the generated contacts.")] = 0,
        max_in_flight: Annotated[int, typer.Option(
            "--max-in-flight", metavar="N",
            help="Open model: requests in flight per process.")] = 1000,
        option: Annotated[list[str] | None, typer.Option(
            "--option", metavar="NAME=VALUE", autocompletion=completer("load_options"),
            help="Any other locustfile option (repeatable; e.g. sweep-sizes=1,50, "
                 "probe-compare-seconds=4; the names are listed below).")] = None,
        sandbox_rate_limit: Annotated[str | None, typer.Option(
            "--sandbox-rate-limit", metavar="N/SECONDS",
            help="Sandbox only: its rate limit (the rate_limit scenario defaults to the "
                 "spec's).")] = None,
        sandbox_latency: Annotated[float, typer.Option(
            "--sandbox-latency", metavar="MS", help="Sandbox only: added latency.")] = 0.0,
        sandbox_fault: Annotated[list[str] | None, typer.Option(
            "--sandbox-fault", metavar="NAME", autocompletion=completer("faults"),
            help="Sandbox only: a fault (repeatable; listed below).")] = None,
        spec: SpecOption = None,
    ) -> int:
        """Run a locust load scenario and check it against an SLA."""
        use_spec_options(spec, config)
        _out_not_an_option(out)
        return run_load(LoadRequest(
            provider=provider, scenario=scenario, endpoint=endpoint, users=users, rate=rate,
            duration=duration, batch_size=batch_size, workers=workers, base_url=base_url,
            config=config, out=out, sla=sla, allow_hosts=list(allow_host or []), seed=seed,
            max_in_flight=max_in_flight, options=list(option or []),
            sandbox_rate_limit=sandbox_rate_limit, sandbox_latency_ms=sandbox_latency,
            sandbox_faults=list(sandbox_fault or [])))
