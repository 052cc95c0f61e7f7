"""Reading stored contacts back from a real provider, through a read endpoint the user
names in the provider config.

None of the documented pages has a read endpoint, but most providers have one. Checks
that must see what was stored (Sociocs' overwrite and phone normalisation, duplicates
within a batch, Datananas' move to list and owner replacement) use it when configured::

    [sociocs.readback]
    phone_path = "/contacts?phone_number={phone}"   # GET; {phone} is URL-encoded
    items_pointer = "/data"                          # JSON pointer to the contact(s)

    [datananas.readback]
    email_path = "/contacts?email={email}"

Without one they are skipped with the reason, never passed; against the sandbox they use
its inspection routes (``bulkbench.contract.inspection``). Both offer :meth:`contacts` with the same
meaning: the stored contacts found by an identity value, each as ``{"data": {...}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from bulkbench.contract.failures import ProviderProblem
from bulkbench.core.json_pointer import resolve

if TYPE_CHECKING:
    from bulkbench.contract.client import ContractClient

__all__ = ["ContactReader", "HttpReadback"]

class ContactReader(Protocol):
    def contacts(self, provider: str, *, email: str | None = None, phone: str | None = None,
                 workspace: str = "main", phone_cc: str | None = None
                 ) -> list[dict[str, Any]]: ...


class HttpReadback:
    """The configured read endpoint of a real provider, called with the main key."""

    def __init__(self, client: ContractClient, config: Mapping[str, str]) -> None:
        self.client = client
        self.config = config

    def contacts(self, provider: str, *, email: str | None = None, phone: str | None = None,
                 workspace: str = "main", phone_cc: str | None = None
                 ) -> list[dict[str, Any]]:
        del provider
        if workspace != "main":
            return []
        if email is not None and "email_path" in self.config:
            path = self.config["email_path"].replace("{email}", quote(email, safe=""))
        elif phone is not None and "phone_path" in self.config:
            full = phone if not phone_cc or phone.lstrip("+").startswith(phone_cc) else (
                phone_cc + phone)
            path = self.config["phone_path"].replace("{phone}", quote(full, safe=""))
        else:
            return []
        exchange = self.client.send("GET", path)
        if exchange.status == 404:
            return []
        if exchange.status != 200:
            raise ProviderProblem("read-back failed",
                                  f"GET {path} answered {exchange.status}", exchange)
        found = resolve(exchange.json(), self.config.get("items_pointer", ""))
        items = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
        wire = self.client.wire
        return [{"data": wire.stored(item) if wire else item}
                for item in items if isinstance(item, dict)]
