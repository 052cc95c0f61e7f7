"""``failures.har``: every failing exchange of a real suite run (the sandbox with a fault)
as HAR 1.2, validated against the spec's required fields (``har_1_2.schema.json``,
written from the HAR 1.2 spec for these tests), keys redacted, bodies whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from bulkbench.contract.exchange import Exchange, Received, SentRequest
from bulkbench.contract.har import har_document, har_entry
from bulkbench.contract.suite_process import run_suite

FAULT = "leadlex_bulk_created_off_by_one"
SCHEMA = orjson.loads((Path(__file__).parent / "har_1_2.schema.json").read_bytes())


def _valid(document: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("har") / "contract"
    run = run_suite(["leadlex"], out, seed=0, max_examples=1, faults=[FAULT],
                    checks=["bulk_create_echo", "batch_size_within_limits"])
    assert run.results is not None and run.failed, run.output[-2000:]
    return out


@pytest.mark.slow  # a suite run against a sandbox
def test_failures_har_is_har_1_2_with_every_failing_exchange(
        faulty_run: Path, seed_secrets: list[str]) -> None:
    har_path = faulty_run / "failures.har"
    text = har_path.read_text(encoding="utf-8")
    har = orjson.loads(text)
    _valid(har)
    results = orjson.loads((faulty_run / "results.json").read_bytes())["results"]
    failed = [r for r in results if r["status"] in ("failed", "mismatch")]
    entries = har["log"]["entries"]
    assert len(entries) == len(failed) >= 4
    for record in failed:
        part = record.get("failure") or record.get("mismatch")
        entry = entries[part["exchange"]["har_entry"]]
        assert entry["_bulkbench"]["check"] == record["check"]
        # the documentation link is labelled with the provider and the page's title
        assert (record["doc"]["provider"], record["doc"]["title"]) == (
            "LeadLex", "Bulk Create Contacts")
        assert entry["request"]["method"] == "POST"
        assert entry["request"]["url"].endswith("/leadlex/v1/contacts/bulk")
        assert entry["response"]["status"] == part["response"]["status"] == 200
        created = orjson.loads(entry["response"]["content"]["text"])["data"]["created"]
        sent = entry["request"]["postData"]["text"]
        if sent:  # the fault's off-by-one, whole in the HAR
            assert created == len(orjson.loads(sent)["contacts"]) + 1
        kept = part["exchange"]["body_file"]
        if kept is not None:  # the body file is the request body, byte for byte
            assert (faulty_run / kept).read_text(encoding="utf-8") == \
                entry["request"]["postData"]["text"]
        else:  # too large to keep: said so, with its size
            assert entry["request"]["bodySize"] > 16 * 1024
            assert "not kept" in entry["request"]["postData"]["comment"]
    auth = [h["value"] for e in entries for h in e["request"]["headers"]
            if h["name"].lower() == "authorization"]
    assert auth and all(v.startswith("Bearer wbk_…") for v in auth)
    for secret in seed_secrets:
        assert secret not in text


def test_the_off_by_one_is_one_cause_across_its_checks(faulty_run: Path) -> None:
    """The issue's example: every check the fault breaks says the same thing, and the
    report shows it once (reports.failure_groups)."""
    from bulkbench.reports.failure_groups import entry_of_record, group_entries

    results = orjson.loads((faulty_run / "results.json").read_bytes())["results"]
    failing = [r for r in results if r["status"] in ("failed", "error", "mismatch")]
    groups = group_entries(entry_of_record(r) for r in failing)
    assert [g.key for g in groups] == [
        ("leadlex", "leadlex.bulk_create", "created is N, expected N")]
    assert groups[0].count == len(failing) >= 4 and len(groups[0].checks) >= 2


def test_an_exchange_without_a_response_is_valid_har_too() -> None:
    sent = SentRequest("POST", "http://127.0.0.1:9/leadlex/v1/contacts/bulk?dry=1",
                       (("Content-Type", "application/json"),), b'{"contacts": []}', 16)
    lost = Exchange(sent, None, "cannot connect: ConnectError: refused")
    answered = Exchange(sent, Received(422, (("content-type", "application/json"),),
                                       b'{"error": {}}', 0.0123))
    document = har_document([har_entry(lost, ended_at=1.7e9, comment="lost"),
                             har_entry(answered, ended_at=1.7e9, comment="422")])
    _valid(document)
    first, second = document["log"]["entries"]
    assert first["response"]["status"] == 0 and "refused" in first["response"]["_error"]
    assert first["request"]["queryString"] == [{"name": "dry", "value": "1"}]
    assert second["response"]["statusText"] == "Unprocessable Entity"
    assert second["time"] == second["timings"]["wait"] == 12.3
