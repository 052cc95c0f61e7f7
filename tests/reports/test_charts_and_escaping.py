"""The SVG charts and the Markdown escaping, on their own."""

from __future__ import annotations

import re

import pytest

from bulkbench.reports.charts import Bar, Series, bar_chart, line_chart
from bulkbench.reports.handlers.markdown import md_code, md_text


def test_a_line_chart_draws_every_point_and_escapes_its_text():
    chart = str(line_chart("<b>title</b>", [Series("a<script>", [(0, 1), (1, 2), (2, 3)]),
                                            Series("b", [(0, 5)], "markers")],
                           x_label="time (s)", y_label="y"))
    assert 'data-points="4"' in chart
    assert chart.count('class="pt"') == 4
    assert "<script" not in chart and "&lt;script&gt;" in chart
    assert "<b>" not in chart


def test_a_log_chart_leaves_out_what_it_cannot_draw():
    chart = str(line_chart("t", [Series("p99", [(0, 0.0), (1, 10.0), (2, 1000.0)])],
                           x_label="x", y_label="ms", log_y=True))
    assert 'data-points="2"' in chart
    ticks = re.findall(r'class="tick"[^>]*>([^<]+)<', chart)
    assert {"10", "100", "1k"} <= set(ticks)


def test_an_empty_chart_is_refused():
    with pytest.raises(ValueError, match="no data point"):
        line_chart("t", [Series("a", [])], x_label="x", y_label="y")
    with pytest.raises(ValueError, match="no bar"):
        bar_chart("t", [], x_label="x", y_label="y")


def test_a_bar_chart_labels_each_bar():
    chart = str(bar_chart("t", [Bar("1", 900.0), Bar("500", 12_000.0, "p99 5 ms")],
                          x_label="batch", y_label="contacts/s"))
    assert chart.count('class="bar"') == 2 and "12,000" in chart and "p99 5 ms" in chart


def test_markdown_text_cannot_open_html_or_markdown_structure():
    text = md_text("# <img src=x> | *bold* [link](http://x) `code`\nnext")
    assert "<" not in text and "&lt;img" in text
    assert text.startswith("\\#") and "\\|" in text and "\\*bold\\*" in text
    assert "\\[link\\]" in text and "\\`code\\`" in text and "\n" not in text


def test_a_code_fence_is_longer_than_any_backtick_run_inside():
    block = md_code("echo ```` done", "sh")
    assert block.startswith("`````sh\n") and block.endswith("\n`````")
