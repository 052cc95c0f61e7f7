"""Datananas progress events on the WebSocket: starting, one running per contact with
``i`` = 1..total in order, ending with the counts; the HTTP response between starting and
ending; every event carrying the response's ``uuid``.

One scenario per run (shared by the checks here): two contacts are created first, then a
request with those two (updates) and :data:`_NEW` new ones is sent while the harness
listens on the socket; the frames and the response are numbered in arrival order
(``contract/progress.py``).

Which of a frame and the response came first is only decided on what was certain when
they were read (``contract/progress.py``: a client scheduled late finds both waiting and
cannot tell). ``progress_response_between`` repeats the request (:data:`_ATTEMPTS` in all)
until each half of the order was observed for certain; a provider that breaks the order
is caught on a certain observation, and if none comes the check is skipped, never passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from bulkbench.contract.checks.case_selection import is_endpoint
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.progress import ProgressEvent, ProgressRun, transaction_id
from bulkbench.contract.requests import ENDING, RUNNING, STARTING, send_batch, send_with_progress

__all__: list[str] = []

BULK = "datananas.bulk_create"
_NEW, _EXISTING = 3, 2
_ATTEMPTS = 12


@dataclass
class _Scenario:
    run: ProgressRun
    uuid: str | None
    events: list[ProgressEvent]


def _scenario(ctx: CheckContext, attempt: int = 0) -> _Scenario:
    key = f"progress:{ctx.target.name}:{attempt}"
    found = ctx.session.cache.get(key)
    if isinstance(found, _Scenario):
        return found
    if key in ctx.session.cache:
        ctx.fail("progress scenario failed", "the shared progress request failed in an "
                 "earlier check (see its failure)")
    ctx.session.cache[key] = None
    existing = ctx.session.contacts(ctx.endpoint, _EXISTING)
    setup = send_batch(ctx, ctx.endpoint, {"contacts": existing})
    ctx.expect(ctx.succeeded(setup), "setup request failed",
               f"creating {_EXISTING} contacts answered {setup.status}")
    contacts = [*existing, *ctx.session.contacts(ctx.endpoint, _NEW)]
    run = send_with_progress(ctx, ctx.endpoint, orjson.dumps({"contacts": contacts}))
    ctx.expect(ctx.succeeded(run.exchange), "unexpected status",
               f"{len(contacts)} valid contacts answered {run.exchange.status}", run.exchange)
    body = run.exchange.json_object()
    uuid = transaction_id(body, str(ctx.assumed("transaction_id_pointer")))
    scenario = _Scenario(run, uuid, run.of(uuid) if uuid else [])
    ctx.session.cache[key] = scenario
    return scenario


def _describe(events: list[ProgressEvent], limit: int = 8) -> str:
    shown = [f"#{e.seq} {e.event} {e.data}" for e in events[:limit]]
    if len(events) > limit:
        shown.append(f"… {len(events) - limit} more")
    return "\n".join(shown) or "(none)"


#: what settles where the progress socket is and how it takes the token (NOTES D6).
_SOCKET_KEYS = ("websocket_url", "websocket_auth", "websocket_token_param")


def _heard(ctx: CheckContext, scenario: _Scenario) -> None:
    """Not one frame reached the socket: its URL or the way it takes the token is not what
    the config says (a provider that sends events to nobody cannot be told apart)."""
    if not scenario.run.events:
        closed = f"; socket: {scenario.run.socket_closed}" if scenario.run.socket_closed else ""
        ctx.mismatch(_SOCKET_KEYS, "the progress socket heard nothing",
                     "not one frame reached the progress socket while the request ran"
                     f"{closed}", scenario.run.exchange)


def _events(ctx: CheckContext, attempt: int = 0) -> _Scenario:
    scenario = _scenario(ctx, attempt)
    _heard(ctx, scenario)
    if not scenario.events:
        others = scenario.run.events
        ctx.fail("no progress events for the request",
                 f"no event carried the response's uuid {scenario.uuid!r}; "
                 f"{len(others)} other frame(s) arrived: {_describe(others, 3)}"
                 + (f"; socket: {scenario.run.socket_closed}" if scenario.run.socket_closed
                    else ""), scenario.run.exchange)
    return scenario


_ONLY = is_endpoint(BULK)


@check(group="semantics", endpoints=_ONLY, needs=("websocket",),
       doc=("wss sends as many contact_bulk_create_running as there is contacts",))
def progress_event_sequence(ctx: CheckContext) -> None:
    """starting, then running with i = 1..total in order, then ending, nothing else."""
    scenario = _events(ctx)
    events = scenario.events
    total = _NEW + _EXISTING
    names = [e.event for e in events]
    expected = [STARTING, *([RUNNING] * total), ENDING]
    ctx.expect(names == expected, "wrong event sequence",
               f"events {names[:3]}…{names[-2:]} ({len(names)}); expected starting, "
               f"{total} running, ending:\n{_describe(events)}", scenario.run.exchange)
    running: list[dict[str, Any]] = [e.data for e in events if e.event == RUNNING]
    indexes = [d.get("i") for d in running]
    ctx.expect(indexes == list(range(1, total + 1)), "running events out of order",
               f"running i = {indexes}, expected 1..{total} in order", scenario.run.exchange)
    totals = {d.get("total") for d in running}
    ctx.expect(totals == {total}, "wrong total", f"running total = {sorted(map(str, totals))},"
               f" expected {total}", scenario.run.exchange)


def order_verdicts(run: ProgressRun, starting: ProgressEvent, ending: ProgressEvent
                   ) -> tuple[bool | None, bool | None]:
    """(starting came before the response, the response came before ending), each True,
    False or None when this run cannot tell for certain."""
    head, end = run.response_head_seq or 0, run.response_end_seq or 0
    batch = run.head_batch
    from_batch = batch.starting_before_head() if batch is not None else None
    if (head < starting.seq and run.starting_absent_at_head) or from_batch is False:
        starting_verdict: bool | None = False
    elif (starting.seq < head and starting.http_quiet) or from_batch:
        starting_verdict = True
    else:
        starting_verdict = None
    if ending.seq < head and ending.http_quiet:
        ending_verdict: bool | None = False
    elif (end < ending.seq and run.ending_absent_at_end) or (
            batch is not None and batch.head_before_ending()):
        ending_verdict = True
    else:
        ending_verdict = None
    return starting_verdict, ending_verdict


@check(group="semantics", endpoints=_ONLY, needs=("websocket",),
       doc=("The API returns between the sending of _starting and _ending",))
def progress_response_between(ctx: CheckContext) -> None:
    """The HTTP response arrives after contact_bulk_create_starting and before _ending."""
    starting_ok = ending_ok = False
    for attempt in range(_ATTEMPTS):
        scenario = _events(ctx, attempt)
        run = scenario.run
        starting = next((e for e in scenario.events if e.event == STARTING), None)
        ending = next((e for e in scenario.events if e.event == ENDING), None)
        ctx.expect(starting is not None and ending is not None, "events missing",
                   f"starting {starting is not None}, ending {ending is not None}",
                   run.exchange)
        assert starting is not None and ending is not None
        verdict_starting, verdict_ending = order_verdicts(run, starting, ending)
        if verdict_starting is False:
            ctx.fail("response before starting", "the response's head arrived before "
                     "contact_bulk_create_starting", run.exchange)
        if verdict_ending is False:
            ctx.fail("response after ending", "contact_bulk_create_ending arrived before "
                     "any byte of the HTTP response", run.exchange)
        starting_ok = starting_ok or bool(verdict_starting)
        ending_ok = ending_ok or bool(verdict_ending)
        if starting_ok and ending_ok:
            return
    open_half = " and ".join(name for name, ok in (("starting before the response",
                                                    starting_ok),
                                                   ("the response before ending", ending_ok))
                             if not ok)
    ctx.skip(f"in {_ATTEMPTS} requests the order ({open_half}) was never observed for "
             "certain: the harness read both at once each time (a loaded machine)")


@check(group="semantics", endpoints=_ONLY, needs=("websocket",),
       doc=("wss sends one contact_bulk_create_ending",),
       note="NOTES D6: the ending event's created + updated = total")
def progress_ending_counts(ctx: CheckContext) -> None:
    """The ending event counts the new contacts as created and the existing as updated."""
    scenario = _events(ctx)
    endings = [e for e in scenario.events if e.event == ENDING]
    ctx.expect(len(endings) == 1, "not one ending event", f"{len(endings)} ending events",
               scenario.run.exchange)
    data = endings[0].data
    got = (data.get("created"), data.get("updated"))
    ctx.expect(got == (_NEW, _EXISTING), "wrong ending counts",
               f"created {got[0]!r}, updated {got[1]!r}; expected created {_NEW} (new) and "
               f"updated {_EXISTING} (existing emails)", scenario.run.exchange)


@check(group="semantics", endpoints=_ONLY, needs=("websocket",),
       doc=("The webSocketServer (wss) sends one contact_bulk_create_starting",),
       note="NOTES D6/D7: all three events carry the uuid the HTTP response returns")
def progress_uuid_matches(ctx: CheckContext) -> None:
    """Every event of the request carries the uuid its HTTP response returned."""
    scenario = _scenario(ctx)
    run = scenario.run
    _heard(ctx, scenario)
    ctx.expect(scenario.uuid is not None, "no uuid", "the response has no uuid", run.exchange)
    mine = {e.event for e in scenario.events}
    ctx.expect({STARTING, ENDING} <= mine, "events carry another uuid",
               f"the response's uuid {scenario.uuid} is on events {sorted(map(str, mine))}; "
               f"frames received: {_describe(run.events, 4)}", run.exchange)
