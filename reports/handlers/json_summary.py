"""``summary.json`` (schema ``bulkbench.summary/1``), written as built by
``bulkbench.reports.summary_document``; providers arrive in the order of the events."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from bulkbench.reports.handlers.base import Handler, ProviderResults, ReportContext

__all__ = ["JsonSummaryHandler"]


class JsonSummaryHandler(Handler):
    filename = "summary.json"

    def start(self, ctx: ReportContext) -> None:
        super().start(ctx)
        self.providers: dict[str, Any] = {}

    def handle(self, event: ProviderResults) -> None:
        self.providers[event.provider] = self.ctx.summary["providers"][event.provider]

    def shutdown(self) -> Path:
        document = {**self.ctx.summary, "providers": self.providers}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        os.replace(tmp, self.path)
        return self.path
