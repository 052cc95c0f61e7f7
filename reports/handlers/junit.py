"""``junit.xml``: one file for CI with every verdict of the run.

Three test suites: ``bulkbench.contract`` (one test case per contract check, built from
``contract/results.json``: class ``<endpoint>``, name ``<check>[<case>]``, its real
duration, the failure's title, message, doc reference, seed and the command replaying it
(else the curl line); the stage's own pytest JUnit stays in
``contract/junit.xml``, and is copied in only when results.json is missing),
``bulkbench.load`` (per load run one case, plus one per SLA threshold: failed, or
skipped when not measured; a run that stopped early because its target did not answer, or
that sent no request, is a failure with that reason, and its SLA thresholds are skipped
as not judged) and ``bulkbench.run`` (one case per step: a step that did not
run to its end is an error, one whose results failed (a contract check, a load run, an
SLA threshold: ``reports.step_outcomes``) a failure, never a pass; a problem reading the
folder is an error).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bulkbench.core.run_layout import RunLayout
from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext
from bulkbench.reports.load_results import LoadRun
from bulkbench.reports.load_views import errors_text, fmt
from bulkbench.reports.step_outcomes import step_outcome

__all__ = ["JunitHandler"]


def _suite(name: str) -> ET.Element:
    return ET.Element("testsuite", name=name)


def _case(suite: ET.Element, classname: str, name: str, seconds: float | None = None
          ) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name,
                         time=f"{seconds or 0:.3f}")


def _check_case(suite: ET.Element, check: CheckRecord) -> None:
    name = check.check + (f"[{check.case.removeprefix(check.endpoint + '.')}]"
                          if check.case else "")
    seconds = check.duration_ms / 1000 if check.duration_ms is not None else None
    case = _case(suite, check.endpoint, name, seconds)
    if check.status == "skipped":
        ET.SubElement(case, "skipped", message=check.reason or "skipped")
        return
    if check.status == "mismatch":  # not a failure: skipped, naming the key that settles it
        title = check.failure.title if check.failure else "assumption mismatch"
        element = ET.SubElement(case, "skipped", message=(
            f"assumption mismatch: {title}; settle with {', '.join(check.settle_with)}"))
        element.text = check.failure.message if check.failure else ""
        return
    if check.status == "passed":
        return
    failure = check.failure
    lines = [failure.message] if failure and failure.message else []
    if check.doc is not None:
        where = f" ({check.doc.label}" + (f" <{check.doc.url}>)" if check.doc.url else ")")
        lines.append(f"documentation: {check.doc.sentence}{where}")
    if check.seed is not None:
        lines.append(f"seed: {check.seed}" + (f", run tag {check.run_tag}"
                                               if check.run_tag is not None else ""))
    if failure and failure.repro is not None:
        lines.append("reproduce (from the contract folder):")
        lines += [f"  {line}" for line in failure.repro.lines()]
    elif failure and failure.curl:
        lines.append(f"reproduce: {failure.curl}")
    if failure and failure.har_entry is not None:
        lines.append(f"exchange: failures.har entry {failure.har_entry}")
    tag = "failure" if check.status == "failed" else "error"
    element = ET.SubElement(case, tag, message=failure.title if failure else check.status,
                            type=check.check)
    element.text = "\n".join(lines)


def _load_cases(suite: ET.Element, run: LoadRun) -> None:
    classname = f"load.{run.provider}.{run.scenario}"
    case = _case(suite, classname, "run", run.window_seconds)
    text = (f"{run.requests:,} requests, {run.contacts:,} contacts, "
            f"{fmt(run.contacts_per_second)} contacts/s, p99 {fmt(run.latency.p99)} ms, "
            f"{run.rate_limited:,} 429s, errors {errors_text(run)}")
    if run.scenario == "rate_limit" and run.rate_limit is not None:
        text += f"; rate limit {run.probe_verdict}" + (
            f" ({run.probe_inconclusive})" if run.probe_honest is None else "")
    if run.failure:  # before system-out, as the JUnit schema orders them
        kind = "aborted" if run.aborted is not None else "no-requests"
        ET.SubElement(case, "failure", message=run.failure, type=kind).text = (
            f"{run.name}: {run.failure}\n{text}")
    ET.SubElement(case, "system-out").text = text
    for v in run.sla.verdicts if run.sla else ():
        sla = _case(suite, classname, f"sla {v.name}")
        if run.failure:
            ET.SubElement(sla, "skipped", message=f"not judged: the run failed: {run.failure}")
            continue
        detail = f"limit {fmt(v.threshold, 3)}, measured {fmt(v.measured, 3)}" + (
            f" ({v.detail})" if v.detail else "")
        if v.passed is False:
            ET.SubElement(sla, "failure", message=f"{v.name}: {detail}", type="sla").text = detail
        elif v.passed is None:
            ET.SubElement(sla, "skipped", message=f"not measured: {v.detail or v.name}")


class JunitHandler(Handler):
    filename = "junit.xml"

    def start(self, ctx: ReportContext) -> None:
        super().start(ctx)
        self.contract = _suite("bulkbench.contract")
        self.load = _suite("bulkbench.load")
        self.copied: list[ET.Element] = []
        junit = RunLayout(ctx.run.folder).contract_junit
        if ctx.run.contract is None and junit.exists():
            try:
                root = ET.parse(junit).getroot()
            except ET.ParseError:
                root = None
            if root is not None:
                self.copied = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))

    def handle(self, event: ProviderResults) -> None:
        for check in event.checks:
            _check_case(self.contract, check)
        for run in event.load_runs:
            _load_cases(self.load, run)

    def _steps(self) -> ET.Element:
        suite = _suite("bulkbench.run")
        for step in self.ctx.run.steps:
            case = _case(suite, f"step.{step.stage}", step.name, step.seconds)
            why = step.reason or step.status.replace("_", " ")
            if step.status == "skipped":
                ET.SubElement(case, "skipped", message=why)
            elif step.unfinished:
                ET.SubElement(case, "error", message=f"{step.status}: {why}",
                              type=step.status).text = why
            else:
                outcome = step_outcome(step, self.ctx.run)
                if outcome.failed:
                    ET.SubElement(case, "failure", message=f"failed: {outcome.why}",
                                  type=f"step.{step.stage}").text = outcome.why
        for problem in self.ctx.run.problems:
            case = _case(suite, "run.folder", "readable")
            ET.SubElement(case, "error", message=problem, type="run-folder").text = problem
        return suite

    def shutdown(self) -> Path:
        root = ET.Element("testsuites", name=f"bulkbench {self.ctx.run.run_id}")
        suites = [*self.copied, self.contract, self.load, self._steps()]
        for suite in suites:
            if suite in (self.contract, self.load) and not len(suite):
                continue
            cases = list(suite.iter("testcase"))
            suite.set("tests", str(len(cases)))
            for tag, attr in (("failure", "failures"), ("error", "errors"),
                              ("skipped", "skipped")):
                suite.set(attr, str(sum(1 for c in cases if c.find(tag) is not None)))
            root.append(suite)
        for attr in ("tests", "failures", "errors", "skipped"):
            root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
        ET.indent(root)
        ET.ElementTree(root).write(self.path, encoding="utf-8", xml_declaration=True)
        return self.path
