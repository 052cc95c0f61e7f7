"""``run.json``: what ``bulkbench run`` set out to do and how far it got.

Written by the run orchestration when the run starts (every step ``pending``), after each
step, and at the end; read by the reports. A folder without it (stages run one by one,
``bulkbench contract --out`` and ``bulkbench load --out``) still renders: the steps are
then inferred from the files. No option that could hold a key is ever recorded.

A step's ``status`` says whether it ran, not what it found (the results say that):

``pending``      not started yet (a run killed before it got there)
``done``         ran to its end; its files hold the verdict
``error``        started but ended without results (``reason`` says why)
``interrupted``  stopped by Ctrl-C or SIGTERM
``not_run``      never started: the stage is not available, or the run was stopped first
``skipped``      left out on purpose (``--skip``)
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bulkbench.core.run_layout import MANIFEST
from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.json_files import as_float, as_list, as_mapping, as_str, read_json_object

__all__ = [
    "MANIFEST_NAME",
    "MANIFEST_SCHEMA",
    "STEP_STATUSES",
    "RunManifest",
    "StepRecord",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = MANIFEST
MANIFEST_SCHEMA = "bulkbench.run/1"
STEP_STATUSES = ("pending", "done", "error", "interrupted", "not_run", "skipped")
#: statuses that leave the run without a verdict on that step.
UNFINISHED = frozenset({"pending", "error", "interrupted", "not_run"})


@dataclass
class StepRecord:
    """One step of a run: the contract suite, or one load scenario of one provider."""

    stage: str
    name: str
    status: str = "pending"
    reason: str = ""
    provider: str | None = None
    scenario: str | None = None
    folder: str | None = None  # relative to the run folder
    seconds: float | None = None

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED


@dataclass
class RunManifest:
    run_id: str
    started_at: float
    profile: str = ""
    providers: list[str] = field(default_factory=list)
    target: str = ""  # "sandbox" or "remote"
    targets: dict[str, str] = field(default_factory=dict)  # provider → public base URL
    options: dict[str, Any] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    finished_at: float | None = None
    interrupted: str | None = None  # the signal's name
    notes: list[str] = field(default_factory=list)
    bulkbench_version: str = ""
    schema: str = MANIFEST_SCHEMA

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"schema": data.pop("schema"), **data}


def write_manifest(folder: Path, manifest: RunManifest) -> Path:
    """Write ``run.json`` atomically (a reader never sees half a file)."""
    path = folder / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(orjson.dumps(manifest.as_dict(), option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path


def _step(path: Path, index: int, raw: Any) -> StepRecord:
    item = as_mapping(raw)
    stage, name = as_str(item.get("stage")), as_str(item.get("name"))
    status = as_str(item.get("status")) or ""
    if not stage or not name or status not in STEP_STATUSES:
        raise RunFolderError(f"{path}: steps[{index}] needs a stage, a name and a status "
                             f"(one of {', '.join(STEP_STATUSES)})")
    return StepRecord(stage=stage, name=name, status=status,
                      reason=as_str(item.get("reason")) or "",
                      provider=as_str(item.get("provider")),
                      scenario=as_str(item.get("scenario")),
                      folder=as_str(item.get("folder")),
                      seconds=as_float(item.get("seconds")))


def read_manifest(folder: Path) -> RunManifest | None:
    """The run's manifest, None when the folder has none; ``RunFolderError`` if malformed."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return None
    data = read_json_object(path, "the run manifest")
    if data.get("schema") != MANIFEST_SCHEMA:
        raise RunFolderError(f"{path}: schema {data.get('schema')!r} is not "
                             f"{MANIFEST_SCHEMA!r}")
    started = as_float(data.get("started_at"))
    if started is None:
        raise RunFolderError(f"{path}: started_at is missing or not a number")
    return RunManifest(
        run_id=as_str(data.get("run_id")) or folder.name,
        started_at=started,
        profile=as_str(data.get("profile")) or "",
        providers=[p for p in as_list(data.get("providers")) if isinstance(p, str)],
        target=as_str(data.get("target")) or "",
        targets={str(k): str(v) for k, v in as_mapping(data.get("targets")).items()},
        options=dict(as_mapping(data.get("options"))),
        steps=[_step(path, i, s) for i, s in enumerate(as_list(data.get("steps")))],
        finished_at=as_float(data.get("finished_at")),
        interrupted=as_str(data.get("interrupted")),
        notes=[n for n in as_list(data.get("notes")) if isinstance(n, str)],
        bulkbench_version=as_str(data.get("bulkbench_version")) or "",
    )
