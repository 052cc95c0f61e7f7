"""A provider that hangs, resets connections, answers HTML, truncated JSON or a storm of
5xx is reported as failures of the named checks: exit 1, results.json, never a crash or a
hang (a short per-request timeout, and a target taken for unreachable after a few)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.contract.results import read_results
from tests.contract.bad_provider import MODES, BadProvider
from tests.contract.conftest import run_cli

KEY = "bad-provider-test-key-0123456789"


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_provider_is_reported_not_crashed(mode: str, out_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOCIOCS_API_KEY", KEY)
    with BadProvider(mode) as provider:
        code = run_cli("--provider", "sociocs", "--base-url", provider.url,
                       "--out", str(out_dir), "--timeout", "1", "--max-examples", "3")
    captured = capsys.readouterr()
    assert code == 1, captured.err
    results = read_results(out_dir / "results.json")
    failed = [r for r in results["results"] if r["status"] == "failed"]
    assert failed
    titles = {r["failure"]["title"] for r in failed}
    assert "check crashed" not in titles, [r["failure"] for r in failed
                                           if r["failure"]["title"] == "check crashed"]
    assert all(r["status"] in ("passed", "failed", "skipped") for r in results["results"])
    assert KEY not in captured.out + captured.err
    assert KEY not in (out_dir / "results.json").read_text()
    assert KEY not in (out_dir / "junit.xml").read_text()


def test_a_hanging_leadlex_is_reported_on_every_endpoint(out_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("LEADLEX_API_KEY", "wbk_" + "h" * 28)
    with BadProvider("hang") as provider:
        code = run_cli("--provider", "leadlex", "--base-url", provider.url, "--out",
                       str(out_dir), "--timeout", "1", "--max-examples", "2",
                       "--job-timeout", "2")
    assert code == 1
    results = read_results(out_dir / "results.json")
    failed_endpoints = {r["endpoint"] for r in results["results"] if r["status"] == "failed"}
    assert failed_endpoints == {"leadlex.bulk_create", "leadlex.import_contacts",
                                "leadlex.add_to_list", "leadlex.import_job_status"}


@pytest.mark.parametrize("mode", ["hang", "reset"])
def test_a_target_that_never_answers_is_unreachable_not_failed(
        mode: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """No check runs against a target that does not answer its first request: one line,
    exit 1, no verdict on the provider."""
    monkeypatch.setenv("SOCIOCS_API_KEY", KEY)
    with BadProvider(mode, preflight=False) as provider:
        code = run_cli("--provider", "sociocs", "--base-url", provider.url,
                       "--out", str(out_dir), "--timeout", "1")
    captured = capsys.readouterr()
    assert code == 1
    assert "unreachable" in captured.out + captured.err
    results = out_dir / "results.json"
    assert not results.exists() or read_results(results)["summary"]["failed"] == 0
