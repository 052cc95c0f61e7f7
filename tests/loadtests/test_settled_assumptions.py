"""The load stage reads the open points the provider config settles
(``[provider.assumptions]``, ``contract/assumptions.py``): the WebSocket's auth, the
rate limit's numbers and Reset style, the job status path.

Real runs only: ``bulkbench load`` starts real locust processes against a real sandbox
(the module's default one, a sandbox serving the ``alt`` variant, or the one the command
starts itself with the config's readings). Nothing asserts a wall-clock time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.cli import main
from bulkbench.sandbox.process import start_sandbox

from .conftest import read_json, reset


def _config(tmp_path: Path, provider: str, **values: object) -> Path:
    lines = [f"[{provider}.assumptions]"]
    for key, value in values.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    path = tmp_path / f"{provider}-assumptions.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _no_token(folder: Path, token: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def _websocket_run(tmp_path: Path, *args: str) -> tuple[int, dict]:
    code = main(["load", "--provider", "datananas", "--scenario", "websocket",
                 "--out", str(tmp_path), "--users", "1", "--duration", "3s",
                 "--batch-size", "10", *args])
    summary = read_json(tmp_path / "load" / "datananas-websocket" / "summary.json")
    return code, summary


def _followed_every_transaction(summary: dict) -> None:
    totals = summary["totals"]
    assert totals["ok"] > 0 and totals["errors"] == 0
    assert summary["latency"]["ws_ending"]["count"] == totals["ok"]
    assert summary["harness"].get("websocket_endings_missed", 0) == 0
    assert summary["harness"].get("websocket_connect_errors", 0) == 0
    assert totals["contacts"] == totals["ok"] * 10


def test_websocket_query_auth_with_the_configured_parameter(
        tmp_path, sandbox, monkeypatch, capsys):
    if "bulk_create" not in sandbox.info["providers"]["datananas"]["endpoints"]:
        pytest.skip("the sandbox does not serve Datananas")
    reset(sandbox)
    token = sandbox.key("datananas")
    monkeypatch.setenv("DATANANAS_ACCESS_TOKEN", token)
    config = _config(tmp_path, "datananas", websocket_auth="query",
                     websocket_token_param="access_token")
    code, summary = _websocket_run(tmp_path, "--base-url", sandbox.base_url("datananas"),
                                   "--config", str(config))
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert summary["config"]["ws_auth"] == "query"
    assert summary["config"]["ws_token_param"] == "access_token"
    _followed_every_transaction(summary)
    assert token not in printed
    _no_token(tmp_path, token)


def test_websocket_with_the_wrong_auth_gets_no_ending(tmp_path, sandbox, monkeypatch, capsys):
    """The default sandbox takes the token as a query parameter: told "header", the run
    sends it as a header, the sandbox closes the socket, and no ending arrives (proof that
    the configured auth, not a fixed one, is what the run uses)."""
    if "bulk_create" not in sandbox.info["providers"]["datananas"]["endpoints"]:
        pytest.skip("the sandbox does not serve Datananas")
    reset(sandbox)
    token = sandbox.key("datananas")
    monkeypatch.setenv("DATANANAS_ACCESS_TOKEN", token)
    config = _config(tmp_path, "datananas", websocket_auth="header")
    _, summary = _websocket_run(tmp_path, "--base-url", sandbox.base_url("datananas"),
                                "--config", str(config))
    printed = capsys.readouterr().out
    assert summary["config"]["ws_auth"] == "header"
    assert "ws_ending" not in summary["latency"]
    assert summary["totals"]["contacts"] == 0
    assert summary["harness"].get("websocket_endings_missed", 0) >= 1
    assert "follow-up problems" in printed
    assert token not in printed
    _no_token(tmp_path, token)


def test_websocket_header_auth_against_the_alt_variant(tmp_path, monkeypatch, capsys):
    """The ``alt`` sandbox variant takes the token as ``Authorization: Bearer`` (and
    answers 201: any 2xx is a success for the load stage)."""
    with start_sandbox(tmp_path / "sandbox", variant="alt") as alt:
        served = alt.info["providers"]["datananas"]
        if "bulk_create" not in served["endpoints"]:
            pytest.skip("the sandbox does not serve Datananas")
        assert served["assumptions"]["websocket_auth"] == "header"
        token = alt.key("datananas")
        monkeypatch.setenv("DATANANAS_ACCESS_TOKEN", token)
        config = _config(tmp_path, "datananas", websocket_auth="header",
                         websocket_url=str(served["websocket"]["url"]), success_status=201,
                         transaction_id_pointer="/transactionId")
        code, summary = _websocket_run(tmp_path / "run", "--base-url",
                                       alt.base_url("datananas"), "--config", str(config))
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert summary["config"]["ws_auth"] == "header"
    _followed_every_transaction(summary)
    assert token not in printed
    _no_token(tmp_path / "run", token)


def test_websocket_subprotocol_auth_on_the_sandbox_the_command_starts(tmp_path, capsys):
    """Without a base URL the command starts a sandbox serving the config's readings."""
    config = _config(tmp_path, "datananas", websocket_auth="subprotocol")
    code, summary = _websocket_run(tmp_path / "run", "--config", str(config))
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert summary["config"]["ws_auth"] == "subprotocol"
    _followed_every_transaction(summary)


def _probe(tmp_path: Path, *args: str) -> tuple[int, dict]:
    argv = ["load", "--provider", "leadlex", "--scenario", "rate_limit", "--duration", "30s",
            "--out", str(tmp_path), "--option", "probe-start-rate=10",
            "--option", "probe-step-seconds=0.5",
            "--option", "probe-max-rate=100", "--option", "probe-compare-seconds=1",
            "--option", "probe-poll-seconds=0.05", *args]
    code = main(argv)
    summary = read_json(tmp_path / "load" / "leadlex-rate_limit" / "summary.json")
    return code, summary


def test_the_probe_judges_by_the_configured_limit(tmp_path, capsys):
    """rate_limit_requests = 6 per 2 s with delta-seconds Resets: the sandbox the command
    starts enforces that, and the verdict is computed with it."""
    config = _config(tmp_path, "leadlex", rate_limit_requests=6, rate_limit_window_seconds=2,
                     rate_limit_reset="delta-seconds")
    code, summary = _probe(tmp_path / "run", "--config", str(config))
    printed = capsys.readouterr().out
    assert code == 0, printed
    probe = summary["rate_limit"]
    assert probe["assumed"] == {"requests": 6, "window_seconds": 2.0, "reset": "delta-seconds"}
    assert summary["config"]["rate_limit_requests"] == 6
    assert summary["config"]["rate_limit_reset"] == "delta-seconds"
    assert probe["observed_limit"] == probe["advertised_limit"] == 6, probe["problems"]
    assert probe["assumption_mismatches"] == []
    assert probe["reset"]["honest"] is True, probe["reset"]
    assert probe["honest"] is True, probe["problems"]


def test_a_limit_other_than_the_configured_one_is_an_assumption_mismatch(tmp_path, capsys):
    """The config says 9 per 2 s; the sandbox enforces 6: the headers are still honest,
    and the difference is a mismatch naming rate_limit_requests, not dishonesty."""
    config = _config(tmp_path, "leadlex", rate_limit_requests=9, rate_limit_window_seconds=2)
    code, summary = _probe(tmp_path / "run", "--config", str(config),
                              "--sandbox-rate-limit", "6/2")
    printed = capsys.readouterr().out
    assert code == 0, printed
    probe = summary["rate_limit"]
    assert probe["assumed"]["requests"] == 9
    assert probe["observed_limit"] == probe["advertised_limit"] == 6
    assert [m["key"] for m in probe["assumption_mismatches"]] == ["rate_limit_requests"]
    assert probe["honest"] is True, probe["problems"]
    assert "[leadlex.assumptions] rate_limit_requests" in printed


def test_the_probe_reads_reset_in_the_configured_style(tmp_path, monkeypatch, capsys):
    """The sandbox serves epoch-second Resets (the spec's reading); a config that says
    delta-seconds gets a mismatch on rate_limit_reset and no verdict on the Reset's
    honesty, never "not honest"."""
    config = _config(tmp_path, "leadlex", rate_limit_requests=6, rate_limit_window_seconds=2,
                     rate_limit_reset="delta-seconds")
    with start_sandbox(tmp_path / "sandbox", rate_limit="6/2") as epoch:
        monkeypatch.setenv("LEADLEX_API_KEY", epoch.key("leadlex"))
        code, summary = _probe(tmp_path / "run", "--base-url", epoch.base_url("leadlex"),
                                  "--config", str(config))
    printed = capsys.readouterr().out
    assert code == 0, printed
    probe = summary["rate_limit"]
    assert probe["assumed"]["reset"] == "delta-seconds"
    assert [m["key"] for m in probe["assumption_mismatches"]] == ["rate_limit_reset"]
    assert probe["reset"]["honest"] is None
    assert probe["honest"] is True, probe["problems"]
