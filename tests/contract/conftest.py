"""Fixtures of the contract-suite tests: the sandbox keys a seed gives, a CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulkbench.cli import main


def sandbox_secrets(info: dict[str, Any]) -> list[str]:
    found = [str(info["admin_key"]), str(info["webhook"]["secret"])]
    for entry in info["providers"].values():
        found += [str(k["key"]) for k in entry["keys"]]
    return found


@pytest.fixture(scope="session")
def seed_secrets(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every secret a sandbox started with seed 0 has (the suite's sandboxes use seed 0)."""
    from sandbox.process import start_sandbox

    with start_sandbox(tmp_path_factory.mktemp("keys"), seed=0) as sb:
        return sandbox_secrets(sb.info)


def run_cli(*args: str) -> int:
    return main(["contract", *args])


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "out"
