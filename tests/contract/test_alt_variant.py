"""A provider that reads every open point of the docs otherwise (the sandbox's alt
variant) breaks no documented rule: with the default config the suite reports no
failure, only assumption mismatches naming their keys (exit 0); with a config that
describes it (sandbox/variants/alt.toml), neither."""

from __future__ import annotations

from pathlib import Path

from bulkbench.contract.results import read_results
from tests.contract.conftest import run_cli

REPO = Path(__file__).resolve().parents[2]


def test_the_alt_variant_with_the_default_config_has_only_mismatches(tmp_path: Path) -> None:
    out = tmp_path / "default"
    code = run_cli("--out", str(out), "--sandbox-variant", "alt", "--max-examples", "10")
    results = read_results(out / "results.json")
    failed = [(r["check"], r.get("case"), r["failure"]["title"])
              for r in results["results"] if r["status"] == "failed"]
    assert failed == [] and code == 0
    mismatches = [r for r in results["results"] if r["status"] == "mismatch"]
    settled = {s for r in mismatches for s in r["mismatch"]["settle_with"]}
    for expected in ("[leadlex.assumptions] success_status",
                     "[leadlex.assumptions] idempotency_reuse",
                     "[leadlex.assumptions] import_job_status_path",
                     "[leadlex.assumptions] unsupported_method_status",
                     "[leadlex.assumptions] rate_limit_reset",
                     "[datananas.assumptions] websocket_auth",
                     "[datananas.assumptions] unknown_list_status",
                     "[sociocs.assumptions] phone_separators",
                     "[sociocs.assumptions] unknown_list_status"):
        assert expected in settled, sorted(settled)
    for record in mismatches:
        assert all(s.startswith("[") for s in record["mismatch"]["settle_with"]), record


def test_the_alt_variant_with_its_config_has_neither(tmp_path: Path) -> None:
    out = tmp_path / "alt"
    code = run_cli("--out", str(out), "--sandbox-variant", "alt", "--max-examples", "10",
                   "--config", str(REPO / "sandbox" / "variants" / "alt.toml"))
    summary = read_results(out / "results.json")["summary"]
    assert (summary["failed"], summary["mismatch"], code) == (0, 0, 0), summary
    assert summary["passed"] > 300
