"""The command line: help, the catalog command, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bulkbench.cli import main

SUBCOMMANDS = ("run", "serve", "contract", "load", "generate", "report", "catalog")


def test_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


def test_catalog_json(capsys):
    assert main(["catalog", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_key = {e["key"]: e for e in data["endpoints"]}
    assert by_key["leadlex.bulk_create"]["max_batch"] == 500
    assert by_key["leadlex.add_to_list"]["max_batch"] == 100
    assert by_key["sociocs.bulk_upsert"]["max_batch"] == 10_000
    assert by_key["leadlex.import_contacts"]["sync_max_rows"] == 500


def test_catalog_table_through_the_console_script():
    proc = subprocess.run(
        [sys.executable, "-m", "bulkbench", "catalog"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    for key in (
        "leadlex.bulk_create",
        "leadlex.import_contacts",
        "leadlex.add_to_list",
        "datananas.bulk_create",
        "sociocs.bulk_upsert",
    ):
        assert key in proc.stdout


def test_bad_specs_folder_is_one_line_exit_2(tmp_path, capsys):
    assert main(["catalog", "--specs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no *.yaml spec files found" in err
    assert "Traceback" not in err


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["catalog", "--nope"]) == 2


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name, capsys):
    assert main([name, "--help"]) == 0
    assert name in capsys.readouterr().out
