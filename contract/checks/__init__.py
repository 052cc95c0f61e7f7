"""The semantic checks: one registry (``registry``), one module per concept.

Importing this package imports every check module, which registers its checks with the
``@check`` decorator; ``CHECKS`` is then complete.
"""

from bulkbench.contract.checks import (  # noqa: F401  (imported for their registrations)
    auth,
    datananas_progress,
    datananas_semantics,
    edge_case_checks,
    envelopes,
    headers,
    import_jobs,
    import_semantics,
    isolation,
    leadlex_semantics,
    limits,
    rate_limits,
    routing,
    sociocs_semantics,
)
from bulkbench.contract.checks.registry import CHECKS, CheckContext, CheckSkipped, CheckSpec, check

__all__ = ["CHECKS", "CheckContext", "CheckSkipped", "CheckSpec", "check"]
