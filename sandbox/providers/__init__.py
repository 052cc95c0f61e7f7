"""The provider modules the sandbox serves: one registration line each.

A module listed here defines ``plugin = ProviderPlugin("<provider>")`` at module level
(see ``sandbox/plugin.py``); importing it registers its endpoints, routes and faults.
"""

from __future__ import annotations

import importlib

from bulkbench.sandbox.plugin import ProviderPlugin

__all__ = ["PROVIDER_MODULES", "load_plugins"]

PROVIDER_MODULES: tuple[str, ...] = (
    "bulkbench.sandbox.providers.leadlex",
    "bulkbench.sandbox.providers.datananas",
    "bulkbench.sandbox.providers.sociocs",
    "bulkbench.sandbox.providers.leadlex_import",
)


def load_plugins() -> list[ProviderPlugin]:
    """The ``plugin`` of every registered module (importing them registers their faults)."""
    plugins: list[ProviderPlugin] = []
    for name in PROVIDER_MODULES:
        module = importlib.import_module(name)
        plugin = getattr(module, "plugin", None)
        if not isinstance(plugin, ProviderPlugin):
            raise TypeError(f"{name} defines no `plugin = ProviderPlugin(...)`")
        plugins.append(plugin)
    return plugins
