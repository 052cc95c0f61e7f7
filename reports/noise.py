"""Ratios that know noise: how sure a change of a load figure between two runs is.

A figure of a load run (contacts/s, contacts/s at one batch size, a latency percentile) is
compared as the ratio B/A of its mean over each side's repetitions (``bulkbench run
--repeat N`` keeps every one). How sure that ratio is comes from a **bootstrap**: each
of ``resamples`` (1000) draws recomputes the ratio from the data drawn again with
replacement, and the interval holds the middle ``confidence`` (95 %) of those ratios (the
percentile interval). It needs no assumption about the shape of the noise (per-second
counts are skewed, latencies more so, and a ratio of means is not normal with few
runs), and it is plain Python (``random.Random``; numpy is not a dependency). Each
figure's draws are seeded from its name, so the same two runs always give the same
interval. The draws have two levels:

1. **Repetitions**: each side's repetitions are drawn with replacement. This sees what
   changes from one run to the next, the machine's other work included: the noise that
   a comparison of two runs actually meets.
2. **Seconds**, within each drawn repetition that has a usable per-second series
   (``series.json``): its full seconds are drawn again with replacement, within strata
   (each part of the run a stratum: a sweep's batch sizes, an import's sync and queued
   parts, whose seconds differ by design), and the repetition's figure is scaled by the
   redrawn seconds' sum over the original sum. Only *full* seconds count: the first and
   last second of a part are partial and would read as dips. A part with fewer than
   ``MIN_SECONDS`` full seconds has no spread to redraw, so such a series is not usable
   for that figure (a quick sweep's 2-second stages often are not).

With one repetition a side only the second level remains: it sees the noise within a
run, not a drift between runs (the machine busier during one whole run), so its interval
is too narrow to call a change on: on this machine two runs of the same sandbox, one a
side, differed at p99 by 2.7x with an interval wholly above 1.2. Such an interval is
shown, but the evidence is **thin** and nothing is called; two or more repetitions a side
(``--repeat``) are evidence. A side with one repetition and no usable per-second samples
gives the bootstrap nothing to draw from: thin too, and without an interval.

A change is called only when the whole interval lies beyond the threshold (default
20 %): a **regression** when, for a figure where higher is better, the interval's upper
end is below ``1 - threshold`` (where lower is better: its lower end above
``1 + threshold``); an **improvement** likewise the other way; anything else is
**within noise**.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from bulkbench.reports.load_results import LoadRun, SecondRow

__all__ = [
    "CONFIDENCE",
    "MIN_SECONDS",
    "RESAMPLES",
    "Interval",
    "Repetition",
    "call",
    "figures_of",
    "ratio_interval",
]

CONFIDENCE = 0.95
RESAMPLES = 1000
#: the fewest full seconds a part of a run needs for its seconds to be redrawn.
MIN_SECONDS = 2
_PERCENTILES = ("p50", "p95", "p99")

REGRESSION, IMPROVEMENT, WITHIN_NOISE, THIN = (
    "regression", "improvement", "within noise", "thin evidence")


@dataclass(frozen=True)
class Repetition:
    """One repetition's evidence for one figure: its value as the run reported it, and
    the values of its full seconds by part (``()``: no usable per-second samples)."""

    value: float
    strata: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class Interval:
    """The ratio B/A of a figure's means and its bootstrap interval (None: thin)."""

    ratio: float | None
    low: float | None
    high: float | None
    #: what the interval was drawn from: "repetitions", "repetitions and seconds",
    #: "seconds" (one repetition a side), or "thin" (no interval).
    basis: str
    confidence: float = CONFIDENCE

    @property
    def thin(self) -> bool:
        return self.low is None or self.high is None


def _full_seconds(rows: Sequence[SecondRow], first: float, last: float) -> list[SecondRow]:
    """The rows of seconds wholly inside ``[first, last]`` (epoch seconds)."""
    return [r for r in rows if r.t >= first and r.t + 1 <= last]


def _strata(run: LoadRun, attribute: str, label: str | None = None
            ) -> tuple[tuple[float, ...], ...]:
    """The full seconds' values of ``attribute`` by part of ``run`` (or of its part
    ``label`` alone); ``()`` when a part has fewer than ``MIN_SECONDS`` of them."""
    rows = run.series
    if not rows:
        return ()
    spans = [(s.label, s.first, s.last) for s in run.labels
             if s.first is not None and s.last is not None
             and (label is None or s.label == label)]
    if label is not None and not spans:
        return ()
    parts: list[list[SecondRow]] = []
    if spans:
        taken: set[float] = set()
        for _name, first, last in spans:
            assert first is not None and last is not None
            part = [r for r in _full_seconds(rows, first, last) if r.t not in taken]
            taken.update(r.t for r in part)
            parts.append(part)
    else:  # one part: the run, without its partial first and last second
        parts.append(list(rows[1:-1]))
    out = []
    for part in parts:
        values = tuple(float(v) for r in part
                       if (v := getattr(r, attribute)) is not None)
        if len(values) < MIN_SECONDS:
            return ()
        out.append(values)
    if not out or sum(map(sum, out)) <= 0:
        return ()
    return tuple(out)


def figures_of(run: LoadRun) -> dict[str, Repetition]:
    """Figure name → the evidence ``run`` holds for it (the names of ``report --compare``:
    ``contacts/s``, ``contacts/s at batch <n>``, ``p50 ms``, ``p95 ms``, ``p99 ms``)."""
    out: dict[str, Repetition] = {}
    if run.contacts_per_second is not None:
        out["contacts/s"] = Repetition(run.contacts_per_second, _strata(run, "contacts"))
    for part in run.by_batch_size:
        if part.contacts_per_second is not None:
            out[f"contacts/s at batch {part.batch_size}"] = Repetition(
                part.contacts_per_second, _strata(run, "contacts", part.label))
    for p in _PERCENTILES:
        value = getattr(run.latency, p)
        if value is not None:
            out[f"{p} ms"] = Repetition(value, _strata(run, p))
    return out


def _usable(side: Sequence[Repetition]) -> bool:
    return len(side) >= 2 or any(r.strata for r in side)


def _basis(before: Sequence[Repetition], after: Sequence[Repetition]) -> str:
    repeated = len(before) >= 2 or len(after) >= 2
    seconds = any(r.strata for r in (*before, *after))
    if repeated:
        return "repetitions and seconds" if seconds else "repetitions"
    return "seconds"


def _redrawn(rng: random.Random, rep: Repetition) -> float:
    """``rep``'s value scaled by how its redrawn seconds' sum differs from the original."""
    if not rep.strata:
        return rep.value
    original = sum(map(sum, rep.strata))
    redrawn = sum(sum(rng.choices(part, k=len(part))) for part in rep.strata)
    return rep.value * redrawn / original


def _side_mean(rng: random.Random, side: Sequence[Repetition]) -> float:
    drawn = rng.choices(side, k=len(side))
    return sum(_redrawn(rng, rep) for rep in drawn) / len(drawn)


def ratio_interval(before: Sequence[Repetition], after: Sequence[Repetition], *,
                   seed: str, confidence: float = CONFIDENCE,
                   resamples: int = RESAMPLES) -> Interval:
    """The ratio mean(after)/mean(before) and its bootstrap interval (module docstring);
    ``seed`` names the figure, so that its draws are the same on every call."""
    if not before or not after:
        return Interval(None, None, None, "thin", confidence)
    mean_before = sum(r.value for r in before) / len(before)
    mean_after = sum(r.value for r in after) / len(after)
    ratio = mean_after / mean_before if mean_before > 0 else None
    if ratio is None or not (_usable(before) and _usable(after)):
        return Interval(ratio, None, None, "thin", confidence)
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        a = _side_mean(rng, before)
        if a > 0:
            ratios.append(_side_mean(rng, after) / a)
    if len(ratios) < resamples // 2:  # the draws mostly had nothing before
        return Interval(ratio, None, None, "thin", confidence)
    ratios.sort()
    tail = (1 - confidence) / 2
    low = ratios[max(0, math.floor(tail * len(ratios)))]
    high = ratios[min(len(ratios) - 1, math.ceil((1 - tail) * len(ratios)) - 1)]
    return Interval(ratio, low, high, _basis(before, after), confidence)


def call(interval: Interval, higher_is_better: bool, threshold: float) -> str:
    """``regression``, ``improvement``, ``within noise`` or ``thin evidence``: a change
    is called only when the whole interval lies beyond ``threshold``, and only on
    repetitions (an interval from one run's seconds a side is thin evidence)."""
    if interval.low is None or interval.high is None or interval.basis == "seconds":
        return THIN
    worse_low, worse_high = (1 - threshold, 1 + threshold)
    if higher_is_better:
        if interval.high < worse_low:
            return REGRESSION
        if interval.low > worse_high:
            return IMPROVEMENT
    else:
        if interval.low > worse_high:
            return REGRESSION
        if interval.high < worse_low:
            return IMPROVEMENT
    return WITHIN_NOISE
