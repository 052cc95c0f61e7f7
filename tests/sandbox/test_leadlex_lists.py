"""LeadLex add to list through the app (ASGI): seed 003 and the spec."""

from __future__ import annotations

import uuid

import pytest

from tests.sandbox.conftest import Env, MakeEnv, endpoint

pytestmark = pytest.mark.anyio

EP = endpoint("leadlex.add_to_list")
MAX = EP.max_batch or 0


def path(list_id: str) -> str:
    return f"/leadlex/v1/lists/{list_id}/contacts"


async def add(env: Env, list_id: str, ids: list[str], role: str = "full") -> tuple[int, dict]:
    r = await env.post(path(list_id), {"contact_ids": ids}, role=role)
    return r.status_code, r.json()


async def members(env: Env, list_id: str) -> dict:
    r = await env.client.get(f"/_sandbox/leadlex/lists/{list_id}", headers=env.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_added_counts_new_ones_and_contact_count_is_exact(make_env: MakeEnv) -> None:
    async with make_env() as env:
        ids = await env.create(5)
        lst = env.lists()[0]
        status, body = await add(env, lst, ids[:2])
        assert status == EP.success_status
        assert body == {"data": {"added": 2, "list_id": lst, "contact_count": 2}}
        # the doc's example: 5 sent, 2 already in the list → added 3
        status, body = await add(env, lst, ids)
        assert body["data"] == {"added": 3, "list_id": lst, "contact_count": 5}
        status, body = await add(env, lst, ids)
        assert body["data"]["added"] == 0 and body["data"]["contact_count"] == 5
        state = await members(env, lst)
        assert state["contact_count"] == state["member_count"] == 5
        assert sorted(state["contact_ids"]) == sorted(ids)


async def test_an_id_repeated_in_one_request_counts_once(make_env: MakeEnv) -> None:
    async with make_env() as env:
        ids = await env.create(2)
        lst = env.lists()[1]
        status, body = await add(env, lst, [ids[0], ids[0], ids[1], ids[0].upper()])
        assert status == 200 and body["data"]["added"] == 2
        assert body["data"]["contact_count"] == 2


async def test_limits_from_the_catalog(make_env: MakeEnv) -> None:
    async with make_env() as env:
        ids = await env.create(MAX + 1)
        lst = env.lists()[0]
        status, body = await add(env, lst, ids[:MAX])
        assert status == 200 and body["data"]["added"] == MAX
        status, body = await add(env, lst, ids)
        assert status == 400 and body["error"]["code"] == "validation_error"
        assert str(MAX) in body["error"]["message"]
        status, body = await add(env, lst, [])
        assert status == 400
        assert (await members(env, lst))["member_count"] == MAX


async def test_invalid_or_foreign_ids_fail_the_request_with_invalid_ids(
        make_env: MakeEnv) -> None:
    async with make_env() as env:
        mine = await env.create(2)
        theirs = await env.create(1, role="other_workspace", start=100)
        lst = env.lists()[0]
        unknown = str(uuid.uuid4())
        status, body = await add(env, lst, [*mine, "not-a-real-uuid", unknown, theirs[0]])
        assert status == 400
        assert body["error"]["code"] == "validation_error"
        assert sorted(body["error"]["details"]["invalid_ids"]) == sorted(
            ["not-a-real-uuid", unknown, theirs[0]])
        assert (await members(env, lst))["member_count"] == 0  # atomic: nothing added


@pytest.mark.parametrize("body", [{}, {"contact_ids": "x"}, {"contact_ids": [1]},
                                  {"contact_ids": [None]}, {"contact_ids": {}}, []])
async def test_wrong_shapes_are_400(make_env: MakeEnv, body: object) -> None:
    async with make_env() as env:
        r = await env.post(path(env.lists()[0]), body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"


async def test_lists_of_another_workspace_or_unknown_are_404(make_env: MakeEnv) -> None:
    async with make_env() as env:
        ids = await env.create(1)
        for list_id in (env.lists(workspace="other")[0], str(uuid.uuid4()), "abc-123"):
            status, body = await add(env, list_id, ids)
            assert status == 404 and body["error"]["code"] == "not_found", list_id
        assert (await members(env, env.lists(workspace="other")[0]))["member_count"] == 0


async def test_read_only_key_is_403(make_env: MakeEnv) -> None:
    async with make_env() as env:
        ids = await env.create(1)
        status, body = await add(env, env.lists()[0], ids, role="read_only")
        assert status == 403 and body["error"]["code"] == "insufficient_permissions"


# --------------------------------------------------------------------------- faults


async def test_fault_counting(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_list_counts_duplicates",
                                "leadlex_list_count_stale"}) as env:
        ids = await env.create(3)
        lst = env.lists()[0]
        await add(env, lst, ids[:2])
        _, body = await add(env, lst, ids)
        assert body["data"]["added"] == 3  # faithful: 1
        assert body["data"]["contact_count"] == 2  # faithful: 3
    async with make_env(faults={"leadlex_list_repeated_id_counted_twice"}) as env:
        ids = await env.create(1)
        _, body = await add(env, env.lists()[0], [ids[0], ids[0]])
        assert body["data"]["added"] == 2


async def test_fault_limits_and_errors(make_env: MakeEnv) -> None:
    async with make_env(faults={"leadlex_list_max_off_by_one", "leadlex_list_foreign_200",
                                "leadlex_list_invalid_ids_missing"}) as env:
        ids = await env.create(MAX + 1)
        assert (await add(env, env.lists()[0], ids))[0] == 200
        assert (await add(env, env.lists(workspace="other")[0], ids[:1]))[0] == 200
        status, body = await add(env, env.lists()[0], ["nope"])
        assert status == 400 and "invalid_ids" not in body["error"].get("details", {})
