"""The provider registry: which providers exist, in which order, and where their code is.

A provider is its spec (an OpenAPI 3.1 file with the ``x-bulkbench-*`` fields of
``specs/README.md``) plus, at most, one *folder*: the code for what a spec cannot say (a
sandbox behaviour of its own, its own checks, its own edge cases).

**Specs.** The bundled specs (``bulkbench/specs``) and the ones a user adds: ``--spec
FILE`` (a file or a folder of ``*.yaml``; repeatable) on the commands, or ``specs`` /
``specs_dir`` at the top of the provider config (TOML, paths relative to the file). The
added locations reach every child process (sandbox, contract suite, locust) through the
environment variable :data:`SPECS_ENV`; :func:`use_specs` sets it and
``bulkbench.core.catalog.default_catalog()`` reads it.

**Order.** :func:`ordered`: the bundled providers first, in their usual order, then the
others by name.

**Folders.** A folder is registered by provider name: the bundled ones in
:data:`BUNDLED_FOLDERS` or as a package ``bulkbench.providers.<name>`` (``providers/<name>/``
in the repository) of the bundled folders package (:data:`FOLDERS_PACKAGE`, found by its
name), third-party ones through the
``bulkbench.providers`` entry-point group
(``[project.entry-points."bulkbench.providers"] acme = "acme_bulkbench"``). The entry
point names a :class:`ProviderFolder` or a module whose attributes say what it adds, each
a module name or a list of them:

* ``sandbox``: modules defining ``plugin = ProviderPlugin("<provider>")``
  (``bulkbench.sandbox.plugin``); without one, the sandbox serves the spec generically
  (``bulkbench.sandbox.generic``);
* ``checks``: modules whose ``@check`` functions (``bulkbench.contract.checks.registry``)
  register the provider's own checks;
* ``edge_cases``: ``"module:function"`` names; the function takes the catalog and yields
  the provider's own edge-case drafts (``bulkbench.generators.edge_cases.building.Draft``).

This module only *names* code: each stage imports what it needs (the base imports no
stage).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bulkbench.core.errors import BulkbenchError

if TYPE_CHECKING:
    from bulkbench.core.catalog import Catalog

__all__ = [
    "BUNDLED",
    "BUNDLED_FOLDERS",
    "ENTRY_POINT_GROUP",
    "FOLDERS_PACKAGE",
    "SPECS_ENV",
    "ProviderFolder",
    "ProviderRegistryError",
    "added_specs",
    "config_specs",
    "folder",
    "folders",
    "named_specs",
    "ordered",
    "provider_names",
    "spec_files",
    "use_specs",
]

#: the bundled providers, in the order every listing shows them first.
BUNDLED = ("leadlex", "datananas", "sociocs")
#: the environment variable holding the added spec locations (``os.pathsep``-separated).
SPECS_ENV = "BULKBENCH_SPECS"
#: the entry-point group of provider folders.
ENTRY_POINT_GROUP = "bulkbench.providers"
#: the package of the bundled providers' folders: ``providers/<name>/``, each a
#: package whose ``sandbox``, ``checks`` and ``edge_cases`` name its modules.
FOLDERS_PACKAGE = "bulkbench.providers"


class ProviderRegistryError(BulkbenchError):
    """A spec location or a provider folder cannot be used as given."""


@dataclass(frozen=True)
class ProviderFolder:
    """What one provider's folder adds to the stages (module names, imported by them)."""

    provider: str
    sandbox: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    edge_cases: tuple[str, ...] = ()
    #: ``bundled`` or the entry point's ``name = value``.
    source: str = "bundled"


_SANDBOX = "bulkbench.sandbox.providers"
_CHECKS = "bulkbench.contract.checks"
_CASES = "bulkbench.generators.edge_cases"

#: the bundled providers' folders (their code stays where it was; it is reached only here).
BUNDLED_FOLDERS: dict[str, ProviderFolder] = {
    "leadlex": ProviderFolder(
        "leadlex", sandbox=(f"{_SANDBOX}.leadlex", f"{_SANDBOX}.leadlex_import"),
        checks=(f"{_CHECKS}.leadlex_semantics", f"{_CHECKS}.import_jobs",
                f"{_CHECKS}.import_semantics"),
        edge_cases=(f"{_CASES}.leadlex_batch_cases:leadlex_batch_cases",)),
    "datananas": ProviderFolder(
        "datananas", sandbox=(f"{_SANDBOX}.datananas",),
        checks=(f"{_CHECKS}.datananas_semantics", f"{_CHECKS}.datananas_progress"),
        edge_cases=(f"{_CASES}.datananas_batch_cases:datananas_batch_cases",)),
    "sociocs": ProviderFolder(
        "sociocs", sandbox=(f"{_SANDBOX}.sociocs",),
        checks=(f"{_CHECKS}.sociocs_semantics",),
        edge_cases=(f"{_CASES}.sociocs_batch_cases:sociocs_batch_cases",)),
}


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` without repeats: the bundled providers first (in :data:`BUNDLED` order),
    then the others by name."""
    unique = set(names)
    return [n for n in BUNDLED if n in unique] + sorted(unique - set(BUNDLED))


def provider_names(catalog: Catalog | None = None) -> tuple[str, ...]:
    """The providers of ``catalog`` (default: the default catalog), :func:`ordered`."""
    from bulkbench.core.catalog import default_catalog

    return tuple(ordered(p.name for p in (catalog or default_catalog()).providers))


# ------------------------------------------------------------------------ specs


def spec_files(locations: Iterable[Path | str]) -> list[Path]:
    """The spec files of ``locations`` (a file, or a folder's ``*.yaml``), absolute."""
    found: list[Path] = []
    for location in locations:
        path = Path(location).expanduser().absolute()
        if path.is_dir():
            files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            if not files:
                raise ProviderRegistryError(f"--spec {path}: the folder holds no *.yaml spec")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise ProviderRegistryError(f"--spec {path}: no such file or folder")
    return list(dict.fromkeys(found))


def added_specs() -> list[Path]:
    """The spec files added to the bundled ones in this process (:data:`SPECS_ENV`)."""
    raw = os.environ.get(SPECS_ENV, "")
    return spec_files(p for p in raw.split(os.pathsep) if p)


def config_specs(config: Path | str | None) -> list[Path]:
    """The spec locations the provider config names at its top (``specs = [FILE, …]``,
    ``specs_dir = "FOLDER"``), relative to the config file."""
    if config is None:
        return []
    path = Path(config)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []  # load_config reports it with the file named
    return named_specs(raw, path)


def named_specs(raw: Mapping[str, Any], config: Path) -> list[Path]:
    """The spec locations a parsed provider config names at its top, relative to the
    config file ``config``."""
    base = config.absolute().parent
    named: list[Any] = []
    if isinstance(raw.get("specs_dir"), str):
        named.append(raw["specs_dir"])
    specs = raw.get("specs")
    if isinstance(specs, str):
        named.append(specs)
    elif isinstance(specs, list):
        named.extend(s for s in specs if isinstance(s, str))
    return [base / Path(n).expanduser() for n in named]


def use_specs(locations: Sequence[Path | str] = (), config: Path | str | None = None
              ) -> list[Path]:
    """Add ``locations`` and the config's spec locations to this process and its children
    (:data:`SPECS_ENV`); the default catalog is read again. Returns every added file."""
    files = spec_files([*added_specs(), *locations, *config_specs(config)])
    joined = os.pathsep.join(str(f) for f in files)
    if joined != os.environ.get(SPECS_ENV, ""):
        if joined:
            os.environ[SPECS_ENV] = joined
        else:
            os.environ.pop(SPECS_ENV, None)
        from bulkbench.core.catalog import default_catalog

        default_catalog.cache_clear()
    return files


# ------------------------------------------------------------------------ folders


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, ModuleType):
        return (value.__name__,)
    if isinstance(value, Iterable):
        return tuple(v.__name__ if isinstance(v, ModuleType) else str(v) for v in value)
    raise ProviderRegistryError(f"{where}: expected a module name or a list of them")


def _from_module(name: str, loaded: Any, where: str, source: str) -> ProviderFolder:
    if isinstance(loaded, ProviderFolder):
        return loaded
    return ProviderFolder(
        name,
        sandbox=_names(getattr(loaded, "sandbox", None), where),
        checks=_names(getattr(loaded, "checks", None), where),
        edge_cases=_names(getattr(loaded, "edge_cases", None), where),
        source=source)


def _packaged() -> dict[str, ProviderFolder]:
    """The folders of :data:`FOLDERS_PACKAGE`, by package name (= provider name)."""
    package = importlib.import_module(FOLDERS_PACKAGE)
    found: dict[str, ProviderFolder] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            module = f"{FOLDERS_PACKAGE}.{info.name}"
            found[info.name] = _from_module(info.name, importlib.import_module(module),
                                            f"provider folder {module}", "bundled")
    return found


def _from_entry_point(entry: metadata.EntryPoint) -> ProviderFolder:
    where = f"entry point {ENTRY_POINT_GROUP}: {entry.name} = {entry.value}"
    try:
        loaded = entry.load()
    except Exception as exc:  # a broken third-party folder: named, not a traceback
        raise ProviderRegistryError(f"{where}: cannot load ({type(exc).__name__}: {exc})"
                                    ) from exc
    return _from_module(entry.name, loaded, where, f"{entry.name} = {entry.value}")


@cache
def folders() -> dict[str, ProviderFolder]:
    """Every registered provider folder, by provider name (bundled: the table and
    :data:`FOLDERS_PACKAGE`; then entry points, which may not take a bundled name)."""
    found = {**_packaged(), **BUNDLED_FOLDERS}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in BUNDLED_FOLDERS:
            continue  # the package's own entry points name the bundled table
        if entry.name in found:
            raise ProviderRegistryError(f"provider folder {entry.name!r} is registered twice")
        found[entry.name] = _from_entry_point(entry)
    return found


def folder(provider: str) -> ProviderFolder | None:
    """The folder of ``provider``, or None: its spec says everything."""
    return folders().get(provider)
