"""Everything the users of one locust process share during a run.

Built once per test start by ``locust_wiring`` from the options, the catalog and the key
(read from the environment, never from an option): the resolved plan, the request
headers, the recorder, and a source of unique contacts for each user — user ``n`` of
worker ``w`` gets its own generator run tag, so no two users (or workers) ever send the
same contact. It also holds the process's :class:`TransportWatch` (a target that does
not answer stops the run) and two hooks the locust wiring sets: ``abort`` (stop the run
as failed, with a reason) and ``end_run`` (stop it normally, e.g. when the probe is
done). No locust, no gevent here.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bulkbench.generators.contact_batches import ContactRun
from bulkbench.generators.contact_templates import MAX_INDEX, default_run_tag
from bulkbench.loadtests.contact_metrics import Recorder
from bulkbench.loadtests.load_settings import Caps, LoadSettings, ScenarioPlan, field_names
from bulkbench.loadtests.transport_failures import TransportWatch
from bulkbench.loadtests.websocket_auth import SocketTarget

__all__ = ["RunContext"]

#: run tags are three digits (100..999): 900 users get a tag of their own, the next ones
#: share a tag at a distant start index.
_TAGS = 900
_SLOTS_PER_WORKER = 1000


@dataclass
class RunContext:
    settings: LoadSettings
    plan: ScenarioPlan
    base_url: str
    headers: dict[str, str]
    recorder: Recorder
    caps: Caps
    #: how to open the progress WebSocket (it holds the token), when the endpoint has one.
    socket_target: SocketTarget | None = None
    worker_index: int = 0
    #: closed model: requests/s per user at most (0: no ceiling).
    closed_ceiling: float = 0.0
    transport: TransportWatch = field(default_factory=TransportWatch)
    abort: Callable[[str], None] = field(default=lambda reason: None)
    end_run: Callable[[], None] = field(default=lambda: None)
    #: a job answer without the assumed fields was logged (once per process).
    warned_job_body: bool = False
    start_perf: float = field(default_factory=time.perf_counter)
    start_wall: float = field(default_factory=time.time)
    _users: itertools.count[int] = field(default_factory=itertools.count)

    def contact_run(self) -> ContactRun:
        """A generator run that no other user of the run shares."""
        slot = self.worker_index * _SLOTS_PER_WORKER + next(self._users)
        base = default_run_tag(self.settings.bb_seed) - 100
        tag = 100 + (base + slot) % _TAGS
        start = (slot // _TAGS) * (MAX_INDEX // 16)
        return ContactRun(self.settings.bb_seed, run_tag=tag, start=start,
                          names=field_names(self.settings))

    def wall_at(self, perf: float) -> float:
        return self.start_wall + (perf - self.start_perf)
