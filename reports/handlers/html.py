"""``index.html``: the report a person reads, self-contained and script-free.

Rendered with jinja2 and autoescape on: every string from a provider (messages, response
bodies, curl lines) is escaped, and the page's Content-Security-Policy forbids scripts
and every outside resource, so even a response body holding ``<script>`` cannot run and
the page works offline. The CSS is inlined; the plots are inline SVG (``bulkbench.reports.charts``).

Contract checks that did not pass lead, grouped by cause (``reports.failure_groups``): a
group's count, cases and first example expanded (message, documentation link labelled
with the provider and page title, the command replaying it, request and response cut),
the rest one line each; the whole exchanges are in ``contract/failures.har``. Each step
shows its outcome (``reports.step_outcomes``): a step that failed shows failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.failure_groups import (
    FailureGroup,
    compact_cases,
    cut,
    entry_of_check,
    group_entries,
    status_counts_text,
)
from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext
from bulkbench.reports.load_results import LoadRun, SlaVerdict
from bulkbench.reports.load_views import LoadView, ProbeView, fmt, load_view, probe_view
from bulkbench.reports.overview import OverviewRow, overview_row
from bulkbench.reports.run_manifest import StepRecord
from bulkbench.reports.step_outcomes import StepOutcome, step_outcome

__all__ = ["HtmlHandler"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class ContractView:
    ran: bool
    counts: dict[str, int]
    failures: list[CheckRecord]
    mismatches: list[CheckRecord]
    skipped: list[CheckRecord]
    by_endpoint: list[tuple[str, list[CheckRecord]]]
    groups: list[FailureGroup[CheckRecord]]


@dataclass
class ProviderView:
    name: str
    overview: OverviewRow
    contract: ContractView
    loads: list[LoadView]
    probes: list[ProbeView]
    sla: list[tuple[LoadRun, SlaVerdict]]
    sla_given: bool
    steps: list[StepRecord]


def _contract(event: ProviderResults) -> ContractView:
    checks = list(event.checks)
    counts = {s: sum(1 for c in checks if c.status == s)
              for s in ("passed", "failed", "mismatch", "skipped", "error")}
    groups: dict[str, list[CheckRecord]] = {}
    for check in checks:
        groups.setdefault(check.endpoint, []).append(check)
    return ContractView(event.contract_ran, counts,
                        [c for c in checks if c.status in ("failed", "error")],
                        [c for c in checks if c.status == "mismatch"],
                        [c for c in checks if c.status == "skipped"], list(groups.items()),
                        group_entries(entry_of_check(c) for c in checks))


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL (a link target), else None."""
    if not url:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["fmt"] = fmt
    env.filters["safe_url"] = safe_url
    env.filters["when"] = _when
    env.filters["cut"] = cut
    env.filters["cases"] = compact_cases
    env.filters["statuses"] = status_counts_text
    return env


class HtmlHandler(Handler):
    filename = "index.html"

    def start(self, ctx: ReportContext) -> None:
        super().start(ctx)
        self.providers: list[ProviderView] = []
        notes = ctx.run.manifest.notes if ctx.run.manifest else []
        self.probe_note = " ".join(n for n in notes if "rate limit" in n.lower())

    def handle(self, event: ProviderResults) -> None:
        loads = [load_view(r) for r in event.load_runs if r.scenario != "rate_limit"]
        probes = [probe_view(r, self.probe_note) for r in event.load_runs
                  if r.scenario == "rate_limit"]
        sla = [(r, v) for r in event.load_runs for v in (r.sla.verdicts if r.sla else ())]
        self.providers.append(ProviderView(
            event.provider,
            overview_row(event.provider, event.contract_ran, event.checks, event.load_runs),
            _contract(event), loads, probes, sla,
            any(r.sla is not None for r in event.load_runs), list(event.steps)))

    def shutdown(self) -> Path:
        env = _environment()
        run = self.ctx.run
        steps: list[tuple[StepRecord, StepOutcome]] = [(s, step_outcome(s, run))
                                                        for s in run.steps]
        contract_folder = "contract"
        if run.contract is not None:
            try:
                contract_folder = str(run.contract.path.parent.relative_to(run.folder))
            except ValueError:
                contract_folder = str(run.contract.path.parent)
        html = env.get_template("index.html.j2").render(
            steps=steps, contract_folder=contract_folder,
            css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
            run=run, manifest=run.manifest, verdict=self.ctx.verdict,
            summary=self.ctx.summary, providers=self.providers,
            generated=_when(dt.datetime.now(dt.UTC).timestamp()))
        self.path.write_text(html, encoding="utf-8")
        return self.path
