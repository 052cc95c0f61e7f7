"""Opening a report in headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

:func:`load_page` runs ``chromium --headless --dump-dom`` with console logging to stderr:
the DOM after the page loaded, and every console message the page caused (a script error,
a Content-Security-Policy violation, a resource that failed to load). :func:`charts`
reads each ``figure.chart`` of the DOM with the data points it holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

__all__ = ["Chart", "PageLoad", "charts", "chromium_binary", "load_page"]

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-extensions",
         "--enable-logging=stderr", "--v=0")


def chromium_binary() -> str:
    """The Chromium binary; skips the test when there is none (fails where it must be)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("BULKBENCH_REQUIRE_CHROMIUM"):
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@dataclass
class PageLoad:
    dom: str
    console: list[str]
    stderr: str


def load_page(page: Path, profile_dir: Path) -> PageLoad:
    """Load ``page`` in headless Chromium; its DOM and its console messages."""
    done = subprocess.run(
        [chromium_binary(), *FLAGS, f"--user-data-dir={profile_dir}", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return PageLoad(done.stdout, console, done.stderr)


@dataclass
class Chart:
    kind: str
    title: str
    declared_points: int
    points: int = 0  # circle.pt and rect.bar elements found inside it
    series: list[str] = field(default_factory=list)


class _ChartParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[Chart] = []
        self.current: Chart | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "figure" and "chart" in classes:
            self.current = Chart(a.get("data-chart", ""), "", int(a.get("data-points", "0")))
            self.charts.append(self.current)
        elif self.current is not None:
            if tag == "figcaption":
                self.in_caption = True
            elif (tag == "circle" and "pt" in classes) or (tag == "rect" and "bar" in classes):
                self.current.points += 1
            elif tag == "g" and "series" in classes:
                self.current.series.append(a.get("data-series", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.current = None
        elif tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.in_caption:
            self.current.title += data


def charts(dom: str) -> list[Chart]:
    parser = _ChartParser()
    parser.feed(dom)
    return parser.charts
