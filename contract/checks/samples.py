"""Small requests of each endpoint, for checks about every answer rather than one case:
a valid request (fresh contacts, nothing that collides), and requests that must fail."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkbench.contract.checks.registry import CheckContext
from bulkbench.contract.client import ContractClient
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.requests import path_of, result_data, send_batch
from bulkbench.core.catalog import Endpoint
from bulkbench.generators.edge_cases.readings import unknown_list_id

__all__ = ["BROKEN_JSON", "Sample", "cheap_request", "error_samples", "valid_request"]

#: JSON cut off in the middle: not parseable.
BROKEN_JSON = b'{"items": [{"name": "unterminated'


@dataclass(frozen=True)
class Sample:
    what: str
    expected_status: int
    exchange: Exchange
    #: the assumption keys the expected status rests on (empty: documented).
    settled_by: tuple[str, ...] = ()


def _unknown_id(ctx: CheckContext, what: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkbench:{ctx.seed}:{ctx.run_tag}:{what}"))


def _unknown_list(ctx: CheckContext) -> str:
    """A list id of the provider's type (``list_id_type``) that no list has."""
    return unknown_list_id(str(ctx.assumed("list_id_type")),
                           random.Random(f"bulkbench:{ctx.seed}:{ctx.run_tag}:list"))


def _list_id(ctx: CheckContext) -> str:
    return ctx.target.lists[0] if ctx.target.lists else _unknown_list(ctx)


def _path_params(ctx: CheckContext, endpoint: Endpoint) -> dict[str, str]:
    if "{id}" in endpoint.path:
        return {"id": _list_id(ctx)}
    if "{job_id}" in endpoint.path:
        return {"job_id": "imp_" + _unknown_id(ctx, "job").replace("-", "")}
    return {}


def valid_body(ctx: CheckContext, endpoint: Endpoint) -> tuple[dict[str, str], Any] | None:
    """Path parameters and a body the endpoint must accept (None: it takes no body, or the
    target lacks what a valid request needs)."""
    if endpoint.batch_field is None:
        return None
    if endpoint.name == "add_to_list":
        if not ctx.target.lists:
            return None
        creator = ctx.session.catalog.endpoint(f"{endpoint.provider}.bulk_create")
        created = send_batch(ctx, creator, {"contacts": ctx.session.contacts(creator, 1)})
        contacts = (result_data(created.json()).get("contacts")
                    if ctx.succeeded(created) else None)
        ids = [c.get("id") for c in contacts or [] if isinstance(c, dict)]
        if not ids:
            ctx.fail("setup request failed", f"creating a contact answered {created.status}",
                     created)
        return {"id": ctx.target.lists[0]}, {endpoint.batch_field: ids}
    return {}, {endpoint.batch_field: ctx.session.contacts(endpoint, 1)}


def valid_request(ctx: CheckContext, endpoint: Endpoint, *, role: str | None = "full",
                  key: str | None = None) -> Exchange | None:
    """A request ``endpoint`` must accept with a good key (sent with ``role``/``key``)."""
    if endpoint.method == "GET" and "{job_id}" in endpoint.path:
        importer = ctx.session.catalog.endpoint(f"{endpoint.provider}.import_contacts")
        started = send_batch(ctx, importer, {"rows": ctx.session.contacts(importer, 1)})
        job_id = (result_data(started.json()).get("job_id")
                  if ctx.succeeded(started) else None)
        if not isinstance(job_id, str):
            ctx.fail("setup request failed", f"an import answered {started.status}", started)
        path = ctx.target.job_status_path.replace("{job_id}", job_id)
        return ctx.client.send("GET", path, role=role, key=key)
    prepared = valid_body(ctx, endpoint)
    if prepared is None:
        return None
    params, body = prepared
    return ctx.client.send(endpoint.method, path_of(endpoint, **params), role=role, key=key,
                           json=body)


def _send(ctx: CheckContext, endpoint: Endpoint, *, role: str | None = "full",
          key: str | None = None, body: Any = None, content: bytes | None = None,
          params: Mapping[str, str] | None = None) -> Exchange:
    path = path_of(endpoint, ctx.target.path_template(endpoint),
                   **(params or _path_params(ctx, endpoint)))
    if content is not None:
        return ctx.client.send(endpoint.method, path, role=role, key=key, content=content)
    if body is not None:
        return ctx.client.send(endpoint.method, path, role=role, key=key, json=body)
    return ctx.client.send(endpoint.method, path, role=role, key=key)


def error_samples(ctx: CheckContext, endpoint: Endpoint) -> list[Sample]:
    """Requests that must fail, with the status each must get."""
    samples: list[Sample] = []
    has_body = bool(endpoint.request_schema)
    if has_body:
        samples.append(Sample("a body that is not JSON", 400,
                              _send(ctx, endpoint, content=BROKEN_JSON)))
        if endpoint.batch_field is not None:
            samples.append(Sample("an empty JSON object", 400, _send(ctx, endpoint, body={})))
    samples.append(Sample("no credentials", 401,
                          _send(ctx, endpoint, role=None, body={} if has_body else None)))
    if endpoint.name == "add_to_list":
        samples.append(Sample("a list id no list has", int(ctx.assumed("unknown_list_status")),
                              _send(ctx, endpoint,
                                    body={"contact_ids": [_unknown_id(ctx, "contact")]},
                                    params={"id": _unknown_list(ctx)}),
                              ("unknown_list_status",)))
    if "{job_id}" in endpoint.path:
        samples.append(Sample("a job id no job has", 404, _send(ctx, endpoint),
                              ("import_job_status_path",)))
    if endpoint.key == "sociocs.bulk_upsert":
        samples.append(Sample("a list_id no list has", int(ctx.assumed("unknown_list_status")),
                              _send(ctx, endpoint,
                                    body={"list_id": 987_654_321,
                                          "records": ctx.session.contacts(endpoint, 1)}),
                              ("unknown_list_status",)))
    return samples


def cheap_request(ctx: CheckContext, endpoint: Endpoint, client: ContractClient | None = None
                  ) -> Exchange:
    """A request that writes nothing (an empty JSON object, or an unknown job): for
    counting against a rate limit."""
    client = client or ctx.client
    path = path_of(endpoint, ctx.target.path_template(endpoint), **_path_params(ctx, endpoint))
    if endpoint.request_schema:
        return client.send(endpoint.method, path, json={})
    return client.send(endpoint.method, path)
