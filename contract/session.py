"""The state one suite run shares between checks: clients, fresh contacts, caches.

One :class:`SuiteSession` exists per pytest session (``contract/conftest.py``). It owns
one HTTP client per target (with the target's health: a dead target fails fast), the
sandbox inspector where there is one, the webhook receiver (started on first use), and
an allocator of fresh contacts: every check that needs contacts of its own takes them
here, from item indexes the edge-case catalog never uses, so no two checks of a run
collide on an email or a phone number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bulkbench.contract.client import ContractClient, TargetHealth
from bulkbench.contract.inspection import SandboxInspector
from bulkbench.contract.readback import ContactReader, HttpReadback
from bulkbench.contract.target import Target
from bulkbench.contract.webhook_receiver import WebhookReceiver
from bulkbench.contract.wire_names import WireNames
from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators import MAX_INDEX, ContactRun

__all__ = ["OWN_CONTACTS_START", "SuiteSession"]

#: item indexes from here on are the checks' own (the edge cases use the ones below).
OWN_CONTACTS_START = MAX_INDEX - MAX_INDEX // 10


class SuiteSession:
    def __init__(self, targets: Mapping[str, Target], catalog: Catalog) -> None:
        self.targets = dict(targets)
        self.catalog = catalog
        self.http = httpx.Client(follow_redirects=False, trust_env=False)
        self._clients: dict[str, ContractClient] = {}
        self._runs: dict[str, ContactRun] = {}
        self._receiver: WebhookReceiver | None = None
        #: per-run caches of shared scenarios (a queued import, a list's anchor contact).
        self.cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ clients

    def client(self, provider: str) -> ContractClient:
        client = self._clients.get(provider)
        if client is None:
            target = self.targets[provider]
            auth = target.provider.auth_schemes[0] if target.provider.auth_schemes else None
            client = self._clients[provider] = ContractClient(
                target.base_url, auth=auth, keys=target.keys, timeout=target.timeout,
                health=TargetHealth(), http=self.http)
            wire = WireNames(target.provider.endpoints, target.assumed("field_names"),
                             target.assumed("query_names"))
            client.wire = wire if wire else None
        return client

    def throttle_client(self, provider: str) -> ContractClient | None:
        target = self.targets[provider]
        if target.throttle is None:
            return None
        key = f"{provider}:throttle"
        client = self._clients.get(key)
        if client is None:
            auth = target.provider.auth_schemes[0] if target.provider.auth_schemes else None
            client = self._clients[key] = ContractClient(
                target.throttle.base_url, auth=auth, keys={"full": target.throttle.key},
                timeout=target.timeout, health=TargetHealth(), http=self.http)
        return client

    def inspector(self, provider: str) -> SandboxInspector | None:
        target = self.targets[provider]
        if target.admin is None:
            return None
        return SandboxInspector(target.admin, self.http, target.timeout)

    def reader(self, provider: str) -> ContactReader | None:
        """How stored contacts are read back: the sandbox's inspection routes, else the
        read endpoint the provider config names (``[provider.readback]``), else None."""
        inspector = self.inspector(provider)
        if inspector is not None:
            return inspector
        target = self.targets[provider]
        if target.config is not None and target.config.readback:
            return HttpReadback(self.client(provider), target.config.readback)
        return None

    def receiver(self, target: Target) -> WebhookReceiver | None:
        if target.webhook is None:
            return None
        if self._receiver is None:
            self._receiver = WebhookReceiver(target.webhook.listen_host,
                                             target.webhook.listen_port)
            self._receiver.start()
        return self._receiver

    def provides(self, target: Target, what: str) -> bool:
        """Whether ``target`` has what a check needs (see ``registry.NEEDS``)."""
        if what == "read_only_key":
            return bool(target.keys.get("read_only"))
        if what == "other_workspace_key":
            return bool(target.keys.get("other_workspace"))
        if what == "list":
            return bool(target.lists)
        if what == "other_list":
            return bool(target.other_lists)
        if what == "inspection":
            return target.admin is not None
        if what == "readback":
            return self.reader(target.name) is not None
        if what == "webhook":
            return target.webhook is not None
        if what == "websocket":
            return target.websocket_url is not None
        if what == "throttle":
            return target.throttle is not None or (target.probe_rate_limit and
                                                   target.rate_limit is not None)
        if what == "rate_limit":
            return target.rate_limit is not None
        raise KeyError(what)

    # ------------------------------------------------------------------ data

    def contacts(self, endpoint: Endpoint, count: int) -> list[Any]:
        """``count`` fresh valid items of ``endpoint`` (never handed out twice in a run)."""
        target = self.targets[endpoint.provider]
        run = self._runs.get(endpoint.provider)
        if run is None:
            run = self._runs[endpoint.provider] = ContactRun(
                target.seed, run_tag=target.run_tag, start=OWN_CONTACTS_START)
        return run.items(endpoint, count)

    def close(self) -> None:
        if self._receiver is not None:
            self._receiver.stop()
        self.http.close()
