"""A run folder's layout: the one module that knows where each stage's files go.

::

    <run>/run.json                       the manifest (``bulkbench run``)
    <run>/contract/results.json          the contract stage
    <run>/contract/junit.xml
    <run>/load/<provider>-<scenario>/    one load run: summary.json, series.json,
                                         locust.log, worker-<n>.log, …
    <run>/load/<provider>-<scenario>/rep-<k>/
                                         the k-th repetition (k = 1, 2, …) of a load run
                                         repeated (``bulkbench run --repeat N``), each
                                         with the files of one load run

A run folder is ``reports/runs/<UTC timestamp>/`` below the caller's current folder unless
one is given (``--out``). Every stage writes through :class:`RunLayout` and the report
reads through it, so a renamed file is renamed once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CONTRACT_DIR",
    "JUNIT",
    "LOAD_DIR",
    "LOAD_SERIES",
    "LOAD_SUMMARY",
    "MANIFEST",
    "REPETITION_PREFIX",
    "RESULTS",
    "RUNS_DIR",
    "RunLayout",
    "new_run_folder",
    "repetition_folder",
    "repetition_of",
    "run_stamp",
    "worker_log",
]

#: where run folders go by default, relative to the caller's current folder.
RUNS_DIR = Path("reports") / "runs"
MANIFEST = "run.json"
CONTRACT_DIR = "contract"
RESULTS = "results.json"
JUNIT = "junit.xml"
LOAD_DIR = "load"
LOAD_SUMMARY = "summary.json"
LOAD_SERIES = "series.json"
#: a repetition's folder is this prefix and its number, below its load run's folder.
REPETITION_PREFIX = "rep-"


def run_stamp() -> str:
    """The UTC timestamp a default run folder is named after."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def new_run_folder(base: Path = RUNS_DIR) -> Path:
    """A new, empty run folder below ``base`` named after the time (``-2``, ``-3`` … when
    that name is taken); created, and returned absolute."""
    stamp = run_stamp()
    folder, n = base / stamp, 1
    while folder.exists():
        n += 1
        folder = base / f"{stamp}-{n}"
    folder.mkdir(parents=True)
    return folder.absolute()


def worker_log(n: int) -> str:
    """The log file of the ``n``-th locust worker of a load run."""
    return f"worker-{n}.log"


def repetition_folder(k: int) -> str:
    """The folder name of the ``k``-th repetition of a load run (``rep-<k>``, k ≥ 1)."""
    if k < 1:
        raise ValueError(f"a repetition is numbered from 1, not {k}")
    return f"{REPETITION_PREFIX}{k}"


def repetition_of(folder: Path) -> int | None:
    """Which repetition the load run in ``folder`` is (None: a load run not repeated)."""
    number = folder.name.removeprefix(REPETITION_PREFIX)
    if folder.name.startswith(REPETITION_PREFIX) and number.isdigit() and int(number) >= 1:
        return int(number)
    return None


@dataclass(frozen=True)
class RunLayout:
    """Where each file of the run folder ``root`` is."""

    root: Path

    @classmethod
    def default(cls) -> RunLayout:
        """The layout of a run folder named after the time (not created)."""
        return cls(RUNS_DIR / run_stamp())

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def contract_dir(self) -> Path:
        return self.root / CONTRACT_DIR

    @property
    def contract_results(self) -> Path:
        return self.contract_dir / RESULTS

    @property
    def contract_junit(self) -> Path:
        return self.contract_dir / JUNIT

    @property
    def load_dir(self) -> Path:
        return self.root / LOAD_DIR

    def load_run(self, provider: str, scenario: str, repetition: int | None = None) -> Path:
        """The folder of the load run of ``scenario`` against ``provider`` (of its
        ``repetition``-th repetition when given: ``…/rep-<k>``)."""
        folder = self.load_dir / f"{provider}-{scenario}"
        return folder if repetition is None else folder / repetition_folder(repetition)

    def load_summaries(self) -> list[Path]:
        """Every load run's ``summary.json`` below ``load/`` (wherever a run put it)."""
        if not self.load_dir.is_dir():
            return []
        return sorted(self.load_dir.rglob(LOAD_SUMMARY))
