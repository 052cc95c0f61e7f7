"""The errors the generators raise on purpose.

::

    bulkbench.core.errors.BulkbenchError
    └── GeneratorError                 a batch, body or case cannot be built as asked
        ├── NotABatchEndpoint          the endpoint takes no batch (e.g. the job status path)
        ├── UnknownCase                no edge case of that name
        └── UnsupportedFormat          an output format the endpoint's items cannot take

The command line prints any of them as one line and exits 2.
"""

from __future__ import annotations

from bulkbench.core.errors import BulkbenchError

__all__ = ["GeneratorError", "NotABatchEndpoint", "UnknownCase", "UnsupportedFormat"]


class GeneratorError(BulkbenchError):
    """A batch, a body or a case cannot be built as asked."""


class NotABatchEndpoint(GeneratorError):
    """The endpoint has no batch field, so there is nothing to generate for it."""

    def __init__(self, endpoint_key: str) -> None:
        super().__init__(f"{endpoint_key} takes no batch (the spec gives it no x-batch-field)")


class UnknownCase(GeneratorError):
    """No edge case has that name."""

    def __init__(self, name: str, hint: str = "") -> None:
        extra = f"; {hint}" if hint else ""
        super().__init__(
            f"no edge case named {name!r} (see `bulkbench generate --list-cases`){extra}"
        )


class UnsupportedFormat(GeneratorError):
    """The output format cannot express the endpoint's items (e.g. CSV of bare ids is fine,
    CSV of a case body that is not a batch is not)."""
