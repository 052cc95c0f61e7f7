"""The provider's own names for the fields and flags Datananas' page leaves unnamed
(field_names, query_names) reach the wire, the derived spec and the read-back."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bulkbench.contract.derived_spec import Pins, derived_document
from bulkbench.contract.wire_names import WireNames
from bulkbench.core.catalog import default_catalog
from tests.contract.conftest import assert_config_error

FIELDS = {"firstName": "first_name", "email": "email_address"}
FLAGS = {"replaceOwner": "replace_owner"}


def _wire() -> WireNames:
    return WireNames(default_catalog().provider("datananas").endpoints, FIELDS, FLAGS)


def test_bodies_flags_and_stored_contacts_are_renamed() -> None:
    wire = _wire()
    body = {"list": {"id": "L"}, "contacts": [{"firstName": "Ana", "email": "a@x.io",
                                               "city": "Lyon"}]}
    sent = wire.json("POST", "/contacts/bulk", body)
    assert sent == {"list": {"id": "L"}, "contacts": [
        {"first_name": "Ana", "email_address": "a@x.io", "city": "Lyon"}]}
    assert body["contacts"][0]["firstName"] == "Ana"  # the caller's body is left as it was
    raw = wire.content("POST", "http://127.0.0.1:1/datananas/contacts/bulk",
                       orjson.dumps(body))
    assert orjson.loads(raw) == sent
    assert wire.content("POST", "/contacts/bulk", b"{not json") == b"{not json"
    assert wire.json("GET", "/contacts/bulk", body) is body
    assert wire.params({"replaceOwner": True, "moveExistingToList": False}) == {
        "replace_owner": True, "moveExistingToList": False}
    assert wire.stored({"first_name": "Ana", "email_address": "a@x.io"}) == {
        "firstName": "Ana", "email": "a@x.io"}


def test_the_derived_spec_speaks_the_provider_names() -> None:
    provider = default_catalog().provider("datananas")
    doc = derived_document(provider, positive=True, pins=Pins(),
                           settled={"field_names": FIELDS, "query_names": FLAGS})
    op = doc["paths"]["/contacts/bulk"]["post"]
    text = orjson.dumps(doc).decode()
    assert '"first_name"' in text and '"email_address"' in text
    names = {p.get("name") for p in op.get("parameters", []) if isinstance(p, dict)}
    params = [doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
              for p in op.get("parameters", []) if "$ref" in p]
    assert "replace_owner" in names | set(params)
    assert "replaceOwner" not in names | set(params)


@pytest.mark.parametrize(("table", "message"), [
    ("[datananas.assumptions]\nfield_names = {nickname = \"nick\"}\n", "nickname: not in the spec"),
    ("[datananas.assumptions]\nquery_names = {moveToList = \"m\"}\n",
     "moveToList: not in the spec"),
    ("[datananas.assumptions]\nfield_names = {firstName = 1}\n", "expected a table of names"),
    ("[leadlex.assumptions]\nfield_names = {full_name = \"name\"}\n", "applies only to datananas"),
])
def test_names_outside_the_spec_are_config_errors(tmp_path: Path, table: str,
                                                  message: str) -> None:
    assert_config_error(tmp_path, table, message)
