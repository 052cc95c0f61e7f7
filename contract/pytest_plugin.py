"""The contract suite's pytest plugin: its session, and the recorder that writes
``results.json`` beside the JUnit report.

Imported only when a session collects the suite (``bulkbench.contract.pytest_entry``, the
``pytest11`` entry point, declares the options and calls :func:`configure_suite`), so
that a pytest session of the environment that does not run the suite pays nothing for it.

The recorder is registered by the suite's ``conftest.py``. It reads
each test's :class:`~contract.plan.PlannedCheck`, turns the test's outcome into a record
(a :class:`~contract.failures.CheckFailure` gives the structured failure, anything else a
"check crashed" failure) with its duration, adds the check and endpoint to the JUnit
properties, and at the end writes ``results.json`` (``--results FILE``, else beside
``--junitxml``) and scrubs every known secret from the JUnit file. The exchange of each
failure and assumption mismatch goes to ``failures.har`` beside it, its request body to
``bodies/<n>.json`` and its record gets the command replaying it
(``contract.failure_files``). A doc reference names its provider and page title.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import orjson
import pytest

from bulkbench.contract.failure_files import FailureFiles
from bulkbench.contract.failures import AssumptionMismatch, CheckFailure
from bulkbench.contract.outcomes import MismatchSkip
from bulkbench.contract.plan import PlannedCheck, known_checks, unknown_checks
from bulkbench.contract.redaction import scrub
from bulkbench.contract.repro import Origin, key_variable, sandbox_command
from bulkbench.contract.results import write_results
from bulkbench.contract.session import SuiteSession
from bulkbench.contract.target import SuiteOptions, Target, build_targets
from bulkbench.core.catalog import default_catalog
from bulkbench.core.errors import BulkbenchError
from bulkbench.core.preflight import TargetUnreachable, preflight
from bulkbench.core.providers import provider_names, use_specs
from bulkbench.core.run_layout import RESULTS

__all__ = ["SESSION_KEY", "ResultsRecorder", "configure_suite", "unconfigure_suite"]


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

    def __init__(self, config: pytest.Config, origins: list[Origin] | None = None) -> None:
        self.config = config
        self.records: dict[str, dict[str, Any]] = {}
        self.started = time.time()
        self.meta: dict[str, Any] = {}
        path = self._path()
        self.files = FailureFiles(path.parent, origins or []) if path is not None else None
        if self.files is not None:
            self.files.clear()

    def _path(self) -> Path | None:
        explicit = self.config.getoption("results", None)
        if explicit:
            return Path(explicit)
        junit = self.config.getoption("xmlpath", None)
        if junit:
            return Path(junit).parent / RESULTS
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
        from bulkbench.contract.execution import basis_of, describe, doc_of

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
            self._keep_exchange(record, "mismatch", error.mismatch, call)
        elif report.skipped:
            record["reason"] = scrub(_skip_reason(report))
        elif report.failed:
            if isinstance(error, CheckFailure):
                record["failure"] = error.as_dict()
                self._keep_exchange(record, "failure", error, call)
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
        if session is not None and isinstance(record.get("doc"), dict):
            record["doc"].update(doc_page(session, planned.endpoint, record["doc"]))
        return record

    def _keep_exchange(self, record: dict[str, Any], part: str, failure: CheckFailure,
                       call: pytest.CallInfo[None]) -> None:
        """Write ``failure``'s exchange to the HAR and its body file; the record's
        ``part`` (failure or mismatch) points at them and holds the repro."""
        if self.files is None or failure.exchange is None:
            return
        case = f" [{record['case']}]" if record.get("case") else ""
        kind = "assumption mismatch" if record["status"] == "mismatch" else "failed"
        about = {k: record.get(k) for k in ("provider", "endpoint", "check", "case",
                                            "status", "nodeid")}
        record[part].update(self.files.add(
            failure.exchange, ended_at=call.stop,
            comment=f"{kind}: {record['check']}{case} on {record['endpoint']}: "
                    f"{failure.title}", about={**about, "title": failure.title}))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self._path()
        if path is not None:
            meta = {**self.meta, "contract_dir": str(path.parent.absolute()),
                    "started_at": self.started,
                    "duration_seconds": round(time.time() - self.started, 2),
                    "pytest_exit_status": int(exitstatus)}
            write_results(path, meta, list(self.records.values()))
        if self.files is not None:
            self.files.write("the exchanges of the contract run's failures and assumption "
                             "mismatches (keys redacted)")
        junit = self.config.getoption("xmlpath", None)
        if junit and Path(junit).exists():
            text = Path(junit).read_text(encoding="utf-8")
            cleaned = scrub(text)
            if cleaned != text:
                Path(junit).write_text(cleaned, encoding="utf-8")


#: where the run's SuiteSession is kept, for the recorder and the suite's conftest.
SESSION_KEY = pytest.StashKey[Any]()


_PLUGIN_NAME = "bulkbench-contract-results"


def _options(config: pytest.Config) -> SuiteOptions:
    provider = str(config.getoption("provider"))
    path = config.getoption("provider_config")
    return SuiteOptions(
        providers=provider_names() if provider == "all" else (provider,),
        base_url=config.getoption("base_url"),
        config=Path(path) if path else None,
        seed=int(config.getoption("seed")),
        run_tag=config.getoption("run_tag"),
        max_examples=int(config.getoption("max_examples")),
        timeout=config.getoption("request_timeout"),
        job_timeout=float(config.getoption("job_timeout")),
        sandbox_info=Path(config.getoption("sandbox_info"))
        if config.getoption("sandbox_info") else None,
        throttled_sandbox_info=Path(config.getoption("throttled_sandbox_info"))
        if config.getoption("throttled_sandbox_info") else None,
        webhook_listen=config.getoption("webhook_listen"),
        probe_rate_limit=bool(config.getoption("probe_rate_limit")))


def configure_suite(config: pytest.Config) -> None:
    """Build the suite's session (usage errors and an unreachable target stop it here);
    called by the entry point (``pytest_entry``) when the suite is collected."""
    try:
        use_specs(list(config.getoption("specs") or []), config.getoption("provider_config"))
        catalog = default_catalog()
    except BulkbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    provider = str(config.getoption("provider"))
    if provider != "all" and provider not in provider_names(catalog):
        raise pytest.UsageError(f"--provider {provider!r}: expected one of "
                                f"{', '.join(provider_names(catalog))} or all")
    unknown = unknown_checks(list(config.getoption("only_checks") or []))
    if unknown:
        raise pytest.UsageError(f"--check {', '.join(unknown)}: no such check (known: "
                                f"{', '.join(known_checks())})")
    try:
        options = _options(config)
        targets = build_targets(options, catalog)
    except BulkbenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    for name, target in targets.items():  # a target that does not answer: one line, no check
        if not target.is_sandbox:
            try:
                preflight(name, target.base_url)
            except TargetUnreachable as exc:
                pytest.exit(str(exc), returncode=pytest.ExitCode.INTERRUPTED)
    session = SuiteSession(targets, catalog)
    config.stash[SESSION_KEY] = session
    if not config.pluginmanager.has_plugin(_PLUGIN_NAME):
        recorder = ResultsRecorder(config, origins_of(targets, options))
        recorder.meta = {
            "providers": list(options.providers),
            "targets": {name: {"base_url": scrub(t.base_url), "sandbox": t.is_sandbox,
                               "run_tag": t.run_tag,
                               "keys": sorted(t.keys)} for name, t in targets.items()},
            "seed": options.seed,
            "max_examples": options.max_examples,
        }
        config.pluginmanager.register(recorder, _PLUGIN_NAME)


def _sandbox_info(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        info = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return info if isinstance(info, dict) else {}


def origins_of(targets: dict[str, Target], options: SuiteOptions) -> list[Origin]:
    """Where each target's requests went, the variables of its keys and, for a sandbox,
    the command starting one like it (for the repro commands)."""
    main, throttled = (_sandbox_info(options.sandbox_info),
                       _sandbox_info(options.throttled_sandbox_info))
    origins: list[Origin] = []
    for name, target in targets.items():
        variables = {role: key_variable(name, role, target.key_env) for role in target.keys}
        keys = {key: variables[role] for role, key in target.keys.items()}
        roles = {variables[role]: role for role in target.keys}
        serve = None
        if target.is_sandbox:
            serve = sandbox_command(
                target.seed, faults=[str(f) for f in main.get("faults") or ()],
                variant=main.get("variant"), rate_limit=main.get("rate_limit"),
                assumption_files=[str(f) for f in main.get("assumption_files") or ()])
            if target.admin is not None:
                keys[target.admin.key] = "BULKBENCH_SANDBOX_ADMIN_KEY"
                roles["BULKBENCH_SANDBOX_ADMIN_KEY"] = "admin"
                origins.append(Origin(name, target.admin.url, keys, roles, serve))
        origins.append(Origin(name, target.base_url, keys, roles, serve))
        if target.throttle is not None:
            limited = sandbox_command(
                target.seed, faults=[str(f) for f in throttled.get("faults") or ()],
                variant=throttled.get("variant"), rate_limit=throttled.get("rate_limit"))
            origins.append(Origin(name, target.throttle.base_url,
                                  {target.throttle.key: variables.get("full", "")},
                                  roles, limited))
    return origins


def doc_page(session: SuiteSession, endpoint_key: str,
             doc: dict[str, Any]) -> dict[str, Any]:
    """The provider and page title of ``doc``'s link (``x-bulkbench-doc`` ``title``, else
    nothing): a report labels the link "LeadLex: Bulk Create Contacts", not the seed
    file's name."""
    try:
        endpoint = session.catalog.endpoint(endpoint_key)
        provider = session.catalog.provider(endpoint_key.split(".", 1)[0])
    except Exception:  # an unknown endpoint must not lose the record
        return {}
    if not doc.get("url") or doc.get("url") != endpoint.doc_url:
        return {}
    brand = str(provider.title).split(" ", 1)[0] if provider.title else provider.name
    title = None
    for item in (provider.document.get("paths") or {}).values():
        for op in (item or {}).values() if isinstance(item, dict) else ():
            if isinstance(op, dict) and op.get("x-bulkbench-endpoint") == endpoint.name:
                title = (op.get("x-bulkbench-doc") or {}).get("title")
    return {"provider": brand, "title": str(title) if title else None}


def unconfigure_suite(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if isinstance(session, SuiteSession):
        session.close()

