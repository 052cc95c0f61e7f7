"""The typed failure of a contract check, and the problems a provider can cause.

Two kinds of error, on purpose apart::

    AssertionError
    └── CheckFailure          a check found the provider breaking its contract: title,
                              message, the check and endpoint, the doc reference, the seed,
                              a curl line reproducing the request (keys redacted), and
                              excerpts of the request and the response

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
    from contract.exchange import Exchange

__all__ = ["CheckFailure", "DocRef", "ProviderProblem", "TargetUnreachable"]


@dataclass(frozen=True)
class DocRef:
    """Where a check's expectation comes from: a documentation sentence (its seed file and
    page) or a decision of ``contract/specs/NOTES.md`` for what the docs leave open."""

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
