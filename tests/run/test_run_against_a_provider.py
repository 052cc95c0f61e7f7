"""`bulkbench run` against a provider given by URL and key (a sandbox the test starts
plays the provider): the key is used, and is nowhere in the run folder."""

from __future__ import annotations

import orjson
import pytest

from bulkbench.sandbox.process import start_sandbox

from .conftest import files_holding, run_bulkbench


@pytest.mark.timeout(300)
def test_the_given_key_never_reaches_the_run_folder(tmp_path):
    with start_sandbox(tmp_path / "provider", seed=7) as provider:
        key = provider.key("sociocs")
        url = provider.base_url("sociocs")
        out = tmp_path / "run"
        done = run_bulkbench("run", "--provider", "sociocs", "--base-url", url, "--api-key",
                             key, "--skip", "load", "--out", str(out), timeout=280)
        secrets = [key, provider.info["admin_key"]]
    printed = done.stdout + done.stderr
    assert key not in printed
    assert done.returncode in (0, 1), printed[-3000:]
    manifest = orjson.loads((out / "run.json").read_bytes())
    assert manifest["target"] == "remote" and manifest["targets"] == {"sociocs": url}
    assert manifest["options"]["api_key_given"] is True
    results = orjson.loads((out / "contract" / "results.json").read_bytes())
    assert results["summary"]["passed"] > 0  # the key was used: authenticated checks ran
    assert files_holding(out, secrets) == []
