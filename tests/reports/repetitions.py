"""Run folders built for the comparison tests: load runs with a known per-second noise,
and a recorded load run turned into repetitions."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import orjson

START = 1_800_000_000  # an epoch second: every constructed run starts here


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def write_steady_run(folder: Path, *, seed: int, contacts_per_second: float = 1000.0,
                     latency_ms: float = 20.0, noise: float = 0.05, seconds: int = 20,
                     series: bool = True, provider: str = "leadlex") -> Path:
    """A steady load run of ``provider`` in ``folder``: per second, contacts and latency
    drawn around the given means with a relative spread ``noise`` (seeded); its summary's
    figures are those of the seconds drawn, as a real run's are of what it measured."""
    rng = random.Random(seed)
    rows, contacts, p50s, p95s, p99s = [], [], [], [], []
    for k in range(seconds + 2):  # the first and last second are partial: a third as much
        part = 1 / 3 if k in (0, seconds + 1) else 1.0
        c = max(0, round(rng.gauss(contacts_per_second, noise * contacts_per_second) * part))
        p50 = max(0.1, rng.gauss(latency_ms, noise * latency_ms))
        row = {"t": START + k, "elapsed_s": k, "requests": c // 10, "ok": c // 10,
               "contacts": c, "rate_limited": 0, "errors": 0, "p50_ms": round(p50, 3),
               "p95_ms": round(p50 * 1.5, 3), "p99_ms": round(p50 * 2, 3)}
        rows.append(row)
        contacts.append(c)
        if part == 1.0:
            p50s.append(row["p50_ms"])
            p95s.append(row["p95_ms"])
            p99s.append(row["p99_ms"])
    window = seconds + 2 / 3
    summary = {
        "version": 1, "provider": provider, "scenario": "steady",
        "endpoint": {"key": f"{provider}.bulk_create"}, "model": "closed", "users": 2,
        "batch_size": 10, "window": {"first": START + 2 / 3, "last": START + seconds + 1 + 1 / 3,
                                     "seconds": window},
        "totals": {"requests": sum(contacts) // 10, "ok": sum(contacts) // 10,
                   "contacts": sum(contacts), "rate_limited": 0, "errors": 0},
        "contacts_per_second": round(sum(contacts) / window, 3),
        "requests_per_second": round(sum(contacts) / 10 / window, 3),
        "latency": {"http": {"count": sum(contacts) // 10,
                             "p50_ms": round(_percentile(p50s, 0.5), 3),
                             "p95_ms": round(_percentile(p95s, 0.5), 3),
                             "p99_ms": round(_percentile(p99s, 0.5), 3)}},
        "by_label": {},
    }
    _write(folder / "summary.json", summary)
    if series:
        _write(folder / "series.json", {"provider": provider, "scenario": "steady",
                                        "seconds": rows})
    return folder


def steady_run_folder(root: Path, reps: list[dict[str, Any]]) -> Path:
    """A run folder (no run.json: its steps are inferred) holding the steady load run of
    leadlex once (one entry in ``reps``) or repeated (``rep-<k>`` per entry); each entry
    holds ``write_steady_run``'s keyword arguments."""
    load = root / "load" / "leadlex-steady"
    if len(reps) == 1:
        write_steady_run(load, **reps[0])
    else:
        for k, options in enumerate(reps, start=1):
            write_steady_run(load / f"rep-{k}", **options)
    return root


def repeat_load_run(run: Path, name: str, factors: list[float]) -> None:
    """Make ``load/<name>`` of ``run`` a repeated load run: ``rep-<k>`` copies whose
    summaries' throughput is multiplied by ``factors[k-1]`` and latency divided by it
    (a repetition a little faster or slower than the recorded one)."""
    original = run / "load" / name
    kept = run / "load" / f".{name}"
    original.rename(kept)
    for k, factor in enumerate(factors, start=1):
        folder = original / f"rep-{k}"
        shutil.copytree(kept, folder)
        path = folder / "summary.json"
        summary = orjson.loads(path.read_bytes())
        summary["contacts_per_second"] *= factor
        for part in summary.get("by_label", {}).values():
            if part.get("contacts_per_second") is not None:
                part["contacts_per_second"] *= factor
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            summary["latency"]["http"][key] /= factor
        _write(path, summary)
    shutil.rmtree(kept)
