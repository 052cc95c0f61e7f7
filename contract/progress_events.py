"""What a Datananas request with progress produced: the frames in arrival order, the
response's place among them, and the certain facts about their order (see
``contract/progress.py`` for how they are read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkbench.contract.exchange import Exchange

__all__ = ["HeadBatch", "ProgressEvent", "ProgressRun"]


@dataclass(frozen=True)
class ProgressEvent:
    """One frame: its arrival number, event name and data (``None`` name: not an event)."""

    seq: int
    event: str | None
    data: Any
    raw: str
    #: the HTTP socket had not received a byte of the response when this frame was read.
    http_quiet: bool = False


@dataclass(frozen=True)
class HeadBatch:
    """The poll batch in which the response's head was read."""

    #: the WebSocket was listed in the batch before (after, or not at all) the HTTP socket.
    ws_listed_first: bool
    #: nothing was waiting on the WebSocket when the batch began.
    ws_drained: bool
    #: the starting (ending) frame had been read before the batch.
    starting_before: bool
    ending_before: bool

    def starting_before_head(self) -> bool | None:
        """Whether *starting* certainly arrived before the head (None: not known)."""
        if not self.ws_drained or self.starting_before:
            return None
        return self.ws_listed_first

    def head_before_ending(self) -> bool | None:
        """True when the head certainly arrived before *ending* (None: not known)."""
        if self.ws_drained and not self.ending_before and not self.ws_listed_first:
            return True
        return None


@dataclass
class ProgressRun:
    exchange: Exchange
    events: list[ProgressEvent] = field(default_factory=list)
    #: arrival numbers of the response's head and of its last byte.
    response_head_seq: int | None = None
    response_end_seq: int | None = None
    #: no *starting* (*ending*) frame had arrived when the response's head (end) was read.
    starting_absent_at_head: bool = False
    ending_absent_at_end: bool = False
    head_batch: HeadBatch | None = None
    socket_closed: str | None = None

    def of(self, uuid: str) -> list[ProgressEvent]:
        """The events carrying ``uuid`` (in ``data.uuid``), in arrival order."""
        return [e for e in self.events if isinstance(e.data, dict) and e.data.get("uuid") == uuid]
