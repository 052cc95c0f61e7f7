"""Targets that do not answer, answer 5xx or redirect: the load stage stays honest.

Real locust processes (``bulkbench load`` or ``python -m locust``) against real loopback
servers (``loopback_servers.py``); every run is capped in rate (``max-rate``) and, when
the harness works, ends long before its duration. Counts are asserted, never times.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bulkbench.cli import main
from bulkbench.loadtests.locust_processes import LOCUSTFILE
from bulkbench.loadtests.rate_limit_verdicts import Observation, analyse
from bulkbench.loadtests.sla_thresholds import evaluate
from bulkbench.loadtests.transport_failures import CONSECUTIVE_LIMIT, TransportWatch
from bulkbench.orchestration.profiles import ScenarioRun
from bulkbench.orchestration.steps import LoadStep, StepContext
from bulkbench.orchestration.targets import SharedSandboxes, Target

from .conftest import read_json
from .loopback_servers import JSON_OK, Answer, loopback_server

KEY = "wbk_loopbacktestkey0001"
#: answered before the target "dies": room for a preflight request and one real one.
ANSWERED_FIRST = 2
#: what a run may send at most before it stops by itself (users finish what is in flight).
STOP_BOUND = ANSWERED_FIRST + CONSECUTIVE_LIMIT + 10


def _dies_after_two(n: int) -> Answer:
    return JSON_OK if n <= ANSWERED_FIRST else None


def _fails_after_two(n: int) -> Answer:
    return JSON_OK if n <= ANSWERED_FIRST else (500, {}, b'{"error":"boom"}')


def _load(tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch, *args: str,
          sla: str | None = None) -> tuple[int, Path]:
    monkeypatch.setenv("LEADLEX_API_KEY", KEY)
    argv = ["load", "--provider", "leadlex", "--base-url", base_url, "--out", str(tmp_path),
            "--batch-size", "2", *args]
    if sla is not None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        (tmp_path / "sla.toml").write_text(sla)
        argv += ["--sla", str(tmp_path / "sla.toml")]
    scenario = args[args.index("--scenario") + 1] if "--scenario" in args else "steady"
    return main(argv), tmp_path / "load" / f"leadlex-{scenario}"


def _locust(tmp_path: Path, host: str, *args: str, key: str | None = KEY,
            seconds: int = 2) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BULKBENCH_") and k != "LEADLEX_API_KEY"}
    if key is not None:
        env["LEADLEX_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
         "-u", "1", "-r", "1", "-t", f"{seconds}s", "--stop-timeout", "2", "--only-summary",
         "--bb-batch-size", "2", "--bb-max-rate", "50", *args],
        env=env, capture_output=True, text=True, timeout=90, cwd=str(tmp_path))


# --------------------------------------------------------------------------- the rule


def test_transport_watch_trips_on_consecutive_failures_and_on_long_silence():
    now = [0.0]
    watch = TransportWatch(clock=lambda: now[0])
    for _ in range(CONSECUTIVE_LIMIT - 1):
        assert not watch.observe(False, "no answer: ConnectionRefusedError")
    assert watch.observe(True) is False and watch.consecutive == 0  # any answer resets
    trips = [watch.observe(False, "no answer: ConnectionResetError")
             for _ in range(CONSECUTIVE_LIMIT + 5)]
    assert trips.count(True) == 1 and trips.index(True) == CONSECUTIVE_LIMIT - 1
    assert "in a row got no HTTP answer" in watch.reason and "ConnectionResetError" in watch.reason

    slow = TransportWatch(clock=lambda: now[0])  # timeouts: a few, but a long silence
    now[0] += 29.0
    assert not slow.observe(False) and not slow.observe(False) and not slow.observe(False)
    now[0] += 2.0
    assert slow.observe(False) and slow.tripped


# --------------------------------------------------------------------------- item 1


def test_a_target_that_stops_answering_stops_the_run_which_exits_1(tmp_path, monkeypatch,
                                                                   capsys):
    with loopback_server(_dies_after_two) as server:
        code, out = _load(tmp_path, server.url("/leadlex"), monkeypatch, "--users", "2",
                          "--duration", "20s", "--option", "max-rate=200")
        received = server.requests
    printed = capsys.readouterr().out
    assert code == 1, printed
    assert "stopped early" in printed
    summary = read_json(out / "summary.json")
    assert "no HTTP answer" in summary["aborted"]["reason"]
    totals = summary["totals"]
    assert totals["transport_errors"] >= CONSECUTIVE_LIMIT
    assert totals["requests"] <= STOP_BOUND and received <= STOP_BOUND
    assert "bulkbench: stopping the run early" in (out / "locust.log").read_text()


def test_a_worker_whose_target_stops_answering_stops_the_whole_run(tmp_path, monkeypatch,
                                                                  capsys):
    with loopback_server(_dies_after_two) as server:
        code, out = _load(tmp_path, server.url("/leadlex"), monkeypatch, "--users", "2",
                          "--workers", "2", "--duration", "30s", "--option", "max-rate=100")
        received = server.requests
    assert code == 1, capsys.readouterr().out
    summary = read_json(out / "summary.json")
    assert "(worker " in summary["aborted"]["reason"]  # the master stopped on its report
    assert received <= 2 * STOP_BOUND
    assert summary["totals"]["transport_errors"] >= CONSECUTIVE_LIMIT


def test_without_an_error_rate_in_the_sla_any_5xx_fails_the_run(tmp_path, monkeypatch,
                                                                capsys):
    with loopback_server(_fails_after_two) as server:
        code, out = _load(tmp_path / "strict", server.url("/leadlex"), monkeypatch,
                          "--duration", "2s", "--option", "max-rate=20")
        printed = capsys.readouterr().out
        assert code == 1, printed
        summary = read_json(out / "summary.json")
        assert summary["aborted"] is None  # answered: measured, not abandoned
        assert summary["totals"]["server_errors"] > 0
        assert "answered 5xx" in printed

        code, out = _load(tmp_path / "lenient", server.url("/leadlex"), monkeypatch,
                          "--duration", "2s", "--option", "max-rate=20",
                          sla="[default]\nmax_error_rate = 1.0\n")
        assert code == 0, capsys.readouterr().out  # the SLA's error rate decides


def test_a_run_step_against_a_target_that_does_not_answer_is_an_error(tmp_path):
    with loopback_server(_dies_after_two) as server:
        ctx = StepContext(out=tmp_path, sandboxes=SharedSandboxes(probe_rate_limit=None),
                          targets={"leadlex": Target("leadlex", server.url("/leadlex"),
                                                     "LEADLEX_API_KEY", KEY)})
        step = LoadStep("leadlex", ScenarioRun("sweep", "20s", users=1,
                                               options=("max-rate=200",)))
        outcome = step.run(ctx)
    assert outcome.status == "error", outcome
    assert "did not answer" in outcome.line and outcome.reason


# --------------------------------------------------------------------------- item 2


def test_the_verdicts_without_evidence_are_inconclusive():
    dead = [Observation("ramp", i, i + 0.001, 0) for i in range(20)]
    verdict = analyse(dead)
    assert verdict["honest"] is None and verdict["verdict"] == "inconclusive"
    assert any("no answer" in why for why in verdict["inconclusive"])
    refused = [Observation("ramp", i, i + 0.01, 401) for i in range(20)]
    assert "HTTP 401: 20" in " ".join(analyse(refused)["inconclusive"])
    few = [Observation("ramp", 0, 0.01, 200, 20, 19, 60.0)]
    assert analyse(few)["honest"] is None
    sla = evaluate({"rate_limit_honest": True}, {"rate_limit": verdict})
    assert sla[0].passed is None and "inconclusive" in sla[0].detail


def test_the_probe_against_a_target_that_stops_answering_is_inconclusive_and_short(
        tmp_path, monkeypatch, capsys):
    with loopback_server(_dies_after_two) as server:
        code, out = _load(tmp_path, server.url("/leadlex"), monkeypatch, "--scenario",
                          "rate_limit", "--duration", "30s", "--option", "probe-start-rate=50",
                          sla="[default]\nrate_limit_honest = true\n")
        received = server.requests
    printed = capsys.readouterr().out
    assert code == 1, printed  # the run stopped early: the target did not answer
    assert "not honest" not in printed
    summary = read_json(out / "summary.json")
    probe = summary["rate_limit"]
    assert probe["honest"] is None and probe["verdict"] == "inconclusive", probe
    assert received <= STOP_BOUND
    verdicts = {v["name"]: v for v in summary["sla"]["verdicts"]}
    assert verdicts["rate_limit_honest"]["passed"] is None  # not measured, not failed


# --------------------------------------------------------------------------- item 3


def test_load_never_follows_a_redirect(tmp_path):
    with loopback_server(lambda n: JSON_OK) as elsewhere:
        location = elsewhere.url("/leadlex/contacts/bulk")

        def redirect(n: int) -> Answer:
            return 307, {"Location": location}, b""

        with loopback_server(redirect) as redirector:
            proc = _locust(tmp_path, redirector.url("/leadlex"), "--bb-out",
                           str(tmp_path / "out"), "--csv", str(tmp_path / "locust"))
            sent = redirector.requests
        assert elsewhere.requests == 0, elsewhere.paths
    assert sent > 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    totals = read_json(tmp_path / "out" / "summary.json")["totals"]
    assert totals["requests"] == totals["errors"] == sent and totals["ok"] == 0
    failures = (tmp_path / "locust_failures.csv").read_text()
    assert f"HTTP 307 redirect to {location}" in failures


# --------------------------------------------------------------------------- item 4


@pytest.mark.parametrize("host, key, expected", [
    ("http://127.0.0.1:9/leadlex", None, "the key variable LEADLEX_API_KEY is not set"),
    ("https://bulkbench.invalid/leadlex", KEY, "needs --bb-allow-host bulkbench.invalid"),
])
def test_standalone_locust_refusing_its_options_logs_one_line(tmp_path, host, key, expected):
    proc = _locust(tmp_path, host, key=key, seconds=3)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output[-3000:]
    assert output.count(expected) == 1, output[-3000:]
    assert "Traceback" not in output and "StopUser" not in output, output[-3000:]


def test_standalone_locust_logs_each_failed_sla_threshold(tmp_path):
    (tmp_path / "sla.toml").write_text(
        "[default]\nmax_p50_ms = 0.001\nmin_contacts_per_second = 1e12\nmax_error_rate = 1\n")
    with loopback_server(lambda n: JSON_OK) as server:
        proc = _locust(tmp_path, server.url("/leadlex"), "--bb-sla", str(tmp_path / "sla.toml"))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    assert "SLA threshold max_p50_ms failed: limit 0.001, measured" in output, output[-3000:]
    assert "SLA threshold min_contacts_per_second failed: limit 1e+12, measured" in output
    assert "SLA threshold max_error_rate" not in output  # passed: not logged as failed
