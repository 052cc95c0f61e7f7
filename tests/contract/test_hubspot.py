"""HubSpot, the fourth provider: its spec (``specs/hubspot.yaml``) plus one folder
(``providers/hubspot/``, imported as ``bulkbench.providers.hubspot``). The catalog reads
what the spec says with the generic fields (per-endpoint success status, contacts nested
at ``/properties``, its own rate-limit headers); the contract suite passes against the
sandbox, and each of the folder's sandbox faults is caught by the check expected to catch
it (``bench/detection.py``'s EXPECTED)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.detection import EXPECTED
from bulkbench.core.catalog import load_catalog
from bulkbench.core.providers import SPECS_ENV, folder
from bulkbench.generators.contact_batches import valid_items
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.providers import load_plugins

HUBSPOT_FAULTS = ("hubspot_conflict_creates_the_rest", "hubspot_upsert_clears_left_out",
                  "hubspot_upsert_new_always_true")


def test_the_spec_says_it_with_the_generic_fields() -> None:
    hubspot = load_catalog().provider("hubspot")
    create, upsert = hubspot.endpoint("batch_create"), hubspot.endpoint("batch_upsert")
    assert (create.success_status, upsert.success_status) == (201, 200)
    assert (create.fields_at, upsert.fields_at) == ("/properties", "/properties")
    assert "email" in create.contact_fields and upsert.identity_keys == ("id",)
    assert (hubspot.rate_headers.limit, hubspot.rate_headers.remaining,
            hubspot.rate_headers.reset) == ("X-HubSpot-RateLimit-Max",
                                            "X-HubSpot-RateLimit-Remaining", "")
    assert hubspot.key_env == "HUBSPOT_ACCESS_TOKEN"
    assert hubspot.error_envelope.code == "/category"


def test_the_generators_nest_the_contact_and_fill_the_upsert_id() -> None:
    catalog = load_catalog()
    created = valid_items(catalog.endpoint("hubspot.batch_create"), 3, seed=1)
    assert all(set(i) == {"properties"} and "@" in i["properties"]["email"] for i in created)
    upserted = valid_items(catalog.endpoint("hubspot.batch_upsert"), 3, seed=1)
    assert all(i["idProperty"] == "email" and "@" in i["id"] and "email" not in i["properties"]
               for i in upserted)
    assert len({i["id"] for i in upserted}) == 3


def test_the_folder_is_found_by_its_name_and_registers_its_faults() -> None:
    found = folder("hubspot")
    assert found is not None and found.sandbox == ("bulkbench.providers.hubspot.sandbox",)
    load_plugins()
    assert {f for f in FAULTS if f.startswith("hubspot_")} == set(HUBSPOT_FAULTS)
    assert all(f in EXPECTED and EXPECTED[f] for f in HUBSPOT_FAULTS)


def _contract(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != SPECS_ENV}
    done = subprocess.run([sys.executable, "-m", "bulkbench", "contract", "--provider",
                           "hubspot", "--out", str(tmp_path / "out"), *extra],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    results = tmp_path / "out" / "results.json"
    assert results.exists(), done.stdout[-3000:] + done.stderr
    return done.returncode, json.loads(results.read_text(encoding="utf-8"))


@pytest.mark.timeout(900)
def test_the_suite_passes_against_the_sandbox(tmp_path: Path) -> None:
    code, data = _contract(tmp_path)
    records = [r for r in data["results"] if r["provider"] == "hubspot"]
    assert code == 0 and not [r for r in records if r["status"] == "failed"]
    ran = {r["check"] for r in records if r["status"] == "passed"}
    assert {c for f in HUBSPOT_FAULTS for c in EXPECTED[f]} <= ran


@pytest.mark.timeout(900)
@pytest.mark.parametrize("fault", HUBSPOT_FAULTS)
def test_each_fault_is_caught_by_its_check(tmp_path: Path, fault: str) -> None:
    only = [arg for check in EXPECTED[fault] for arg in ("--check", check)]  # the rest: above
    code, data = _contract(tmp_path, "--sandbox-fault", fault, *only)
    failed = {r["check"] for r in data["results"] if r["status"] == "failed"}
    assert code == 1 and set(EXPECTED[fault]) <= failed, failed
