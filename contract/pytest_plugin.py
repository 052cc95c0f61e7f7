"""The pytest plugin that writes ``results.json`` beside the JUnit report.

Registered by ``contract/conftest.py`` (or with ``-p contract.pytest_plugin``). It reads
each test's :class:`~contract.plan.PlannedCheck`, turns the test's outcome into a record
(a :class:`~contract.failures.CheckFailure` gives the structured failure, anything else a
"check crashed" failure), adds the check and endpoint to the JUnit properties, and at the
end writes ``results.json`` (``--results FILE``, else beside ``--junitxml``) and scrubs
every known secret from the JUnit file.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from contract.failures import AssumptionMismatch, CheckFailure
from contract.outcomes import MismatchSkip
from contract.plan import PlannedCheck
from contract.redaction import scrub
from contract.results import write_results

__all__ = ["ResultsRecorder"]


def _planned(item: pytest.Item) -> PlannedCheck | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    planned = callspec.params.get("planned")
    return planned if isinstance(planned, PlannedCheck) else None


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class ResultsRecorder:
    """Collects one record per planned check and writes them at the end of the session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.started = time.time()
        self.meta: dict[str, Any] = {}

    def _path(self) -> Path | None:
        explicit = self.config.getoption("results", None)
        if explicit:
            return Path(explicit)
        junit = self.config.getoption("xmlpath", None)
        if junit:
            return Path(junit).parent / "results.json"
        return None

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            planned = _planned(item)
            if planned is not None:
                item.user_properties += [("check", planned.check),
                                         ("endpoint", planned.endpoint),
                                         ("provider", planned.provider)]
                if planned.case:
                    item.user_properties.append(("case", planned.case))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]
                                  ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        planned = _planned(item)
        if planned is None:
            return report
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            self.records[item.nodeid] = self._record(item, planned, report, call)
        return report

    def _record(self, item: pytest.Item, planned: PlannedCheck, report: pytest.TestReport,
                call: pytest.CallInfo[None]) -> dict[str, Any]:
        from contract.execution import basis_of, describe, doc_of

        session = item.config.stash.get(SESSION_KEY, None)
        record: dict[str, Any] = {**describe(planned), "nodeid": item.nodeid,
                                  "status": report.outcome,
                                  "duration_ms": round(report.duration * 1000, 1)}
        target = session.targets.get(planned.provider) if session is not None else None
        if target is not None:
            record["seed"] = target.seed
            record["run_tag"] = target.run_tag
        if session is not None:
            try:
                record["doc"] = doc_of(session, planned).as_dict()
                record["basis"] = basis_of(session, planned)
            except Exception as exc:  # an unknown case name must not lose the record
                record["doc"] = {"sentence": f"(doc reference unavailable: {exc})"}
        error = call.excinfo.value if call.excinfo is not None else None
        if report.skipped and isinstance(error, MismatchSkip):
            record["status"] = "mismatch"
            record["mismatch"] = error.mismatch.as_dict()
            record["reason"] = scrub(_skip_reason(report))
            if error.mismatch.doc is not None:
                record["doc"] = error.mismatch.doc.as_dict()
        elif report.skipped:
            record["reason"] = scrub(_skip_reason(report))
        elif report.failed:
            if isinstance(error, CheckFailure):
                record["failure"] = error.as_dict()
                record["basis"] = ("assumption" if isinstance(error, AssumptionMismatch)
                                   else error.basis or "documented")
                if error.doc is not None:
                    record["doc"] = error.doc.as_dict()
            else:
                record["failure"] = {
                    "title": "check crashed",
                    "message": scrub(f"{type(error).__name__}: {error}")[:4000]
                    if error is not None else scrub(str(report.longrepr))[:4000],
                    "curl": None}
        return record

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self._path()
        if path is not None:
            meta = {**self.meta, "started_at": self.started,
                    "duration_seconds": round(time.time() - self.started, 2),
                    "pytest_exit_status": int(exitstatus)}
            write_results(path, meta, list(self.records.values()))
        junit = self.config.getoption("xmlpath", None)
        if junit and Path(junit).exists():
            text = Path(junit).read_text(encoding="utf-8")
            cleaned = scrub(text)
            if cleaned != text:
                Path(junit).write_text(cleaned, encoding="utf-8")


#: where conftest keeps the run's SuiteSession for the recorder.
SESSION_KEY = pytest.StashKey[Any]()
