"""Failures grouped by cause, in every view: the recorded run's 23 leadlex
``field_validation`` cases that each say ``created is 4, expected 3`` (the sandbox fault
leadlex_bulk_created_off_by_one) are one group, with its cases listed; the first example
is expanded and the rest are one line each; the compare table keeps the case labels;
JUnit cases carry their durations and a step whose checks failed is failed."""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from bulkbench.commands.contract import render_summary
from bulkbench.commands.report import print_comparison
from bulkbench.reports import compare_runs, render_run
from bulkbench.reports.failure_groups import entry_of_record, group_entries, shape_of

from .conftest import read_json, write_json

OFF_BY_ONE = ("leadlex", "leadlex.bulk_create", "created is N, expected N")


def _results(run: Path) -> dict:
    return read_json(run / "contract" / "results.json")


def test_shapes_make_numbers_ids_emails_and_uuids_generic_but_keep_statuses() -> None:
    assert shape_of("full_name: a long name: expected 200 created=3\n- created is 4, expected 3"
                    ) == "created is N, expected N"
    assert shape_of("created is 501, expected 500") == shape_of("created is 2, expected 1")
    assert shape_of("contact 3fa85f64-5717-4562-b3fc-2c963f66afa6 of a.b@c.example not in "
                    "list lst_01HX9ZK2 (10,000 rows)") == \
        "contact <uuid> of <email> not in list <id> (N rows)"
    assert shape_of("answered 500, expected 400") != shape_of("answered 422, expected 400")
    assert shape_of("status code: 500") == "status code: 500"


def test_the_off_by_one_cases_become_one_group(recorded_run: Path) -> None:
    records = _results(recorded_run)["results"]
    groups = group_entries(entry_of_record(r) for r in records)
    failing = [r for r in records if r["status"] in ("failed", "error", "mismatch")]
    assert sum(g.count for g in groups) == len(failing) == 63
    group = next(g for g in groups if g.key == OFF_BY_ONE)
    cases = [r["case"].removeprefix("leadlex.bulk_create.") for r in records
             if r["check"] == "field_validation" and r["endpoint"] == "leadlex.bulk_create"
             and r["status"] == "failed"]
    assert len(cases) == 23 and group.cases[:23] == cases
    # one cause, whichever checks saw it (the recorded bulk_create_echo said it otherwise)
    assert group.checks == {"field_validation": 23, "batch_size_within_limits": 3,
                            "edge_case_outcome": 2, "body_at_limit_accepted": 1}
    assert group.check == ("field_validation (23), batch_size_within_limits (3), "
                           "edge_case_outcome (2), body_at_limit_accepted (1)")
    assert group.statuses == {"failed": 29} and group.title == "wrong counts"
    assert len(groups) < 20  # 63 entries, a dozen causes


def test_summary_md_leads_with_the_groups(recorded_run: Path) -> None:
    render_run(recorded_run)
    text = (recorded_run / "summary.md").read_text(encoding="utf-8")
    groups = text.index("### Not passed, grouped by cause")
    assert groups < text.index("### SLA")
    section = text[groups:]
    summary = next(line for line in section.splitlines()
                   if "leadlex.bulk_create · field\\_validation (23)" in line
                   or "leadlex.bulk_create · field_validation (23)" in line)
    assert "created is N, expected N" in summary and "(29: 29 failed)" in summary
    assert "full\\_name\\_long, full\\_name\\_cjk" in section
    # the first example expanded, the other 22 one line each, no body inlined
    assert section.count("expected 200 created=3 stored=full\\_name") == 1
    assert "- full\\_name\\_cjk (failed): wrong counts" in section
    assert max(len(line) for line in text.splitlines()) < 1200  # bodies cut


def test_index_html_leads_with_the_groups(recorded_run: Path) -> None:
    render_run(recorded_run)
    html = (recorded_run / "index.html").read_text(encoding="utf-8")
    assert 'data-group-count="29"' in html
    leadlex = html[html.index('id="provider-leadlex"'):]
    assert leadlex.index("grouped by cause") < leadlex.index("Throughput and latency")
    assert leadlex.count("expected 200 created=3 stored=full_name") == 1


def test_junit_cases_carry_their_durations_and_the_failed_step_fails(recorded_run: Path
                                                                      ) -> None:
    render_run(recorded_run)
    records = {(r["endpoint"], r["check"], r.get("case")): r
               for r in _results(recorded_run)["results"]}
    root = ET.parse(recorded_run / "junit.xml").getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    durations = [float(c.get("time", "0")) for c in suites["bulkbench.contract"]]
    assert sum(durations) > 8  # the recorded run's checks took 8.3 s and more
    for case in suites["bulkbench.contract"]:
        if case.get("name") == "bulk_create_echo" and case.get("classname") == \
                "leadlex.bulk_create":
            record = records[("leadlex.bulk_create", "bulk_create_echo", None)]
            assert float(case.get("time", "0")) == round(record["duration_ms"] / 1000, 3) > 0
    step = next(c for c in suites["bulkbench.run"] if c.get("classname") == "step.contract")
    failure = step.find("failure")
    assert failure is not None and "63 contract check(s) failed" in failure.get("message", "")
    assert int(suites["bulkbench.run"].get("failures", "0")) >= 1


def test_steps_that_failed_show_failed_in_summary_md_and_html(recorded_run: Path) -> None:
    render_run(recorded_run)
    text = (recorded_run / "summary.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("| contract suite |"))
    assert "❌ failed" in line and "63 contract check" in line
    html = (recorded_run / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-step-outcome="(\w+)"><td>contract suite</td>', html)
    assert row is not None and row.group(1) == "failed"


def test_the_terminal_summary_leads_with_the_groups(recorded_run: Path) -> None:
    buffer = io.StringIO()
    render_summary(_results(recorded_run), Console(file=buffer, width=80, color_system=None))
    out = buffer.getvalue()
    assert "leadlex.bulk_create · field_validation (23), batch_size_within_limits (3)" in out
    assert "29 checks (29 failed); cases: full_name_long, full_name_cjk" in out
    assert out.count("stored=full_name (accepted") == 1
    assert out.rstrip().splitlines()[-1].startswith("contract suite FAILED: 277 passed, 63 failed")


def test_the_compare_table_groups_flips_and_keeps_the_case_labels(recorded_run: Path) -> None:
    fixed = recorded_run.parent / "fixed"
    shutil.copytree(recorded_run, fixed)
    path = fixed / "contract" / "results.json"
    data = read_json(path)
    for record in data["results"]:
        if record["check"] == "field_validation" and record["endpoint"] == "leadlex.bulk_create":
            record["status"] = "passed"
            record.pop("failure", None)
    write_json(path, data)
    cmp = compare_runs(fixed, recorded_run)  # before: fixed; after: broken again
    group = next(g for g in cmp.flip_groups if g.key == OFF_BY_ONE)
    assert group.count == 23 and all(e.item.regression for e in group.entries)
    cases = sorted(group.cases)
    assert len(cases) == 23 and group.cases == cases
    as_data = next(g for g in cmp.as_dict()["flip_groups"] if g["check"] == "field_validation"
                   and g["provider"] == "leadlex")
    assert as_data["cases"] == cases and as_data["regressions"] == 23
    buffer = io.StringIO()
    print_comparison(cmp, Console(file=buffer, width=250, color_system=None))
    out = buffer.getvalue()
    row = next(line for line in out.splitlines() if "created is N, expected N" in line)
    assert f"{cases[0]}, {cases[1]}" in row and "passed → failed" in row
