"""The root of every error bulkbench raises on purpose.

Each stage raises its own small exception types, all below :class:`BulkbenchError`::

    BulkbenchError
    ├── UsageError                                 the command line or its inputs are wrong
    ├── contract.catalog.CatalogError              a spec is missing, malformed or inconsistent
    ├── contract.config.ConfigError                the provider config (TOML) is invalid
    ├── contract.target.SuiteConfigError           the contract suite cannot reach its target
    ├── contract.suite_process.SuiteCrashed        the contract suite's pytest process crashed
    ├── contract.preflight.TargetUnreachable       the target does not answer at all (exit 1)
    ├── generators.errors.GeneratorError           a batch or case cannot be generated
    ├── sandbox.errors.SandboxError                the sandbox cannot start as asked
    ├── loadtests.load_settings.LoadError          a load run is misconfigured or unsafe
    ├── loadtests.sla_thresholds.SlaError          the SLA file is invalid
    ├── bulkbench.commands.load.LoadRunFailed      locust did not run to its end
    └── reports.errors.ReportError                 a run folder cannot be read or rendered

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
