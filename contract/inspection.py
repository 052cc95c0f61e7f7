"""Reading stored contacts back, where the target offers a way: the sandbox's ``/_sandbox``.

None of the documented provider APIs has a read endpoint, so checks that must see what
was stored (a tag on every row, ``extra_fields`` replaced, the owner changed) read it
here against the sandbox and are skipped, with the reason, against a real provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from bulkbench.contract.failures import ProviderProblem
from bulkbench.contract.target import SandboxAdmin

__all__ = ["SandboxInspector"]

#: the routes of the bundled providers' folders that find contacts by an identity value;
#: any other provider is served by the generic sandbox (``sandbox/generic.py``), whose
#: route takes the identity keys of its spec by name.
_LOOKUP = {
    "leadlex": ("/leadlex/contacts", "email", "phone"),
    "datananas": ("/datananas/contacts/by-email", "email", None),
    "sociocs": ("/sociocs/contacts/by-phone", None, "phone"),
}


def _generic_lookup(provider: str, identity: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"/{provider}/contacts/by-identity", {k: str(v) for k, v in identity.items()}


class SandboxInspector:
    """The sandbox's inspection API for one run (admin key from ``sandbox.json``)."""

    def __init__(self, admin: SandboxAdmin, http: httpx.Client, timeout: float) -> None:
        self.admin = admin
        self.http = http
        self.timeout = timeout

    def _call(self, method: str, path: str, params: Mapping[str, Any] | None = None,
              body: Any = None) -> Any:
        url = self.admin.url.rstrip("/") + path
        try:
            response = self.http.request(
                method, url, params=dict(params or {}),
                content=orjson.dumps(body) if body is not None else None,
                headers={"Authorization": f"Bearer {self.admin.key}",
                         "Content-Type": "application/json"},
                timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ProviderProblem("sandbox inspection failed",
                                  f"{method} {path}: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise ProviderProblem("sandbox inspection failed",
                                  f"{method} {path} answered {response.status_code}: "
                                  f"{response.text[:300]}")
        return orjson.loads(response.content)

    def contacts(self, provider: str, *, email: str | None = None, phone: str | None = None,
                 workspace: str = "main", phone_cc: str | None = None
                 ) -> list[dict[str, Any]]:
        """The stored contacts with that email (or phone), oldest first; each has ``data``.
        For a provider served from its spec alone, ``email`` / ``phone`` are the values of
        its identity keys of those names (see :meth:`find` for any other key)."""
        if provider not in _LOOKUP:
            wanted = {k: v for k, v in (("email", email), ("phone", phone)) if v is not None}
            return self.find(provider, wanted, workspace=workspace) if wanted else []
        path, email_param, phone_param = _LOOKUP[provider]
        params: dict[str, Any] = {"workspace": workspace}
        if email is not None and email_param:
            params[email_param] = email
        elif phone is not None and phone_param:
            params[phone_param] = phone
            if phone_cc:
                params["phone_number_cc"] = phone_cc
        else:
            return []
        found = self._call("GET", path, params)
        contacts = found.get("contacts", [])
        return [c for c in contacts if isinstance(c, dict)]

    def find(self, provider: str, identity: Mapping[str, Any], *, workspace: str = "main"
             ) -> list[dict[str, Any]]:
        """The stored contacts of a provider served from its spec alone whose identity keys
        have these values (``{"phone_number": "1617…"}``)."""
        path, params = _generic_lookup(provider, identity)
        found = self._call("GET", path, {**params, "workspace": workspace})
        return [c for c in found.get("contacts", []) if isinstance(c, dict)]

    def list_view(self, provider: str, list_id: str) -> dict[str, Any]:
        """``{contact_count, member_count, contact_ids, …}`` of one list."""
        data: dict[str, Any] = self._call("GET", f"/{provider}/lists/{list_id}")
        return data

    def set_quotas(self, workspace: str, **quotas: int | None) -> None:
        self._call("PUT", "/datananas/quotas", body={"workspace": workspace, **quotas})

    def webhook_deliveries(self, job_id: str) -> list[dict[str, Any]]:
        found = self._call("GET", "/leadlex/webhooks", {"job_id": job_id})
        return list(found.get("deliveries", []))
