"""Where the sandbox's assumption values come from, and one clear error when they are wrong:
``--variant NAME`` (``sandbox/variants/NAME.toml``), ``--assumptions FILE``, and the
settings themselves. Every error names the file (or ``assumptions``) and the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bulkbench.sandbox.assumed import VARIANTS_DIR, load_assumptions, resolve, variant_names
from bulkbench.sandbox.errors import SandboxError
from bulkbench.sandbox.settings import SandboxSettings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assumed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_alt_is_shipped_next_to_the_code() -> None:
    assert "alt" in variant_names()
    assert (VARIANTS_DIR / "alt.toml").is_file()
    values, files = resolve("alt")
    assert values["leadlex"]["success_status"] == 201
    assert files == (str(VARIANTS_DIR / "alt.toml"),)


def test_unknown_variant_names_the_file_it_looked_for_and_the_known_ones() -> None:
    with pytest.raises(SandboxError) as err:
        resolve("nope")
    message = str(err.value)
    assert "--variant nope" in message and "alt" in message
    assert str(VARIANTS_DIR / "nope.toml") in message
    with pytest.raises(SandboxError):
        resolve("../variants/alt")


def test_a_file_wins_over_the_variant_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[leadlex.assumptions]\nsuccess_status = 202\n")
    values, files = resolve("alt", [path])
    assert values["leadlex"]["success_status"] == 202
    assert values["leadlex"]["idempotency_reuse"] == "original"  # the variant's
    assert files[-1] == str(path)


@pytest.mark.parametrize(("text", "names"), [
    ("[leadlex.assumptions\n", ["not valid TOML"]),
    ("[leadlex.assumptions]\nsuccess_status = \"201\"\n", ["leadlex.assumptions.success_status",
                                                           "expected int"]),
    ("[leadlex.assumptions]\nno_such_key = 1\n", ["no_such_key", "unknown key"]),
    ("[pony.assumptions]\nsuccess_status = 201\n", ["[pony]", "unknown provider"]),
    ("[sociocs.assumptions]\nwebsocket_auth = \"header\"\n", ["websocket_auth",
                                                              "applies only to datananas"]),
    ("[leadlex.assumptions]\nsuccess_status = 500\n", ["[leadlex.assumptions] success_status",
                                                       "200..299"]),
    ("[leadlex.assumptions]\nimport_job_status_path = \"/v1/jobs\"\n",
     ["import_job_status_path", "{job_id}"]),
    ("[leadlex.assumptions]\nrequired_scope = \"write contacts\"\n",
     ["required_scope", "without spaces"]),
    ("[leadlex.assumptions]\nrow_error_codes = []\n", ["row_error_codes", "at least one"]),
    ("[datananas.assumptions]\nerror_message_pointer = \"/reason\"\n",
     ["error pointers", "overlap"]),
    ("[leadlex.assumptions]\nrate_limit_requests = 0\n", ["rate_limit_requests", "> 0"]),
])
def test_a_bad_file_is_one_error_naming_file_and_key(tmp_path: Path, text: str,
                                                     names: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SandboxError) as err:
        load_assumptions(path)
    message = str(err.value)
    assert str(path) in message
    for name in names:
        assert name in message


def test_settings_check_their_values_too() -> None:
    with pytest.raises(SandboxError, match=r"assumptions: \[leadlex.assumptions\] "
                                           r"idempotency_reuse: expected one of"):
        SandboxSettings(assumptions={"leadlex": {"idempotency_reuse": "whatever"}})


def test_the_variant_file_is_a_provider_config() -> None:
    from bulkbench.core.config import load_config

    config = load_config(VARIANTS_DIR / "alt.toml")
    assert config.provider("datananas").assumptions["websocket_auth"] == "header"
    assert config.provider("leadlex").base_url is None  # only assumptions


def test_python_m_sandbox_refuses_an_unknown_variant_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bulkbench.sandbox", "--data", str(tmp_path / "d"),
                           "--variant", "nope"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: --variant nope: unknown sandbox variant")
    assert "Traceback" not in done.stderr


def test_bulkbench_serve_refuses_a_bad_file_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[leadlex.assumptions]\nsuccess_status = 500\n")
    done = subprocess.run([sys.executable, "-m", "bulkbench", "serve", "--data",
                           str(tmp_path / "d"), "--assumptions", str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and "success_status" in done.stderr
    assert "Traceback" not in done.stderr


def test_bulkbench_serve_help_lists_the_new_options() -> None:
    done = subprocess.run([sys.executable, "-m", "bulkbench", "serve", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200", "TERM": "dumb"})
    for option in ("--variant", "--assumptions", "--header-timeout", "--body-timeout",
                   "--max-connections"):
        assert option in done.stdout, option
