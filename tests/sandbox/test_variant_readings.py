"""The ``alt`` variant takes the other behaviour at the open points the contract checks
tolerate (``contract/checks/tolerance.py``: FAMILIES; ``sandbox/assumed.py``:
VARIANT_READINGS), handler level through the ASGI transport.

Each test sends the same requests to the default sandbox and to the alt one: the default
answers as the spec expects, the alt one the other way the documentation allows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bulkbench.contract.checks.tolerance import FAMILIES
from bulkbench.sandbox.assumed import OPEN_READINGS, VARIANT_READINGS, resolve, variant_readings
from bulkbench.sandbox.csv_rows import RowProblem, csv_rows
from bulkbench.sandbox.settings import SandboxSettings
from tests.sandbox.conftest import Env, MakeEnv

pytestmark = pytest.mark.anyio

ALT, _ = resolve("alt")
CODES = ALT["leadlex"]["row_error_codes"]  # missing field, invalid field, invalid row
IMPORT = "/leadlex/v1/import/contacts"
IDN_EMAILS = ("josé@bücher.de", "用户@例子.广告")


@asynccontextmanager
async def both(make_env: MakeEnv, **settings: Any) -> AsyncIterator[tuple[Env, Env]]:
    """(the default sandbox, the alt variant), with the same other settings."""
    async with make_env(**settings) as default, \
            make_env(assumptions=ALT, variant="alt", **settings) as alt:
        yield default, alt


async def contacts(env: Env, provider: str = "leadlex") -> list[dict[str, Any]]:
    r = await env.client.get(f"/_sandbox/{provider}/contacts",
                             params={"workspace": "main", "limit": "1000"}, headers=env.admin)
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["contacts"]
    return found


async def imported(env: Env, body: dict[str, Any]) -> dict[str, Any]:
    """The data of a completed import (any 2xx)."""
    r = await env.post(IMPORT, body)
    assert 200 <= r.status_code < 300, r.text
    data: dict[str, Any] = r.json()["data"]
    assert data["status"] == "completed"
    return data


def counts(data: dict[str, Any]) -> tuple[int, int, int]:
    return data["created_count"], data["updated_count"], data["skipped_count"]


def row_errors(data: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["row_number"], e["code"]) for e in data["errors"]]


# --------------------------------------------------------------------------- the names


def test_the_readings_are_the_tolerated_families() -> None:
    assert {f.name for f in FAMILIES} >= OPEN_READINGS
    assert VARIANT_READINGS["alt"] == OPEN_READINGS
    assert variant_readings(None) == frozenset()
    assert not SandboxSettings().takes_other_reading("email case")
    # an --assumptions file settles keys only: no variant, no other readings
    assert not SandboxSettings(assumptions=ALT).takes_other_reading("email case")
    assert SandboxSettings(assumptions=ALT, variant="alt").takes_other_reading("email case")
    with pytest.raises(KeyError):
        SandboxSettings(variant="alt").takes_other_reading("no such point")


# --------------------------------------------------------------------------- L11


async def test_malformed_json_rows_are_row_errors_under_alt(make_env: MakeEnv) -> None:
    rows: list[Any] = [
        {"full_name": "Ok One", "email": "one@x.com"},
        {"full_name": "Bad Email", "email": "not-an-email"},
        {"full_name": 42},
        {"full_name": ""},
        {"full_name": "Bad Url", "linkedin_url": "not a url"},
        {"email": "nameless@x.com"},
        {"full_name": "Ok Two", "phone": "+16175551212"},
    ]
    async with both(make_env) as (default, alt):
        r = await default.post(IMPORT, {"rows": rows})
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"
        assert await contacts(default) == []

        data = await imported(alt, {"rows": rows})
        assert counts(data) == (2, 0, 5) and sum(counts(data)) == len(rows)
        assert row_errors(data) == [(2, CODES[1]), (3, CODES[1]), (4, CODES[1]),
                                    (5, CODES[1]), (6, CODES[0])]
        assert sorted(c["name"] for c in await contacts(alt)) == ["Ok One", "Ok Two"]


async def test_under_alt_the_rest_of_the_body_is_still_checked(make_env: MakeEnv) -> None:
    async with make_env(assumptions=ALT, variant="alt") as alt:
        rows = [{"full_name": "A", "email": "bad"}] * 60  # more problems than are listed
        r = await alt.post(IMPORT, {"rows": rows, "tags": 42})
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"
        r = await alt.post(IMPORT, {"rows": [{"full_name": "A"}], "update_existing": "yes"})
        assert r.status_code == 400
        data = await imported(alt, {"rows": rows})
        assert counts(data) == (0, 0, 60)
        assert await contacts(alt) == []


# --------------------------------------------------------------------------- L17


async def test_rows_and_csv_imports_the_rows_under_alt(make_env: MakeEnv) -> None:
    body = {"rows": [{"full_name": "From Rows", "email": "rows@x.com"}],
            "csv": "full_name,email\nFrom Csv,csv@x.com\nOther Csv,other@x.com\n"}
    async with both(make_env) as (default, alt):
        r = await default.post(IMPORT, body)
        assert r.status_code == 400 and r.json()["error"]["details"] == {
            "fields": ["rows", "csv"]}
        assert await contacts(default) == []

        data = await imported(alt, body)
        assert counts(data) == (1, 0, 0) and data["errors"] == []
        assert [c["email"] for c in await contacts(alt)] == ["rows@x.com"]
        # neither is still a 400
        r = await alt.post(IMPORT, {"update_existing": True})
        assert r.status_code == 400


# --------------------------------------------------------------------------- L18


async def test_emails_match_case_sensitively_under_alt(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for env in (default, alt):
            assert counts(await imported(env, {"rows": [
                {"full_name": "Lower", "email": "jane@x.com"}]})) == (1, 0, 0)
        other_case = {"rows": [{"full_name": "Upper", "email": "Jane@x.com"}],
                      "update_existing": True}
        assert counts(await imported(default, other_case)) == (0, 1, 0)
        assert counts(await imported(alt, other_case)) == (1, 0, 0)
        assert len(await contacts(default)) == 1 and len(await contacts(alt)) == 2
        # the very same email still matches; and it matches the contact sent with it
        again = {"rows": [{"full_name": "Upper 2", "email": "Jane@x.com"}],
                 "update_existing": True}
        assert counts(await imported(alt, again)) == (0, 1, 0)
        names = {c["name"] for c in await contacts(alt)}
        assert names == {"Lower", "Upper 2"}
        lower = {"rows": [{"full_name": "Lower 2", "email": "jane@x.com"}],
                 "update_existing": True}
        assert counts(await imported(alt, lower)) == (0, 1, 0)
        assert {c["name"] for c in await contacts(alt)} == {"Lower 2", "Upper 2"}


async def test_the_case_sensitive_fault_still_switches_on_its_own(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_import_email_match_case_sensitive"}) as env:
        await imported(env, {"rows": [{"full_name": "A", "email": "a@x.com"}]})
        assert counts(await imported(env, {"rows": [
            {"full_name": "B", "email": "A@x.com"}]})) == (1, 0, 0)
    async with make_env(assumptions=ALT, variant="alt",
                        faults={"leadlex_import_email_match_case_sensitive"}) as env:
        await imported(env, {"rows": [{"full_name": "A", "email": "a@x.com"}]})
        assert counts(await imported(env, {"rows": [
            {"full_name": "B", "email": "A@x.com"}]})) == (1, 0, 0)


# --------------------------------------------------------------------------- L27


def test_literal_dialect_keeps_the_bom_and_counts_blank_lines() -> None:
    fields = ("full_name", "email")
    text = "\ufefffull_name,email\nJane,jane@x.com\n\nJohn,john@x.com\n"
    assert csv_rows(text, fields=fields) == [{"full_name": "Jane", "email": "jane@x.com"},
                                             {"full_name": "John", "email": "john@x.com"}]
    literal = csv_rows(text, fields=fields, literal=True)
    assert literal[0] == {"email": "jane@x.com"} and literal[2] == {"email": "john@x.com"}
    assert isinstance(literal[1], RowProblem) and literal[1].code == "invalid_row"


async def test_csv_bom_is_part_of_the_first_header_under_alt(make_env: MakeEnv) -> None:
    body = {"csv": "\ufefffull_name,email\nJane,jane@x.com\nJohn,john@x.com\n"}
    async with both(make_env) as (default, alt):
        data = await imported(default, body)
        assert counts(data) == (2, 0, 0) and data["errors"] == []

        data = await imported(alt, body)
        assert counts(data) == (0, 0, 2)
        assert row_errors(data) == [(1, CODES[0]), (2, CODES[0])]
        assert await contacts(alt) == []


async def test_csv_blank_lines_are_invalid_rows_under_alt(make_env: MakeEnv) -> None:
    body = {"csv": "full_name,email\nJane,jane@x.com\n\n\r\nJohn,john@x.com\n"}
    async with both(make_env) as (default, alt):
        data = await imported(default, body)
        assert counts(data) == (2, 0, 0) and data["errors"] == []

        data = await imported(alt, body)
        assert counts(data) == (2, 0, 2)
        assert row_errors(data) == [(2, CODES[2]), (3, CODES[2])]
        assert len(await contacts(alt)) == 2


# --------------------------------------------------------------------------- L28


async def test_internationalised_emails_accepted_under_alt(make_env: MakeEnv) -> None:
    async with both(make_env) as (default, alt):
        for email in IDN_EMAILS:
            requests: list[tuple[str, str, dict[str, Any]]] = [
                ("leadlex", "/leadlex/v1/contacts/bulk",
                 {"contacts": [{"full_name": "Idn", "email": email}]}),
                ("leadlex", IMPORT, {"rows": [{"full_name": "Idn", "email": email}]}),
                ("datananas", "/datananas/contacts/bulk",
                 {"contacts": [{"email": email, "ownerEmail": email}]}),
            ]
            for provider, path, body in requests:
                r = await default.post(path, body, provider=provider)
                assert r.status_code == 400, (path, r.text)
                r = await alt.post(path, body, provider=provider)
                assert 200 <= r.status_code < 300, (path, r.text)
            # an import's CSV row is checked by the same rule
            data = await imported(default, {"csv": f"full_name,email\nCsv,{email}\n"})
            assert row_errors(data) == [(1, "invalid_field")]
            data = await imported(alt, {"csv": f"full_name,email\nCsv,{email}\n"})
            assert counts(data) == (0, 0, 1) and data["errors"] == []  # the JSON row's
        assert await contacts(default) == [] and await contacts(default, "datananas") == []
        stored = {c["data"]["email"] for c in await contacts(alt)}
        assert stored == set(IDN_EMAILS)
        stored = {c["data"]["email"] for c in await contacts(alt, "datananas")}
        assert stored == set(IDN_EMAILS)
        # a malformed address is still refused
        r = await alt.post("/leadlex/v1/contacts/bulk",
                           {"contacts": [{"full_name": "X", "email": "not-an-email"}]})
        assert r.status_code == 400
