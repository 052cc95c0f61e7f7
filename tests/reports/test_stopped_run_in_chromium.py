"""The report of a run whose target stopped answering, in a real browser: it loads with no
console message, every plot it draws has data, and the early stop is on the page."""

from __future__ import annotations

from bulkbench.reports import render_run

from .chromium import charts, load_page


def test_the_stopped_run_loads_clean_and_shows_the_early_stop(tmp_path, stopped_run):
    folder = stopped_run
    render_run(folder)
    page = load_page(folder / "index.html", tmp_path / "profile")
    assert page.console == [], "\n".join(page.console)
    assert 'data-verdict="incomplete"' in page.dom
    assert 'data-load-failure="stopped early, the target did not answer: 20 requests' in page.dom
    assert 'data-probe-verdict="inconclusive"' in page.dom
    found = charts(page.dom)
    assert [c.title for c in found] == ["leadlex.steady: contacts/s over time",
                                        "leadlex.steady: latency percentiles over time "
                                        "(successes, per second)",
                                        "leadlex.steady: error rate over time"]
    for chart in found:
        assert chart.points == chart.declared_points > 0, chart
    assert "leadlex-rate_limit/rate_limit.json: no answer carried X-RateLimit-Remaining" in (
        page.dom)
