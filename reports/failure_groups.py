"""Checks that did not pass, grouped by cause: one group per provider, endpoint and message
shape, whichever checks saw it.

One provider defect usually breaks many checks' cases the same way: the sandbox fault
``leadlex_bulk_created_off_by_one`` makes thirty cases of five checks on
``leadlex.bulk_create`` (``field_validation``, ``batch_size_within_limits``,
``edge_case_outcome``, ``bulk_create_echo``, ``body_at_limit_accepted``) each say
``created is 4, expected 3``. A reader wants that once, with the checks and cases it covers
listed compactly, not thirty times. The views (terminal, summary.md, index.html,
``report --compare``) lead with these groups; a group names its checks, each with its
count.

A message's *finding* is what the check saw: a case-driven check writes the case and its
expected outcome on the first line and its findings as ``- `` lines below, so the finding
is the first ``- `` line (else the first line). Its *shape* is the finding with what
varies from case to case made generic: UUIDs, e-mail addresses, ids and numbers (but an
HTTP status after ``status``/``HTTP``/``answered`` is kept: a 400 and a 500 are different
causes). A group's members keep their status (failed, error, mismatch), so one defect
seen as a failure in two cases and as an assumption mismatch in eighteen is one group.

Pure functions over plain data: :func:`entry_of_record` reads a ``results.json`` record
(or a ``summary.json`` check), :func:`entry_of_check` a parsed
:class:`~bulkbench.reports.contract_results.CheckRecord`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bulkbench.reports.contract_results import CheckRecord

__all__ = ["NOT_PASSED", "FailureGroup", "GroupEntry", "compact_cases", "cut",
           "entry_of_check", "entry_of_record", "finding_of", "group_entries",
           "shape_of", "status_counts_text"]

T = TypeVar("T")

#: the statuses grouped (a pass or a skip is no failure).
NOT_PASSED = ("failed", "error", "mismatch")
#: the order groups are shown in: any failure first, then errors, then mismatches only.
_STATUS_RANK = {"failed": 0, "error": 1, "mismatch": 2}

_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\b")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
#: a token mixing letters and digits, 8 characters or more (``ct_01HX…``, ``a1b2c3d4``).
_ID = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{8,}\b")
_STATUS_WORDS = r"(?:status(?:\s+code)?|HTTP|answered|returned|got)"
_KEPT_STATUS = re.compile(rf"({_STATUS_WORDS}[:\s]+)([1-5]\d\d)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w<])[-+]?\d+(?:[,_]\d{3})*(?:\.\d+)?(?![\w>])")
_HELD = "\x00status\x00"


def finding_of(message: str) -> str:
    """What the check saw: the message's first ``- `` line, else its first line."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    for line in lines:
        if line.startswith("- "):
            return line[2:].strip()
    return lines[0] if lines else ""


def shape_of(message: str) -> str:
    """The finding of ``message`` with UUIDs, e-mails, ids and numbers made generic
    (``created is 4, expected 3`` → ``created is N, expected N``)."""
    text = finding_of(message)
    text = _UUID.sub("<uuid>", text)
    text = _EMAIL.sub("<email>", text)
    text = _ID.sub("<id>", text)
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(2))
        return match.group(1) + _HELD

    text = _KEPT_STATUS.sub(hold, text)
    text = _NUMBER.sub("N", text)
    for status in kept:
        text = text.replace(_HELD, status, 1)
    return " ".join(text.split())


@dataclass(frozen=True)
class GroupEntry(Generic[T]):
    """One check outcome that did not pass, with the item it was read from."""

    provider: str
    endpoint: str
    check: str
    case: str | None
    status: str
    title: str
    message: str
    item: T

    @property
    def case_label(self) -> str:
        """The case without its endpoint's prefix (``full_name_cjk``), or ``""``."""
        return self.case.removeprefix(self.endpoint + ".") if self.case else ""


@dataclass
class FailureGroup(Generic[T]):
    """Entries of one provider and endpoint whose findings share one shape."""

    provider: str
    endpoint: str
    shape: str
    entries: list[GroupEntry[T]] = field(default_factory=list)

    @property
    def checks(self) -> Counter[str]:
        """The checks the group's entries come from, each with its count (most first)."""
        return Counter(e.check for e in self.entries)

    @property
    def check(self) -> str:
        """The group's check, or its checks with their counts (``a (23), b (3)``)."""
        counts = self.checks
        if len(counts) == 1:
            return next(iter(counts))
        return ", ".join(f"{name} ({n})" for name, n in counts.most_common())

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def first(self) -> GroupEntry[T]:
        return self.entries[0]

    @property
    def rest(self) -> list[GroupEntry[T]]:
        return self.entries[1:]

    @property
    def title(self) -> str:
        return self.first.title

    @property
    def statuses(self) -> Counter[str]:
        return Counter(e.status for e in self.entries)

    @property
    def cases(self) -> list[str]:
        return [e.case_label for e in self.entries if e.case_label]

    @property
    def failing(self) -> bool:
        """Whether any entry is a failure or an error (not only assumption mismatches)."""
        return any(e.status in ("failed", "error") for e in self.entries)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider, self.endpoint, self.shape)


def group_entries(entries: Iterable[GroupEntry[T]]) -> list[FailureGroup[T]]:
    """The entries that did not pass, grouped (see module docstring): groups holding a
    failure first, then by size, each keeping its entries' order."""
    groups: dict[tuple[str, str, str], FailureGroup[T]] = {}
    for entry in entries:
        if entry.status not in NOT_PASSED:
            continue
        shape = shape_of(entry.message) or shape_of(entry.title)
        key = (entry.provider, entry.endpoint, shape)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FailureGroup(entry.provider, entry.endpoint, shape)
        group.entries.append(entry)
    order = list(groups.values())
    return sorted(order, key=lambda g: (min(_STATUS_RANK.get(e.status, 9) for e in g.entries),
                                        -g.count))


def entry_of_record(record: Mapping[str, Any]) -> GroupEntry[Mapping[str, Any]]:
    """A ``results.json`` record (or a ``summary.json`` check with ``provider`` added) as
    an entry: the failure's, else the mismatch's, title and message."""
    detail = record.get("failure") or record.get("mismatch") or {}
    detail = detail if isinstance(detail, Mapping) else {}
    return GroupEntry(
        provider=str(record.get("provider") or ""), endpoint=str(record.get("endpoint") or ""),
        check=str(record.get("check") or ""), case=(str(record["case"])
                                                   if record.get("case") else None),
        status=str(record.get("status") or ""),
        title=str(detail.get("title") or record.get("title") or ""),
        message=str(detail.get("message") or record.get("message") or ""), item=record)


def entry_of_check(check: CheckRecord) -> GroupEntry[CheckRecord]:
    failure = check.failure
    return GroupEntry(check.provider, check.endpoint, check.check, check.case, check.status,
                      failure.title if failure else check.status,
                      failure.message if failure else "", check)


def compact_cases(cases: Iterable[str], limit: int = 6) -> str:
    """``a, b, c … (+12 more)``: the first ``limit`` cases, then how many more."""
    names = list(dict.fromkeys(c for c in cases if c))
    shown = ", ".join(names[:limit])
    return shown + (f" … (+{len(names) - limit} more)" if len(names) > limit else "")


def status_counts_text(statuses: Mapping[str, int]) -> str:
    """``2 failed, 18 assumption mismatches``."""
    words = {"failed": ("failed", "failed"), "error": ("error", "errors"),
             "mismatch": ("assumption mismatch", "assumption mismatches")}
    parts = []
    for status in ("failed", "error", "mismatch"):
        n = statuses.get(status, 0)
        if n:
            one, many = words[status]
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def cut(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if not text:
        return ""
    if len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text) - limit:,} more characters)"
