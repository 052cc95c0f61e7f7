"""The check registry: ``@check`` registers a function under its own name.

The function's name is the check's stable name (what ``results.json``, the JUnit report
and ``--check`` use); a name registered twice is refused at registration
(:class:`DuplicateCheck`). Each check says which endpoints it applies to, which
documentation sentence (or NOTES.md decision) it enforces, what it needs from the target
(a read-only key, another workspace, the sandbox's inspection API, …) and, for checks
driven by the generators' edge-case catalog, which cases it runs::

    @check(group="limits", endpoints=is_batch, doc=("More than",),
           note="NOTES L5: maxItems is the limit", cases=named("size_max_plus_1"))
    def batch_over_max_rejected(ctx: CheckContext) -> None:
        ...

A check raises :class:`~contract.failures.CheckFailure` through ``ctx.fail`` and
:class:`CheckSkipped` through ``ctx.skip``; :func:`run_check` turns any
:class:`~contract.failures.ProviderProblem` into a failure of the running check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from bulkbench.contract.exchange import Exchange, curl_line
from bulkbench.contract.failures import AssumptionMismatch, CheckFailure, DocRef, ProviderProblem
from bulkbench.contract.redaction import scrub
from bulkbench.core.assumptions import ASSUMPTIONS, operation_keys
from bulkbench.core.catalog import Endpoint

if TYPE_CHECKING:
    from bulkbench.contract.client import ContractClient
    from bulkbench.contract.session import SuiteSession
    from bulkbench.contract.target import Target
    from bulkbench.generators import Case

__all__ = [
    "CHECKS",
    "CheckContext",
    "CheckFunc",
    "CheckSkipped",
    "CheckSpec",
    "DuplicateCheck",
    "EndpointFilter",
    "assigned_cases",
    "check",
    "run_check",
]

CheckFunc = Callable[["CheckContext"], None]
EndpointFilter = Callable[[Endpoint], bool]
CaseFilter = Callable[["Case"], bool]

#: what a check may need from a target; absent → the check is skipped with the reason.
NEEDS = {
    "read_only_key": "a key without the write permission (read_only_key_env in --config)",
    "other_workspace_key": "a key of another workspace (other_workspace_key_env in --config)",
    "list": "a list of the key's workspace (list_id in --config)",
    "other_list": "a list of another workspace (other_workspace_list_id in --config)",
    "inspection": "the sandbox's inspection routes (quotas, list members, deliveries)",
    "readback": "a way to read stored contacts back: the sandbox, or a read endpoint "
                "named in [provider.readback] of --config (the providers document none)",
    "webhook": "a webhook registration the harness can receive (webhook_secret_env and "
               "webhook_public_url in --config, and --webhook-listen)",
    "websocket": "the progress WebSocket URL",
    "throttle": "a target whose rate limit may be exhausted (--probe-rate-limit, or the "
                "sandbox)",
    "rate_limit": "rate limiting switched on at the target",
}


class DuplicateCheck(ValueError):
    """Two checks registered under one name."""


class CheckSkipped(Exception):
    """The check cannot run against this target; ``reason`` says why (never a pass)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckSpec:
    name: str
    func: CheckFunc
    group: str
    summary: str
    applies: EndpointFilter
    doc: tuple[str, ...]
    note: str | None
    cases: CaseFilter | None
    needs: tuple[str, ...]
    #: among case-driven checks, a case goes to the lowest rank whose selector takes it.
    rank: int = 50
    #: the assumption keys (``bulkbench.core.assumptions``) the check's expectations rest on:
    #: a failure of such a check is an assumption mismatch naming them, unless the
    #: expectation that broke is documented (``ctx.require``).
    assumes: tuple[str, ...] = ()
    #: why the check's expectation follows from documented rules, when no sentence says it.
    consequence: str | None = None

    @property
    def basis(self) -> str:
        """``assumption``, ``documented`` or ``consequence`` (see ``provenance``)."""
        if self.assumes:
            return "assumption"
        return "documented" if self.doc else "consequence"

    def doc_for(self, endpoint: Endpoint, case: Case | None = None) -> DocRef:
        """The doc sentence this check enforces on ``endpoint`` (a case's own source first)."""
        if case is not None:
            return DocRef(case.expected.source, endpoint.doc_seed, endpoint.doc_url)
        for fragment in self.doc:
            for sentence in endpoint.doc_sentences:
                if fragment in sentence:
                    return DocRef(sentence, endpoint.doc_seed, endpoint.doc_url)
        if self.note:
            return DocRef(self.note, None, "specs/NOTES.md")
        if self.consequence:
            return DocRef(f"a consequence of the documented rules: {self.consequence}",
                          endpoint.doc_seed, endpoint.doc_url)
        return DocRef(self.summary, endpoint.doc_seed, endpoint.doc_url)


#: every registered check, by name, in registration order.
CHECKS: dict[str, CheckSpec] = {}


def _endpoint_filter(endpoints: Sequence[str] | EndpointFilter) -> EndpointFilter:
    if callable(endpoints):
        return endpoints
    keys = frozenset(endpoints)
    return lambda ep: ep.key in keys


def check(*, group: str, endpoints: Sequence[str] | EndpointFilter,
          doc: Sequence[str] = (), note: str | None = None, cases: CaseFilter | None = None,
          needs: Sequence[str] = (), rank: int = 50, assumes: Sequence[str] = (),
          consequence: str | None = None) -> Callable[[CheckFunc], CheckFunc]:
    """Register the decorated function as a check named after it.

    Every check states what it rests on: ``doc`` (fragments of the documentation's
    sentences), ``assumes`` (assumption keys) or ``consequence`` (why documented rules
    imply it); ``cases``-driven checks rest on each case's own source."""
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise ValueError(f"unknown needs {unknown} (known: {', '.join(NEEDS)})")
    unknown = [k for k in assumes if k not in ASSUMPTIONS]
    if unknown:
        raise ValueError(f"unknown assumption keys {unknown} (see contract/assumptions.py)")
    if not (doc or assumes or consequence or cases):
        raise ValueError("a check needs doc=, assumes=, consequence= or cases=")

    def register(func: CheckFunc) -> CheckFunc:
        name = func.__name__
        if name in CHECKS:
            raise DuplicateCheck(f"check {name!r} is registered twice")
        summary = (func.__doc__ or name).strip().splitlines()[0]
        CHECKS[name] = CheckSpec(name, func, group, summary, _endpoint_filter(endpoints),
                                 tuple(doc), note, cases, tuple(needs), rank, tuple(assumes),
                                 consequence)
        return func

    return register


class CheckContext:
    """One run of one check on one endpoint (and case): what it reads, how it fails."""

    def __init__(self, spec: CheckSpec, endpoint: Endpoint, target: Target,
                 session: SuiteSession, case: Case | None = None) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.target = target
        self.session = session
        self.case = case
        self.doc = spec.doc_for(endpoint, case)
        self.client: ContractClient = session.client(target.name)

    @property
    def seed(self) -> int:
        return self.target.seed

    @property
    def run_tag(self) -> int:
        return self.target.run_tag

    # ------------------------------------------------------------------ outcomes

    def failure(self, title: str, message: str, exchange: Exchange | None = None,
                **extra: Any) -> CheckFailure:
        exchange = exchange if exchange is not None else self.client.last
        request = response = None
        curl = None
        if exchange is not None:
            request, response = exchange.excerpts()
            curl = curl_line(exchange.request)
        return CheckFailure(
            title=scrub(title), message=scrub(message), check=self.spec.name,
            endpoint=self.endpoint.key, doc=self.doc, seed=self.seed, run_tag=self.run_tag,
            case=self.case.name if self.case is not None else None, curl=curl,
            request=request, response=response, extra=extra, exchange=exchange)

    def fail(self, title: str, message: str, exchange: Exchange | None = None,
             **extra: Any) -> NoReturn:
        """Fail on the check's own basis (a mismatch when the check ``assumes`` keys)."""
        raise self.failure(title, message, exchange, **extra)

    def expect(self, condition: bool, title: str, message: str,
               exchange: Exchange | None = None) -> None:
        """Fail on the check's own basis unless ``condition``."""
        if not condition:
            self.fail(title, message, exchange)

    def require(self, condition: bool, title: str, message: str,
                exchange: Exchange | None = None) -> None:
        """Fail as a contract violation unless ``condition``: what must hold whichever way
        the provider settles the check's assumptions (counts add up, nothing stored on a
        4xx, no duplicates, isolation between workspaces)."""
        if not condition:
            failure = self.failure(title, message, exchange)
            failure.basis = "consequence"
            raise failure

    def mismatch(self, keys: str | Sequence[str], title: str, message: str,
                 exchange: Exchange | None = None) -> NoReturn:
        """The provider decided the open point behind ``keys`` otherwise: ``message`` says
        what it was seen to do."""
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        unknown = [k for k in keys if k not in ASSUMPTIONS]
        if unknown:
            raise ValueError(f"unknown assumption keys {unknown}")
        raise AssumptionMismatch.of(self.failure(title, message, exchange), keys,
                                    self.target.name)

    def expect_assumed(self, keys: str | Sequence[str], condition: bool, title: str,
                       message: str, exchange: Exchange | None = None) -> None:
        """A mismatch naming ``keys`` unless ``condition``."""
        if not condition:
            self.mismatch(keys, title, message, exchange)

    def succeeded(self, exchange: Exchange) -> bool:
        """Whether ``exchange`` succeeded: any 2xx, since which one is an open point
        (``success_status``, NOTES L3) that the edge cases and schemathesis' status check
        hold the provider to, not every semantic check."""
        return exchange.status is not None and 200 <= exchange.status < 300

    def expect_named(self, keys: Sequence[str], condition: bool, title: str, message: str,
                     exchange: Exchange | None = None) -> None:
        """Unless ``condition``: a failure when the provider config settles every key of
        ``keys`` (the user vouches for the names the request used), else a mismatch naming
        them (a provider that reads an unknown name as no name cannot be told apart from
        one that ignores what the name stands for)."""
        if all(self.target.settled(k) for k in keys):
            self.expect(condition, title, message, exchange)
        else:
            self.expect_assumed(keys, condition, title, message, exchange)

    def assumed(self, key: str) -> Any:
        """The target's value of an assumption key (the config's, else the spec's)."""
        return self.target.assumed(key)

    def skip(self, reason: str) -> NoReturn:
        raise CheckSkipped(reason)

    def need(self, what: str) -> None:
        """Skip unless the target provides ``what`` (one of ``NEEDS``)."""
        if not self.session.provides(self.target, what):
            self.skip(f"needs {NEEDS[what]}")


def assigned_cases(spec: CheckSpec, cases: Sequence[Case]) -> list[Case]:
    """The edge cases ``spec`` runs: each case goes to the check of lowest ``rank`` (then
    the first registered) whose selector takes it, so no case runs twice."""
    if spec.cases is None:
        return []
    mine: list[Case] = []
    order = {name: i for i, name in enumerate(CHECKS)}
    case_checks = sorted((s for s in CHECKS.values() if s.cases is not None),
                         key=lambda s: (s.rank, order[s.name]))
    for case in cases:
        owner = next((s for s in case_checks if s.cases is not None and s.cases(case)), None)
        if owner is spec:
            mine.append(case)
    return mine


def run_check(ctx: CheckContext) -> None:
    """Run the check; a provider problem becomes the check's own failure."""
    for what in ctx.spec.needs:
        ctx.need(what)
    try:
        ctx.spec.func(ctx)
    except ProviderProblem as problem:
        raise ctx.failure(problem.title, problem.message, problem.exchange) from None
    except AssumptionMismatch:
        raise
    except CheckFailure as failure:
        if ctx.spec.assumes and not failure.basis:
            raise AssumptionMismatch.of(failure, ctx.spec.assumes, ctx.target.name) from None
        status = (failure.response or {}).get("status")
        keys = operation_keys(ctx.target.provider, ctx.endpoint)
        if not ctx.endpoint.documented and status == 404 and keys:
            # an operation the docs do not describe is not where the spec assumed it
            raise AssumptionMismatch.of(failure, keys, ctx.target.name) from None
        raise
