"""The load stage sends Datananas' contacts under the names the provider config settles
(field_names, NOTES D1): against a sandbox serving those names every batch is accepted."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bulkbench.cli import main


def test_batches_carry_the_configured_field_names(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "cfg.toml"
    config.write_text('[datananas.assumptions]\nfield_names = {email = "email_address", '
                      'firstName = "first_name"}\n', encoding="utf-8")
    code = main(["load", "--provider", "datananas", "--config", str(config), "--duration",
                 "3s", "--rate", "5", "--batch-size", "3", "--out", str(tmp_path / "run")])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    summary = orjson.loads((tmp_path / "run" / "load" / "datananas-steady" /
                            "summary.json").read_bytes())
    totals = summary["totals"]
    assert totals["requests"] > 0 and totals["errors"] == 0, totals
    assert totals["contacts"] == 3 * totals["requests"], totals
