"""`bulkbench report`: render a run folder again, or compare two runs.

``bulkbench report RUN_DIR`` rewrites index.html, summary.json, summary.md and junit.xml
from the folder's files and exits with the run's verdict (0 passed, 1 failed or
incomplete), so a pipeline can run the stages and judge them in separate steps.
``bulkbench report --compare RUN_A RUN_B`` (folders, or kept summary.json files) prints
the checks that flipped and throughput and latency as ratios B/A, each with its 95 %
confidence interval (``bulkbench.reports.noise``), and exits 1 when RUN_B regressed:
a figure regresses only when its whole interval lies beyond ``--threshold``. Figures with
one run a side and no per-second samples are listed as thin evidence, never judged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bulkbench.commands.help_values import ValuesInHelp
from bulkbench.core.errors import UsageError
from bulkbench.orchestration.display import make_console, print_summary
from bulkbench.reports.compare import Comparison, MetricChange, compare_runs
from bulkbench.reports.failure_groups import compact_cases
from bulkbench.reports.load_views import fmt
from bulkbench.reports.render import render_run

__all__ = ["print_comparison", "register"]


def _ratio(value: float | None, higher_is_better: bool, regression: bool) -> Text:
    if value is None:
        return Text("—")
    style = "red" if regression else (
        "green" if (value > 1) == higher_is_better and abs(value - 1) > 0.05 else "")
    return Text(f"{value:.2f}", style)


_VERDICT_STYLES = {"regression": "red", "improvement": "green", "thin evidence": "yellow"}


def _verdict(m: MetricChange) -> Text:
    """What the figure's change is called; a regression within the latency floor says so."""
    if m.verdict == "regression" and not m.regression:
        return Text("within the latency floor")
    runs = f" ({m.before_runs}+{m.after_runs} runs)" if max(m.before_runs, m.after_runs) > 1 \
        else ""
    return Text(f"{m.verdict or 'not compared'}{runs}", _VERDICT_STYLES.get(m.verdict, ""))


def print_comparison(cmp: Comparison, console: Console) -> None:
    console.print(f"before: {cmp.before}   after: {cmp.after}   (threshold "
                  f"{cmp.threshold:.0%}, latency floor {cmp.latency_floor_ms:g} ms)",
                  highlight=False, markup=False)
    if cmp.flips:
        table = Table(title=f"checks that flipped ({len(cmp.flips)}), grouped by cause",
                      title_justify="left")
        for column in ("provider", "check", "n", "cases", "change"):
            table.add_column(column, justify="right" if column == "n" else "left")
        for group in cmp.flip_groups:
            regression = any(e.item.regression for e in group.entries)
            changes = sorted({f"{e.item.before} → {e.item.after}" for e in group.entries})
            style = "red" if regression else "green" if all(
                e.item.after == "passed" for e in group.entries) else ""
            what = f"{group.endpoint} {group.check}" + (
                f": {group.title}: {group.shape}" if group.title else "")
            table.add_row(Text(group.provider), Text(what), str(group.count),
                          Text(compact_cases(group.cases, 12)),
                          Text(", ".join(changes), style))
        console.print(table)
    else:
        console.print("no contract check changed its status")
    if cmp.metrics:
        table = Table(title="throughput and latency (ratio = after / before, means over "
                      f"the repetitions; {cmp.confidence:.0%} interval by bootstrap)",
                      title_justify="left")
        for column in ("run", "figure", "before", "after", "ratio", "interval", "verdict"):
            table.add_column(column, justify="right" if column in (
                "before", "after", "ratio", "interval") else "left")
        for m in cmp.metrics:
            table.add_row(Text(f"{m.provider}.{m.scenario}"), Text(m.metric), fmt(m.before),
                          fmt(m.after), _ratio(m.ratio, m.higher_is_better, m.regression),
                          Text(m.interval_text or "—"), _verdict(m))
        console.print(table)
        if cmp.thin_evidence:
            console.print(Text(
                f"thin evidence for {len(cmp.thin_evidence)} figure(s): one run a side "
                "cannot tell a change from noise (its seconds do not see a drift between "
                "runs), so they are not judged; run `bulkbench run --repeat 3` on both "
                "sides for evidence.",
                "yellow"), soft_wrap=True)
    for label, items in (("only before", cmp.only_before), ("only after", cmp.only_after)):
        if items:
            shown = ", ".join(items[:8]) + (f" … ({len(items)} in all)" if len(items) > 8 else "")
            console.print(f"{label}: {shown}", markup=False, highlight=False)
    if cmp.regressions:
        console.print(Text(f"{len(cmp.regressions)} regression(s):", "bold red"))
        for line in cmp.regressions:
            console.print(f"  - {line}", markup=False, highlight=False)
    else:
        thin = (f" ({len(cmp.thin_evidence)} figure(s) not judged: thin evidence)"
                if cmp.thin_evidence else "")
        console.print(Text(f"no regression beyond {cmp.threshold:.0%}{thin}", "bold green"))


_EPILOG = """\b
Examples:
  bulkbench report reports/runs/20250101T050000Z       # render again; exit with its verdict
  bulkbench report --compare ci/baseline-summary.json bulkbench-run
  bulkbench report --compare RUN_A RUN_B --threshold 0.3 --json
"""


def register(app: typer.Typer) -> None:
    @app.command("report", cls=ValuesInHelp, epilog=_EPILOG)
    def report(
        run_dir: Annotated[Path | None, typer.Argument(
            metavar="RUN_DIR",
            help="The run folder to render (reports/runs/<UTC timestamp>).")] = None,
        compare: Annotated[tuple[Path, Path] | None, typer.Option(
            "--compare", metavar="RUN_A RUN_B",
            help="Compare two runs (folders or summary.json files) instead.")] = None,
        threshold: Annotated[float, typer.Option(
            "--threshold", metavar="FRACTION",
            help="--compare: a change beyond this fraction is a regression (0.2 = 20%).")
        ] = 0.2,
        latency_floor_ms: Annotated[float, typer.Option(
            "--latency-floor-ms", metavar="MS",
            help="--compare: a latency must also grow by more than this to regress.")] = 5.0,
        as_json: Annotated[bool, typer.Option(
            "--json", help="--compare: print the comparison as JSON.")] = False,
    ) -> int:
        """Render a run folder again, or compare two runs (exit 1 on a regression)."""
        console = make_console()
        if compare is not None:
            if run_dir is not None:
                raise UsageError("give RUN_DIR or --compare RUN_A RUN_B, not both")
            if not 0 <= threshold < 10:
                raise UsageError("--threshold is a fraction, e.g. 0.2 for 20%")
            cmp = compare_runs(compare[0], compare[1], threshold=threshold,
                               latency_floor_ms=latency_floor_ms)
            if as_json:
                typer.echo(orjson.dumps(cmp.as_dict(), option=orjson.OPT_INDENT_2).decode())
            else:
                print_comparison(cmp, console)
            return 1 if cmp.regressions else 0
        if run_dir is None:
            raise UsageError("give a run folder (bulkbench report RUN_DIR) or "
                             "--compare RUN_A RUN_B")
        rendered = render_run(run_dir)
        for problem in rendered.run.problems:
            console.print(f"warning: {problem}", style="yellow", markup=False)
        print_summary(console, rendered)
        return rendered.verdict.exit_code
