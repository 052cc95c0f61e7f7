"""The harness's pure logic, in-process (no locust, no gevent): histograms, the recorder's
drain and merge, the per-second series, accepted-contact counting, the layering."""

from __future__ import annotations

import random
import subprocess
import sys

from hdrh.log import HistogramLogReader

from bulkbench.loadtests import hdr_histograms as hdr
from bulkbench.loadtests.accepted_contacts import from_ending_event, from_job, from_response
from bulkbench.loadtests.contact_metrics import Recorder
from bulkbench.loadtests.per_second_series import build_series, write_series_and_log

T0 = 1_800_000_000.0


def _recorder(seed: int, n: int, label: str = "") -> Recorder:
    rng = random.Random(seed)
    rec = Recorder()
    for i in range(n):
        done = T0 + i * 0.05
        status = rng.choice((200, 200, 200, 200, 429, 500))
        rec.record(label=label, status=status, ok=status == 200, contacts=10,
                   sent_wall=done - 0.01, done_wall=done, latency_s=rng.uniform(0.001, 2.0),
                   remaining=rng.randint(0, 9))
    return rec


def test_histogram_merge_is_the_sum_of_bucket_counts():
    parts = []
    for seed in range(3):
        h = hdr.new_histogram()
        rng = random.Random(seed)
        for _ in range(2000):
            hdr.record_seconds(h, rng.lognormvariate(-3, 1.5))
        parts.append(h)
    merged = hdr.merge(hdr.encode(h) for h in parts)
    expected: dict[int, int] = {}
    for h in parts:
        for value, count in hdr.bucket_counts(h).items():
            expected[value] = expected.get(value, 0) + count
    assert hdr.bucket_counts(merged) == expected
    assert merged.get_total_count() == 6000


def test_three_significant_digits_and_summary_in_milliseconds():
    h = hdr.new_histogram()
    hdr.record_seconds(h, 0.123456)
    stats = hdr.summary_ms(h)
    assert stats["count"] == 1
    assert abs(stats["p50_ms"] - 123.456) / 123.456 < 1e-3
    assert hdr.summary_ms(hdr.new_histogram())["p99_ms"] is None


def test_drained_payloads_merge_to_the_same_totals_and_histograms():
    workers = [_recorder(seed, 300, "batch=10") for seed in range(3)]
    expected_total = [w.total() for w in workers]
    expected_counts = [hdr.bucket_counts(w.histograms["http"]) for w in workers]
    master = Recorder()
    for i, worker in enumerate(workers):
        # two reports per worker: the recorder is emptied by each drain
        master.merge(worker.drain(), source=f"w{i}")
        master.merge(worker.drain(final=True), source=f"w{i}")
        assert worker.total().requests == 0
    total = master.total()
    assert total.requests == sum(t.requests for t in expected_total)
    assert total.contacts == sum(t.contacts for t in expected_total)
    assert total.rate_limited == sum(t.rate_limited for t in expected_total)
    assert total.errors == sum(t.errors for t in expected_total)
    assert total.ok * 10 == total.contacts
    assert master.final_sources == {"w0", "w1", "w2"}
    assert {k: v.requests for k, v in master.by_source.items()} == {
        f"w{i}": t.requests for i, t in enumerate(expected_total)}
    summed: dict[int, int] = {}
    for counts in expected_counts:
        for value, count in counts.items():
            summed[value] = summed.get(value, 0) + count
    assert hdr.bucket_counts(master.histograms["http"]) == summed
    assert hdr.bucket_counts(master.histograms["http@batch=10"]) == summed


def test_429s_and_errors_stay_out_of_the_latency_histogram():
    rec = Recorder()
    rec.record(label="", status=200, ok=True, contacts=5, sent_wall=T0, done_wall=T0 + 0.1,
               latency_s=0.1)
    rec.record(label="", status=429, ok=False, contacts=0, sent_wall=T0, done_wall=T0 + 0.1,
               latency_s=9.0)
    rec.record(label="", status=503, ok=False, contacts=0, sent_wall=T0, done_wall=T0 + 0.1,
               latency_s=9.0)
    assert rec.histograms["http"].get_total_count() == 1
    assert rec.total().rate_limited == 1 and rec.total().errors == 1


def test_numbers_combine_by_sum_min_and_max():
    a, b = Recorder(), Recorder()
    for rec, value in ((a, 1.0), (b, 3.0)):
        rec.add_number("generator_seconds", value)
        rec.add_number("first_intended_wall", value, "min")
        rec.add_number("max_send_lag_ms", value, "max")
    merged = Recorder()
    merged.merge(a.drain())
    merged.merge(b.drain())
    assert merged.number("generator_seconds") == 4.0
    assert merged.number("first_intended_wall") == 1.0
    assert merged.number("max_send_lag_ms") == 3.0


def test_series_has_a_row_per_second_gaps_included_and_adds_up(tmp_path):
    rec = Recorder()
    for second in (0, 1, 4):  # a stall: nothing completes in seconds 2 and 3
        for i in range(10):
            rec.record(label="", status=200, ok=True, contacts=7, sent_wall=T0 + second,
                       done_wall=T0 + second + i / 20, latency_s=0.01 * (i + 1), remaining=9 - i)
    merged = Recorder()
    merged.merge(rec.drain())
    rows = build_series(merged)
    assert [r["elapsed_s"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["requests"] for r in rows] == [10, 10, 0, 0, 10]
    assert sum(r["contacts"] for r in rows) == 210
    assert rows[0]["remaining_min"] == 0 and rows[0]["remaining_max"] == 9
    assert rows[0]["p50_ms"] is not None and rows[2]["p99_ms"] is None
    log_path = tmp_path / "latency.hlog"
    again = write_series_and_log(merged, log_path)
    assert again == rows
    reader = HistogramLogReader(str(log_path), hdr.new_histogram())
    total = 0
    while (interval := reader.get_next_interval_histogram()) is not None:
        total += interval.get_total_count()
    reader.close()
    assert total == 30


def test_accepted_contacts_are_read_from_the_answer():
    assert from_response({"data": {"created": 7, "contacts": []}}, 9).contacts == 7
    added = {"data": {"added": 3, "list_id": "x", "contact_count": 5}}
    assert from_response(added, 9).contacts == 3
    done = {"data": {"job_id": "j", "status": "completed", "created_count": 4,
                     "updated_count": 2, "skipped_count": 1, "errors": []}}
    assert from_response(done, 9).contacts == 6
    queued = from_response({"data": {"job_id": "imp_1", "status": "queued"}}, 900)
    assert queued.contacts == 0 and queued.job_id == "imp_1" and queued.pending
    assert from_response({"status": "success"}, 250).contacts == 250
    pending = from_response({"uuid": "u-1", "listId": None}, 50)
    assert pending.contacts == 0 and pending.transaction == "u-1"
    assert from_job({"data": {"status": "running"}}) == ("running", 0)
    assert from_job(done) == ("completed", 6)
    assert from_ending_event({"uuid": "u-1", "created": 40, "updated": 10}) == 50
    assert from_response("not json", 5).contacts == 0


def test_pure_modules_and_the_cli_never_import_locust_or_gevent():
    code = (
        "import sys\n"
        "import bulkbench.cli, bulkbench.commands.load\n"
        "from bulkbench.loadtests import load_settings, contact_metrics, hdr_histograms\n"
        "from bulkbench.loadtests import per_second_series, sla_thresholds, run_summary\n"
        "from bulkbench.loadtests import rate_limit_verdicts, accepted_contacts, load_runner\n"
        "from bulkbench.loadtests import locust_processes, run_context, websocket_auth\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == ""
