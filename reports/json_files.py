"""Reading the JSON files of a run folder, with an error that names the file.

The stages that write these files are built by others and their formats may move; every
reader here checks what it relies on and says which file, and what in it, is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from bulkbench.reports.errors import RunFolderError

__all__ = ["as_float", "as_int", "as_list", "as_mapping", "as_str", "read_json_object"]


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; ``RunFolderError`` naming the file otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RunFolderError(f"{path}: missing ({what})") from exc
    except OSError as exc:
        raise RunFolderError(f"{path}: cannot read ({what}): {exc.strerror or exc}") from exc
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RunFolderError(f"{path}: not valid JSON ({what}): {exc}") from exc
    if not isinstance(data, dict):
        raise RunFolderError(f"{path}: expected a JSON object ({what}), "
                             f"found {type(data).__name__}")
    return data


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def as_int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value)


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
