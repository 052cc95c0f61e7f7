"""What a person sees while a run works, and the table at its end.

On a terminal: one line per step (waiting, running with a spinner and the load stage's
live progress line, done), redrawn in place. Elsewhere (CI logs, a pipe): a line when a
step starts and ends, and the live progress line every 15 seconds, each event one line
whatever its length (:func:`make_console`: output that is not a terminal is never wrapped
at a width). The final table has one row per provider (from the rendered report, so it
says exactly what the report says).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from bulkbench.reports.load_views import fmt
from bulkbench.reports.overview import overview_row
from bulkbench.reports.render import Rendered, provider_events

__all__ = ["UNWRAPPED_WIDTH", "RunDisplay", "make_console", "print_summary"]

#: the width of a console that is not a terminal: wide enough that no line, table row or
#: name is ever wrapped or cut (a pipe or a CI log has no width of its own).
UNWRAPPED_WIDTH = 4000


def make_console(*, stderr: bool = False, highlight: bool = True) -> Console:
    """The console the commands print to: a terminal's own width, else never wrapped (one
    line per event, whole names in tables), whatever ``COLUMNS`` says."""
    console = Console(stderr=stderr, highlight=highlight)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=highlight, width=UNWRAPPED_WIDTH)
    return console

_ICONS = {"pending": Text("·", "dim"), "done": Text("✔", "green"), "error": Text("✘", "red"),
          "failed": Text("✘", "red"),
          "interrupted": Text("■", "yellow"), "not_run": Text("-", "dim"),
          "skipped": Text("-", "dim")}


def _progress_prefix() -> str:
    """What the load stage prefixes its live progress lines with in locust.log."""
    try:
        from bulkbench.loadtests.load_settings import PROGRESS_PREFIX
    except ImportError:
        return "bulkbench-progress "
    return PROGRESS_PREFIX


class _StateColumn(ProgressColumn):
    def __init__(self) -> None:
        super().__init__()
        self.spinner = Spinner("dots", style="cyan")

    def render(self, task: Task) -> Text:
        state = str(task.fields.get("state", "pending"))
        if state == "running":
            rendered = self.spinner.render(task.get_time())
            return rendered if isinstance(rendered, Text) else Text("…")
        return _ICONS.get(state, Text("?"))


class _Tail:
    """Follows a log file from a thread and keeps its latest progress line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.latest = ""
        self.prefix = _progress_prefix()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self) -> None:
        buffer = ""
        while not self.stop.wait(0.5):
            try:
                with self.path.open("r", encoding="utf-8", errors="replace") as stream:
                    stream.seek(self.offset)
                    chunk = stream.read()
                    self.offset = stream.tell()
            except OSError:
                continue
            buffer += chunk
            *lines, buffer = buffer.split("\n")
            for line in lines:
                if line.startswith(self.prefix):
                    self.latest = line[len(self.prefix):].strip()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)


class RunDisplay:
    """The progress of the run's steps (a context manager)."""

    def __init__(self, console: Console, steps: list[tuple[str, str]]) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(_StateColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=console, transient=False,
                                 redirect_stdout=False, redirect_stderr=False,
                                 refresh_per_second=4)
        self.tasks: dict[str, TaskID] = {}
        self.names = dict(steps)
        for key, name in steps:
            self.tasks[key] = self.progress.add_task(name, start=False, total=1,
                                                     state="pending")
        self.tail: _Tail | None = None
        self.current: str | None = None
        self.started = 0.0
        self.ticker: threading.Thread | None = None

    def __enter__(self) -> RunDisplay:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop_tail()
        if self.live:
            self.progress.stop()

    def _stop_tail(self) -> None:
        if self.tail is not None:
            self.tail.close()
            self.tail = None

    def _tick(self, key: str) -> None:
        last_print = time.monotonic()
        while self.current == key:
            time.sleep(0.5)
            if self.current != key:
                return
            line = self.tail.latest if self.tail is not None else ""
            if self.live:
                suffix = f"  [dim]{escape(line)}[/]" if line else ""
                self.progress.update(self.tasks[key],
                                     description=f"{escape(self.names[key])}{suffix}")
            elif line and time.monotonic() - last_print >= 15:
                last_print = time.monotonic()
                self.console.print(f"    {self.names[key]}: {line}", markup=False,
                                   highlight=False)

    def begin(self, key: str, watch: Path | None) -> None:
        self.current, self.started = key, time.monotonic()
        task = self.tasks[key]
        self.progress.start_task(task)
        self.progress.update(task, state="running")
        if not self.live:
            self.console.print(f"→ {self.names[key]} …", highlight=False, markup=False)
        if watch is not None:
            self.tail = _Tail(watch)
        self.ticker = threading.Thread(target=self._tick, args=(key,), daemon=True)
        self.ticker.start()

    def end(self, key: str, state: str, line: str, *, failed: bool = False) -> None:
        """The step ended in ``state``; ``failed``: it ran, and what it found failed."""
        seconds = time.monotonic() - self.started if self.current == key else 0.0
        self.current = None
        if self.ticker is not None:
            self.ticker.join(timeout=2)
            self.ticker = None
        self._stop_tail()
        task = self.tasks[key]
        text = f"{self.names[key]}: {line}" if line else self.names[key]
        if failed:
            text = f"{self.names[key]} FAILED: {line}" if line else f"{self.names[key]} FAILED"
            state = "failed"
        # the description is markup (the live line's style): what a step says is escaped
        self.progress.update(task, state=state, completed=1, description=escape(text))
        self.progress.stop_task(task)
        if not self.live:
            icon = _ICONS.get(state, Text("?")).plain
            took = f" ({seconds:.0f} s)" if seconds else ""
            self.console.print(f"{icon} {text}{took}", markup=False, highlight=False)


def _ok(text: str, ok: bool | None) -> Text:
    return Text(text, {True: "green", False: "red", None: ""}[ok])


def print_summary(console: Console, rendered: Rendered) -> None:
    """The per-provider table, the verdict and its reasons, and where the report is."""
    table = Table(title=f"bulkbench: run {rendered.run.run_id}", title_justify="left")
    for column in ("provider", "contract checks", "peak contacts/s", "p99 there", "rate limit",
                   "SLA"):
        table.add_column(column, justify="right" if "contacts/s" in column or "p99" in column
                         else "left")
    for event in provider_events(rendered.run):
        row = overview_row(event.provider, event.contract_ran, event.checks, event.load_runs)
        peak = fmt(row.peak_contacts_per_second, 0) + (
            f"\n({row.peak_where})" if row.peak_where else "")
        table.add_row(Text(row.provider), _ok(row.contract, row.contract_ok), Text(peak),
                      fmt(row.peak_p99_ms, 1, " ms"), _ok(row.rate_limit, row.rate_limit_ok),
                      _ok(row.sla, row.sla_ok))
    console.print(table)
    verdict = rendered.verdict
    style = {"passed": "bold green", "failed": "bold red", "incomplete": "bold yellow"}
    console.print(Text(verdict.headline, style[verdict.status]))
    for reason in verdict.reasons[:12]:
        console.print(f"  - {reason}", markup=False, highlight=False)
    if len(verdict.reasons) > 12:
        console.print(f"  … and {len(verdict.reasons) - 12} more (see the report)",
                      markup=False)
    console.print(f"report: {rendered.index}", markup=False, highlight=False, soft_wrap=True)
