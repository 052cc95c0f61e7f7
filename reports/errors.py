"""The errors of ``reports``, all below one base::

    BulkbenchError
    └── ReportError            a report cannot be rendered or compared as asked
        └── RunFolderError     a run folder, or a file in it, is missing or malformed;
                               the message names the file

A problem in one file of an otherwise readable run folder is not raised: the reader
records it as a :class:`~reports.run_folder.FileProblem`, the report shows it and the
verdict becomes *incomplete*. ``RunFolderError`` is for what leaves nothing to render.
"""

from __future__ import annotations

from bulkbench.core.errors import BulkbenchError

__all__ = ["ReportError", "RunFolderError"]


class ReportError(BulkbenchError):
    """A report cannot be rendered or compared as asked (exit 2)."""


class RunFolderError(ReportError):
    """A run folder, or a file in it, is missing or malformed (the message names it)."""
