"""How many contacts a provider says it accepted, read from its own answer.

Contacts/s counts what the response reports, never what was sent:

- LeadLex bulk create: ``data.created``;
- LeadLex import (synchronous, or a completed job): ``created_count + updated_count``
  (skipped and failed rows are not accepted); a queued import reports nothing yet and
  gives its ``job_id`` to follow;
- LeadLex add to list: ``data.added`` (contacts already in the list are not counted);
- Datananas bulk create: nothing in the HTTP answer; the ending WebSocket event carries
  ``created + updated`` (:func:`from_ending_event`);
- Sociocs bulk upsert: ``{"status": "success"}`` and no count; its spec makes the batch
  atomic, so a success accepted the whole batch;
- HubSpot batch create / upsert: ``results``, one object per contact written.

The rules look at the shape of the answer rather than at provider names, so a provider
that answers like one of these is counted the same way. No locust, no gevent here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulkbench.core import json_pointer

__all__ = ["Accepted", "from_ending_event", "from_job", "from_response"]


@dataclass(frozen=True)
class Accepted:
    """What one answer says: contacts accepted now, and a job to follow (queued import)."""

    contacts: int
    job_id: str | None = None
    #: the answer says the work continues elsewhere (queued job, WebSocket transaction).
    pending: bool = False
    transaction: str | None = None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _at(document: Any, pointer: str) -> Any:
    """The value at JSON pointer ``pointer`` in ``document`` (None when absent)."""
    return json_pointer.resolve(document, pointer, None)


def from_response(body: Any, batch_size: int, transaction_pointer: str = "/uuid"
                  ) -> Accepted:
    """The contacts accepted according to a 2xx answer's JSON ``body``; a transaction id
    at ``transaction_pointer`` (``transaction_id_pointer``, NOTES D7) is followed on the
    progress WebSocket."""
    if not isinstance(body, dict):
        return Accepted(0)
    data = body.get("data", body)
    if not isinstance(data, dict):
        return Accepted(0)
    status = data.get("status")
    if "job_id" in data and status in ("queued", "running"):
        return Accepted(0, job_id=str(data["job_id"]), pending=True)
    if "created_count" in data or "updated_count" in data:
        return Accepted(_int(data.get("created_count")) + _int(data.get("updated_count")))
    if "added" in data:
        return Accepted(_int(data.get("added")))
    if "created" in data:
        return Accepted(_int(data.get("created")) + _int(data.get("updated")))
    if status == "success":
        return Accepted(batch_size)
    if isinstance(data.get("results"), list):  # one object per contact written (HubSpot)
        return Accepted(len(data["results"]))
    transaction = _at(body, transaction_pointer)
    if isinstance(transaction, str) and transaction:
        return Accepted(0, pending=True, transaction=transaction)
    return Accepted(0)


def from_job(body: Any) -> tuple[str, int]:
    """``(status, accepted)`` of an import job status answer (accepted once completed)."""
    data = body.get("data", body) if isinstance(body, dict) else {}
    if not isinstance(data, dict):
        return "unknown", 0
    status = str(data.get("status", "unknown"))
    if status != "completed":
        return status, 0
    return status, _int(data.get("created_count")) + _int(data.get("updated_count"))


def from_ending_event(data: Any) -> int:
    """Contacts accepted according to a ``*_ending`` WebSocket event's payload."""
    if not isinstance(data, dict):
        return 0
    return _int(data.get("created")) + _int(data.get("updated"))
