"""The fast lane's guard: a test that starts a process or a server must be marked slow.

``make test-fast`` runs ``pytest -m "not slow"``; it stays fast only if every test that
starts a child process (a sandbox, locust, ``bulkbench``, pip) or binds a listening
socket (a server in a thread) carries the ``slow`` marker (tests/conftest.py applies it
by module, test or fixture). This plugin watches each test, setup and teardown included,
through Python's audit hooks (``subprocess.Popen``, ``os.posix_spawn``, ``os.fork``,
``os.system``, ``socket.bind``) and fails an unmarked one at teardown, naming what it
started. It runs in every lane, so ``make test`` (CI) catches a new test that forgot
the marker; tests/foundation/test_fast_lane.py holds the guard itself.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

import pytest

#: audit events that mean a child process or a server.
PROCESS_EVENTS = {"subprocess.Popen", "os.posix_spawn", "os.fork", "os.forkpty", "os.system",
                  "os.exec", "os.spawn"}
SERVER_EVENTS = {"socket.bind"}
#: programs a library runs for a moment while it is imported (``ctypes.util.find_library``
#: asks ``ldconfig -p``; ``platform`` asks ``uname``): a lookup, not a process of the test.
LOOKUPS = {"ldconfig", "uname"}


class ProcessGuard:
    """Records what the running test starts; one per pytest session (the innermost
    session of nested in-process runs gets the events)."""

    def __init__(self) -> None:
        self.item: pytest.Item | None = None
        self.started: list[str] = []

    def record(self, event: str, args: tuple[Any, ...]) -> None:
        if self.item is None:
            return
        if event in PROCESS_EVENTS:
            what = args[1] if event == "subprocess.Popen" and len(args) > 1 else args[:1]
            if event == "subprocess.Popen" and _program(what) in LOOKUPS:
                return
            self.started.append(f"{event} {_short(what)}")
        elif event in SERVER_EVENTS and len(args) > 1:
            self.started.append(f"{event} {_short(args[1])}")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        self.item, self.started = item, []
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            result = yield
        finally:
            started, self.item, self.started = self.started, None, []
        if started and item.get_closest_marker("slow") is None:
            raise StartedOutsideTheSlowLane(
                f"{item.nodeid} starts a process or a server but is not marked slow "
                f"(add it to SLOW in tests/conftest.py, or mark it): {'; '.join(started[:3])}")
        return result


class StartedOutsideTheSlowLane(Exception):
    """An unmarked test started a process or a server."""


def _program(argv: object) -> str:
    """The program's name of a ``subprocess.Popen`` argument list (or command string)."""
    first = argv[0] if isinstance(argv, list | tuple) and argv else argv
    return str(first).split()[0].rsplit("/", 1)[-1] if first else ""


def _short(value: object) -> str:
    text = " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


_guards: list[ProcessGuard] = []
_GUARD = pytest.StashKey[ProcessGuard]()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _guards and (event in PROCESS_EVENTS or event in SERVER_EVENTS):
        _guards[-1].record(event, args)


sys.addaudithook(_audit)  # once per interpreter: audit hooks cannot be removed


def pytest_configure(config: pytest.Config) -> None:
    # pyproject registers it too; this is for a session without the project's ini
    config.addinivalue_line("markers", "slow: starts a process or a server")
    guard = ProcessGuard()
    _guards.append(guard)
    config.stash[_GUARD] = guard
    config.pluginmanager.register(guard, "bulkbench-process-guard")


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(_GUARD, None)
    if guard is not None and guard in _guards:
        _guards.remove(guard)

