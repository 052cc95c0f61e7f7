"""``summary.md``: the verdict and a table per provider, for CI step summaries.

GitHub renders HTML inside Markdown, so provider-supplied text is escaped here: ``<``,
``>`` and ``&`` as entities, Markdown punctuation with a backslash, and curl lines go in
a code fence longer than any run of backticks they contain. Failures are capped (the
full list is in index.html) so the file stays far below GitHub's 1 MiB summary limit.

Every load run has a line under "Load runs": ran to its end, or ❌ failed with its
reason (stopped early because the target did not answer, or sent no request), and its
errors with those that got no HTTP answer and the 5xx told apart. The SLA thresholds of a
failed run are "not judged".
"""

from __future__ import annotations

import re
from pathlib import Path

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext
from bulkbench.reports.load_views import fmt
from bulkbench.reports.overview import overview_row

__all__ = ["MarkdownHandler", "html_text", "md_code", "md_text"]

MAX_FAILURES = 25
MAX_MESSAGE = 600
_ICONS = {"passed": "✅", "failed": "❌", "incomplete": "⚠️"}
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

    def shutdown(self) -> Path:
        lines = self.lines
        if self.failures:
            lines += ["", f"### Failed contract checks ({len(self.failures)})", ""]
            for check in self.failures[:MAX_FAILURES]:
                title = check.failure.title if check.failure else check.status
                lines.append(f"<details><summary>{html_text(check.endpoint)} · "
                             f"{html_text(check.label)}: {html_text(title, 200)}</summary>")
                lines.append("")
                if check.failure and check.failure.message:
                    lines += [md_text(check.failure.message, MAX_MESSAGE), ""]
                if check.doc is not None:
                    lines += [f"Documentation: {md_text(check.doc.sentence, 300)}", ""]
                if check.seed is not None:
                    lines += [f"Seed {check.seed}", ""]
                if check.failure and check.failure.curl:
                    lines += [md_code(check.failure.curl, "sh"), ""]
                lines += ["</details>", ""]
            if len(self.failures) > MAX_FAILURES:
                lines.append(f"… and {len(self.failures) - MAX_FAILURES} more in index.html.")
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
