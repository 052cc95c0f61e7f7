"""``--spec FILE``: specs of the user's own beside the bundled ones, for every command.

The option and the config's ``specs`` / ``specs_dir`` reach the catalog of this process
and of every child it starts (sandbox, contract suite, locust) through
``bulkbench.core.providers.use_specs``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bulkbench.core.errors import UsageError
from bulkbench.core.providers import ProviderRegistryError, use_specs

__all__ = ["SpecOption", "use_spec_options"]

SpecOption = Annotated[list[Path] | None, typer.Option(
    "--spec", metavar="FILE",
    help="A spec of your own (a file, or a folder of *.yaml) beside the bundled ones "
         "(repeatable; or `specs` at the top of the config).")]


def use_spec_options(specs: list[Path] | None, config: Path | None = None) -> None:
    """Add ``--spec`` and the config's specs to the catalog (a usage error when missing)."""
    try:
        use_specs(list(specs or []), config if config is not None and config.is_file()
                  else None)
    except ProviderRegistryError as exc:
        raise UsageError(str(exc)) from exc
