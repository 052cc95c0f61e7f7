"""The handler interface and the events handlers receive."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from bulkbench.reports.contract_results import CheckRecord
from bulkbench.reports.load_results import LoadRun
from bulkbench.reports.run_folder import RunData
from bulkbench.reports.run_manifest import StepRecord
from bulkbench.reports.verdict import Verdict

__all__ = ["Handler", "ProviderResults", "ReportContext"]


@dataclass(frozen=True)
class ReportContext:
    """What every handler knows from the start: the run, its verdict, its summary."""

    run: RunData
    verdict: Verdict
    summary: dict[str, Any]
    out_dir: Path


@dataclass(frozen=True)
class ProviderResults:
    """One provider's results: its contract checks, its load runs, its steps."""

    provider: str
    contract_ran: bool
    checks: tuple[CheckRecord, ...]
    load_runs: tuple[LoadRun, ...]
    steps: tuple[StepRecord, ...]


class Handler(ABC):
    """A report format. ``shutdown`` writes ``filename`` into the run folder."""

    filename: ClassVar[str]

    def start(self, ctx: ReportContext) -> None:
        self.ctx = ctx

    @abstractmethod
    def handle(self, event: ProviderResults) -> None: ...

    @abstractmethod
    def shutdown(self) -> Path: ...

    @property
    def path(self) -> Path:
        return self.ctx.out_dir / self.filename
