"""What a load step of ``bulkbench run`` shows for a target that answers 5xx, and what the
import scenario does with a job answer that lacks the fields the spec assumes.

Real locust runs (through ``LoadStep.run`` and ``bulkbench load``) against real loopback
servers; counts are asserted, never times.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bulkbench.cli import main
from bulkbench.core.catalog import default_catalog
from bulkbench.orchestration.profiles import ScenarioRun
from bulkbench.orchestration.steps import LoadStep, StepContext
from bulkbench.orchestration.targets import SharedSandboxes, Target

from .conftest import read_json
from .loopback_servers import JSON_OK, Answer, LoopbackServer, loopback_server

KEY = "wbk_loopbacktestkey0002"
BOOM: Answer = (500, {"Content-Type": "application/json"}, b'{"error":"boom"}')


def _step(tmp_path: Path, base_url: str) -> tuple[str, str, str]:
    target = Target("leadlex", base_url, "LEADLEX_API_KEY", KEY)
    ctx = StepContext(out=tmp_path, targets={"leadlex": target},
                      sandboxes=SharedSandboxes(None))
    step = LoadStep("leadlex", ScenarioRun("steady", "2s", users=1,
                                           options=("max-rate=20", "batch-size=2")))
    outcome = step.run(ctx)
    return outcome.status, outcome.line, outcome.reason


def test_a_step_whose_every_request_answered_5xx_is_an_error(tmp_path):
    with loopback_server(lambda n: BOOM) as server:
        status, line, reason = _step(tmp_path, server.url("/leadlex"))
    assert status == "error", line
    assert "answered 5xx" in line and "every one of" in line
    summary = read_json(tmp_path / "load" / "leadlex-steady" / "summary.json")
    totals = summary["totals"]
    assert totals["ok"] == 0 and totals["server_errors"] == totals["requests"] > 0
    assert f"{totals['server_errors']:,} answered 5xx" in reason


def test_a_step_with_some_5xx_says_how_many(tmp_path):
    # the preflight's GET and the first POST succeed, every later request answers 500
    with loopback_server(lambda n: JSON_OK if n <= 2 else BOOM) as server:
        status, line, _ = _step(tmp_path, server.url("/leadlex"))
    summary = read_json(tmp_path / "load" / "leadlex-steady" / "summary.json")
    totals = summary["totals"]
    assert totals["ok"] >= 1 and totals["server_errors"] > 0
    assert status == "done", line
    assert f"{totals['server_errors']:,} of {totals['requests']:,} answered 5xx" in line


def test_a_job_answer_without_a_status_is_reported_not_followed(tmp_path, monkeypatch,
                                                                 capsys):
    endpoint = default_catalog().endpoint("leadlex.import_contacts")
    if endpoint.sync_max_rows is None:
        pytest.skip("the LeadLex import has no queued batches")
    queued = orjson.dumps({"data": {"job_id": "job-1", "status": "queued"}})
    odd_job = orjson.dumps({"data": {"id": "job-1", "state": "done"}})
    server_box: list[LoopbackServer] = []

    def answer(n: int) -> Answer:
        path = server_box[0].paths[n - 1]
        if "/jobs/" in path or path.rstrip("/").endswith("job-1"):
            return (200, {"Content-Type": "application/json"}, odd_job)
        if path.endswith("/import/contacts"):
            return (202, {"Content-Type": "application/json"}, queued)
        return JSON_OK

    with loopback_server(answer) as server:
        server_box.append(server)
        monkeypatch.setenv("LEADLEX_API_KEY", KEY)
        config = tmp_path / "config.toml"
        config.write_text('[leadlex.assumptions]\nimport_job_status_path = '
                          '"/v1/import/jobs/{job_id}"\n')
        code = main(["load", "--provider", "leadlex", "--scenario", "import",
                     "--base-url", server.url("/leadlex"), "--config", str(config),
                     "--out", str(tmp_path), "--users", "1", "--duration", "2s",
                     "--batch-size", "2", "--option", "max-rate=5"])
        polled = [p for p in server.paths if "/import/jobs/" in p]
    printed = capsys.readouterr().out
    assert code == 0, printed
    summary = read_json(tmp_path / "load" / "leadlex-import" / "summary.json")
    assert summary["config"]["job_status_path"] == "/v1/import/jobs/{job_id}"
    assert polled and all(p.endswith("/v1/import/jobs/job-1") for p in polled)
    harness = summary["harness"]
    assert harness["job_answers_unreadable"] == len(polled)  # one poll each: not followed
    assert "job answers unreadable" in printed
    log = (tmp_path / "load" / "leadlex-import" / "locust.log").read_text()
    assert "has no job status" in log and "state" in log
