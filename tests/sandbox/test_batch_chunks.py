"""``bulkbench.sandbox.batch_chunks``: a body split around its batch array reads exactly as
the whole body parsed by orjson, or is not split at all."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkbench.sandbox.batch_chunks import ArrayChunks, split_body


def materialized(body: dict[str, Any], field: str = "rows") -> dict[str, Any]:
    out = dict(body)
    if isinstance(out.get(field), ArrayChunks):
        out[field] = list(out[field])
    return out


def check(raw: bytes, chunk_bytes: int = 8) -> dict[str, Any] | None:
    """split_body of ``raw``; when it splits, it must equal the whole parse."""
    seen: list[tuple[int, int]] = []

    def visit(first: int, items: list[Any]) -> bool:
        seen.append((first, len(items)))
        return True

    body = split_body(raw, "rows", visit, chunk_bytes=chunk_bytes)
    if body is not None:
        whole = orjson.loads(raw)
        assert materialized(body) == whole
        assert list(whole) == list(body)  # the keys in the same order
        rows = body["rows"]
        assert len(rows) == len(whole["rows"])
        # the chunks were visited in order and cover every item once
        assert [first for first, _ in seen] == [sum(n for _, n in seen[:i])
                                                for i in range(len(seen))]
        assert sum(n for _, n in seen) == len(rows)
    return body


ROWS = [{"full_name": f"Person {i}", "email": f"p{i}@example.com",
         "tags": ["a", "b"], "custom_fields": {"n": i, "deep": {"x": [1, {"y": "},"}]}}}
        for i in range(60)]


@pytest.mark.parametrize("dump", [
    lambda b: orjson.dumps(b),
    lambda b: json.dumps(b).encode(),
    lambda b: json.dumps(b, indent=2).encode(),
    lambda b: json.dumps(b, indent="\t", separators=(" ,\n", " :\r\n")).encode(),
    lambda b: json.dumps(b, ensure_ascii=False).encode(),
])
@pytest.mark.parametrize("body", [
    {"rows": ROWS},
    {"tags": ["rows"], "update_existing": True, "rows": ROWS},
    {"rows": ROWS, "tags": ["x", "y"], "update_existing": False},
    {"rows": [{"full_name": 'he said "},{" and \\"rows\\": [', "é": "ü ☃ 😀"}] * 40},
    {"rows": [{}] * 50},
    {"rows": []},
])
def test_split_bodies_read_as_the_whole_parse(dump: Any, body: dict[str, Any]) -> None:
    raw = dump(body)
    for chunk_bytes in (1, 7, 64, 1000, 10**6):
        got = check(raw, chunk_bytes)
        assert got is not None, (chunk_bytes, raw[:200])


@pytest.mark.parametrize("raw", [
    b'{"rows": [{"a": 1}, {"b": 2}, ]}',               # trailing comma
    b'{"rows": [{"a": 1},, {"b": 2}]}',                # empty item
    b'{"rows": [{"a": 1}, {"b": 2}]',                  # the object is not closed
    b'{"rows": [{"a": 1}, {"b": 2}]}}',                # content after the object
    b'{"rows": [{"a": 1}, {"b": "\xff"}]}',            # invalid UTF-8
    b'{"rows": [{"a": 1}, {"b": 2}], "rows": []}',     # the key again: the last one wins
    b'{"x": {"rows": [{"a": 1}]}, "rows": 3}',         # only a nested array of that name
    b'{"x": "\\"rows\\": [{}]"}',                       # only inside a string
    b'["rows", [{"a": 1}]]',                           # not an object
    b'{"rows": [1, 2, 3]}',                            # items are not objects (no cut found)
    b'{"rows": [{"a": 1}, {"b": 2}] "x": 1}',          # a missing comma after the array
    b'{"a": 1 "rows": [{"a": 1}, {"b": 2}]}',          # a missing comma before the key
    b'\xef\xbb\xbf{"rows": [{"a": 1}, {"b": 2}]}',     # a byte-order mark
])
def test_anything_unusual_is_not_split(raw: bytes) -> None:
    got = check(raw, 4)
    if got is not None:  # a split is only allowed when it reads as the whole parse
        assert materialized(got) == orjson.loads(raw)
    assert raw.startswith(b'{"rows": [1') or got is None


def test_nesting_limit_is_the_whole_bodys() -> None:
    def nested(depth: int) -> bytes:
        return b"[" * depth + b"]" * depth
    # orjson accepts 1024 levels: the body object, the array, then the item
    ok = b'{"rows": [{"a": 1}, ' + nested(1022) + b"]}"
    too_deep = b'{"rows": [{"a": 1}, ' + nested(1023) + b"]}"
    orjson.loads(ok)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(too_deep)
    split = split_body(ok, "rows", chunk_bytes=4)  # (too deep to compare with ==)
    assert split is not None and len(split["rows"]) == 2
    assert split_body(too_deep, "rows", chunk_bytes=4) is None


def test_a_stopping_visit_stops_the_split() -> None:
    raw = orjson.dumps({"rows": ROWS})
    calls: list[int] = []

    def visit(first: int, items: list[Any]) -> bool:
        calls.append(first)
        return False

    assert split_body(raw, "rows", visit, chunk_bytes=64) is None
    assert calls == [0]


def test_iterating_twice_parses_the_same_items() -> None:
    body = split_body(orjson.dumps({"rows": ROWS}), "rows", chunk_bytes=100)
    assert body is not None
    assert list(body["rows"]) == list(body["rows"]) == ROWS
    assert "60 items" in repr(body["rows"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                                                                       allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab,{}[]":\\ rowsé😀\n'), max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(alphabet=st.sampled_from('abrows,{}":'), max_size=6), children,
                      max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.dictionaries(st.sampled_from(["rows", "a", "},", "b"]), json_values,
                                     max_size=3), max_size=12),
       before=st.dictionaries(st.sampled_from(["tags", "x", "csv"]), json_values, max_size=2),
       after=st.dictionaries(st.sampled_from(["update_existing", "y"]), json_values,
                             max_size=2),
       indent=st.sampled_from([None, 1, 2]), chunk_bytes=st.sampled_from([1, 5, 40, 400]))
def test_generated_bodies_split_exactly_or_not_at_all(
        rows: list[dict[str, Any]], before: dict[str, Any], after: dict[str, Any],
        indent: int | None, chunk_bytes: int) -> None:
    raw = json.dumps({**before, "rows": rows, **after}, indent=indent).encode()
    check(raw, chunk_bytes)
