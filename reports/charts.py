"""Small inline-SVG charts: lines over time and bars, drawn here, no script.

The report must work offline and run no script (its Content-Security-Policy forbids
any), so the plots are plain SVG inside the HTML: a line chart (linear or logarithmic
y axis; series drawn as lines, steps or markers) and a bar chart. Every data point is an
element of its own (``circle.pt`` or ``rect.bar``) with a ``<title>`` the browser shows
on hover and its values as ``data-x``/``data-y`` (``data-value`` for a bar), and each
``figure.chart`` carries ``data-points``, the number it drew, so that a test can check
from the DOM that no plot is empty and read what a plot shows without reading pixels.
All text goes through ``markupsafe.escape``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Band", "Bar", "Series", "bar_chart", "compact", "line_chart"]

WIDTH, HEIGHT = 760, 270
LEFT, RIGHT, TOP, BOTTOM = 66, 18, 14, 46


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]
    style: str = "line"  # "line", "step" or "markers"
    unit: str = ""


@dataclass(frozen=True)
class Band:
    """A shaded span of the x axis with a label (a phase, a batch size's stage)."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    detail: str = ""


def compact(value: float) -> str:
    """A short tick label: 0.5, 12, 1.5k, 20k, 3M."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if magnitude >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.3g}"


def _num(value: float) -> str:
    """A value in a tooltip: 1,234 / 12.3 / 0.456."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"


class _Scale:
    """Maps data values to pixels on one axis, and proposes ticks."""

    def __init__(self, low: float, high: float, start: float, end: float,
                 log: bool = False) -> None:
        self.log = log
        if log:
            low = 10 ** math.floor(math.log10(low))
            high = 10 ** math.ceil(math.log10(high))
            if high <= low:
                high = low * 10
        else:
            if high <= low:
                low, high = (low - 1, high + 1) if low != 0 else (0.0, 1.0)
            step = self._step(low, high)
            top = math.ceil(high / step) * step
            if top - high < step * 0.05:  # room above the highest point
                top += step
            low, high = math.floor(low / step) * step, top
        self.low, self.high, self.start, self.end = low, high, start, end

    @staticmethod
    def _step(low: float, high: float, count: int = 5) -> float:
        raw = (high - low) / count
        base = float(10 ** math.floor(math.log10(raw)))
        for factor in (1, 2, 2.5, 5, 10):
            if raw <= base * factor:
                return base * factor
        return base * 10

    def __call__(self, value: float) -> float:
        if self.log:
            low, high = math.log10(self.low), math.log10(self.high)
            value = math.log10(max(value, self.low))
        else:
            low, high = self.low, self.high
        return self.start + (value - low) / (high - low) * (self.end - self.start)

    def ticks(self) -> list[float]:
        if self.log:
            decades = range(round(math.log10(self.low)), round(math.log10(self.high)) + 1)
            ticks = [10.0 ** d for d in decades]
            if len(ticks) <= 2:  # less than two decades: 2 and 5 between as well
                ticks = sorted({t * m for t in ticks for m in (1, 2, 5)
                                if self.low <= t * m <= self.high})
            return ticks
        step = self._step(self.low, self.high)
        count = round((self.high - self.low) / step)
        return [self.low + i * step for i in range(count + 1)]


def _axes(x: _Scale, y: _Scale, x_label: str, y_label: str, x_ticks: bool = True) -> str:
    parts = ['<g class="axes">']
    for tick in y.ticks():
        py = y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" '
                     f'y2="{py:.1f}"/><text class="tick" x="{LEFT - 6}" y="{py + 4:.1f}" '
                     f'text-anchor="end">{escape(compact(tick))}</text>')
    if x_ticks:
        for tick in x.ticks():
            px = x(tick)
            parts.append(f'<text class="tick" x="{px:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                         f'text-anchor="middle">{escape(compact(tick))}</text>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
                 f'y2="{HEIGHT - BOTTOM}"/><line class="axis" x1="{LEFT}" x2="{LEFT}" '
                 f'y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
    parts.append(f'<text class="label" x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{HEIGHT - 8}" '
                 f'text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text class="label" transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2:.0f})'
                 f' rotate(-90)" text-anchor="middle">{escape(y_label)}</text></g>')
    return "".join(parts)


def _figure(kind: str, title: str, points: int, svg: str, legend: str, note: str) -> Markup:
    note_html = f'<p class="chart-note">{escape(note)}</p>' if note else ""
    return Markup(
        f'<figure class="chart" data-chart="{kind}" data-points="{points}">'
        f"<figcaption>{escape(title)}</figcaption>"
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">{svg}</svg>'
        f"{legend}{note_html}</figure>")


def _step_points(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i, (px, py) in enumerate(coords):
        if i:
            out.append((px, coords[i - 1][1]))
        out.append((px, py))
    return out


def _bands(bands: Sequence[Band], x: _Scale) -> str:
    parts = ['<g class="bands">']
    for index, band in enumerate(bands):
        x0, x1 = x(max(band.start, x.low)), x(min(band.end, x.high))
        if x1 <= x0:
            continue
        parts.append(f'<rect class="band b{index % 2}" x="{x0:.1f}" y="{TOP}" '
                     f'width="{x1 - x0:.1f}" height="{HEIGHT - BOTTOM - TOP}">'
                     f"<title>{escape(band.label)}</title></rect>")
        if x1 - x0 >= 6 * len(band.label) + 4:  # a label only where it fits
            parts.append(f'<text class="band-label" x="{(x0 + x1) / 2:.1f}" y="{TOP + 11}" '
                         f'text-anchor="middle">{escape(band.label)}</text>')
    parts.append("</g>")
    return "".join(parts)


def line_chart(title: str, series: Sequence[Series], *, x_label: str, y_label: str,
               log_y: bool = False, note: str = "", bands: Sequence[Band] = ()) -> Markup:
    """Series against a shared x axis (seconds, usually); points with y ≤ 0 are left out
    of a logarithmic chart. ``ValueError`` when there is no point to draw."""
    usable = [Series(s.name, [(x, y) for x, y in s.points
                              if math.isfinite(x) and math.isfinite(y) and (y > 0 or not log_y)],
                     s.style, s.unit) for s in series]
    usable = [s for s in usable if s.points]
    xs = [x for s in usable for x, _ in s.points]
    ys = [y for s in usable for _, y in s.points]
    if not xs:
        raise ValueError(f"{title}: no data point to draw")
    x = _Scale(min(xs), max(xs), LEFT, WIDTH - RIGHT)
    y = _Scale(min(ys) if log_y else min(0.0, min(ys)), max(ys), HEIGHT - BOTTOM, TOP,
               log=log_y)
    parts = [_bands(bands, x), _axes(x, y, x_label, y_label)]
    legend = ['<ul class="legend">']
    for index, s in enumerate(usable):
        css = f"s{index % 6}"
        parts.append(f'<g class="series {css} {s.style}" data-series="{escape(s.name)}" '
                     f'data-points="{len(s.points)}">')
        coords = [(x(px), y(py)) for px, py in s.points]
        if s.style != "markers" and len(coords) > 1:
            line = _step_points(coords) if s.style == "step" else coords
            parts.append('<polyline class="line" points="'
                         + " ".join(f"{px:.1f},{py:.1f}" for px, py in line) + '"/>')
        radius = 3.2 if s.style == "markers" else 2.0
        for (px, py), (vx, vy) in zip(coords, s.points, strict=True):
            tip = f"{s.name}: {_num(vy)}{s.unit} at {x_label.split(' (')[0]} {_num(vx)}"
            parts.append(f'<circle class="pt" cx="{px:.1f}" cy="{py:.1f}" r="{radius}" '
                         f'data-x="{vx:.12g}" data-y="{vy:.12g}"><title>{escape(tip)}</title>'
                         "</circle>")
        parts.append("</g>")
        legend.append(f'<li><span class="swatch {css} {s.style}"></span>{escape(s.name)} '
                      f'<span class="count">({len(s.points):,} points)</span></li>')
    legend.append("</ul>")
    return _figure("line", title, len(xs), "".join(parts), "".join(legend), note)


def bar_chart(title: str, bars: Sequence[Bar], *, x_label: str, y_label: str,
              note: str = "") -> Markup:
    """One bar per category, its value written above it. ``ValueError`` when empty."""
    usable = [b for b in bars if math.isfinite(b.value)]
    if not usable:
        raise ValueError(f"{title}: no bar to draw")
    y = _Scale(0.0, max(max(b.value for b in usable), 0.0) or 1.0, HEIGHT - BOTTOM, TOP)
    slot = (WIDTH - LEFT - RIGHT) / len(usable)
    width = min(90.0, slot * 0.6)
    x = _Scale(0, 1, LEFT, WIDTH - RIGHT)
    parts = [_axes(x, y, x_label, y_label, x_ticks=False)]
    for index, bar in enumerate(usable):
        cx = LEFT + slot * (index + 0.5)
        top = y(max(bar.value, 0.0))
        tip = f"{bar.label}: {_num(bar.value)}" + (f" ({bar.detail})" if bar.detail else "")
        parts.append(f'<g class="bar-group s{index % 6}"><rect class="bar" '
                     f'x="{cx - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                     f'height="{HEIGHT - BOTTOM - top:.1f}" '
                     f'data-value="{bar.value:g}"><title>{escape(tip)}</title></rect>'
                     f'<text class="value" x="{cx:.1f}" y="{top - 5:.1f}" text-anchor="middle">'
                     f"{escape(_num(bar.value))}</text>"
                     f'<text class="tick" x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{escape(bar.label)}</text></g>')
    return _figure("bar", title, len(usable), "".join(parts), "", note)
