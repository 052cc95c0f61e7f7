"""The harness's own measurements: contacts accepted, outcomes, latency histograms.

A :class:`Recorder` lives in every locust process. Requests are recorded into it with
their outcome, the contacts the response says were accepted and the latency (from the
intended send time in the open model). It keeps:

- a :class:`Tally` per label (``""`` for a plain run, ``batch=100`` in a sweep,
  ``sync``/``queued`` for imports): requests, successes, contacts, 429s, other errors
  (and among them the transport failures, where no HTTP answer came at all, and the
  5xx answers), the wall time of the first send and of the last completion;
- an HdrHistogram per metric (``http`` = success latency; ``import_completed``,
  ``ws_ending``, ...), and per metric and label (``http@batch=100``); 429s and errors are
  never in them;
- per wall-clock second: the same counts, the lowest and highest ``X-RateLimit-Remaining``
  seen, a histogram per metric, and what went over the wire (:meth:`Recorder.transfer`,
  every HTTP request the run sent, job polls included): the request-seconds spent in
  flight within the second (divided by the second's length, the mean number of requests
  in flight), the request body bytes sent (in the second of the send) and the response
  body bytes received (in the second of the answer);
- a few numbers summed, minimised or maximised across processes (``harness`` figures).

A worker :meth:`drain`\\ s its recorder into a payload (plain dicts, strings and numbers,
so that locust's msgpack carries it) every time locust reports to the master; the master
:meth:`merge`\\ s payloads. Counts add up exactly and histograms merge exactly: nothing
is averaged. No locust, no gevent here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkbench.loadtests import hdr_histograms as hdr

__all__ = ["PAYLOAD_VERSION", "Recorder", "SecondBucket", "Tally"]

PAYLOAD_VERSION = 1
HTTP = "http"

def _combine(how: str, a: float, b: float) -> float:
    """How the ``numbers`` of two recorders combine."""
    return a + b if how == "sum" else min(a, b) if how == "min" else max(a, b)


@dataclass
class Tally:
    """Counts of one label (or of a whole process)."""

    requests: int = 0
    ok: int = 0
    contacts: int = 0
    rate_limited: int = 0
    errors: int = 0
    first: float | None = None
    last: float | None = None
    #: among ``errors``: no HTTP answer at all (refused, reset, timeout, DNS, TLS) ...
    transport_errors: int = 0
    #: ... and 5xx answers.
    server_errors: int = 0

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.ok += other.ok
        self.contacts += other.contacts
        self.rate_limited += other.rate_limited
        self.errors += other.errors
        self.transport_errors += other.transport_errors
        self.server_errors += other.server_errors
        self.first = _min(self.first, other.first)
        self.last = _max(self.last, other.last)

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "ok": self.ok, "contacts": self.contacts,
                "rate_limited": self.rate_limited, "errors": self.errors,
                "transport_errors": self.transport_errors,
                "server_errors": self.server_errors,
                "first": self.first, "last": self.last}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        return cls(int(data.get("requests", 0)), int(data.get("ok", 0)),
                   int(data.get("contacts", 0)), int(data.get("rate_limited", 0)),
                   int(data.get("errors", 0)), data.get("first"), data.get("last"),
                   int(data.get("transport_errors", 0)), int(data.get("server_errors", 0)))

    @property
    def span(self) -> float:
        if self.first is None or self.last is None:
            return 0.0
        return max(0.0, self.last - self.first)


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


@dataclass
class SecondBucket:
    """One wall-clock second: counts, Remaining seen, histograms (live or encoded)."""

    tally: Tally = field(default_factory=Tally)
    remaining_min: int | None = None
    remaining_max: int | None = None
    #: request-seconds in flight within this second (the sum over requests of their
    #: overlap with it).
    busy_s: float = 0.0
    bytes_sent: int = 0
    bytes_received: int = 0
    live: dict[str, Any] = field(default_factory=dict)
    encoded: dict[str, list[str]] = field(default_factory=dict)

    def histogram(self, metric: str) -> Any:
        """Every count of ``metric`` in this second, merged (live and encoded parts)."""
        merged = hdr.merge(self.encoded.get(metric, ()))
        if metric in self.live:
            merged.add(self.live[metric])
        return merged

    def metrics(self) -> list[str]:
        return sorted(set(self.live) | set(self.encoded))

    def compact(self) -> None:
        """Encode the live histograms (a live one holds ~190 kB, an encoded one ~100 B)."""
        for metric, histogram in self.live.items():
            self.encoded.setdefault(metric, []).append(hdr.encode(histogram))
        self.live = {}


class Recorder:
    """Counts and histograms of one process, or of a whole run once payloads are merged."""

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.labels: dict[str, Tally] = {}
        self.histograms: dict[str, Any] = {}
        self.seconds: dict[int, SecondBucket] = {}
        self.numbers: dict[str, tuple[str, float]] = {}
        self.events: list[dict[str, Any]] = []
        #: per reporting process (master only): what each one sent, summed.
        self.by_source: dict[str, Tally] = {}
        self.final_sources: set[str] = set()

    # ------------------------------------------------------------------ recording

    def _tally(self, label: str) -> Tally:
        tally = self.labels.get(label)
        if tally is None:
            tally = self.labels[label] = Tally()
        return tally

    def _second(self, wall: float) -> SecondBucket:
        key = int(wall)
        bucket = self.seconds.get(key)
        if bucket is None:
            bucket = self.seconds[key] = SecondBucket()
        return bucket

    def _histogram(self, metric: str) -> Any:
        histogram = self.histograms.get(metric)
        if histogram is None:
            histogram = self.histograms[metric] = hdr.new_histogram()
        return histogram

    def record(self, *, label: str, status: int, ok: bool, contacts: int, sent_wall: float,
               done_wall: float, latency_s: float | None, remaining: int | None = None,
               metric: str = HTTP) -> None:
        """One request: its outcome, accepted contacts, latency (successes only)."""
        tally = self._tally(label)
        bucket = self._second(done_wall)
        for t in (tally, bucket.tally):
            t.requests += 1
            if ok:
                t.ok += 1
                t.contacts += contacts
            elif status == 429:
                t.rate_limited += 1
            else:
                t.errors += 1
                if not status:
                    t.transport_errors += 1
                elif status >= 500:
                    t.server_errors += 1
        tally.first = _min(tally.first, sent_wall)
        tally.last = _max(tally.last, done_wall)
        if remaining is not None:
            bucket.remaining_min = _min_int(bucket.remaining_min, remaining)
            bucket.remaining_max = _max_int(bucket.remaining_max, remaining)
        if ok and latency_s is not None:
            self._latency(metric, label, latency_s, bucket)

    def record_latency(self, metric: str, *, label: str, latency_s: float,
                       done_wall: float) -> None:
        """A latency that is not one request's (submit → completed, send → ending event)."""
        self._latency(metric, label, latency_s, self._second(done_wall))

    def _latency(self, metric: str, label: str, seconds: float, bucket: SecondBucket) -> None:
        hdr.record_seconds(self._histogram(metric), seconds)
        if label:
            hdr.record_seconds(self._histogram(f"{metric}@{label}"), seconds)
        live = bucket.live.get(metric)
        if live is None:
            live = bucket.live[metric] = hdr.new_histogram()
        hdr.record_seconds(live, seconds)

    def transfer(self, *, sent_wall: float, done_wall: float, bytes_sent: int,
                 bytes_received: int) -> None:
        """One HTTP request on the wire, from its send to its answer (or failure): its time
        in flight, split over the seconds it spans, and its body bytes each way."""
        done_wall = max(done_wall, sent_wall)
        self.add_number("first_send_wall", sent_wall, "min")
        self.add_number("last_answer_wall", done_wall, "max")
        self._second(sent_wall).bytes_sent += bytes_sent
        self._second(done_wall).bytes_received += bytes_received
        second = int(sent_wall)
        while second <= int(done_wall):
            overlap = min(done_wall, second + 1) - max(sent_wall, second)
            if overlap > 0:
                self._second(second).busy_s += overlap
            second += 1

    def add_contacts(self, label: str, contacts: int, done_wall: float) -> None:
        """Contacts whose acceptance is known after the request (queued job, ending event)."""
        self._tally(label).contacts += contacts
        self._tally(label).last = _max(self._tally(label).last, done_wall)
        self._second(done_wall).tally.contacts += contacts

    def add_number(self, name: str, value: float, how: str = "sum") -> None:
        if how not in ("sum", "min", "max"):
            raise ValueError(f"unknown combination {how!r}")
        old = self.numbers.get(name)
        self.numbers[name] = (how, value if old is None else _combine(how, old[1], value))

    def add_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def compact(self, before_wall: float) -> None:
        """Encode the histograms of the seconds before ``before_wall`` (keeps memory flat)."""
        limit = int(before_wall)
        for second, bucket in self.seconds.items():
            if second < limit and bucket.live:
                bucket.compact()

    # ------------------------------------------------------------------ totals

    def total(self) -> Tally:
        total = Tally()
        for tally in self.labels.values():
            total.add(tally)
        return total

    def number(self, name: str, default: float | None = None) -> float | None:
        found = self.numbers.get(name)
        return default if found is None else found[1]

    # ------------------------------------------------------------------ transport

    def drain(self, *, final: bool = False) -> dict[str, Any]:
        """Everything recorded since the last drain, as a payload; the recorder is emptied."""
        seconds: dict[str, Any] = {}
        for second, bucket in self.seconds.items():
            bucket.compact()
            seconds[str(second)] = {"tally": bucket.tally.as_dict(),
                                    "remaining_min": bucket.remaining_min,
                                    "remaining_max": bucket.remaining_max,
                                    "busy_s": bucket.busy_s,
                                    "bytes_sent": bucket.bytes_sent,
                                    "bytes_received": bucket.bytes_received,
                                    "hist": bucket.encoded}
        payload = {
            "v": PAYLOAD_VERSION,
            "final": final,
            "labels": {label: t.as_dict() for label, t in self.labels.items()},
            "hist": {metric: hdr.encode(h) for metric, h in self.histograms.items()},
            "seconds": seconds,
            "numbers": {name: [how, value] for name, (how, value) in self.numbers.items()},
            "events": list(self.events),
        }
        self._clear()
        return payload

    def merge(self, payload: dict[str, Any], source: str | None = None) -> None:
        """Add a drained payload (from a worker, or a drained recorder of this process)."""
        if payload.get("v") != PAYLOAD_VERSION:
            raise ValueError(f"payload version {payload.get('v')!r} is not {PAYLOAD_VERSION}")
        sent = Tally()
        for label, data in payload.get("labels", {}).items():
            tally = Tally.from_dict(data)
            self._tally(label).add(tally)
            sent.add(tally)
        for metric, encoded in payload.get("hist", {}).items():
            hdr.merge([encoded], into=self._histogram(metric))
        for key, data in payload.get("seconds", {}).items():
            bucket = self._second(float(key))
            bucket.tally.add(Tally.from_dict(data["tally"]))
            bucket.remaining_min = _min_int(bucket.remaining_min, data.get("remaining_min"))
            bucket.remaining_max = _max_int(bucket.remaining_max, data.get("remaining_max"))
            bucket.busy_s += float(data.get("busy_s", 0.0))
            bucket.bytes_sent += int(data.get("bytes_sent", 0))
            bucket.bytes_received += int(data.get("bytes_received", 0))
            for metric, parts in data.get("hist", {}).items():
                bucket.encoded.setdefault(metric, []).extend(parts)
        for name, (how, value) in payload.get("numbers", {}).items():
            self.add_number(name, float(value), how)
        self.events.extend(payload.get("events", ()))
        if source is not None:
            self.by_source.setdefault(source, Tally()).add(sent)
            if payload.get("final"):
                self.final_sources.add(source)


def _min_int(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max_int(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
