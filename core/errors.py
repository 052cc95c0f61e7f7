"""The root of every error bulkbench raises on purpose.

Each stage raises its own small exception types, all below :class:`BulkbenchError`::

    BulkbenchError
    ├── UsageError                                     the command line or its inputs are wrong
    ├── bulkbench.core.catalog.CatalogError            a spec is missing, malformed or inconsistent
    ├── bulkbench.core.config.ConfigError              the provider config (TOML) is invalid
    ├── bulkbench.core.providers.ProviderRegistryError a spec location or folder cannot be used
    ├── bulkbench.contract.target.SuiteConfigError     the contract suite cannot reach its target
    ├── bulkbench.contract.suite_process.SuiteCrashed  the contract suite's pytest process crashed
    ├── bulkbench.core.preflight.TargetUnreachable     the target does not answer at all (exit 1)
    ├── bulkbench.generators.errors.GeneratorError     a batch or case cannot be generated
    ├── bulkbench.sandbox.errors.SandboxError          the sandbox cannot start as asked
    ├── bulkbench.loadtests.load_settings.LoadError    a load run is misconfigured or unsafe
    ├── bulkbench.loadtests.sla_thresholds.SlaError    the SLA file is invalid
    ├── bulkbench.loadtests.load_runner.LoadRunFailed  locust did not run to its end
    └── bulkbench.reports.errors.ReportError           a run folder cannot be read or rendered

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
