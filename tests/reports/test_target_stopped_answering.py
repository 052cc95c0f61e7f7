"""A target that stopped answering: a load run that stopped early (``aborted``), errors
without an HTTP answer and 5xx told apart, and a rate-limit probe that was inconclusive.

The run folder is ``fixtures/run-target-stopped-answering`` (see fixtures/README.md): a
steady run against a remote LeadLex that stopped after 20 requests in a row got no HTTP
answer (its p99 above the SLA's), and a probe whose every answer was a 503 or none.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from bulkbench.cli import main
from bulkbench.reports import decide, read_run, render_run
from bulkbench.reports.overview import overview_row

from .conftest import read_json, write_json

SCHEMA = Path(__file__).resolve().parents[2] / "reports" / "summary.schema.json"
REASON = "20 requests in a row got no HTTP answer (31.4 s without one"
WHY = ["3 of 20 request(s) got no answer at all (refused, reset or timed out)",
       "no request succeeded (answers: HTTP 503: 17)"]


def _steady(folder: Path) -> Path:
    return folder / "load" / "leadlex-steady" / "summary.json"


def _probe(folder: Path) -> Path:
    return folder / "load" / "leadlex-rate_limit" / "summary.json"


def _edit(path: Path, **changes: object) -> None:
    data = read_json(path)
    data.update(changes)
    write_json(path, data)


# --- reading ------------------------------------------------------------------------------


def test_the_load_run_reads_its_abort_and_its_kinds_of_error(stopped_run):
    runs = {r.scenario: r for r in read_run(stopped_run).load_runs}
    steady, probe = runs["steady"], runs["rate_limit"]
    assert steady.aborted is not None and steady.aborted.startswith(REASON)
    assert steady.failure.startswith("stopped early, the target did not answer: " + REASON)
    assert (steady.errors, steady.transport_errors, steady.server_errors,
            steady.other_errors) == (27, 22, 4, 1)
    assert probe.aborted is None and probe.failure == ""
    assert (probe.transport_errors, probe.server_errors, probe.other_errors) == (3, 17, 0)
    assert probe.probe_honest is None and probe.probe_verdict == "inconclusive"
    assert probe.probe_inconclusive_reasons == WHY


@pytest.mark.parametrize("aborted, expected", [
    (None, None),
    (False, None),
    ({"reason": "gone"}, "gone"),
    ({}, "no reason given"),
    ({"reason": ""}, "no reason given"),
    ("gone", "gone"),
    (True, "no reason given"),
])
def test_any_aborted_value_but_null_is_an_early_stop(stopped_run, aborted, expected):
    _edit(_steady(stopped_run), aborted=aborted)
    steady = next(r for r in read_run(stopped_run).load_runs if r.scenario == "steady")
    assert steady.aborted == expected


def test_a_summary_written_before_the_split_reads_as_no_transport_or_server_error(
        stopped_run):
    data = read_json(_steady(stopped_run))
    del data["aborted"], data["totals"]["transport_errors"], data["totals"]["server_errors"]
    write_json(_steady(stopped_run), data)
    steady = next(r for r in read_run(stopped_run).load_runs if r.scenario == "steady")
    assert steady.aborted is None
    assert (steady.transport_errors, steady.server_errors, steady.other_errors) == (0, 0, 27)


# --- the verdict --------------------------------------------------------------------------


def test_an_aborted_load_run_makes_the_run_incomplete_never_passed(stopped_run):
    verdict = decide(read_run(stopped_run))
    assert (verdict.status, verdict.complete, verdict.exit_code) == ("incomplete", False, 1)
    aborts = [r for r in verdict.reasons if REASON in r]
    assert len(aborts) == 1, verdict.reasons  # the manifest's step says it; said once
    assert aborts[0].startswith("leadlex steady error: stopped early, the target did not "
                                "answer")
    # its p99 broke the SLA, but a target that did not answer is no verdict on performance
    assert verdict.sla_failed == 0


def test_an_aborted_run_is_incomplete_even_when_the_manifest_says_done(stopped_run):
    manifest = read_json(stopped_run / "run.json")
    for step in manifest["steps"]:
        if step["scenario"] == "steady":
            step.update(status="done", reason="")
    write_json(stopped_run / "run.json", manifest)
    verdict = decide(read_run(stopped_run))
    assert verdict.status == "incomplete" and not verdict.complete
    assert any(r.startswith("leadlex.steady: stopped early, the target did not answer: "
                            + REASON) for r in verdict.reasons), verdict.reasons


def test_stages_run_alone_infer_a_failed_step_from_the_abort(stopped_run):
    (stopped_run / "run.json").unlink()
    run = read_run(stopped_run)
    step = next(s for s in run.steps if s.scenario == "steady")
    assert step.status == "error" and REASON in step.reason
    assert next(s for s in run.steps if s.scenario == "rate_limit").status == "done"
    verdict = decide(run)
    assert verdict.status == "incomplete" and verdict.exit_code == 1
    assert len([r for r in verdict.reasons if REASON in r]) == 1, verdict.reasons


def test_a_load_run_that_sent_nothing_is_never_a_pass(stopped_run):
    (stopped_run / "run.json").unlink()
    _edit(_steady(stopped_run), aborted=None,
          totals={"requests": 0, "ok": 0, "contacts": 0, "rate_limited": 0, "errors": 0})
    verdict = decide(read_run(stopped_run))
    assert verdict.status == "incomplete"
    assert any("no request was sent" in r for r in verdict.reasons), verdict.reasons
    render_run(stopped_run)
    root = ET.parse(stopped_run / "junit.xml").getroot()
    case = next(c for c in root.iter("testcase")
                if c.get("classname") == "load.leadlex.steady" and c.get("name") == "run")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "no-requests"


def test_an_inconclusive_probe_fails_nothing_and_is_named(stopped_run):
    _edit(_steady(stopped_run), aborted=None)  # only the probe is left to judge
    manifest = read_json(stopped_run / "run.json")
    for step in manifest["steps"]:
        if step["scenario"] == "steady":
            step.update(status="done", reason="")
    write_json(stopped_run / "run.json", manifest)
    _edit(_steady(stopped_run), sla=None)
    verdict = decide(read_run(stopped_run))
    assert verdict.status == "passed" and verdict.sla_failed == 0
    note = next(r for r in verdict.reasons if "rate limit" in r)
    assert note == f"leadlex: rate limit inconclusive ({'; '.join(WHY)})"


def test_an_inconclusive_probe_is_never_called_dishonest_in_the_overview(stopped_run):
    run = read_run(stopped_run)
    row = overview_row("leadlex", False, (), run.load_runs_of("leadlex"))
    assert row.rate_limit == f"inconclusive ({'; '.join(WHY)})"
    assert row.rate_limit_ok is None
    assert row.load_ok is False and row.load.startswith(
        "steady stopped early, the target did not answer: " + REASON)
    assert row.peak_contacts_per_second is None and "steady stopped early" in row.peak_where
    assert row.sla_ok is None and "not judged" in row.sla


# --- every format -------------------------------------------------------------------------


def test_html_shows_the_early_stop_the_errors_apart_and_the_inconclusive_probe(stopped_run):
    render_run(stopped_run)
    html = (stopped_run / "index.html").read_text()
    assert 'data-verdict="incomplete"' in html
    article = html[html.index('id="load-leadlex-steady"'):html.index("<h3>Rate limit")]
    assert 'data-load-failure="stopped early, the target did not answer: ' + REASON in article
    assert '<span class="badge failed">failed</span>' in article
    assert "27 (22 without an HTTP answer, 4 5xx, 1 other)" in article
    assert "ok-false" in html[html.index('class="overview"'):html.index("<h3>Steps")]
    probe = html[html.index('id="probe-leadlex"'):html.index("<h3>SLA")]
    assert 'data-probe-verdict="inconclusive"' in probe
    assert all(why in probe for why in WHY)
    assert "dishonest" not in html and "not honest" not in html
    assert "ok-false" not in probe  # nothing in an inconclusive probe is held against it
    sla = html[html.index('<table class="sla">'):]
    assert sla.count('<span class="badge unknown">not judged</span>') == 2
    assert '<span class="badge fail">' not in sla


def test_summary_md_shows_the_early_stop_and_the_errors_apart(stopped_run):
    render_run(stopped_run)
    text = (stopped_run / "summary.md").read_text()
    assert text.startswith("## bulkbench: ⚠️ INCOMPLETE")
    row = next(line for line in text.splitlines() if line.startswith("| leadlex |"))
    assert "❌ steady stopped early, the target did not answer: " + REASON in row
    assert "inconclusive (3 of 20 request(s)" in row and "not honest" not in text
    assert "### Load runs" in text and "| no HTTP answer | 5xx | other errors |" in text
    steady = next(line for line in text.splitlines() if line.startswith("| leadlex.steady |"))
    assert "❌ failed: stopped early, the target did not answer" in steady
    assert steady.endswith("| 22 | 4 | 1 |")
    probe = next(line for line in text.splitlines()
                 if line.startswith("| leadlex.rate\\_limit |") and "ran to its end" in line)
    assert "rate limit inconclusive" in probe and probe.endswith("| 3 | 17 | 0 |")
    assert "not judged (the run failed)" in text and "❌ FAIL" not in text


def test_summary_json_carries_the_abort_the_errors_apart_and_the_probe_verdict(stopped_run):
    render_run(stopped_run)
    summary = read_json(stopped_run / "summary.json")
    jsonschema.validate(summary, read_json(SCHEMA))
    assert summary["verdict"]["status"] == "incomplete"
    assert summary["verdict"]["exit_code"] == 1 and summary["verdict"]["sla_failed"] == 0
    loads = {r["scenario"]: r for r in summary["providers"]["leadlex"]["load"]}
    steady, probe = loads["steady"], loads["rate_limit"]
    assert steady["aborted"]["reason"].startswith(REASON)
    assert (steady["errors"], steady["transport_errors"], steady["server_errors"]) == (27, 22, 4)
    assert steady["sla"]["judged"] is False and probe["sla"]["judged"] is True
    assert probe["aborted"] is None
    assert probe["rate_limit"]["honest"] is None
    assert probe["rate_limit"]["verdict"] == "inconclusive"
    assert probe["rate_limit"]["inconclusive"] == WHY


def test_the_schema_refuses_an_aborted_without_its_reason(stopped_run):
    render_run(stopped_run)
    summary = read_json(stopped_run / "summary.json")
    summary["providers"]["leadlex"]["load"][1]["aborted"] = {}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(summary, read_json(SCHEMA))


def test_junit_fails_the_aborted_run_with_its_reason(stopped_run):
    render_run(stopped_run)
    root = ET.parse(stopped_run / "junit.xml").getroot()
    load = next(s for s in root.iter("testsuite") if s.get("name") == "bulkbench.load")
    cases = {(c.get("classname"), c.get("name")): c for c in load.iter("testcase")}
    steady = cases[("load.leadlex.steady", "run")]
    failure = steady.find("failure")
    assert failure is not None and failure.get("type") == "aborted"
    assert failure.get("message", "").startswith(
        "stopped early, the target did not answer: " + REASON)
    assert [child.tag for child in steady] == ["failure", "system-out"]
    assert "errors 27 (22 without an HTTP answer, 4 5xx, 1 other)" in (
        steady.findtext("system-out") or "")
    for name in ("sla max_p99_ms", "sla rate_limit_honest"):
        skipped = cases[("load.leadlex.steady", name)].find("skipped")
        assert skipped is not None and skipped.get("message", "").startswith(
            "not judged: the run failed: stopped early")
    probe = cases[("load.leadlex.rate_limit", "run")]
    assert probe.find("failure") is None
    assert "rate limit inconclusive (3 of 20" in (probe.findtext("system-out") or "")
    assert int(load.get("failures", 0)) == 1


def test_the_report_command_exits_1_on_an_aborted_run(stopped_run, capsys):
    assert main(["report", str(stopped_run)]) == 1
    assert "INCOMPLETE" in capsys.readouterr().out
