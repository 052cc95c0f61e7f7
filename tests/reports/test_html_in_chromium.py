"""The report in a real browser: it loads with no console message at all, every plot has
data, and text from a provider is shown, never run."""

from __future__ import annotations

from pathlib import Path

from bulkbench.reports import render_run

from .chromium import charts, load_page
from .conftest import read_json, write_json

PAYLOAD = "<script>console.error('pwned')</script><img src=x onerror=\"console.error(1)\">"


def test_the_report_loads_clean_and_every_plot_has_data(recorded_run, tmp_path):
    render_run(recorded_run)
    page = load_page(recorded_run / "index.html", tmp_path / "profile")
    assert page.console == [], "\n".join(page.console)
    assert 'data-verdict="failed"' in page.dom
    found = charts(page.dom)
    assert found, "no chart in the report"
    for chart in found:
        assert chart.declared_points > 0, chart
        assert chart.points == chart.declared_points, chart
    titles = [c.title for c in found]
    for provider in ("leadlex", "datananas", "sociocs"):
        mine = [t for t in titles if t.startswith(f"{provider}.")]
        assert any("contacts/s over time" in t for t in mine), mine
        assert any("latency percentiles over time" in t for t in mine), mine
        assert any("against batch size" in t for t in mine), mine
        assert any("rate-limit timeline" in t for t in mine), mine
    assert any(t.startswith("leadlex.import") for t in titles)
    timeline = next(c for c in found if c.title.startswith("leadlex.rate_limit"))
    assert timeline.series == ["X-RateLimit-Remaining", "429 answer"]


def test_provider_text_is_escaped_and_never_runs(recorded_run, tmp_path):
    path = recorded_run / "contract" / "results.json"
    data = read_json(path)
    first = read_json(recorded_run / "run.json")["providers"][0]  # first in summary.md
    failure = next(r for r in data["results"] if r["status"] == "failed"
                   and r["provider"] == first)
    failure["check"] = "check" + PAYLOAD
    failure["failure"]["title"] = "title" + PAYLOAD
    failure["failure"]["message"] = "message" + PAYLOAD
    failure["failure"]["curl"] = "curl -d '" + PAYLOAD + "' http://127.0.0.1/"
    failure["failure"]["response"] = {"status": 400, "headers": {"x-evil": PAYLOAD},
                                      "body": PAYLOAD}
    failure["doc"] = {"sentence": PAYLOAD, "seed": PAYLOAD, "url": "javascript:alert(1)"}
    write_json(path, data)
    render_run(recorded_run)
    html = (recorded_run / "index.html").read_text()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;console.error(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    page = load_page(recorded_run / "index.html", tmp_path / "profile")
    assert page.console == [], "\n".join(page.console)
    markdown = (recorded_run / "summary.md").read_text()
    outside_code = markdown.split("```")[::2]
    assert not any("<script" in part for part in outside_code)
    assert "&lt;script&gt;" in markdown


def test_a_plot_without_its_data_says_which_file_is_missing(recorded_run, tmp_path):
    (recorded_run / "load" / "sociocs-sweep" / "series.json").unlink()
    rendered = render_run(recorded_run)
    html = (recorded_run / "index.html").read_text()
    assert "sociocs-sweep/series.json is missing or empty: no plot over time" in html
    assert rendered.verdict.status == "failed" and not rendered.verdict.complete
    page = load_page(Path(recorded_run / "index.html"), tmp_path / "profile")
    assert page.console == []
    assert all(c.points == c.declared_points > 0 for c in charts(page.dom))
