"""The files a contract run leaves for its failing exchanges, beside ``results.json``::

    failures.har        every failing exchange, HAR 1.2 (``contract.har``)
    bodies/<n>.<ext>    the n-th exchange's request body, byte for byte (keys scrubbed),
                        which its repro command sends (``contract.repro``)

:class:`FailureFiles` is filled by the results recorder as failures come in: each
exchange gets a number, an entry in the HAR, its body file and its repro, and the record
of the failure points at them (``exchange``: the HAR entry's index and the body file;
``repro``: the command and what it needs). Stale files of an earlier run in the same
folder are removed first.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bulkbench.contract.exchange import Exchange
from bulkbench.contract.har import FAILURES_HAR, har_entry, write_har
from bulkbench.contract.redaction import scrub
from bulkbench.contract.repro import Origin, repro_of

__all__ = ["BODIES_DIR", "FailureFiles"]

BODIES_DIR = "bodies"


def _extension(exchange: Exchange) -> str:
    ctype = next((v for k, v in exchange.request.headers if k.lower() == "content-type"), "")
    ctype = ctype.lower()
    return "json" if "json" in ctype else "csv" if "csv" in ctype else "txt"


def _scrubbed(body: bytes) -> bytes:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    cleaned = scrub(text)
    return body if cleaned == text else cleaned.encode("utf-8")


class FailureFiles:
    """The HAR entries, body files and repros of one run's failing exchanges."""

    def __init__(self, folder: Path, origins: Sequence[Origin] = ()) -> None:
        self.folder = folder
        self.origins = list(origins)
        self.entries: list[dict[str, Any]] = []

    @property
    def har_path(self) -> Path:
        return self.folder / FAILURES_HAR

    def clear(self) -> None:
        """Remove what an earlier run left in the folder."""
        self.har_path.unlink(missing_ok=True)
        shutil.rmtree(self.folder / BODIES_DIR, ignore_errors=True)

    def add(self, exchange: Exchange, *, ended_at: float, comment: str,
            about: Mapping[str, Any]) -> dict[str, Any]:
        """Record ``exchange``; what the failure's record says of it (``exchange``,
        ``repro``)."""
        number = len(self.entries) + 1
        body_file = None
        if exchange.request.body is not None:
            body_file = f"{BODIES_DIR}/{number}.{_extension(exchange)}"
            path = self.folder / body_file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_scrubbed(exchange.request.body))
        self.entries.append(har_entry(exchange, ended_at=ended_at, comment=comment,
                                      about={**about, "number": number}))
        repro = repro_of(exchange, self.origins, body_file)
        return {"exchange": {"number": number, "har_entry": number - 1,
                             "har": FAILURES_HAR, "body_file": body_file},
                "repro": repro.as_dict()}

    def write(self, comment: str = "") -> Path:
        return write_har(self.har_path, self.entries, comment=comment)
