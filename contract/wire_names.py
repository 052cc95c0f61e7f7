"""The provider's own names for what its page leaves unnamed, applied on the wire.

Datananas' page lists each contact field and both query flags by type and description
only (NOTES D1, D3): the spec assumed camelCase names. A provider config settles the real
ones (``field_names``, ``query_names`` in ``[datananas.assumptions]``, each a table of
``spec name = provider name``). The harness keeps building requests with the spec's names
(the generators, the edge cases and the checks all speak them) and renames them here, at
the one place every request of the suite passes (``ContractClient.send``); contacts read
back are renamed the other way. Schemathesis generates from the derived spec, which is
renamed the same way (``derived_spec``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bulkbench.core.catalog import Endpoint

__all__ = ["WireNames"]

#: bodies larger than this are sent as they are (the size-limit cases: names do not matter).
_MAX_RENAMED_BYTES = 4 * 1024 * 1024


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p)
                              for p in parts if p) + r"/?$")


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint


class WireNames:
    """Renames one provider's unnamed fields and flags between the spec and the wire."""

    def __init__(self, endpoints: Sequence[Endpoint], fields: Mapping[str, str],
                 flags: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        self.flags = dict(flags)
        self.back = {v: k for k, v in self.fields.items()}
        self.routes = [_Route(ep.method, _pattern(ep.path), ep) for ep in endpoints]

    def __bool__(self) -> bool:
        return bool(self.fields or self.flags)

    def endpoint(self, method: str, path: str) -> Endpoint | None:
        path = path.split("?", 1)[0]
        for route in self.routes:
            if route.method == method.upper() and route.pattern.search(path):
                return route.endpoint
        return None

    def _items(self, body: Any, field: str | None, names: Mapping[str, str]) -> Any:
        if not isinstance(body, dict) or not field or not isinstance(body.get(field), list):
            return body
        items = [{names.get(k, k): v for k, v in item.items()} if isinstance(item, dict)
                 else item for item in body[field]]
        return {**body, field: items}

    def json(self, method: str, path: str, body: Any) -> Any:
        """``body`` of a request to ``method path`` with the provider's field names."""
        endpoint = self.endpoint(method, path) if self.fields else None
        return body if endpoint is None else self._items(body, endpoint.batch_field,
                                                         self.fields)

    def content(self, method: str, path: str, content: bytes) -> bytes:
        """Raw JSON ``content``, renamed when it parses (anything else is sent as is)."""
        if not self.fields or len(content) > _MAX_RENAMED_BYTES:
            return content
        endpoint = self.endpoint(method, path)
        if endpoint is None:
            return content
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            return content
        renamed = self._items(body, endpoint.batch_field, self.fields)
        return content if renamed is body else orjson.dumps(renamed)

    def params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {self.flags.get(k, k): v for k, v in params.items()}

    def stored(self, contact: Mapping[str, Any]) -> dict[str, Any]:
        """A contact read back, with the spec's field names."""
        return {self.back.get(k, k): v for k, v in contact.items()}
