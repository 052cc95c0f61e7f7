"""``results.json``: every check outcome of a run, as plain data.

One record per planned check: provider, endpoint, check, case, group, status
(``passed``, ``failed``, ``skipped`` or ``mismatch``: the provider settled an open point
of the docs otherwise than the spec assumed, with the config keys that settle it), what
the expectation rests on (``basis``: documented, consequence, assumption, or tolerant
for an edge case whose outcome the docs leave open), the skip reason, the doc reference
(the documentation seed file and sentence, or the NOTES.md decision), the seed and run
tag, and for a failure its title, message, the curl line reproducing it (keys redacted)
and excerpts of the request and the response. Every string passes through ``scrub``
before it is written.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from bulkbench.contract.redaction import scrub_data

__all__ = ["RESULTS_VERSION", "read_results", "summarize", "write_results"]

RESULTS_VERSION = 1


def summarize(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    counts = Counter(str(r.get("status")) for r in records)
    per_provider: dict[str, dict[str, int]] = {}
    for r in records:
        entry = per_provider.setdefault(str(r.get("provider")),
                                        {"passed": 0, "failed": 0, "skipped": 0,
                                         "mismatch": 0})
        status = str(r.get("status"))
        entry[status] = entry.get(status, 0) + 1
    return {"passed": counts.get("passed", 0), "failed": counts.get("failed", 0),
            "skipped": counts.get("skipped", 0), "mismatch": counts.get("mismatch", 0),
            "total": len(records),
            "providers": per_provider}


def write_results(path: Path, meta: Mapping[str, Any],
                  records: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``results.json`` atomically (scrubbed of every known secret)."""
    data = {"version": RESULTS_VERSION, "meta": dict(meta), "summary": summarize(records),
            "results": list(records)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(orjson.dumps(scrub_data(data), option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path


def read_results(path: Path) -> dict[str, Any]:
    data = orjson.loads(path.read_bytes())
    if not isinstance(data, dict) or "results" not in data:
        raise ValueError(f"{path} is not a results.json")
    return data
