"""What the HTML shows of one load run: its key figures and its plots.

A throughput run (steady, sweep, import, …) gets contacts/s over time, the latency
percentiles over time, the error rate over time (errors and 429s as a share of the
second's requests), the requests in flight over time and the body bytes sent and received
per second, and, when it has parts (a sweep's batch sizes, an import's synchronous and
queued requests), contacts/s per part. The first and last seconds of a run are partial
(the run starts and ends within them): the per-second counts (contacts/s, bytes/s) leave
them out rather than draw them as dips, and the chart says so; ratios (the error rate)
and means over the covered part (requests in flight) keep them. A rate-limit probe gets its
timeline (``X-RateLimit-Remaining`` and the 429s, request by request) and its findings.
A plot whose data is missing is replaced by a sentence saying which file lacks it.

A run that stopped early (the target did not answer) or sent nothing carries ``failure``:
the report shows it as failed, with its reason, above figures that are then no
measurement of the provider. Errors are shown apart: no HTTP answer at all, 5xx, other.
A probe is ``honest``, ``not honest`` or ``inconclusive`` (with why; its findings are then
shown without colour, since they rest on too little evidence to be held against anyone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from bulkbench.reports.charts import Band, Bar, Series, bar_chart, line_chart
from bulkbench.reports.json_files import as_list, as_mapping
from bulkbench.reports.load_results import LoadRun, SecondRow

__all__ = ["LoadView", "ProbeView", "covered", "errors_text", "fmt", "full_seconds",
           "load_view", "probe_view"]

SCENARIO_TITLES = {
    "sweep": "Throughput against batch size",
    "steady": "Steady throughput",
    "import": "Import throughput (synchronous and queued)",
    "websocket": "Bulk create with WebSocket progress",
    "add_to_list": "Add to list",
    "rate_limit": "Rate-limit probe",
}


def fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    """A figure as the report prints it (``—`` when not measured)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value}{unit}"


@dataclass
class LoadView:
    run: LoadRun
    title: str
    figures: list[tuple[str, str]]
    charts: list[Markup] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def failure(self) -> str:
        return self.run.failure


@dataclass
class ProbeView:
    run: LoadRun
    honest: bool | None
    rows: list[tuple[str, str, bool | None]]
    problems: list[str]
    charts: list[Markup] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    note: str = ""
    #: why the probe gave no verdict (empty when it gave one).
    inconclusive: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return self.run.probe_verdict

    @property
    def failure(self) -> str:
        return self.run.failure


def errors_text(run: LoadRun) -> str:
    """A run's errors, those without any HTTP answer and the 5xx told apart."""
    return (f"{run.errors:,} ({run.transport_errors:,} without an HTTP answer, "
            f"{run.server_errors:,} 5xx, {run.other_errors:,} other)")


def _figures(run: LoadRun) -> list[tuple[str, str]]:
    lat = run.latency
    rows = [
        ("endpoint", run.endpoint or "—"),
        ("model", f"{run.model or '?'}" + (f", {run.users} user(s)" if run.users else "")),
        ("measured for", fmt(run.window_seconds, 1, " s")),
        ("requests (ok)", f"{run.requests:,} ({run.ok:,})"),
        ("contacts accepted", f"{run.contacts:,}"),
        ("contacts/s", fmt(run.contacts_per_second)),
        ("requests/s", fmt(run.requests_per_second)),
        ("429 answers", f"{run.rate_limited:,}"),
        ("errors", errors_text(run)),
        ("latency p50 / p95 / p99 / p99.9",
         " / ".join(fmt(v, 1) for v in (lat.p50, lat.p95, lat.p99, lat.p99_9)) + " ms"),
    ]
    for metric, other in run.other_latency.items():
        rows.append((f"{metric.replace('_', ' ')} p50 / p99",
                     f"{fmt(other.p50, 1)} / {fmt(other.p99, 1)} ms"))
    return rows


def _stages(run: LoadRun) -> list[Band]:
    """A sweep's batch sizes as spans of the time axis (seconds since the series' start)."""
    parts = run.by_batch_size
    if len(parts) < 2 or not run.series:
        return []
    origin = run.series[0].t - run.series[0].elapsed_s
    return [Band(p.first - origin, p.last - origin, f"batch {p.batch_size}")
            for p in parts if p.first is not None and p.last is not None]


#: a second covering less than this of itself is partial (the run began or ended in it).
FULL_SECOND = 0.999


def covered(run: LoadRun, row: SecondRow) -> float:
    """The part of ``row``'s second within the run's window: from the series when it says,
    else from the summary's window (1.0 when neither is known)."""
    if row.covered_s is not None:
        return row.covered_s
    if run.window_first is None or run.window_last is None:
        return 1.0
    return max(0.0, min(row.t + 1.0, run.window_last) - max(row.t, run.window_first))


def full_seconds(run: LoadRun) -> tuple[list[SecondRow], str]:
    """The rows the per-second counts are drawn from, and the note saying which partial
    seconds were left out (every row, noted, when no second is whole)."""
    rows = list(run.series)
    full = [r for r in rows if covered(run, r) >= FULL_SECOND]
    partial = [r for r in rows if covered(run, r) < FULL_SECOND]
    if not partial:
        return rows, ""
    if not full:
        return rows, "Every second of this short run is partial: the counts are low for that."
    where = ", ".join(f"{r.elapsed_s:g} s ({covered(run, r):.2f} s of it)" for r in partial)
    return full, (f"Partial seconds left out (the run started or ended within them, not a "
                  f"dip): {where}.")


def _bytes(value: float) -> str:
    for limit, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if value >= limit:
            return f"{value / limit:,.1f} {unit}"
    return f"{value:,.0f} B"


def _wire_figures(run: LoadRun) -> list[tuple[str, str]]:
    rows = [r for r in run.series if r.bytes_sent is not None]
    if not rows:
        return []
    sent = sum(r.bytes_sent or 0 for r in rows)
    received = sum(r.bytes_received or 0 for r in rows)
    flights = [r.in_flight for r in run.series if r.in_flight is not None and r.requests]
    return [("body bytes sent / received", f"{_bytes(sent)} / {_bytes(received)}"),
            ("requests in flight (peak of the per-second means)",
             fmt(max(flights), 1) if flights else "—")]


def _wire_charts(run: LoadRun, view: LoadView, shown: list[SecondRow], note: str) -> None:
    """Error rate, requests in flight and bytes over time."""
    rows = run.series
    asked = [r for r in rows if r.requests]
    if asked:
        rates = [Series("errors (% of requests)",
                        [(r.elapsed_s, 100.0 * r.errors / r.requests) for r in asked], unit="%")]
        if any(r.rate_limited for r in asked):
            rates.append(Series("429 answers (% of requests)",
                                [(r.elapsed_s, 100.0 * r.rate_limited / r.requests)
                                 for r in asked], unit="%"))
        view.charts.append(line_chart(
            f"{run.name}: error rate over time", rates, x_label="time (s)",
            y_label="% of the second's requests", bands=_stages(run),
            note="Errors: no HTTP answer, 5xx, other 4xx and 3xx; 429s apart."))
    flight = [(r.elapsed_s, r.in_flight) for r in rows if r.in_flight is not None]
    wire = [r for r in shown if r.bytes_sent is not None]
    if not flight and not wire:
        view.missing.append(f"{run.folder.name}/series.json has no in-flight or byte counts "
                            "(written before they were measured): no plot of them")
        return
    if flight:
        view.charts.append(line_chart(
            f"{run.name}: requests in flight over time", [Series(
                "mean requests in flight", flight)], x_label="time (s)",
            y_label="requests in flight", bands=_stages(run),
            note="The mean over each second (over its covered part at the run's ends)."))
    if wire:
        view.charts.append(line_chart(
            f"{run.name}: bytes sent and received per second", [
                Series("request bodies sent", [(r.elapsed_s, float(r.bytes_sent or 0))
                                               for r in wire], unit=" B/s"),
                Series("response bodies received", [(r.elapsed_s, float(r.bytes_received or 0))
                                                    for r in wire], unit=" B/s")],
            x_label="time (s)", y_label="bytes/s", bands=_stages(run), note=note))


def load_view(run: LoadRun) -> LoadView:
    view = LoadView(run, f"{SCENARIO_TITLES.get(run.scenario, run.scenario)} "
                         f"({run.scenario})", _figures(run) + _wire_figures(run))
    rows = run.series
    if rows:
        shown, note = full_seconds(run)
        throughput = [Series("contacts/s", [(r.elapsed_s, float(r.contacts)) for r in shown],
                             unit="/s")]
        refused = [(r.elapsed_s, float(r.rate_limited)) for r in shown if r.rate_limited]
        failed = [(r.elapsed_s, float(r.errors)) for r in shown if r.errors]
        if refused:
            throughput.append(Series("429 answers/s", refused, "markers", "/s"))
        if failed:
            throughput.append(Series("errors/s", failed, "markers", "/s"))
        view.charts.append(line_chart(
            f"{run.name}: contacts/s over time", throughput, x_label="time (s)",
            y_label="per second", bands=_stages(run), note=note))
        latency = [Series(name, [(r.elapsed_s, v) for r in rows
                                 if (v := getattr(r, name)) is not None], unit=" ms")
                   for name in ("p50", "p95", "p99")]
        if any(s.points for s in latency):
            view.charts.append(line_chart(
                f"{run.name}: latency percentiles over time (successes, per second)",
                [s for s in latency if s.points], x_label="time (s)",
                y_label="ms (log scale)", log_y=True, bands=_stages(run)))
        else:
            view.missing.append("no successful request: no latency to plot")
        _wire_charts(run, view, shown, note)
    else:
        view.missing.append(f"{run.folder.name}/series.json is missing or empty: "
                            "no plot over time")
    parts = run.by_batch_size or [p for p in run.labels if p.contacts_per_second is not None]
    bars = [Bar(str(p.batch_size) if p.batch_size is not None else p.label,
                p.contacts_per_second,
                f"p99 {fmt(p.latency.p99, 1)} ms, {p.requests:,} requests")
            for p in parts if p.contacts_per_second is not None]
    if len(bars) > 1:
        by_size = bool(run.by_batch_size)
        view.charts.append(bar_chart(
            f"{run.name}: contacts/s {'against batch size' if by_size else 'by part'}",
            bars, x_label="batch size (contacts per request)" if by_size else "part",
            y_label="contacts/s"))
    return view


def _yes(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _probe_rows(probe: Mapping[str, Any]) -> list[tuple[str, str, bool | None]]:
    assumed = as_mapping(probe.get("assumed"))
    recovery = as_mapping(probe.get("recovery"))
    retry = as_mapping(probe.get("retry_after"))
    reset = as_mapping(probe.get("reset"))
    rows: list[tuple[str, str, bool | None]] = [
        ("limit enforced (429 answered)", fmt(probe.get("enforced")), _yes(probe.get("enforced"))),
        ("X-RateLimit-* headers on every answer", fmt(probe.get("headers_present")),
         _yes(probe.get("headers_present"))),
        ("advertised limit (X-RateLimit-Limit)", fmt(probe.get("advertised_limit")), None),
        ("observed limit (accepted before the first 429)", fmt(probe.get("observed_limit")),
         None if probe.get("observed_limit") is None else
         probe.get("observed_limit") == probe.get("advertised_limit")
         or bool(probe.get("first_window_partial"))),
    ]
    if assumed:
        rows.append(("the spec's assumption", f"{assumed.get('requests')} per "
                     f"{assumed.get('window_seconds')} s", None))
    rows += [
        ("Remaining falls by one per request", fmt(probe.get("remaining_decrements_by_one")),
         _yes(probe.get("remaining_decrements_by_one"))),
        ("Remaining is 0 at the first 429", fmt(probe.get("remaining_reaches_zero_at_first_429")),
         _yes(probe.get("remaining_reaches_zero_at_first_429"))),
        ("requests accepted beyond the limit", fmt(probe.get("accepted_beyond_limit")),
         probe.get("accepted_beyond_limit") in (0, None)),
        ("Retry-After honest", f"{fmt(retry.get('honest'))} (advertised wait "
         f"{fmt(retry.get('advertised_wait_s'), 2, ' s')})", _yes(retry.get("honest"))),
        ("X-RateLimit-Reset honest", f"{fmt(reset.get('honest'))} (advertised wait "
         f"{fmt(reset.get('advertised_wait_s'), 2, ' s')})", _yes(reset.get("honest"))),
        ("recovered after the first 429", f"{fmt(recovery.get('recovered'))} after "
         f"{fmt(recovery.get('seconds'), 2, ' s')}", _yes(recovery.get("recovered"))),
    ]
    clients = as_mapping(probe.get("clients"))
    for key, label in (("honour_retry_after", "client honouring Retry-After"),
                       ("retry_blindly", "client retrying at once")):
        c = as_mapping(clients.get(key))
        if c:
            share = c.get("wasted_share")
            rows.append((label, f"{fmt(c.get('ok_per_second'))} ok/s, "
                         f"{fmt(share * 100 if isinstance(share, float | int) else None, 0)}% "
                         "of requests refused", None))
    return rows


def _phases(run: LoadRun) -> list[Band]:
    spans: dict[str, list[float]] = {}
    for o in run.observations:
        span = spans.setdefault(o.phase, [o.t, o.t])
        span[1] = o.t
    return [Band(a, b, name) for name, (a, b) in spans.items()]


def probe_view(run: LoadRun, note: str = "") -> ProbeView:
    probe = run.rate_limit or {}
    honest = run.probe_honest
    problems = [str(p) for p in as_list(probe.get("problems"))]
    findings = _probe_rows(probe) if probe else []
    if honest is None:  # too little evidence: nothing in it is held against the provider
        problems = [p for p in problems if not p.startswith("inconclusive: ")]
        findings = [(label, value, None) for label, value, _ in findings]
    view = ProbeView(run, honest, findings, problems, note=note,
                     inconclusive=run.probe_inconclusive_reasons)
    if not probe:
        view.missing.append(f"{run.folder.name}/summary.json has no rate_limit findings")
    if run.observations:
        remaining = [(o.t, float(o.remaining)) for o in run.observations if o.remaining is not None]
        refused = [(o.t, float(o.remaining or 0)) for o in run.observations if o.status == 429]
        series = [Series("X-RateLimit-Remaining", remaining, "step")] if remaining else []
        if refused:
            series.append(Series("429 answer", refused, "markers"))
        if series:
            view.charts.append(line_chart(
                f"{run.name}: rate-limit timeline, request by request", series,
                x_label="time since the probe's first request (s)",
                y_label="Remaining", bands=_phases(run)))
    elif run.series:
        rows = run.series
        series = [Series("lowest Remaining in the second",
                         [(r.elapsed_s, float(r.remaining_min)) for r in rows
                          if r.remaining_min is not None], "step"),
                  Series("429 answers in the second",
                         [(r.elapsed_s, float(r.rate_limited)) for r in rows], "markers")]
        series = [s for s in series if s.points]
        if series:
            view.charts.append(line_chart(f"{run.name}: rate-limit timeline, per second",
                                          series, x_label="time (s)", y_label="count"))
    if not view.charts and run.observations:
        view.missing.append(f"{run.folder.name}/rate_limit.json: no answer carried "
                            "X-RateLimit-Remaining and none was a 429: no timeline")
    elif not view.charts:
        view.missing.append(f"{run.folder.name}: no rate_limit.json nor series.json: "
                            "no timeline")
    return view
