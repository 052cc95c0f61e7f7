"""Schemathesis follows the configured import-job status path (``import_job_status_path``,
NOTES L8): against the alt variant, which serves the job at ``/v1/imports/{job_id}``, the
derived spec moves the operation there, so a real job id reads a real job (200), not the
404 of a path the provider does not serve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bulkbench.contract.conformance import run_conformance
from bulkbench.contract.derived_spec import Pins, derived_document, served_path
from bulkbench.contract.target import SuiteOptions, build_targets
from bulkbench.core.catalog import default_catalog
from bulkbench.core.config import load_config
from bulkbench.sandbox.process import INFO_FILENAME, SandboxProcess, start_sandbox

REPO = Path(__file__).resolve().parents[2]
ALT = REPO / "sandbox" / "variants" / "alt.toml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def alt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with start_sandbox(tmp_path_factory.mktemp("alt"), seed=5, variant="alt") as sb:
        yield sb


def test_the_derived_spec_moves_the_job_operation_to_the_configured_path() -> None:
    catalog = default_catalog()
    provider = catalog.provider("leadlex")
    settled = load_config(ALT).provider("leadlex").assumptions
    doc = derived_document(provider, positive=True, pins=Pins(), settled=settled)
    job = catalog.endpoint("leadlex.import_job_status")
    assert served_path(job, settled) == "/v1/imports/{job_id}"
    assert "get" in doc["paths"]["/v1/imports/{job_id}"]
    assert job.path not in doc["paths"]


def test_schemathesis_reads_a_real_job_at_the_configured_path(alt: SandboxProcess) -> None:
    with httpx.Client(timeout=20.0) as client:
        answer = client.post(f"{alt.base_url('leadlex')}/v1/import/contacts",
                             headers={"Authorization": f"Bearer {alt.key('leadlex')}"},
                             json={"rows": [{"full_name": "Job Reader"}]})
    assert answer.status_code == 201, answer.text
    job_id = answer.json()["data"]["job_id"]
    catalog = default_catalog()
    options = SuiteOptions(providers=("leadlex",), config=ALT, max_examples=5,
                           sandbox_info=alt.data_dir / INFO_FILENAME)
    target = build_targets(options, catalog)["leadlex"]
    result = run_conformance(target, catalog.endpoint("leadlex.import_job_status"),
                             Pins(job_ids=[job_id]), {})
    assert result.problem is None
    assert result.statuses.get(200, 0) >= 1, result.statuses
    assert result.failures == {}, result.failures
