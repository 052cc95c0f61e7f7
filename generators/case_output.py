"""A built case request in the command line's formats: JSON, NDJSON or CSV.

``json`` is the request body itself (placeholders written as ``<existing[0]>``);
``ndjson`` the batch items, one a line; ``csv`` the CSV text of a CSV import case, or the
batch items as CSV rows (lists joined by commas, objects as JSON).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from bulkbench.generators.contact_templates import csv_cell
from bulkbench.generators.edge_cases.model import CaseRequest, Ref
from bulkbench.generators.errors import UnsupportedFormat
from bulkbench.generators.streaming import Format

__all__ = ["case_chunks"]


def _placeholders(request: CaseRequest) -> dict[Ref, str]:
    return {ref: str(ref) for ref in request.refs()}


def _items(request: CaseRequest, fmt: str) -> Sequence[Any]:
    body = request.json(_placeholders(request))
    if (
        request.stream is None
        and request.raw is None
        and isinstance(body, dict)
        and request.batch_field
        and isinstance(body.get(request.batch_field), list)
    ):
        items: list[Any] = body[request.batch_field]
        return items
    raise UnsupportedFormat(
        f"this case's body has no batch array to write as {fmt}; use --format json"
    )


def case_chunks(request: CaseRequest, fmt: Format) -> Iterator[bytes]:
    """The request in ``fmt``, chunk by chunk (huge bodies stay streamed in ``json``)."""
    if fmt == "json":
        yield from request.chunks(_placeholders(request))
    elif fmt == "ndjson":
        for item in _items(request, fmt):
            yield orjson.dumps(item) + b"\n"
    elif fmt == "csv":
        body = request.body
        if isinstance(body, dict) and isinstance(body.get("csv"), str):
            yield body["csv"].encode()
            return
        items = _items(request, fmt)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if all(isinstance(i, dict) for i in items):
            columns = list(dict.fromkeys(k for i in items for k in i))
            writer.writerow(columns)
            writer.writerows([csv_cell(i.get(c)) for c in columns] for i in items)
        else:
            writer.writerow(["id"])
            writer.writerows([csv_cell(i)] for i in items)
        yield out.getvalue().encode()
    else:
        raise UnsupportedFormat(f"unknown format {fmt!r}")
