"""Authentication and permissions: an unknown or missing key is a 401, a key without the
write permission a 403, each in the envelope with its documented code. (Workspace
isolation: ``list_not_in_workspace_404`` and ``other_workspace_job_404``.)"""

from __future__ import annotations

import secrets

from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.checks.samples import valid_request
from bulkbench.contract.error_bodies import ENVELOPE_KEYS, code_problems, shape_problems

__all__: list[str] = []


def _made_up_key(ctx: CheckContext) -> str:
    scheme = ctx.client.auth
    prefix = scheme.key_prefix if scheme is not None and scheme.key_prefix else ""
    return prefix + secrets.token_hex(16)


@check(group="auth", endpoints=lambda ep: ep.auth is not None,
       doc=("Invalid or expired API key", "Invalid API key", "Authentication failed"),
       note="NOTES L2/D8: an unknown or missing key is a 401")
def unknown_key_401(ctx: CheckContext) -> None:
    """A made-up key, and no key at all, get 401 with the documented code."""
    for what, key, role in (("a made-up key", _made_up_key(ctx), "full"),
                            ("no key", None, None)):
        exchange = valid_request(ctx, ctx.endpoint, role=role, key=key)
        if exchange is None:
            ctx.need("list")
            return
        ctx.require(exchange.status in (401, 403), "not refused",
                    f"{what} answered {exchange.status}", exchange)
        ctx.expect(exchange.status == 401, "not refused with 401",
                   f"{what} answered {exchange.status}", exchange)
        body = exchange.json()
        wrong_code = code_problems(ctx.target, ctx.endpoint, 401, body)
        ctx.expect(not wrong_code, "undocumented error code", "; ".join(wrong_code), exchange)
        problems = shape_problems(ctx.target, ctx.endpoint, 401, body)
        ctx.expect_assumed(ENVELOPE_KEYS, not problems, "401 not in the assumed envelope",
                           f"{what}: " + "; ".join(problems), exchange)


@check(group="auth", endpoints=lambda ep: ep.required_scope is not None,
       needs=("read_only_key",),
       doc=("Missing `contacts:write` permission", "Missing `write:contacts` permission",
            "Missing `write` permission"),
       note="NOTES L1: the write endpoints need contacts:write; without it, 403")
def read_only_key_403(ctx: CheckContext) -> None:
    """A valid key without the write permission gets 403 insufficient_permissions."""
    exchange = valid_request(ctx, ctx.endpoint, role="read_only")
    if exchange is None:
        ctx.need("list")
        return
    ctx.expect(exchange.status == 403, "write allowed without the permission",
               f"a key without {ctx.assumed('required_scope')} answered {exchange.status}",
               exchange)
    body = exchange.json()
    wrong_code = code_problems(ctx.target, ctx.endpoint, 403, body)
    ctx.expect(not wrong_code, "undocumented error code", "; ".join(wrong_code), exchange)
    problems = shape_problems(ctx.target, ctx.endpoint, 403, body)
    ctx.expect_assumed(ENVELOPE_KEYS, not problems, "403 not in the assumed envelope",
                       "; ".join(problems), exchange)
