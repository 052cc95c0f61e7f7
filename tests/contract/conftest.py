"""Fixtures of the contract-suite tests: the sandbox keys a seed gives, a CLI runner."""

from __future__ import annotations

import re
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
    from bulkbench.sandbox.process import start_sandbox

    with start_sandbox(tmp_path_factory.mktemp("keys"), seed=0) as sb:
        return sandbox_secrets(sb.info)


def assert_config_error(tmp_path: Path, table: str, message: str) -> None:
    """The provider config ``table`` is refused with a ConfigError saying ``message``."""
    from bulkbench.core.config import ConfigError, load_config

    path = tmp_path / "cfg.toml"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)


def run_cli(*args: str) -> int:
    return main(["contract", *args])


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "out"
