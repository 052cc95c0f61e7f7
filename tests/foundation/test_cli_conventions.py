"""The command line keeps the conventions people expect: ``-h`` and ``--version``, shell
completion, one meaning for ``-o`` (``--out``), the values an option takes and examples in
every help, and output that is not a terminal never wrapped at a width. Every test runs
the real console script with its stdout piped, as a shell pipe or a CI log would."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bulkbench.contract.plan import known_checks
from bulkbench.core.catalog import default_catalog
from bulkbench.loadtests.load_settings import SCENARIOS
from bulkbench.orchestration.pipeline import STAGES
from bulkbench.orchestration.profiles import PROFILES
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.providers import load_plugins

#: every test runs the console script
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ("run", "serve", "contract", "load", "generate", "report", "catalog")


def bulkbench(*args: str, timeout: float = 60, columns: str | None = None,
              extra_env: dict[str, str] | None = None,
              cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The console script, stdout and stderr piped; ``COLUMNS`` only when given."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    env.update(extra_env or {})
    script = Path(sys.executable).with_name("bulkbench")
    return subprocess.run([str(script), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(cwd), check=False)


def _faults() -> list[str]:
    load_plugins()
    return list(FAULTS)


def _providers() -> list[str]:
    return [p.name for p in default_catalog().providers]


#: what each command's help must name: the values its options take.
VALUES = {
    "run": lambda: [*_providers(), *PROFILES, *STAGES, *_faults()],
    "contract": lambda: [*_providers(), *known_checks(), "alt"],
    "load": lambda: [*_providers(), *SCENARIOS, "sweep-sizes", "max-rate", *_faults()],
    "serve": lambda: [*_faults(), "alt"],
    "generate": lambda: [ep.key for ep in default_catalog().endpoints()]
    + ["json", "ndjson", "csv"],
    "report": lambda: [],
    "catalog": lambda: [],
}


def _examples(help_text: str) -> list[list[str]]:
    """The example command lines of a help text (after ``Examples:``), as argument lists
    without the ``bulkbench`` in front, comments and pipes cut off."""
    lines = help_text.split("Examples:", 1)[1].splitlines()
    found = []
    for line in lines[1:]:
        line = line.strip()
        if not line.startswith("bulkbench "):
            if found:
                break
            continue
        line = line.split(" #", 1)[0].split(" | ", 1)[0]
        found.append(shlex.split(line)[1:])
    return found


def test_short_help_and_the_command_list():
    done = bulkbench("-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: bulkbench")
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", done.stdout, re.M), name
    for option in ("-h, --help", "--version", "--install-completion", "--show-completion"):
        assert option in done.stdout
    assert "Examples:" in done.stdout


def test_version_comes_from_the_installed_distribution():
    done = bulkbench("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"bulkbench {metadata.version('bulkbench')}"


@pytest.mark.parametrize("command", COMMANDS)
def test_each_help_lists_the_values_and_examples_that_parse(command):
    done = bulkbench(command, "-h")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "{" not in text.replace("{key, max_batch}", ""), "a placeholder was not filled"
    missing = [value for value in VALUES[command]() if value not in text]
    assert missing == []
    examples = _examples(text)
    assert len(examples) >= 2, text
    for args in examples:
        assert args[0] == command, args
        # the options of an example exist: -h after them shows the help, an unknown one
        # or a missing value is a usage error (exit 2)
        checked = bulkbench(*args, "-h")
        assert checked.returncode == 0, (args, checked.stdout[-500:], checked.stderr)


def test_help_sent_to_a_pipe_is_not_wrapped():
    done = bulkbench("run", "-h", columns="50")
    line = next(li for li in done.stdout.splitlines() if "--api-key" in li)
    assert "a command line is visible to other users" in line


@pytest.mark.parametrize("command", ("run", "load", "contract", "generate"))
def test_o_is_out_in_every_command(command):
    done = bulkbench(command, "-h")
    assert re.search(r"^  -o, --out (DIR|FILE) ", done.stdout, re.M), done.stdout
    assert "--output" not in done.stdout


def test_a_locustfile_option_given_to_o_is_refused_with_the_new_spelling(tmp_path):
    done = bulkbench("load", "-p", "sociocs", "--duration", "1s", "-o", "max-rate=5",
                     cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--option max-rate=5" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing ran, no folder named max-rate=5


def test_shell_completion_script_and_values():
    script = bulkbench("--show-completion", "bash")
    assert script.returncode == 0, script.stderr
    assert "_BULKBENCH_COMPLETE" in script.stdout
    env = {"_BULKBENCH_COMPLETE": "complete_bash", "COMP_WORDS": "bulkbench load --scenario s",
           "COMP_CWORD": "3"}
    done = bulkbench(extra_env=env)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {s for s in SCENARIOS if s.startswith("s")}
    env["COMP_WORDS"], env["COMP_CWORD"] = "bulkbench run --sandbox-fault sociocs_status", "3"
    done = bulkbench(extra_env=env)
    assert "sociocs_status_ok" in done.stdout.split()


@pytest.mark.parametrize("columns", [None, "40"])
def test_catalog_piped_has_whole_names(columns):
    done = bulkbench("catalog", columns=columns)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for ep in default_catalog().endpoints():
        assert any(re.match(rf"│ {re.escape(ep.key)} +│ {re.escape(ep.method)} "
                            rf"{re.escape(ep.path)} +│", line) for line in lines), ep.key
        for error in ep.errors:
            if error.codes:
                assert f"{error.status} {', '.join(error.codes)}" in done.stdout
    shown = done.stdout
    for ep in default_catalog().endpoints():  # a key's prefix is shown as `wbk_…`
        if ep.auth is not None and ep.auth.key_prefix:
            shown = shown.replace(f"{ep.auth.key_prefix}…", "")
    assert "…" not in shown  # nothing cut short


@pytest.mark.timeout(300)
def test_a_piped_run_prints_one_line_per_progress_event(tmp_path):
    out = tmp_path / "a-run-folder"
    done = bulkbench("run", "--provider", "sociocs", "--skip", "contract", "-o", str(out),
                     timeout=280, columns="40")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("bulkbench run (quick): sociocs") and lines[0].endswith(str(out))
    started = [line for line in lines if line.startswith("→ ")]
    ended = [line for line in lines if line[:2] in ("✔ ", "✘ ", "■ ")]
    assert len(started) == len(ended) >= 2, lines
    for begin, end in zip(started, ended, strict=True):
        name = begin.removeprefix("→ ").removesuffix(" …")
        assert re.fullmatch(rf"✔ {re.escape(name)}: .+ \(\d+ s\)", end), end
    assert "- contract suite: --skip contract" in lines
    # the summary table: its header and its row each on one line
    assert any("provider" in line and "peak contacts/s" in line and "rate limit" in line
               for line in lines), lines
    assert any(line.startswith("│ sociocs") and "honest" in line for line in lines), lines
    assert lines[-1] == f"report: {out / 'index.html'}"


@pytest.mark.timeout(120)
def test_a_piped_load_prints_whole_lines(tmp_path):
    out = tmp_path / "load-run"
    done = bulkbench("load", "-p", "sociocs", "--scenario", "steady", "--duration", "2s",
                     "--batch-size", "10", "-o", str(out), timeout=110, columns="40")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(re.fullmatch(rf"load: .+ on sociocs\.bulk_upsert \(closed model, .+\) → "
                            rf"{re.escape(str(out / 'load' / 'sociocs-steady'))}", line)
               for line in lines), lines
    assert any(line.startswith("done: ") for line in lines), lines
    assert f"run folder: {out / 'load' / 'sociocs-steady'}" in lines
