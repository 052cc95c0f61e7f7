"""Rendering a run folder: read it, decide the verdict, run every handler over it.

The handlers see the same events in the same order: ``start`` (run, verdict, summary),
one ``handle`` per provider, ``shutdown`` (each writes its file into the run folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkbench.reports.handlers import Handler, ProviderResults, ReportContext, default_handlers
from bulkbench.reports.run_folder import RunData, read_run
from bulkbench.reports.summary_document import build_summary
from bulkbench.reports.verdict import Verdict, decide

__all__ = ["Rendered", "provider_events", "render_run"]


@dataclass(frozen=True)
class Rendered:
    run: RunData
    verdict: Verdict
    summary: dict[str, Any]
    files: tuple[Path, ...]

    @property
    def index(self) -> Path:
        return self.run.folder / "index.html"


def provider_events(run: RunData) -> list[ProviderResults]:
    events = []
    for provider in run.providers:
        ran = run.contract is not None and provider in run.contract.providers
        checks = tuple(run.contract.for_provider(provider)) if run.contract else ()
        events.append(ProviderResults(provider, ran, checks, tuple(run.load_runs_of(provider)),
                                      tuple(run.steps_of(provider))))
    return events


def render_run(folder: Path, handlers: Sequence[Handler] | None = None) -> Rendered:
    """Write the report files of the run in ``folder``; ``RunFolderError`` if unreadable."""
    run = read_run(Path(folder))
    verdict = decide(run)
    summary = build_summary(run, verdict)
    ctx = ReportContext(run, verdict, summary, run.folder)
    chosen = list(handlers) if handlers is not None else default_handlers()
    for handler in chosen:
        handler.start(ctx)
    for event in provider_events(run):
        for handler in chosen:
            handler.handle(event)
    files = tuple(handler.shutdown() for handler in chosen)
    return Rendered(run, verdict, summary, files)
