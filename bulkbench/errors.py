"""The root of every error bulkbench raises on purpose.

Each stage raises its own small exception types, all below :class:`BulkbenchError`::

    BulkbenchError
    ├── contract.catalog.CatalogError        a spec file is missing, malformed or inconsistent
    ├── bulkbench.config.ConfigError         the provider config (TOML) is invalid
    ├── bulkbench.cli.NotBuiltYet            a subcommand that is not built yet
    └── (later stages add their own here: SandboxError, GeneratorError, …)

The command line turns any of them into one clear line and an exit code (never a
traceback): ``exit_code`` says which.
"""

from __future__ import annotations

__all__ = ["BulkbenchError", "UsageError"]


class BulkbenchError(Exception):
    """Something a user can cause or fix; printed as one line by the CLI."""

    #: process exit code the CLI uses for this error (2 = usage or configuration).
    exit_code: int = 2


class UsageError(BulkbenchError):
    """The command line or its inputs are wrong."""
