"""A background asyncio task that works through a persisted queue and can be woken.

The LeadLex import worker and the webhook sender share this lifecycle: one task per
sandbox, started once, woken by ``notify()`` when new work was stored, cancelled by
``stop()``. Subclasses write ``_run()``; they wait on ``self._wake`` between rounds.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["QueueWorker"]


class QueueWorker:
    """Owns one named task running :meth:`_run`, an event to wake it, and its shutdown."""

    #: the asyncio task's name (shows in task dumps and logs).
    task_name = "sandbox-queue-worker"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _start_task(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    def notify(self) -> None:
        """New work was stored: look at the queue now."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
