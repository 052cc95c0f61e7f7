"""Shared fixtures of the generator tests: the bundled catalog and an editable copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bulkbench.core.catalog import SPECS_DIR, Catalog, default_catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def edited_catalog(tmp_path: Path) -> Callable[[str, Callable[[dict[str, Any]], None]], Catalog]:
    """``edit(provider, change)``: a catalog from a copy of the specs in which ``change``
    has edited ``<provider>.yaml`` (a dict, written back as YAML)."""
    specs = tmp_path / "specs"
    shutil.copytree(SPECS_DIR, specs)

    def edit(provider: str, change: Callable[[dict[str, Any]], None]) -> Catalog:
        path = specs / f"{provider}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        return load_catalog(specs)

    return edit
