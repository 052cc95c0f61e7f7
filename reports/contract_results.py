"""The contract stage's ``contract/results.json``, read into typed records.

One record per planned check (provider, endpoint, check, case, status ``passed``,
``failed``, ``skipped`` or ``mismatch``), with the doc reference it holds the provider to,
what that expectation rests on (``basis``: documented, consequence, assumption) and, for a
failure or a mismatch, its title, message, the seed and the curl line that reproduces it;
a mismatch also names the config keys that settle it (``settle_with``). A status the
reader does not know is kept as ``error``: it never counts as a pass. Runs since HAR
files also give each failure's exchange (its entry in ``failures.har`` and its body file)
and the command replaying it (``repro``), each check's duration, and the provider and
page title of the doc reference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bulkbench.reports.errors import RunFolderError
from bulkbench.reports.json_files import as_int, as_mapping, as_str, read_json_object

__all__ = ["CheckRecord", "ContractResults", "DocReference", "FailureDetail", "Repro",
           "case_tail", "read_contract_results"]

STATUSES = ("passed", "failed", "mismatch", "skipped", "error")
#: how much of a request or response body the report keeps.
EXCERPT_CHARS = 2000


def case_tail(endpoint: str, case: str | None) -> str:
    """`` [case]`` for a check run on one edge case (its name without the endpoint), else ``""``."""
    return f" [{case.removeprefix(endpoint + '.')}]" if case else ""


@dataclass(frozen=True)
class DocReference:
    """The documentation sentence (or NOTES.md decision) a check holds the provider to."""

    sentence: str
    seed: str | None = None
    url: str | None = None
    #: the documentation page's title and its provider ("LeadLex", "Bulk Create Contacts").
    title: str | None = None
    provider: str | None = None

    @property
    def label(self) -> str:
        """How a link to the page is labelled: ``LeadLex: Bulk Create Contacts``."""
        page = self.title or ("specs/NOTES.md" if self.url == "specs/NOTES.md"
                              else "documentation")
        return f"{self.provider}: {page}" if self.provider else page


@dataclass(frozen=True)
class Repro:
    """The command replaying a failure (see ``contract/repro.py``): ``command`` reads the
    base URL and keys from ``env`` (variable → what to set it to) and its body from
    ``body_file`` (relative to the contract folder); ``sandbox`` starts a sandbox like the
    run's."""

    command: str
    env: tuple[tuple[str, str], ...] = ()
    body_file: str | None = None
    sandbox: str | None = None
    note: str | None = None

    def lines(self, body_path: str | None = None) -> list[str]:
        """The shell lines to run, the body file given as ``body_path`` when set."""
        out = [f"{self.sandbox}   # a sandbox like the run's, in another shell"] \
            if self.sandbox else []
        out += [f"export {name}=...   # {what}" for name, what in self.env]
        command = self.command
        if self.body_file and body_path:
            command = command.replace(f"@{self.body_file}", f"@{body_path}")
        out.append(command)
        if self.note:
            out.append(f"# {self.note}")
        return out


@dataclass(frozen=True)
class FailureDetail:
    title: str
    message: str
    curl: str | None = None
    request: str | None = None  # method, URL and body excerpt
    response_status: int | None = None
    response: str | None = None  # headers and body excerpt
    repro: Repro | None = None
    #: the exchange's index in ``failures.har`` and its request body's file.
    har_entry: int | None = None
    body_file: str | None = None


@dataclass(frozen=True)
class CheckRecord:
    provider: str
    endpoint: str
    check: str
    status: str
    case: str | None = None
    group: str = ""
    kind: str = ""
    reason: str = ""
    doc: DocReference | None = None
    seed: int | None = None
    run_tag: int | None = None
    failure: FailureDetail | None = None
    #: documented, consequence or assumption ("" in results of older runs).
    basis: str = ""
    #: for a mismatch: where a user settles it (``[leadlex.assumptions] idempotency_reuse``).
    settle_with: tuple[str, ...] = ()
    #: how long the check took (None in results of older runs).
    duration_ms: float | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies the check across runs."""
        return (self.provider, self.endpoint, self.check, self.case or "")

    @property
    def label(self) -> str:
        return f"{self.check}{case_tail(self.endpoint, self.case)}"


@dataclass(frozen=True)
class ContractResults:
    path: Path
    checks: tuple[CheckRecord, ...]
    meta: Mapping[str, Any]

    def for_provider(self, provider: str) -> list[CheckRecord]:
        return [c for c in self.checks if c.provider == provider]

    def counts(self, provider: str | None = None) -> dict[str, int]:
        counter = Counter(c.status for c in self.checks
                          if provider is None or c.provider == provider)
        out = {status: counter.get(status, 0) for status in STATUSES}
        out["total"] = sum(counter.values())
        return out

    @property
    def providers(self) -> list[str]:
        return list(dict.fromkeys(c.provider for c in self.checks))


def _excerpt(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    if len(text) > EXCERPT_CHARS:
        return text[:EXCERPT_CHARS] + f"… ({len(text) - EXCERPT_CHARS:,} more characters)"
    return text


def _request(raw: Mapping[str, Any]) -> str | None:
    if not raw:
        return None
    head = " ".join(str(raw[k]) for k in ("method", "url") if raw.get(k))
    body = _excerpt(raw.get("body"))
    return "\n".join(part for part in (head, body) if part) or None


def _response(raw: Mapping[str, Any]) -> str | None:
    if not raw:
        return None
    lines = [f"{k}: {v}" for k, v in as_mapping(raw.get("headers")).items()]
    body = _excerpt(raw.get("body"))
    if body:
        lines += ["", body] if lines else [body]
    return "\n".join(lines) or None


def _failure(raw: Any) -> FailureDetail | None:
    item = as_mapping(raw)
    if not item:
        return None
    request, response = as_mapping(item.get("request")), as_mapping(item.get("response"))
    status = response.get("status")
    exchange, repro = as_mapping(item.get("exchange")), as_mapping(item.get("repro"))
    har_entry = exchange.get("har_entry")
    return FailureDetail(
        title=as_str(item.get("title")) or "failed",
        message=as_str(item.get("message")) or "",
        curl=as_str(item.get("curl")),
        request=_request(request),
        response_status=status if isinstance(status, int) else None,
        response=_response(response),
        repro=Repro(
            command=str(repro["command"]),
            env=tuple((str(k), str(v)) for k, v in as_mapping(repro.get("env")).items()),
            body_file=as_str(repro.get("body_file")), sandbox=as_str(repro.get("sandbox")),
            note=as_str(repro.get("note"))) if repro.get("command") else None,
        har_entry=har_entry if isinstance(har_entry, int) else None,
        body_file=as_str(exchange.get("body_file")),
    )


def _doc(raw: Any) -> DocReference | None:
    item = as_mapping(raw)
    sentence = as_str(item.get("sentence"))
    if not sentence:
        return None
    return DocReference(sentence, as_str(item.get("seed")), as_str(item.get("url")),
                        as_str(item.get("title")), as_str(item.get("provider")))


def _record(path: Path, index: int, raw: Any) -> CheckRecord:
    item = as_mapping(raw)
    provider, endpoint, check = (as_str(item.get(k)) for k in ("provider", "endpoint", "check"))
    if not provider or not endpoint or not check:
        raise RunFolderError(f"{path}: results[{index}] lacks provider, endpoint or check")
    status = as_str(item.get("status")) or "error"
    seed, tag = item.get("seed"), item.get("run_tag")
    mismatch = as_mapping(item.get("mismatch"))
    settle = mismatch.get("settle_with")
    return CheckRecord(
        provider=provider, endpoint=endpoint, check=check,
        status=status if status in STATUSES else "error",
        case=as_str(item.get("case")), group=as_str(item.get("group")) or "",
        kind=as_str(item.get("kind")) or "", reason=as_str(item.get("reason")) or "",
        doc=_doc(item.get("doc")),
        seed=as_int(seed) if isinstance(seed, int) else None,
        run_tag=as_int(tag) if isinstance(tag, int) else None,
        failure=(_failure(mismatch) if status == "mismatch" else
                 _failure(item.get("failure")) if status != "passed" else None),
        basis=as_str(item.get("basis")) or "",
        settle_with=tuple(str(s) for s in settle) if isinstance(settle, list) else (),
        duration_ms=(float(item["duration_ms"]) if isinstance(item.get("duration_ms"),
                                                               int | float) else None),
    )


def read_contract_results(path: Path) -> ContractResults:
    """Read ``results.json``; ``RunFolderError`` naming it when it is missing or malformed."""
    data = read_json_object(path, "the contract stage's results")
    records = data.get("results")
    if not isinstance(records, list):
        raise RunFolderError(f"{path}: no results list (is it a contract results.json?)")
    checks = tuple(_record(path, i, r) for i, r in enumerate(records))
    return ContractResults(path, checks, as_mapping(data.get("meta")))
