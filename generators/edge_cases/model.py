"""What an edge case is: a named request for one endpoint and the outcome it must get.

A :class:`Case` builds a :class:`CaseRequest` from a seed (the body, query and headers,
and the :class:`Setup` the target needs first, as data) and carries its
:class:`Expected` outcome: status, error code, counts, per-row errors, what the stored
contacts hold afterwards, and the sentence it comes from. Ids the contract suite only
learns at run time (contacts it creates in setup) appear in bodies and expectations as
:class:`Ref` placeholders that :meth:`CaseRequest.json` resolves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import orjson

from bulkbench.generators.errors import GeneratorError

__all__ = [
    "Basis",
    "Case",
    "CaseRequest",
    "Expected",
    "ItemRef",
    "Outcome",
    "Ref",
    "RowError",
    "Setup",
    "StoredContact",
    "resolve_refs",
]


class Outcome(StrEnum):
    """The kind of outcome, as the documentation words it."""

    ACCEPTED = "accepted"  # success; every item created
    QUEUED = "queued"  # success; the import was queued (status queued, a job_id)
    REJECTED = "rejected"  # an error status (and code); nothing written
    ROW_ERRORS = "row_errors"  # success; the listed rows failed, the others were imported
    UPDATED = "updated"  # success; rows matching existing contacts updated them
    SKIPPED = "skipped"  # success; rows matching existing contacts were skipped
    DUPLICATE_SKIPPED = "duplicate_skipped"  # success; already present, silently skipped
    REPLACED = "replaced"  # success; the existing contact was overwritten entirely


class Basis(StrEnum):
    """Where the expected outcome comes from."""

    DOCUMENTED = "documented"  # a sentence of the provider's documentation (quoted)
    SPEC_IMPLIED = "spec-implied"  # the spec's schema or its stated assumption


@dataclass(frozen=True)
class Ref:
    """An id the contract suite knows only at run time.

    ``group`` ``existing``: the id of ``Setup.existing[index]`` once created;
    ``other_workspace``: the id of ``Setup.other_workspace[index]``, created with the
    other workspace's key.
    """

    group: Literal["existing", "other_workspace"]
    index: int

    def __str__(self) -> str:
        return f"<{self.group}[{self.index}]>"


@dataclass(frozen=True)
class ItemRef:
    """An item of the case: ``request`` — the request's batch item ``index``;
    ``setup`` — ``Setup.existing[index]``."""

    where: Literal["request", "setup"]
    index: int


@dataclass(frozen=True)
class StoredContact:
    """After the call, the contact ``find`` became holds exactly ``holds``'s values for
    ``fields`` (a field absent from ``holds`` must be absent or empty).

    The contact ``find`` became is the one its identity keys match (``x-identity-keys``);
    on an endpoint without identity keys, the one created from it (LeadLex bulk create:
    the response's ``contacts[index]``)."""

    find: ItemRef
    holds: ItemRef
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    """One entry the response's ``errors`` must contain (1-based data-row number)."""

    row_number: int
    code: str


@dataclass(frozen=True)
class Setup:
    """What must exist before the request, as data (the contract suite performs it).

    ``existing`` are items to create first with the ``create_with`` endpoint (in that
    endpoint's item shape); ``in_list`` the indexes of ``existing`` to add to the target
    list first; ``other_workspace`` items to create with the other workspace's key;
    ``target_list`` which list the path's ``{id}`` names: ``own`` (a new list of the
    workspace holding exactly the ``in_list`` contacts), ``other_workspace`` (a list of
    another workspace), ``unknown`` (a well-formed id no list has) or ``none`` (the
    endpoint takes no list).
    """

    create_with: str | None = None
    existing: tuple[Mapping[str, Any], ...] = ()
    in_list: tuple[int, ...] = ()
    other_workspace: tuple[Mapping[str, Any], ...] = ()
    target_list: Literal["own", "other_workspace", "unknown", "none"] = "none"

    @property
    def empty(self) -> bool:
        return not (self.existing or self.other_workspace or self.in_list)


@dataclass(frozen=True)
class Expected:
    """The outcome a case must get.

    ``counts`` are response counters by the provider's own names (``created``,
    ``created_count``, ``updated_count``, ``skipped_count``, ``added``; for Datananas the
    ``created``/``updated`` of the ``contact_bulk_create_ending`` event). ``data`` are other
    response fields that must equal the given values (``status: queued``). ``details`` is
    a subset of the error's ``details`` (``invalid_ids`` may hold :class:`Ref`).
    ``row_errors`` is the exact set of ``(row_number, code)`` pairs of ``errors``.
    ``source`` quotes the documentation, or for ``spec-implied`` says what in the spec
    implies it.
    """

    outcome: Outcome
    status: int
    source: str
    basis: Basis
    code: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    row_errors: tuple[RowError, ...] = ()
    stored: tuple[StoredContact, ...] = ()

    def summary(self) -> str:
        """One line: ``400 validation_error`` or ``200 created_count=2 skipped_count=1 ...``."""
        parts = [str(self.status)]
        if self.code:
            parts.append(self.code)
        parts.extend(f"{k}={v}" for k, v in self.counts.items())
        parts.extend(f"{k}={v}" for k, v in self.data.items())
        parts.extend(f"row {e.row_number}:{e.code}" for e in self.row_errors)
        if self.stored:
            parts.append(
                "stored=" + ",".join(dict.fromkeys("+".join(s.fields) for s in self.stored))
            )
        parts.append(f"({self.outcome.value}; {self.basis.value})")
        return " ".join(parts)


def resolve_refs(value: Any, ids: Mapping[Ref, str]) -> Any:
    """``value`` with every :class:`Ref` replaced by its id from ``ids``."""
    if isinstance(value, Ref):
        if value not in ids:
            raise GeneratorError(f"no id given for {value}")
        return ids[value]
    if isinstance(value, dict):
        return {k: resolve_refs(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve_refs(v, ids) for v in value]
    return value


@dataclass(frozen=True)
class CaseRequest:
    """One built request: exactly one of ``body`` (JSON, may hold :class:`Ref`), ``raw``
    (bytes sent as they are) or ``stream`` (a factory of byte chunks, for huge bodies).

    ``items`` are the contacts the batch stands for when the body does not hold them as
    a JSON array (a CSV import: the contact each data row must produce)."""

    body: Any = None
    raw: bytes | None = None
    stream: Callable[[], Iterator[bytes]] | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    setup: Setup = field(default_factory=Setup)
    batch_field: str | None = None
    items: tuple[Any, ...] | None = None

    def refs(self) -> tuple[Ref, ...]:
        """The placeholders the body holds, in order of first appearance."""
        found: dict[Ref, None] = {}

        def note(value: Any) -> None:  # orjson walks the body and calls this for each Ref
            if not isinstance(value, Ref):
                raise TypeError(f"{type(value).__name__} is not JSON")
            found.setdefault(value)

        if self.body is not None:
            orjson.dumps(self.body, default=note, option=orjson.OPT_PASSTHROUGH_DATACLASS)
        return tuple(found)

    def json(self, ids: Mapping[Ref, str] | None = None) -> Any:
        """The JSON body with placeholders resolved (``None`` for raw or streamed bodies;
        the body itself, not a copy, when it holds no placeholder)."""
        if not self.refs():
            return self.body
        return resolve_refs(self.body, ids or {})

    def chunks(self, ids: Mapping[Ref, str] | None = None) -> Iterator[bytes]:
        """The body's bytes, in chunks."""
        if self.stream is not None:
            yield from self.stream()
        elif self.raw is not None:
            yield self.raw
        else:
            yield orjson.dumps(self.json(ids))

    def content(self, ids: Mapping[Ref, str] | None = None) -> bytes:
        """The whole body's bytes (for streamed bodies this builds the whole body)."""
        return b"".join(self.chunks(ids))

    def item(self, ref: ItemRef) -> Any:
        """The request's batch item or the setup item ``ref`` names."""
        if ref.where == "setup":
            return self.setup.existing[ref.index]
        if self.items is not None:
            return self.items[ref.index]
        if self.batch_field is None or not isinstance(self.body, dict):
            raise GeneratorError("this request has no batch items")
        return self.body[self.batch_field][ref.index]


@dataclass(frozen=True)
class Case:
    """A named edge case of one endpoint: ``request(seed)`` builds it, ``expected`` says
    what must happen.

    ``tags`` group cases (``field``, ``batch``, ``csv``, ``list``, ``boundary``,
    ``body_size``, ``duplicates``, ``existing`` ...): ``large`` marks a streamed body of
    megabytes, ``semantic`` a rejection the request schema cannot see (an id that names
    no contact of the workspace, a list of another workspace)."""

    name: str
    endpoint: str
    title: str
    expected: Expected
    build: Callable[[int, int | None], CaseRequest] = field(repr=False, compare=False)
    tags: frozenset[str] = frozenset()

    def request(self, seed: int = 0, *, run_tag: int | None = None) -> CaseRequest:
        """The request for ``seed`` (same seed, same bytes); ``run_tag`` keeps the contacts
        of one run apart from another's (default: derived from the seed)."""
        return self.build(seed, run_tag)
