"""The semantic checks: one registry (``registry``), one module per concept.

Importing this package imports every check module, which registers its checks with the
``@check`` decorator; ``CHECKS`` is then complete. The generic modules are listed here;
a provider's own checks are reached through its folder (``checks`` in
``bulkbench.core.providers``: the bundled table or a ``bulkbench.providers`` entry point).
All are imported in the order of their module's last name, so a check's registration
order (which breaks ties between case selectors) does not depend on where it lives.
"""

import importlib

from bulkbench.contract.checks.registry import CHECKS, CheckContext, CheckSkipped, CheckSpec, check
from bulkbench.core import providers

__all__ = ["CHECKS", "CheckContext", "CheckSkipped", "CheckSpec", "check"]

#: the checks every provider's endpoints get (each applies where its endpoint filter says).
GENERIC_MODULES = tuple(f"bulkbench.contract.checks.{name}" for name in (
    "auth", "edge_case_checks", "envelopes", "headers", "isolation", "limits", "rate_limits",
    "routing"))


def _load() -> None:
    names = [*GENERIC_MODULES,
             *(m for folder in providers.folders().values() for m in folder.checks)]
    for name in sorted(dict.fromkeys(names), key=lambda n: (n.rsplit(".", 1)[-1], n)):
        importlib.import_module(name)


_load()
