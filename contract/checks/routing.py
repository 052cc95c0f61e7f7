"""What a provider answers outside its documented operations: an unknown path, a method
an endpoint does not serve.

Only Sociocs documents one of these ("404 / Requested API endpoint not found."); NOTES X5
assumed 404 for an unknown path and 405 with ``Allow`` for an undocumented method on every
provider. What holds under every reading: such a request is refused with a 4xx (never a
success, never a server error), and a 405 lists the served methods in ``Allow``
(RFC 9110 15.5.6). Which 4xx an undocumented method gets is settled by
``unsupported_method_status``.
"""

from __future__ import annotations

from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.requests import path_of

__all__: list[str] = []

#: a method none of the documented endpoints serves.
_UNSERVED_METHOD = "DELETE"


def _path(ctx: CheckContext) -> str:
    params = {"id": ctx.target.lists[0] if ctx.target.lists else
              "00000000-0000-4000-8000-000000000000", "job_id": "imp_unknown"}
    return path_of(ctx.endpoint, **params)


@check(group="envelopes", endpoints=lambda ep: ep.method == "POST",
       doc=("Requested API endpoint not found.",),
       consequence="RFC 9110: a path no operation serves is a client error (Sociocs "
                   "documents 404; NOTES X5 assumes the same elsewhere)")
def unknown_path_refused(ctx: CheckContext) -> None:
    """A path next to the endpoint's that no operation serves is refused with a 4xx (404
    where the page documents it), never accepted."""
    exchange = ctx.client.send("POST", _path(ctx) + "-bulkbench-no-such-path",
                               json={ctx.endpoint.batch_field or "items": []})
    status = exchange.status or 0
    ctx.require(400 <= status < 500, "unknown path not refused",
                f"POST to a path no operation serves answered {status}", exchange)
    if 404 in ctx.endpoint.statuses:  # documented (Sociocs): exactly 404
        ctx.expect(status == 404, "unknown path not a 404",
                   f"POST to a path no operation serves answered {status}; the page "
                   "documents 404", exchange)


@check(group="envelopes", endpoints=lambda ep: ep.method == "POST",
       assumes=("unsupported_method_status",),
       note="NOTES X5: an undocumented method is 405 with Allow (or 404, as configured)")
def unserved_method_refused(ctx: CheckContext) -> None:
    """A method the endpoint does not serve is refused (405 with Allow naming the served
    method, or 404, as the config settles), never accepted or answered with a 5xx."""
    exchange = ctx.client.send(_UNSERVED_METHOD, _path(ctx))
    status = exchange.status or 0
    ctx.require(400 <= status < 500, "unserved method not refused",
                f"{_UNSERVED_METHOD} {ctx.endpoint.path} answered {status}", exchange)
    if status == 405:
        allow = {m.strip().upper() for m in (exchange.header("Allow") or "").split(",")}
        ctx.require(ctx.endpoint.method in allow, "405 without Allow",
                    f"a 405 must list the served methods in Allow (RFC 9110 15.5.6); "
                    f"Allow: {exchange.header('Allow')!r}", exchange)
    expected = int(ctx.assumed("unsupported_method_status"))
    ctx.expect(status == expected, "unexpected status for an unserved method",
               f"{_UNSERVED_METHOD} {ctx.endpoint.path} answered {status}, expected "
               f"{expected}", exchange)
