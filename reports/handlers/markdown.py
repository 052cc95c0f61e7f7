"""``summary.md``: the verdict and a table per provider, for CI step summaries.

GitHub renders HTML inside Markdown, so provider-supplied text is escaped here: ``<``,
``>`` and ``&`` as entities, Markdown punctuation with a backslash, and commands go in
a code fence longer than any run of backticks they contain. The checks that did not pass
come grouped by cause (``reports.failure_groups``): per group its count and cases, the
first example expanded (message, documentation, the command replaying it), the rest one
line each. Groups and lines are capped and no body is inlined (they are whole in
``contract/failures.har``), so the file stays far below GitHub's 1 MiB summary limit.
Every step has a line with its outcome: a step that failed says ❌ failed.

Every load run has a line under "Load runs": ran to its end, or ❌ failed with its
reason (stopped early because the target did not answer, or sent no request), and its
errors with those that got no HTTP answer and the 5xx told apart. The SLA thresholds of a
failed run are "not judged".
"""

from __future__ import annotations

import re
from pathlib import Path

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.failure_groups import (
    FailureGroup,
    compact_cases,
    entry_of_check,
    group_entries,
    status_counts_text,
)
from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext
from bulkbench.reports.load_views import fmt
from bulkbench.reports.overview import overview_row
from bulkbench.reports.step_outcomes import step_outcome

__all__ = ["MarkdownHandler", "html_text", "md_code", "md_text"]

MAX_FAILURES = 25
MAX_GROUPS = 25
#: a group's other entries listed one line each, at most.
MAX_REST = 20
MAX_MESSAGE = 600
MAX_CURL = 1000
_ICONS = {"passed": "✅", "failed": "❌", "incomplete": "⚠️"}
_STEP_ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "not run": "⚪"}
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^(?=[#+\-=>]|\d+[.)])")


def md_text(text: str, limit: int | None = None) -> str:
    """``text`` safe inside a Markdown paragraph or table cell (one line)."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BLOCK_START.sub("\\\\", _PUNCTUATION.sub(r"\\\1", text))


def html_text(text: str, limit: int | None = None) -> str:
    """``text`` safe inside an HTML block of the Markdown (where backslashes stay literal)."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_code(text: str, language: str = "") -> str:
    """``text`` in a fenced code block no backtick run inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _ok(value: bool | None) -> str:
    return {True: "✅ ", False: "❌ ", None: ""}[value]


class MarkdownHandler(Handler):
    filename = "summary.md"

    def start(self, ctx: ReportContext) -> None:
        super().start(ctx)
        v, run = ctx.verdict, ctx.summary["run"]
        facts = [f"run `{md_text(run['id'])}`"]
        for key, label in (("profile", "profile"), ("target", "target")):
            if run.get(key):
                facts.append(f"{label} {md_text(str(run[key]))}")
        if run.get("duration_seconds") is not None:
            facts.append(f"{run['duration_seconds']:.0f} s")
        self.lines = [f"## bulkbench: {_ICONS[v.status]} {v.headline}", "", " · ".join(facts),
                      ""]
        self.lines += [f"- {md_text(r, 300)}" for r in v.reasons[:20]]
        self.lines += ["", "| provider | contract | peak contacts/s | p99 there | load runs "
                       "| rate limit | SLA |", "|---|---|---:|---:|---|---|---|"]
        self.failures: list[CheckRecord] = []
        self.mismatches: list[CheckRecord] = []
        self.sla_lines: list[str] = []
        self.load_lines: list[str] = []

    def handle(self, event: ProviderResults) -> None:
        row = overview_row(event.provider, event.contract_ran, event.checks, event.load_runs)
        peak = fmt(row.peak_contacts_per_second, 0)
        if row.peak_where:
            peak += f" ({md_text(row.peak_where)})"
        self.lines.append(
            f"| {md_text(event.provider)} | {_ok(row.contract_ok)}{md_text(row.contract)} "
            f"| {peak} | {fmt(row.peak_p99_ms, 1, ' ms')} "
            f"| {_ok(row.load_ok)}{md_text(row.load, 300)} "
            f"| {_ok(row.rate_limit_ok)}{md_text(row.rate_limit, 160)} "
            f"| {_ok(row.sla_ok)}{md_text(row.sla)} |")
        self.failures += [c for c in event.checks if c.status in ("failed", "error")]
        self.mismatches += [c for c in event.checks if c.status == "mismatch"]
        for run in event.load_runs:
            status = f"❌ failed: {md_text(run.failure, 300)}" if run.failure else "ran to its end"
            if run.scenario == "rate_limit" and run.rate_limit is not None:
                status += f"; rate limit {run.probe_verdict}" + (
                    f" ({md_text(run.probe_inconclusive, 300)})"
                    if run.probe_honest is None and not run.failure else "")
            self.load_lines.append(
                f"| {md_text(run.name)} | {status} | {run.requests:,} "
                f"| {fmt(run.contacts_per_second, 0)} | {run.rate_limited:,} "
                f"| {run.transport_errors:,} | {run.server_errors:,} | {run.other_errors:,} |")
            for v in run.sla.verdicts if run.sla else ():
                verdict = {True: "✅ pass", False: "❌ FAIL", None: "not measured"}[v.passed]
                if run.failure:
                    verdict = "not judged (the run failed)"
                self.sla_lines.append(
                    f"| {md_text(run.name)} | {md_text(v.name)} | {fmt(v.threshold, 3)} "
                    f"| {fmt(v.measured, 3)} | {verdict} |")

    def _contract_folder(self) -> str:
        """The contract folder relative to the run folder (where bodies/ and the HAR are)."""
        contract = self.ctx.run.contract
        if contract is None:
            return "contract"
        try:
            return str(contract.path.parent.relative_to(self.ctx.run.folder)) or "."
        except ValueError:
            return str(contract.path.parent)

    def _group(self, group: FailureGroup[CheckRecord]) -> list[str]:
        icon = "❌" if group.failing else "⚠️"
        lines = [f"<details><summary>{icon} <b>{html_text(group.provider)}</b> "
                 f"{html_text(group.endpoint)} · {html_text(group.check)}: "
                 f"{html_text(group.title, 200)}: <code>{html_text(group.shape, 200)}</code> "
                 f"({group.count}: {status_counts_text(group.statuses)})</summary>", ""]
        cases = compact_cases(group.cases, 12)
        if cases:
            lines += [f"Cases: {md_text(cases)}", ""]
        first = group.first.item
        label = f" \\[{md_text(group.first.case_label)}\\]" if group.first.case_label else ""
        if first.failure and first.failure.message:
            lines += [f"First{label} ({first.status}): "
                      f"{md_text(first.failure.message, MAX_MESSAGE)}", ""]
        if first.doc is not None:
            page = md_text(first.doc.label)
            link = f"[{page}]({first.doc.url})" if first.doc.url and first.doc.url.startswith(
                ("http://", "https://")) else page
            lines += [f"Documentation: {md_text(first.doc.sentence, 300)} ({link})", ""]
        if first.seed is not None:
            lines += [f"Seed {first.seed}", ""]
        failure = first.failure
        folder = self._contract_folder()
        if failure and failure.repro is not None:
            body = f"{folder}/{failure.repro.body_file}" if failure.repro.body_file else None
            lines += ["Reproduce (from the run folder; the exchange is entry "
                      f"{failure.har_entry} of `{folder}/failures.har`):", "",
                      md_code("\n".join(failure.repro.lines(body)), "sh"), ""]
        elif failure and failure.curl:  # a run from before repro commands: its curl, cut
            lines += [md_code(failure.curl if len(failure.curl) <= MAX_CURL else
                              failure.curl[:MAX_CURL] + " …", "sh"), ""]
        for entry in group.rest[:MAX_REST]:
            where = md_text(entry.case_label or entry.check)
            lines.append(f"- {where} ({entry.status}): {md_text(entry.title, 160)}")
        if len(group.rest) > MAX_REST:
            lines.append(f"- … and {len(group.rest) - MAX_REST} more in index.html")
        return [*lines, "", "</details>", ""]

    def shutdown(self) -> Path:
        lines = self.lines
        groups = group_entries(entry_of_check(c) for c in [*self.failures, *self.mismatches])
        if groups:
            lines += ["", f"### Not passed, grouped by cause ({len(groups)} groups of "
                      f"{sum(g.count for g in groups)} checks)", ""]
            for group in groups[:MAX_GROUPS]:
                lines += self._group(group)
            if len(groups) > MAX_GROUPS:
                lines.append(f"… and {len(groups) - MAX_GROUPS} more groups in index.html.")
        if self.mismatches:
            lines += ["", f"### Assumption mismatches ({len(self.mismatches)})", "",
                      "Where the documentation is silent the provider decided otherwise than "
                      "the spec assumed. Not failures: settle each in the provider config "
                      "(`--strict` fails on them).", "",
                      "| provider | check | seen | settle with |", "|---|---|---|---|"]
            for check in self.mismatches[:MAX_FAILURES]:
                seen = check.failure.title if check.failure else ""
                lines.append(f"| {md_text(check.provider)} | {md_text(check.label)} "
                             f"| {md_text(seen, 200)} "
                             f"| {md_text('; '.join(check.settle_with), 300)} |")
            if len(self.mismatches) > MAX_FAILURES:
                lines.append(f"… and {len(self.mismatches) - MAX_FAILURES} more in index.html.")
        if self.ctx.run.steps:
            lines += ["", "### Steps", "", "| step | outcome | why |", "|---|---|---|"]
            for step in self.ctx.run.steps:
                outcome = step_outcome(step, self.ctx.run)
                lines.append(f"| {md_text(step.name)} | {_STEP_ICONS[outcome.outcome]} "
                             f"{outcome.outcome} | {md_text(outcome.why, 300)} |")
        if self.load_lines:
            lines += ["", "### Load runs", "",
                      "| run | status | requests | contacts/s | 429 | no HTTP answer | 5xx "
                      "| other errors |", "|---|---|---:|---:|---:|---:|---:|---:|",
                      *self.load_lines]
        if self.sla_lines:
            lines += ["", "### SLA", "", "| run | threshold | limit | measured | verdict |",
                      "|---|---|---:|---:|---|", *self.sla_lines]
        if self.ctx.run.problems:
            lines += ["", "### Problems reading the run folder", ""]
            lines += [f"- {md_text(p, 300)}" for p in self.ctx.run.problems]
        lines += ["", "Full report: `index.html` in the run folder.", ""]
        self.path.write_text("\n".join(lines), encoding="utf-8")
        return self.path
