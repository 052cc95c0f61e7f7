"""Every guess of the specs is settled by a config key or checked tolerantly, every key is
read, every check states what it rests on, and a provider deciding an open point otherwise
gets an assumption mismatch naming the key, not a failure (a failure with --strict)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.checks.tolerance import family_of, names_assumed, rests_on_documentation
from bulkbench.contract.failures import AssumptionMismatch, CheckFailure
from bulkbench.contract.results import read_results
from bulkbench.core.assumptions import ASSUMPTIONS
from bulkbench.core.catalog import default_catalog
from bulkbench.core.config import load_config
from bulkbench.generators import edge_cases
from bulkbench.generators.edge_cases.readings import READINGS
from tests.contract.conftest import assert_config_error, run_cli

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"

#: assumptions no config key settles yet and no check tolerates yet: this set may only
#: shrink (issue 11 emptied it). Each entry is (provider, JSON pointer of the annotated object).
UNSETTLED: set[tuple[str, str]] = set()


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _annotated(node: Any, pointer: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "x-bulkbench-assumption" in node:
            found.append((pointer, node))
        for key, value in node.items():
            found += _annotated(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _annotated(value, f"{pointer}/{i}")
    return found


def _assumptions() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in sorted(SPECS.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        provider = spec["x-bulkbench-provider"]
        out += [(provider, pointer, node) for pointer, node in _annotated(spec)]
    return out


def test_every_assumption_is_settled_by_a_key_or_tolerated() -> None:
    unsettled = set()
    for provider, pointer, node in _assumptions():
        keys = node.get("x-bulkbench-settled-by")
        tolerant = node.get("x-bulkbench-tolerant")
        if keys is None and tolerant is None:
            unsettled.add((provider, pointer))
            continue
        if keys is not None:
            assert isinstance(keys, list) and keys, (provider, pointer)
            for key in keys:
                assert key in ASSUMPTIONS, f"{provider} {pointer}: unknown key {key!r}"
                assert ASSUMPTIONS[key].applies_to(provider), (provider, pointer, key)
        if tolerant is not None:
            assert isinstance(tolerant, str) and len(tolerant) > 20, (provider, pointer)
    assert unsettled - UNSETTLED == set(), "assumptions neither settled nor tolerated"
    assert UNSETTLED - unsettled == set(), "settled now: take them off UNSETTLED"


def _sources() -> str:
    texts = []
    for folder in ("core", "contract", "generators", "loadtests", "sandbox", "bulkbench"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name != "assumptions.py":
                texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_every_key_is_read_by_a_check_or_a_stage() -> None:
    code = _sources()
    rested_on = {key for spec in CHECKS.values() for key in spec.assumes}
    unread = [key for key in ASSUMPTIONS
              if key not in rested_on and not re.search(rf"[\"']{key}[\"']", code)]
    assert unread == []


def test_every_check_states_what_it_rests_on() -> None:
    catalog = default_catalog()
    sentences = [s for p in catalog.providers for ep in p.endpoints for s in ep.doc_sentences]
    for spec in CHECKS.values():
        assert spec.doc or spec.assumes or spec.consequence or spec.cases, spec.name
        if spec.doc:  # fragments are alternatives (one per provider's wording)
            assert any(f in s for f in spec.doc for s in sentences), (spec.name, spec.doc)
        assert spec.basis in ("documented", "consequence", "assumption")


@pytest.mark.parametrize(("table", "message"), [
    ("[leadlex.assumptions]\nno_such_key = 1\n", "no_such_key: unknown key"),
    ("[leadlex.assumptions]\nidempotency_reuse = \"maybe\"\n", "expected one of"),
    ("[leadlex.assumptions]\nsuccess_status = \"200\"\n", "expected int, got str"),
    ("[sociocs.assumptions]\nwebsocket_auth = \"header\"\n", "applies only to datananas"),
    ("[leadlex.assumptions]\nerror_code_pointer = \"error.code\"\n", "JSON pointer"),
    ("[leadlex.assumptions]\nrow_error_codes = [\"\"]\n", "non-empty strings"),
    ("[datananas.assumptions]\nlist_id_type = \"int\"\n", "expected one of"),
    ("[datananas.assumptions]\nerror_codes = {\"200\" = \"ok\"}\n", "statuses 400..599"),
    ("[sociocs.assumptions]\nphone_number_cc = \"drop\"\n", "expected one of"),
    ("[leadlex.assumptions]\ntransaction_id_pointer = \"/uuid\"\n", "applies only to"),
])
def test_a_wrong_assumption_is_a_config_error(tmp_path: Path, table: str, message: str) -> None:
    assert_config_error(tmp_path, table, message)


def test_a_settled_key_reaches_the_target(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("[datananas.assumptions]\nwebsocket_auth = \"header\"\n", encoding="utf-8")
    config = load_config(path)
    assert config.provider("datananas").assumptions == {"websocket_auth": "header"}
    assert config.provider("leadlex").assumptions == {}


def _records(out: Path, check: str) -> list[dict[str, Any]]:
    return [r for r in read_results(out / "results.json")["results"] if r["check"] == check]


@pytest.mark.slow
def test_a_provider_deciding_otherwise_is_a_mismatch_naming_the_key(tmp_path: Path) -> None:
    """The sandbox answers a reused Idempotency-Key with another body 409; a config saying
    the provider replays the original result makes that a mismatch (exit 0) that names
    the key, in results.json and JUnit; --strict makes it a failure (exit 1)."""
    config = tmp_path / "cfg.toml"
    config.write_text("[leadlex.assumptions]\nidempotency_reuse = \"original\"\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    code = run_cli("--provider", "leadlex", "--out", str(out), "--config", str(config),
                   "--check", "idempotency_key_reuse_conflict", "--check", "idempotent_replay")
    (record,) = _records(out, "idempotency_key_reuse_conflict")
    assert record["status"] == "mismatch", record
    assert record["mismatch"]["settle_with"] == [
        "[leadlex.assumptions] idempotency_reuse",
        "[leadlex.assumptions] idempotency_conflict_status"]
    assert "answered 409" in record["mismatch"]["message"]
    assert [r["status"] for r in _records(out, "idempotent_replay")] == ["passed"]
    assert code == 0
    summary = read_results(out / "results.json")["summary"]
    assert summary["mismatch"] == 1 and summary["failed"] == 0
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    assert "assumption mismatch" in junit and "idempotency_reuse" in junit

    strict = tmp_path / "strict"
    code = run_cli("--provider", "leadlex", "--out", str(strict), "--config", str(config),
                   "--check", "idempotency_key_reuse_conflict", "--strict")
    (record,) = _records(strict, "idempotency_key_reuse_conflict")
    assert record["status"] == "failed" and record["basis"] == "assumption"
    assert "[leadlex.assumptions] idempotency_reuse" in record["failure"]["settle_with"]
    assert code == 1
    assert orjson.loads((strict / "results.json").read_bytes())["summary"]["failed"] == 1


def test_a_mismatch_always_names_a_key() -> None:
    """An open point no key settles is checked tolerantly (what must hold under every
    reading), never reported as a mismatch without a key to settle it."""
    failure = CheckFailure(title="t", message="m", check="edge_case_outcome",
                           endpoint="leadlex.bulk_create")
    with pytest.raises(ValueError, match="must name the keys"):
        AssumptionMismatch.of(failure, (), "leadlex")
    catalog = default_catalog()
    for case in edge_cases(catalog):
        endpoint = catalog.endpoint(case.endpoint)
        open_point = not rests_on_documentation(case, endpoint, names_settled=True)
        assert not open_point or family_of(case) is not None or case.name in READINGS \
            or names_assumed(endpoint), case.name


def test_every_key_is_documented_for_users() -> None:
    readme = (SPECS / "README.md").read_text(encoding="utf-8")
    example = (REPO / "bulkbench.example.toml").read_text(encoding="utf-8")
    assert [k for k in ASSUMPTIONS if f"`{k}`" not in readme] == []
    assert [k for k in ASSUMPTIONS if not re.search(rf"^{k} = ", example, re.M)] == []
    load_config(REPO / "bulkbench.example.toml")  # every value there is valid
