"""One handler per report format, each with ``start`` / ``handle`` / ``shutdown``.

``bulkbench.reports.render`` reads the run folder, decides the verdict, then feeds every handler
the same events: ``start`` once with the run and its verdict, ``handle`` once per
provider with that provider's results, ``shutdown`` to write the file.
"""

from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext
from bulkbench.reports.handlers.html import HtmlHandler
from bulkbench.reports.handlers.json_summary import JsonSummaryHandler
from bulkbench.reports.handlers.junit import JunitHandler
from bulkbench.reports.handlers.markdown import MarkdownHandler

__all__ = ["Handler", "HtmlHandler", "JsonSummaryHandler", "JunitHandler", "MarkdownHandler",
           "ProviderResults", "ReportContext", "default_handlers"]


def default_handlers() -> list[Handler]:
    """Every format a run folder gets: summary.json, junit.xml, summary.md, index.html."""
    return [JsonSummaryHandler(), JunitHandler(), MarkdownHandler(), HtmlHandler()]
