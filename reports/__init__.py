"""Reports: a run folder in, HTML with plots, a JSON summary, Markdown and JUnit out.

Imports nothing of the other stages and reads only the run folder, so any run can be
rendered again, or compared with another, long after it ran::

    from bulkbench.reports import render_run, compare_runs
    rendered = render_run(Path("reports/runs/20250101T120000Z"))
    rendered.verdict.status          # "passed", "failed" or "incomplete"
"""

from bulkbench.reports.compare import Comparison, compare_runs
from bulkbench.reports.errors import ReportError, RunFolderError
from bulkbench.reports.render import Rendered, render_run
from bulkbench.reports.run_folder import RunData, read_run
from bulkbench.reports.summary_document import SUMMARY_SCHEMA, build_summary
from bulkbench.reports.verdict import Verdict, decide

__all__ = [
    "SUMMARY_SCHEMA",
    "Comparison",
    "Rendered",
    "ReportError",
    "RunData",
    "RunFolderError",
    "Verdict",
    "build_summary",
    "compare_runs",
    "decide",
    "read_run",
    "render_run",
]
