"""The error tree drawn in core/errors.py is the real one."""

from __future__ import annotations

import importlib

import bulkbench.core.errors
from bulkbench.core.errors import BulkbenchError

MODULES = (
    "bulkbench.core.catalog", "bulkbench.core.config", "bulkbench.contract.target",
    "bulkbench.contract.suite_process",
    "bulkbench.core.preflight",
    "bulkbench.generators.errors", "bulkbench.sandbox.errors", "bulkbench.loadtests.load_settings",
    "bulkbench.loadtests.sla_thresholds", "bulkbench.loadtests.load_runner",
    "bulkbench.reports.errors",
)


def test_every_direct_subclass_is_drawn_in_the_docstring():
    for name in MODULES:
        importlib.import_module(name)
    doc = bulkbench.core.errors.__doc__ or ""
    direct = BulkbenchError.__subclasses__()
    assert direct, "no stage error types found"
    for cls in direct:
        if cls.__module__.startswith("tests"):
            continue
        qualified = cls.__name__ if cls.__module__ == "bulkbench.core.errors" else (
            f"{cls.__module__}.{cls.__name__}")
        assert qualified in doc, f"{qualified} is missing from the tree in core/errors.py"
