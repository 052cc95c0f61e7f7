"""`bulkbench run`: the main job, from nothing to a verdict and a report.

Starts the sandbox unless the provider's URL is given, runs the contract suite, then per
provider a throughput sweep, an import run where there is one, and the rate-limit probe;
writes everything to the run folder, renders the report (index.html, summary.json,
summary.md, junit.xml), prints a table and the report's path. A stage that is not
available is reported as not run, with the reason, never as passed.

The exit code is decided in one place, :func:`exit_code`: a stop by signal first (130 for
Ctrl-C, 143 for SIGTERM; the report is still written, marked incomplete), then the
verdict (0 passed; 1 failed or incomplete: a target that does not answer the preflight
makes the run incomplete, one line says which, and no table is printed). Usage errors are
raised before any work and become exit 2 in ``bulkbench.cli``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from bulkbench.commands.help_values import ValuesInHelp, completer
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.orchestration.display import make_console, print_summary
from bulkbench.orchestration.pipeline import (
    MAX_REPEAT,
    STAGES,
    RunRequest,
    RunResult,
    run_pipeline,
)

__all__ = ["exit_code", "register"]


def exit_code(result: RunResult) -> int:
    """The process exit code of a finished run: a stop by signal, else the verdict."""
    if result.stopped_by is not None:
        return 128 + result.stopped_by.signum
    return result.rendered.verdict.exit_code


_EPILOG = """\b
Examples:
  bulkbench run                                   # quick profile, every provider, the sandbox
  bulkbench run --provider sociocs --skip contract -o runs/sociocs
  bulkbench run --profile full --sla loadtests/sla.example.toml
  bulkbench run --provider leadlex --base-url https://api.leadlex.example --config my.toml

Sandbox faults (--sandbox-fault NAME; `bulkbench serve --list-faults` says what each does):
{faults}.
"""


def register(app: typer.Typer) -> None:
    @app.command("run", cls=ValuesInHelp, epilog=_EPILOG)
    def run(
        provider: Annotated[str, typer.Option(
            "--provider", "-p", metavar="PROVIDER",
            autocompletion=completer("providers", "all"),
            help="all, or one provider of the catalog: {providers}.")] = "all",
        base_url: Annotated[str | None, typer.Option(
            "--base-url", metavar="URL", help="One provider's base URL (default: the "
            "config's, else the embedded sandbox).")] = None,
        api_key: Annotated[str | None, typer.Option(
            "--api-key", metavar="KEY", help="One provider's key (prefer its environment "
            "variable, e.g. LEADLEX_API_KEY: a command line is visible to other users).")
        ] = None,
        config: Annotated[Path | None, typer.Option(
            "--config", metavar="FILE",
            help="Provider config (TOML), see bulkbench.example.toml.")] = None,
        profile: Annotated[str, typer.Option(
            "--profile", metavar="PROFILE", autocompletion=completer("profiles"),
            help="One of: {profiles} (quick takes 2-3 minutes against the sandbox).")
        ] = "quick",
        sla: Annotated[Path | None, typer.Option(
            "--sla", metavar="FILE",
            help="SLA thresholds (TOML), see loadtests/sla.example.toml.")] = None,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", metavar="DIR",
            help="Run folder (default reports/runs/<UTC timestamp>); must be new or empty.")
        ] = None,
        skip: Annotated[list[str] | None, typer.Option(
            "--skip", metavar="STAGE", autocompletion=completer("stages"),
            help=f"Leave a stage out: {', '.join(STAGES)} (repeatable).")] = None,
        allow_host: Annotated[list[str] | None, typer.Option(
            "--allow-host", metavar="HOST", help="A non-loopback host the load steps may "
            "target (repeatable; rate and duration are then capped).")] = None,
        seed: Annotated[int, typer.Option(
            "--seed", "-s", metavar="N", help="Seed of every generated batch.")] = 0,
        sandbox_fault: Annotated[list[str] | None, typer.Option(
            "--sandbox-fault", metavar="NAME", autocompletion=completer("faults"),
            help="Sandbox only: switch on a provider defect, to see what a broken provider "
            "looks like (repeatable; the faults are listed below).")] = None,
        strict: Annotated[bool, typer.Option(
            "--strict", help="Fail on assumption mismatches too (a provider deciding an open "
            "point of the docs otherwise than the spec and the config say).")] = False,
        repeat: Annotated[int, typer.Option(
            "--repeat", metavar="N", min=1, max=MAX_REPEAT,
            help="Run each throughput scenario N times and keep every repetition, so that "
            "`bulkbench report --compare` can tell a change from noise.")] = 1,
        spec: SpecOption = None,
    ) -> int:
        """Run the whole job: contract suite, short load runs, report; exit 0 when all pass."""
        use_spec_options(spec, config)
        console = make_console()
        result = run_pipeline(RunRequest(
            provider=provider, base_url=base_url, api_key=api_key, config=config,
            profile=profile, sla=sla, out=out, skip=list(skip or []),
            allow_hosts=list(allow_host or []), seed=seed,
            sandbox_faults=list(sandbox_fault or []), strict=strict, repeat=repeat), console)
        if result.unreachable and result.nothing_ran:
            # no table: nothing was measured, the error line said why
            console.print(Text(result.rendered.verdict.headline, "bold yellow"))
            console.print(f"report: {result.rendered.index}", markup=False, highlight=False,
                          soft_wrap=True)
        else:
            print_summary(console, result.rendered)
        if result.stopped_by is not None:
            console.print(f"stopped by {result.stopped_by.name}: the report is marked "
                          "incomplete", style="yellow")
        return exit_code(result)
