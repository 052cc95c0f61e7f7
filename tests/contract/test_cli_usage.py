"""Bad usage of `bulkbench contract` is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

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
