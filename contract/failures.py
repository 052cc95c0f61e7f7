"""The typed failure of a contract check, and the problems a provider can cause.

Two kinds of error, on purpose apart::

    AssertionError
    └── CheckFailure          a check found the provider breaking its contract: title,
        │                     message, the check and endpoint, the doc reference, the seed,
        │                     a curl line reproducing the request (keys redacted),
        │                     excerpts of the request and the response, and the
        │                     exchange itself (for failures.har and the repro command)
        └── AssumptionMismatch the provider decided an open point of the documentation
                              otherwise than the spec assumed: not a broken contract. It
                              names the config keys that settle the point (reported apart
                              from failures; a failure only with --strict)

    Exception
    └── ProviderProblem       the provider did something no check can read past: a
        │                     transport error, a hang, a reset, a body that is not JSON;
        │                     the running check turns it into its own CheckFailure
        └── TargetUnreachable too many consecutive transport failures: later requests fail
                              at once instead of waiting out their timeouts

A check never lets a ProviderProblem escape: ``checks.registry.run_check`` converts it,
so a misbehaving provider is reported as failures of the named checks, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkbench.contract.exchange import Exchange

__all__ = ["AssumptionMismatch", "CheckFailure", "DocRef", "ProviderProblem",
           "TargetUnreachable"]


@dataclass(frozen=True)
class DocRef:
    """Where a check's expectation comes from: a documentation sentence (its seed file and
    page) or a decision of ``specs/NOTES.md`` for what the docs leave open."""

    sentence: str
    seed: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "seed": self.seed, "url": self.url}

    def __str__(self) -> str:
        where = f" ({self.seed})" if self.seed else ""
        return f"{self.sentence}{where}"


class ProviderProblem(Exception):
    """The provider answered something a check cannot read past (see module docstring)."""

    def __init__(self, title: str, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message
        self.exchange = exchange


class TargetUnreachable(ProviderProblem):
    """Requests to the target are not even attempted any more (repeated transport errors)."""


@dataclass(eq=False)
class CheckFailure(AssertionError):
    """A check found a broken contract; everything needed to understand and reproduce it."""

    title: str
    message: str
    check: str
    endpoint: str
    doc: DocRef | None = None
    seed: int | None = None
    run_tag: int | None = None
    case: str | None = None
    curl: str | None = None
    request: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: what the broken expectation rests on: ``documented`` (a sentence of the docs),
    #: ``consequence`` (follows from documented rules), or "" (the check's own basis).
    basis: str = ""
    #: the failing exchange, whole (the results recorder writes it to ``failures.har`` and
    #: its request body to a file the repro command sends); never in ``as_dict``.
    exchange: Exchange | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        AssertionError.__init__(self, self.title)

    def __str__(self) -> str:
        lines = [f"[{self.check}] {self.title}", self.message]
        if self.case:
            lines.append(f"case: {self.case}")
        if self.doc is not None:
            lines.append(f"doc: {self.doc}")
        if self.seed is not None:
            tag = f", run tag {self.run_tag}" if self.run_tag is not None else ""
            lines.append(f"seed: {self.seed}{tag}")
        if self.curl:
            lines.append(f"reproduce: {self.curl}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The failure as plain data (what ``results.json`` stores)."""
        return {
            "title": self.title,
            "message": self.message,
            "curl": self.curl,
            "request": dict(self.request) if self.request else None,
            "response": dict(self.response) if self.response else None,
            **({"details": dict(self.extra)} if self.extra else {}),
        }


@dataclass(eq=False)
class AssumptionMismatch(CheckFailure):
    """The provider differs from an assumption of the spec, not from its documentation.

    ``keys`` are the ``[provider.assumptions]`` keys that settle the point; ``provider``
    names the table. The message says what the provider was seen to do."""

    keys: tuple[str, ...] = ()
    provider: str | None = None

    @classmethod
    def of(cls, failure: CheckFailure, keys: tuple[str, ...],
           provider: str | None) -> AssumptionMismatch:
        """``failure`` re-read as a mismatch with the assumption behind ``keys``."""
        if not keys:  # every open point is settled by a key or checked tolerantly
            raise ValueError(f"an assumption mismatch must name the keys that settle it "
                             f"({failure.check}: {failure.title})")
        fields = {name: getattr(failure, name) for name in (
            "title", "message", "check", "endpoint", "doc", "seed", "run_tag", "case", "curl",
            "request", "response", "extra", "basis", "exchange")}
        return cls(**fields, keys=keys, provider=provider)

    @property
    def settle_with(self) -> list[str]:
        """Where a user settles it: ``[leadlex.assumptions] idempotency_reuse``."""
        table = f"[{self.provider}.assumptions]" if self.provider else "[<provider>.assumptions]"
        return [f"{table} {key}" for key in self.keys]

    def __str__(self) -> str:
        return "\n".join([f"assumption mismatch, settle with {', '.join(self.settle_with)}",
                          super().__str__()])

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "keys": list(self.keys), "settle_with": self.settle_with}
