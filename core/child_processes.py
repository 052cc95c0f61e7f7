"""Child processes die with their parent.

A run starts sandboxes, locust and the contract suite's pytest as child processes; a
parent killed outright (``kill -9``, the OOM killer) must not leave them running, nor
leave a sandbox's temporary folder (``sandbox.json`` holds keys) behind. Two means, used
together:

* :func:`parent_death_signal`, given to ``subprocess.Popen(preexec_fn=…)``: on Linux the
  child gets SIGTERM the moment its parent dies (``prctl(PR_SET_PDEATHSIG)``). The kernel
  ties that signal to the *thread* that started the child, so it is only set for a child
  started from the main thread (a worker thread that ends would stop the child early).
* :func:`watch_parent`, run by a child we write ourselves (the sandbox): a thread that
  notices the parent is gone (``os.getppid()`` changes, on any POSIX system) and calls
  back, so the child stops and removes what it holds. It covers a child started from
  another thread, and systems without ``prctl``.

The parent's pid reaches the child in :data:`PARENT_PID_ENV` (see :func:`child_env`).
Only the standard library is imported here: every stage uses this module.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

__all__ = ["PARENT_PID_ENV", "child_env", "parent_death_signal", "parent_gone",
           "watch_parent"]

#: the environment variable holding the pid of the process that started the child.
PARENT_PID_ENV = "BULKBENCH_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        prctl: Callable[..., int] = libc.prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _prctl()


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child receive ``signum`` when this process dies, or
    None where that cannot be had (not Linux, or not called from the main thread)."""
    prctl = _PRCTL
    if prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def set_signal() -> None:  # runs in the child, between fork and exec: no imports here
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was set
            os.kill(os.getpid(), signum)

    return set_signal


def child_env() -> dict[str, str]:
    """What a child needs in its environment for :func:`watch_parent`."""
    return {PARENT_PID_ENV: str(os.getpid())}


def _parent_pid() -> int | None:
    raw = os.environ.get(PARENT_PID_ENV, "")
    return int(raw) if raw.isdigit() else None


def parent_gone() -> bool:
    """Whether the process named in :data:`PARENT_PID_ENV` is no longer our parent."""
    parent = _parent_pid()
    return parent is not None and os.getppid() != parent


def watch_parent(on_orphan: Callable[[], None], *, interval: float = 0.2,
                 parent: int | None = None) -> threading.Thread | None:
    """Call ``on_orphan`` (from a daemon thread) once the parent process is gone.

    ``parent`` defaults to :data:`PARENT_PID_ENV`; without it, nothing is watched (None).
    A parent already gone when this is called counts as gone.
    """
    parent = parent if parent is not None else _parent_pid()
    if parent is None:
        return None

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        on_orphan()

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
