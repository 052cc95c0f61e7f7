"""The provider plugins the sandbox serves, found through the provider registry.

A provider's folder (``bulkbench.core.providers``: the bundled table or a
``bulkbench.providers`` entry point) names its sandbox modules; each defines
``plugin = ProviderPlugin("<provider>")`` at module level (see ``sandbox/plugin.py``), and
importing it registers its endpoints, routes and faults. The batch endpoints no folder
module serves (every one of a provider added with ``--spec`` alone) are served from the
spec by ``bulkbench.sandbox.generic``.
"""

from __future__ import annotations

import importlib

from bulkbench.core import providers
from bulkbench.core.catalog import Catalog, default_catalog
from bulkbench.sandbox.errors import SandboxError
from bulkbench.sandbox.generic import generic_plugin
from bulkbench.sandbox.plugin import ProviderPlugin

__all__ = ["folder_plugins", "load_plugins"]


def folder_plugins() -> list[ProviderPlugin]:
    """The ``plugin`` of every registered folder's sandbox modules (importing them
    registers their faults)."""
    plugins: list[ProviderPlugin] = []
    for folder in providers.folders().values():
        for name in folder.sandbox:
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                raise SandboxError(f"provider {folder.provider}: sandbox module {name}: "
                                   f"{exc}") from exc
            plugin = getattr(module, "plugin", None)
            if not isinstance(plugin, ProviderPlugin):
                raise SandboxError(f"{name} defines no `plugin = ProviderPlugin(...)`")
            plugins.append(plugin)
    return plugins


def load_plugins(catalog: Catalog | None = None) -> list[ProviderPlugin]:
    """The folders' plugins, then a generic one per provider of ``catalog`` (default: the
    default catalog) for the batch endpoints they leave unserved."""
    plugins = folder_plugins()
    for provider in (catalog or default_catalog()).providers:
        served = [spec.name for p in plugins if p.provider == provider.name
                  for spec in p.endpoints]
        generic = generic_plugin(provider, served)
        if generic is not None:
            plugins.append(generic)
    return plugins
