"""Bad usage of `bulkbench contract` is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import run_cli


@pytest.mark.parametrize("args", [
    ["--provider", "nope"],
    ["--provider", "all", "--base-url", "http://127.0.0.1:9"],
    ["--max-examples", "0"],
    ["--config", "/nonexistent/bulkbench.toml"],
    ["--provider", "leadlex", "--sandbox-fault", "no_such_fault"],
    ["--provider", "sociocs", "--base-url", "ftp://example.test"],
])
def test_bad_usage_is_one_line_and_exit_2(args: list[str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(*args, "--out", str(tmp_path / "out"))
    captured = capsys.readouterr()
    assert code == 2
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out


def test_a_real_provider_without_its_key_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIOCS_API_KEY", raising=False)
    code = run_cli("--provider", "sociocs", "--base-url", "http://127.0.0.1:9",
                   "--out", str(tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 2
    assert "SOCIOCS_API_KEY" in err and len(err.strip().splitlines()) == 1


def test_an_unknown_check_is_a_usage_error_naming_the_known_ones(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli("--provider", "sociocs", "--check", "no_such_check",
                   "--out", str(tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 2
    assert "no_such_check" in err and "batch_over_max_rejected" in err
    assert "not_a_server_error" in err  # schemathesis' checks are known too
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_list_checks_prints_every_check_with_its_summary(
        capsys: pytest.CaptureFixture[str]) -> None:
    from bulkbench.contract.checks import CHECKS
    from bulkbench.contract.conformance import CHECK_NAMES

    assert run_cli("--list-checks") == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert set(lines) == set(CHECKS) | set(CHECK_NAMES)
    for name, spec in CHECKS.items():
        assert spec.summary in lines[name]
    assert all(len(line.split()) > 2 for line in lines.values())


def test_plain_pytest_refuses_an_unknown_check(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "bulkbench.contract", "-q",
         "-p", "no:cacheprovider",
         "--provider", "sociocs", "--base-url", "http://127.0.0.1:9", "--check",
         "no_such_check", "--junitxml", str(tmp_path / "junit.xml")],
        capture_output=True, text=True, timeout=120, cwd=str(tmp_path), check=False,
        env={**os.environ, "SOCIOCS_API_KEY": "abcdefgh12345678"})
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "no_such_check" in done.stderr and "batch_over_max_rejected" in done.stderr
    assert not (tmp_path / "junit.xml").exists()
