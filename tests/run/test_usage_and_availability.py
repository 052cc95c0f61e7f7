"""What `bulkbench run` refuses before doing anything (exit 2, one line), and a stage that
cannot be imported: reported as not run, never as passed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from bulkbench.cli import main

from .conftest import REPO


@pytest.mark.parametrize("argv, message", [
    (["--provider", "nope"], "--provider 'nope'"),
    (["--profile", "slow"], "--profile 'slow'"),
    (["--skip", "report"], "--skip report"),
    (["--base-url", "http://127.0.0.1:9"], "--base-url is one provider's URL"),
    (["--provider", "leadlex", "--base-url", "ftp://x"], "expected an http:// or https://"),
    (["--provider", "leadlex", "--base-url", "https://api.example.com", "--api-key",
      "wbk_0123456789abcdef"], "--allow-host api.example.com"),
    (["--provider", "sociocs", "--base-url", "http://127.0.0.1:9"], "no key for sociocs"),
    (["--provider", "leadlex", "--base-url", "http://127.0.0.1:9", "--api-key",
      "wbk_0123456789abcdef", "--sandbox-fault", "request_id_missing"], "sandbox only"),
    (["--sandbox-fault", "no_such_fault"], "no_such_fault"),
])
def test_usage_errors_are_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SOCIOCS_API_KEY", raising=False)
    out = tmp_path / "run"
    assert main(["run", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err and err.strip().count("\n") <= 2, err
    assert not out.exists() or not any(out.iterdir())
    assert "wbk_0123456789abcdef" not in err


def test_a_malformed_sla_file_is_refused_before_anything_runs(tmp_path, capsys):
    sla = tmp_path / "sla.toml"
    sla.write_text("[default]\nmax_p99 = 5\n")
    assert main(["run", "--sla", str(sla), "--out", str(tmp_path / "run")]) == 2
    assert "max_p99: unknown key" in capsys.readouterr().err


def test_a_run_folder_in_use_is_refused(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text("{}")
    assert main(["run", "--out", str(tmp_path / "run")]) == 2
    assert "not an empty folder" in capsys.readouterr().err


@pytest.mark.timeout(120)
def test_a_stage_that_does_not_import_is_not_run_and_never_passes(tmp_path):
    """The contract stage's module made unimportable (as a broken install would)."""
    out = tmp_path / "run"
    code = ("import sys; sys.modules['bulkbench.contract.suite_process'] = None; "
            "from bulkbench.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "run", "--provider", "sociocs",
                           "--skip", "load", "--out", str(out)], capture_output=True,
                          text=True, timeout=110, cwd=str(REPO), check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "INCOMPLETE" in done.stdout
    manifest = orjson.loads((out / "run.json").read_bytes())
    contract = next(s for s in manifest["steps"] if s["stage"] == "contract")
    assert contract["status"] == "not_run"
    assert contract["reason"].startswith("the contract stage is not available (")
    assert "bulkbench.contract.suite_process" in contract["reason"]
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["verdict"]["status"] == "incomplete"
    assert any("contract suite not run" in r for r in summary["verdict"]["reasons"])
    html = Path(out / "index.html").read_text()
    assert "not run" in html and "bulkbench.contract.suite_process" in html
