"""A provider of the user's own: a bundled spec copied under a new name (``acme``), with
an error envelope, a key variable and counters no bundled provider has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bulkbench.core.catalog import SPECS_DIR

__all__ = ["ACME_ENVELOPE", "ACME_KEY_ENV", "write_acme_spec"]

ACME_KEY_ENV = "ACME_TOKEN"
ACME_ENVELOPE = {"code": "/problem/kind", "message": "/problem/text", "details": "/problem/info",
                 "message-documented": True}

#: the error body the envelope above describes.
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["problem"],
    "properties": {"problem": {
        "type": "object",
        "required": ["kind", "text"],
        "properties": {"kind": {"type": "string"}, "text": {"type": "string"},
                       "info": {"type": "object"}}}},
}


def write_acme_spec(folder: Path) -> Path:
    """``folder/acme.yaml``: Sociocs' spec as provider ``acme`` (no folder of its own)."""
    raw = yaml.safe_load((SPECS_DIR / "sociocs.yaml").read_text(encoding="utf-8"))
    raw["info"]["title"] = "Acme contacts API (bulk upsert)"
    raw["x-bulkbench-provider"] = "acme"
    raw["x-bulkbench-key-env"] = ACME_KEY_ENV
    raw["x-bulkbench-error-envelope"] = dict(ACME_ENVELOPE)
    raw["components"]["schemas"]["Error"] = _ERROR_SCHEMA
    for response in raw["components"]["responses"].values():
        for media in response.get("content", {}).values():
            media.pop("example", None)
    op = raw["paths"]["/contacts/bulk"]["post"]
    op["x-bulkbench-success-fields"] = {"status": "success"}
    op["x-bulkbench-counters"] = {"created": "created", "updated": "updated"}
    response = raw["components"]["schemas"]["BulkUpsertResponse"]
    response["properties"].update({"created": {"type": "integer", "minimum": 0},
                                   "updated": {"type": "integer", "minimum": 0}})
    for status in ("400", "401", "404", "413", "429", "500"):
        op["responses"][status] = {"$ref": op["responses"][status]["$ref"]}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
