"""Error messages are plain text: a path or a name holding rich markup (``[/b]``,
``[red]``, a TOML table ``[leadlx]``) is printed as given, never interpreted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.cli import main


@pytest.mark.parametrize("command", ["contract", "run", "load"])
def test_a_path_with_a_closing_tag_is_printed_as_given(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "[/b]cfg.toml"
    extra = ["--provider", "sociocs"]
    code = main([command, *extra, "--config", str(missing), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(missing) in err and "Traceback" not in err


def test_a_path_with_a_style_tag_is_printed_as_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "[red]cfg.toml"
    assert main(["contract", "--config", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert str(missing) in capsys.readouterr().err


def test_a_misspelt_table_is_named_in_the_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "[red]cfg.toml"
    config.write_text('[leadlx]\nbase_url = "http://127.0.0.1:9"\n')
    assert main(["run", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [leadlx]: unknown provider" in err, err


def test_a_run_folder_with_markup_in_its_name_is_printed_as_given(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:  # a port nobody listens on: the run stops at once
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    out = tmp_path / "[/b][red]run"
    done = subprocess.run(
        [sys.executable, "-m", "bulkbench", "run", "--provider", "sociocs", "--base-url", url,
         "--api-key", "sociocs_0123456789abcdef", "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False, env={"COLUMNS": "300",
                                                                        "PATH": ""})
    printed = done.stdout + done.stderr
    assert done.returncode == 1, printed
    assert "Traceback" not in printed
    assert f"run folder {out}" in done.stdout and str(out / "index.html") in done.stdout
