"""What an option may take, named in its help text and offered by shell completion.

A help text names a list by a placeholder (``{providers}``, ``{scenarios}``, ``{checks}``,
…); :class:`ValuesInHelp`, the class of every command, fills the placeholders in when the
help is shown, and :func:`completer` offers the same values to the shell. The lists come
from where they are defined (the catalog, the load scenarios, the contract checks, the
sandbox faults), and are read only when asked: reading the catalog takes half a second,
which no other invocation should pay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from typer.core import TyperCommand, TyperOption

__all__ = ["VALUES", "ValuesInHelp", "completer", "fill", "values_of"]


def _providers() -> list[str]:
    from bulkbench.core.catalog import default_catalog

    return [p.name for p in default_catalog().providers]


def _endpoints() -> list[str]:
    from bulkbench.core.catalog import default_catalog

    return [ep.key for ep in default_catalog().endpoints()]


def _scenarios() -> list[str]:
    from bulkbench.loadtests.load_settings import SCENARIOS

    return list(SCENARIOS)


def _load_options() -> list[str]:
    from bulkbench.loadtests.load_settings import OPTIONS

    return sorted(spec.name for spec in OPTIONS)


def _profiles() -> list[str]:
    from bulkbench.orchestration.profiles import PROFILES

    return list(PROFILES)


def _stages() -> list[str]:
    from bulkbench.orchestration.pipeline import STAGES

    return list(STAGES)


def _checks() -> list[str]:
    from bulkbench.contract.plan import known_checks

    return list(known_checks())


def _faults() -> list[str]:
    from bulkbench.sandbox.faults import FAULTS
    from bulkbench.sandbox.providers import load_plugins

    load_plugins()
    return list(FAULTS)


def _variants() -> list[str]:
    from bulkbench.sandbox.assumed import variant_names

    return variant_names()


def _formats() -> list[str]:
    from bulkbench.generators.streaming import FORMATS

    return list(FORMATS)


#: placeholder name → where its values come from.
VALUES: dict[str, Callable[[], Sequence[str]]] = {
    "providers": _providers,
    "endpoints": _endpoints,
    "scenarios": _scenarios,
    "load_options": _load_options,
    "profiles": _profiles,
    "stages": _stages,
    "checks": _checks,
    "faults": _faults,
    "variants": _variants,
    "formats": _formats,
}


def values_of(name: str) -> list[str]:
    return list(VALUES[name]())


def fill(text: str) -> str:
    """``text`` with each ``{name}`` of :data:`VALUES` replaced by its values, comma-separated
    (other braces are left alone)."""
    for name, values in VALUES.items():
        token = "{" + name + "}"
        if token in text:
            text = text.replace(token, ", ".join(values()))
    return text


def completer(name: str, *extra: str) -> Callable[[str], list[str]]:
    """Shell completion of an option taking one of ``VALUES[name]`` (or ``extra``)."""

    def complete(incomplete: str) -> list[str]:
        return [v for v in (*values_of(name), *extra) if v.startswith(incomplete)]

    return complete


class ValuesInHelp(TyperCommand):
    """A command whose help texts name value lists by placeholder, filled in when shown."""

    _filled = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        if not self._filled:
            for param in self.params:
                if isinstance(param, TyperOption) and param.help:
                    param.help = fill(param.help)
            if self.epilog:
                self.epilog = fill(self.epilog)
            if self.help:
                self.help = fill(self.help)
            self._filled = True
        super().format_help(ctx, formatter)
