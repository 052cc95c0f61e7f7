"""Adding a provider never breaks another: a spec of the user's own (a copy of Sociocs'
under the name ``acme``, with an envelope, a key variable and counters of its own) is
added with ``--spec``; the catalog lists it, the generators accept it, and the contract
suite runs all four providers against the sandbox: the bundled three as without it, the
new one through the generic checks and the generic sandbox, whose faults are caught."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bulkbench.core.catalog import load_catalog
from bulkbench.core.config import load_config
from bulkbench.core.providers import SPECS_ENV
from bulkbench.generators.edge_cases import edge_cases
from tests.foundation.added_provider import ACME_KEY_ENV, write_acme_spec

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]


def _bulkbench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != SPECS_ENV}
    return subprocess.run([sys.executable, "-m", "bulkbench", *args], cwd=cwd, env=env,
                           capture_output=True, text=True, check=False)


def _verdicts(results: Path, provider: str) -> dict[str, str]:
    data: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return {r["nodeid"].split("[", 1)[-1]: r["status"] for r in data["results"]
            if r["provider"] == provider}


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_acme_spec(tmp_path_factory.mktemp("user") / "specs")


def test_the_catalog_lists_it_and_the_config_names_it(acme: Path, tmp_path: Path) -> None:
    done = _bulkbench("catalog", "--json", "--spec", str(acme.parent), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    keys = [e["key"] for e in json.loads(done.stdout)["endpoints"]]
    assert "acme.bulk_upsert" in keys and "sociocs.bulk_upsert" in keys
    config = tmp_path / "providers.toml"
    config.write_text(f'specs = ["{acme}"]\n\n[acme]\nlist_id = 7\n', encoding="utf-8")
    loaded = load_config(config)
    assert loaded.provider("acme").list_id == "7"
    assert loaded.provider("acme").key_env["full"] == ACME_KEY_ENV
    assert loaded.provider("leadlex").key_env["full"] == "LEADLEX_API_KEY"


def test_the_generators_build_its_cases_beside_the_others(acme: Path, tmp_path: Path) -> None:
    catalog = load_catalog(added=[acme])
    names = [p.name for p in catalog.providers]
    assert names == ["datananas", "hubspot", "leadlex", "sociocs", "acme"]
    cases = edge_cases(catalog)
    assert any(c.endpoint == "acme.bulk_upsert" for c in cases)
    bundled = [c.name for c in edge_cases(load_catalog())]
    assert [c.name for c in cases if not c.name.startswith("acme.")] == bundled
    done = _bulkbench("generate", "--spec", str(acme), "--endpoint", "acme.bulk_upsert",
                      "--size", "3", "--out", str(tmp_path / "acme.jsonl"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout


def test_all_four_run_and_only_the_new_one_is_new(acme: Path, tmp_path: Path) -> None:
    alone = _bulkbench("contract", "--out", str(tmp_path / "three"), cwd=tmp_path)
    assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr
    four = _bulkbench("contract", "--provider", "all", "--spec", str(acme),
                      "--out", str(tmp_path / "four"), cwd=tmp_path)
    assert four.returncode == 0, four.stdout[-3000:] + four.stderr
    for provider in ("leadlex", "datananas", "sociocs"):
        assert _verdicts(tmp_path / "four" / "results.json", provider) == _verdicts(
            tmp_path / "three" / "results.json", provider), provider
    mine = Counter(_verdicts(tmp_path / "four" / "results.json", "acme").values())
    assert mine["failed"] == 0 and mine["passed"] > 30, mine


@pytest.mark.parametrize("fault", ["generic_created_off_by_one", "generic_upsert_duplicates",
                                   "error_envelope_missing_message"])
def test_a_fault_of_the_generic_sandbox_is_caught(acme: Path, tmp_path: Path,
                                                  fault: str) -> None:
    done = _bulkbench("contract", "--provider", "acme", "--spec", str(acme),
                      "--sandbox-fault", fault, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert "failed" in Counter(_verdicts(tmp_path / "out" / "results.json", "acme").values())
