"""One handler per report format, each with ``start`` / ``handle`` / ``shutdown``.

``reports.render`` reads the run folder, decides the verdict, then feeds every handler
the same events: ``start`` once with the run and its verdict, ``handle`` once per
provider with that provider's results, ``shutdown`` to write the file.
"""

from reports.handlers.base import Handler, ProviderResults, ReportContext
from reports.handlers.html import HtmlHandler
from reports.handlers.json_summary import JsonSummaryHandler
from reports.handlers.junit import JunitHandler
from reports.handlers.markdown import MarkdownHandler

__all__ = ["Handler", "HtmlHandler", "JsonSummaryHandler", "JunitHandler", "MarkdownHandler",
           "ProviderResults", "ReportContext", "default_handlers"]


def default_handlers() -> list[Handler]:
    """Every format a run folder gets: summary.json, junit.xml, summary.md, index.html."""
    return [JsonSummaryHandler(), JunitHandler(), MarkdownHandler(), HtmlHandler()]
