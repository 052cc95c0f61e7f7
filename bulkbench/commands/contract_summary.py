"""What `bulkbench contract` prints after the suite: the per-endpoint counts, the checks
that did not pass grouped by cause (``bulkbench.reports.failure_groups``), the
assumption mismatches by the config key that settles them, and the verdict.

Each group shows its first example expanded (message, documentation, the command that
replays it) and its other entries one line each; bodies are never printed (they are in
``failures.har`` and ``bodies/`` beside ``results.json``). Repro lines are printed
unwrapped, so they can be copied as they are, at any terminal width.
"""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bulkbench.reports.failure_groups import (
    FailureGroup,
    compact_cases,
    cut,
    entry_of_record,
    group_entries,
    status_counts_text,
)

__all__ = ["MAX_GROUPS_SHOWN", "print_contract_summary", "repro_lines"]

MAX_GROUPS_SHOWN = 25
#: the other entries of a group listed one line each, at most.
MAX_REST_SHOWN = 8
_MESSAGE_CHARS = 400


def repro_lines(repro: dict[str, Any], folder: Path | None) -> list[str]:
    """The shell lines replaying one failure: the sandbox to start (when the target was
    the sandbox), the variables to set, the curl command with its body file made
    absolute under ``folder`` (the contract folder) when given."""
    lines: list[str] = []
    if repro.get("sandbox"):
        lines.append(f"{repro['sandbox']}   # in another shell: a sandbox like the run's")
    for name, what in (repro.get("env") or {}).items():
        lines.append(f"export {name}=...   # {what}")
    command = str(repro.get("command") or "")
    body = repro.get("body_file")
    if body and folder is not None:
        command = command.replace(f"@{body}", "@" + shlex.quote(str(folder / str(body))))
    if command:
        lines.append(command)
    if repro.get("note"):
        lines.append(f"# {repro['note']}")
    return lines


def _doc_label(doc: dict[str, Any]) -> str:
    page = doc.get("title") or "documentation"
    label = f"{doc['provider']}: {page}" if doc.get("provider") else str(page)
    return label + (f" <{doc['url']}>" if doc.get("url") else "")


def _print_group(console: Console, group: FailureGroup[Any], folder: Path | None) -> None:
    style = "bold red" if group.failing else "yellow"
    head = Text("✗ " if group.failing else "~ ", style)
    head.append(f"{group.endpoint} · {group.check}: ", style)
    head.append(f"{group.title}: {group.shape}")
    console.print(head, soft_wrap=True)
    cases = compact_cases(group.cases)
    console.print(f"  {group.count} checks ({status_counts_text(group.statuses)})"
                  + (f"; cases: {cases}" if cases else ""), markup=False, soft_wrap=True)
    first = group.first.item
    detail = first.get("failure") or first.get("mismatch") or {}
    label = f" [{group.first.case_label}]" if group.first.case_label else ""
    message = cut(str(detail.get("message") or ""), _MESSAGE_CHARS).replace("\n", "\n    ")
    console.print(f"  first{label}: {message}", markup=False, soft_wrap=True)
    doc = first.get("doc") or {}
    if doc.get("sentence"):
        console.print(f"  documentation: {doc['sentence']} ({_doc_label(doc)})",
                      markup=False, soft_wrap=True)
    repro = detail.get("repro")
    if isinstance(repro, dict):
        console.print("  reproduce:", markup=False)
        for line in repro_lines(repro, folder):
            console.print(f"    {line}", markup=False, soft_wrap=True, highlight=False)
    for entry in group.rest[:MAX_REST_SHOWN]:
        rest = entry.item.get("failure") or entry.item.get("mismatch") or {}
        where = entry.case_label or entry.check
        console.print(f"  - {where} ({entry.status}): {cut(entry.title, 120)}"
                      + (f" · HAR entry {rest['exchange']['har_entry']}"
                         if isinstance(rest.get("exchange"), dict) else ""),
                      markup=False, soft_wrap=True)
    if len(group.rest) > MAX_REST_SHOWN:
        console.print(f"  … and {len(group.rest) - MAX_REST_SHOWN} more in results.json",
                      markup=False)


def _print_mismatch_keys(records: list[dict[str, Any]], console: Console) -> None:
    """Assumption mismatches counted by the config keys that settle them."""
    keys: Counter[str] = Counter()
    for record in records:
        settle = (record.get("mismatch") or {}).get("settle_with") or ["(no key)"]
        keys["; ".join(str(s) for s in settle)] += 1
    if not keys:
        return
    console.print("assumption mismatches (not failures: settle them in the provider config; "
                  "--strict fails on them), by what settles them:", markup=False)
    for key, n in keys.most_common():
        console.print(f"  {n} x {key}", markup=False, soft_wrap=True)


def print_contract_summary(results: dict[str, Any], console: Console) -> None:
    """The summary of a ``results.json`` (see module docstring)."""
    records = [r for r in results.get("results", []) if isinstance(r, dict)]
    table = Table(title="contract suite", title_justify="left")
    numbers = ("passed", "failed", "mismatch", "skipped")
    for column in ("provider", "endpoint", *numbers):
        table.add_column(column, justify="right" if column in numbers else "left")
    rows: dict[tuple[str, str], Counter[str]] = {}
    for record in records:
        rows.setdefault((str(record["provider"]), str(record["endpoint"])), Counter())[
            "failed" if record["status"] == "error" else str(record["status"])] += 1
    for (provider, endpoint), counts in rows.items():
        table.add_row(Text(provider), Text(endpoint.split(".", 1)[-1]), str(counts["passed"]),
                      Text(str(counts["failed"]), "bold red") if counts["failed"] else "0",
                      Text(str(counts["mismatch"]), "yellow") if counts["mismatch"] else "0",
                      str(counts["skipped"]))
    console.print(table)
    groups = group_entries(entry_of_record(r) for r in records)
    folder = results.get("meta", {}).get("contract_dir")
    where = Path(folder) if isinstance(folder, str) and Path(folder).is_dir() else None
    if groups:
        entries = sum(g.count for g in groups)
        console.print(Text(f"not passed, grouped by cause: {len(groups)} group(s) of "
                           f"{entries} check(s)", "bold"))
        for group in groups[:MAX_GROUPS_SHOWN]:
            _print_group(console, group, where)
        if len(groups) > MAX_GROUPS_SHOWN:
            console.print(f"… and {len(groups) - MAX_GROUPS_SHOWN} more groups in "
                          "results.json", markup=False)
        if where is not None and (where / "failures.har").exists():
            console.print(f"every failing exchange, whole: {where / 'failures.har'} (HAR 1.2)",
                          markup=False, soft_wrap=True)
    _print_mismatch_keys([r for r in records if r["status"] == "mismatch"], console)
    summary = results.get("summary", {})
    failed = int(summary.get("failed", 0)) + sum(1 for r in records if r["status"] == "error")
    line = (f"{summary.get('passed', 0)} passed, {failed} failed, "
            f"{summary.get('mismatch', 0)} assumption mismatches, "
            f"{summary.get('skipped', 0)} skipped")
    if failed:
        console.print(Text(f"contract suite FAILED: {line}", "bold red"))
    else:
        console.print(Text(f"contract suite passed: {line}", "bold green"))
