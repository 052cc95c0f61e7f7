"""The recorded run folder, copied per test (rendering writes into it)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RECORDED = FIXTURES / "run-with-failures"
STOPPED = FIXTURES / "run-target-stopped-answering"


@pytest.fixture
def recorded_run(tmp_path: Path) -> Path:
    """A copy of the recorded run folder (see fixtures/README.md)."""
    folder = tmp_path / "run"
    shutil.copytree(RECORDED, folder)
    return folder


@pytest.fixture
def stopped_run(tmp_path: Path) -> Path:
    """A copy of the run whose target stopped answering (see fixtures/README.md)."""
    folder = tmp_path / "stopped"
    shutil.copytree(STOPPED, folder)
    return folder


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def write_json(path: Path, data: Any) -> None:
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
