"""The load plots that answer the next question: beside contacts/s and latency, the error
rate and the requests in flight over time and the body bytes sent and received per
second; the partial first and last seconds of a run are left out of the per-second
counts (and said to be), never drawn as dips. Read from the chart's data (its points'
``data-x``/``data-y``), not from pixels."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import orjson
import pytest

from bulkbench.cli import main
from bulkbench.reports import render_run
from bulkbench.reports.load_results import read_load_run
from bulkbench.reports.load_views import LoadView, load_view

from .conftest import read_json


class _Charts(HTMLParser):
    """Every ``figure.chart``: its title, note, and per series its points (x, y)."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, list[tuple[float, float]]]] = {}
        self.notes: dict[str, str] = {}
        self.title = ""
        self.series = ""
        self.reading = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "figcaption":
            self.reading = "title"
        elif tag == "p" and "chart-note" in a.get("class", ""):
            self.reading = "note"
        elif tag == "g" and "data-series" in a:
            self.series = a["data-series"]
            self.charts[self.title][self.series] = []
        elif tag == "circle" and "data-x" in a:
            self.charts[self.title][self.series].append((float(a["data-x"]),
                                                         float(a["data-y"])))

    def handle_data(self, data: str) -> None:
        if self.reading == "title":
            self.title = data
            self.charts[data] = {}
        elif self.reading == "note":
            self.notes[self.title] = self.notes.get(self.title, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("figcaption", "p"):
            self.reading = ""


def charts_of(html: str) -> _Charts:
    parser = _Charts()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def load_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real closed-model load run of four users against the sandbox, rendered."""
    out = tmp_path_factory.mktemp("load-charts")
    code = main(["load", "--provider", "leadlex", "--scenario", "steady", "--users", "4",
                 "--duration", "3s", "--batch-size", "50", "-o", str(out)])
    assert code == 0
    render_run(out)
    return out


@pytest.mark.slow
def test_a_real_run_measures_requests_in_flight_and_bytes(load_run):
    folder = load_run / "load" / "leadlex-steady"
    rows = read_json(folder / "series.json")["seconds"]
    summary = read_json(folder / "summary.json")
    assert len(rows) >= 3
    for row in rows:
        assert {"in_flight", "bytes_sent", "bytes_received", "covered_s"} <= set(row)
    busy = [r for r in rows if r["requests"]]
    # four users, one request each at a time: about four in flight, never more
    assert all(0 < r["in_flight"] <= 4.0 for r in busy), rows
    assert max(r["in_flight"] for r in busy) > 2.0, rows
    # fifty contacts a request: each request body is well over a kilobyte, the answer too
    assert all(r["bytes_sent"] > 1000 * r["requests"] for r in busy), rows
    assert all(r["bytes_received"] > 0 for r in busy), rows
    # the run starts and ends within a second: its first and last are partial
    assert rows[0]["covered_s"] < 1.0 and rows[-1]["covered_s"] < 1.0
    assert all(r["covered_s"] == 1.0 for r in rows[1:-1])
    start, end = summary["window"]["first"], summary["window"]["last"]
    assert rows[0]["covered_s"] == pytest.approx(rows[0]["t"] + 1 - start, abs=0.002)
    assert rows[-1]["covered_s"] == pytest.approx(end - rows[-1]["t"], abs=0.002)


@pytest.mark.slow
def test_the_report_draws_error_rate_in_flight_and_bytes(load_run):
    html = (load_run / "index.html").read_text()
    found = charts_of(html)
    name = "leadlex.steady"
    rows = read_json(load_run / "load" / "leadlex-steady" / "series.json")["seconds"]
    errors = found.charts[f"{name}: error rate over time"]
    assert [x for x, _ in errors["errors (% of requests)"]] == [
        r["elapsed_s"] for r in rows if r["requests"]]
    assert all(y == 0 for _, y in errors["errors (% of requests)"])  # the sandbox is sound
    flight = found.charts[f"{name}: requests in flight over time"]["mean requests in flight"]
    assert [y for _, y in flight] == [r["in_flight"] for r in rows]
    wire = found.charts[f"{name}: bytes sent and received per second"]
    full = [r for r in rows if r["covered_s"] >= 0.999]
    assert wire["request bodies sent"] == [(r["elapsed_s"], r["bytes_sent"]) for r in full]
    assert wire["response bodies received"] == [(r["elapsed_s"], r["bytes_received"])
                                                for r in full]
    assert "body bytes sent / received" in html


@pytest.mark.slow
def test_partial_seconds_of_a_real_run_are_left_out_of_contacts_per_second(load_run):
    found = charts_of((load_run / "index.html").read_text())
    title = "leadlex.steady: contacts/s over time"
    rows = read_json(load_run / "load" / "leadlex-steady" / "series.json")["seconds"]
    drawn = [x for x, _ in found.charts[title]["contacts/s"]]
    assert drawn == [r["elapsed_s"] for r in rows[1:-1]]
    note = found.notes[title]
    assert note.startswith("Partial seconds left out")
    assert f"{rows[0]['elapsed_s']} s ({rows[0]['covered_s']:.2f} s of it)" in note


def test_a_recorded_series_without_coverage_leaves_its_partial_ends_out(recorded_run):
    """A series written before ``covered_s`` existed: the summary's window tells the
    partial seconds (this sweep began 0.03 s before its first second ended: 8 contacts)."""
    folder = recorded_run / "load" / "leadlex-sweep"
    rows = read_json(folder / "series.json")["seconds"]
    window = read_json(folder / "summary.json")["window"]
    assert rows[0]["t"] + 1 - window["first"] < 0.1 and rows[0]["contacts"] == 8
    assert window["last"] - rows[-1]["t"] < 0.2
    render_run(recorded_run)
    found = charts_of((recorded_run / "index.html").read_text())
    points = found.charts["leadlex.sweep: contacts/s over time"]["contacts/s"]
    assert points == [(r["elapsed_s"], r["contacts"]) for r in rows[1:-1]]
    assert min(y for _, y in points) > 1000  # no dip at either end
    # no in-flight or byte counts in that series: said, not drawn empty
    assert "leadlex.sweep: requests in flight over time" not in found.charts
    assert "leadlex-sweep/series.json has no in-flight or byte counts" in (
        recorded_run / "index.html").read_text()


def test_every_second_partial_is_drawn_and_said(recorded_run):
    """A run shorter than two seconds has no whole second: its counts are drawn, noted."""
    folder = recorded_run / "load" / "leadlex-sweep"
    data = read_json(folder / "series.json")
    data["seconds"] = data["seconds"][:2]
    for row in data["seconds"]:
        row["covered_s"] = 0.5
    (folder / "series.json").write_bytes(orjson.dumps(data))
    view = next(v for v in _load_views(recorded_run) if v.run.name == "leadlex.sweep")
    html = "".join(str(c) for c in view.charts)
    found = charts_of(html)
    assert len(found.charts["leadlex.sweep: contacts/s over time"]["contacts/s"]) == 2
    assert re.search(r"Every second of this short run is partial",
                     found.notes["leadlex.sweep: contacts/s over time"])


def _load_views(run_dir: Path) -> list[LoadView]:
    return [load_view(read_load_run(folder))
            for folder in sorted((run_dir / "load").iterdir()) if folder.is_dir()]


def test_time_in_flight_is_split_over_seconds_and_survives_a_worker_payload():
    from bulkbench.loadtests.contact_metrics import Recorder
    from bulkbench.loadtests.per_second_series import build_series

    worker = Recorder()
    # one request from 100.5 to 102.25: half a second, a whole one, a quarter
    worker.transfer(sent_wall=100.5, done_wall=102.25, bytes_sent=300, bytes_received=40)
    worker.record(label="", status=200, ok=True, contacts=1, sent_wall=100.5,
                  done_wall=102.25, latency_s=1.75)
    master = Recorder()
    master.merge(worker.drain(final=True), source="w1")
    rows = build_series(master)
    assert [r["t"] for r in rows] == [100, 101, 102]
    assert [r["covered_s"] for r in rows] == [0.5, 1.0, 0.25]
    assert [r["in_flight"] for r in rows] == [1.0, 1.0, 1.0]  # over the covered part
    assert [r["bytes_sent"] for r in rows] == [300, 0, 0]
    assert [r["bytes_received"] for r in rows] == [0, 0, 40]
