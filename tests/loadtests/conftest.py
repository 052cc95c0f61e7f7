"""Fixtures of the load tests: one real sandbox subprocess per module, reset per test.

The load runs themselves are real locust processes (``bulkbench load``, or
``python -m locust`` directly); nothing of locust is imported into pytest's process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bulkbench.sandbox.process import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with start_sandbox(tmp_path_factory.mktemp("sandbox")) as process:
        yield process


def sandbox_contacts(process: SandboxProcess, provider: str = "leadlex") -> int:
    """The contacts the sandbox holds for ``provider`` (its own count, all workspaces)."""
    counts = httpx.get(f"{process.admin_url}/counts", headers=process.admin_headers,
                       timeout=30).json()
    return sum(counts["contacts"].get(provider, {}).values())


def reset(process: SandboxProcess) -> None:
    httpx.post(f"{process.admin_url}/reset", headers=process.admin_headers,
               timeout=30).raise_for_status()


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())
