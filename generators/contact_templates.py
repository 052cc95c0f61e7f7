"""Batch items by index arithmetic: per-persona templates with a unique token slot.

For one endpoint and seed, every persona is turned once into an item (``item_shapes``) and
serialised once with orjson; the unique values (email, phone, profile URL) hold
:data:`~generators.item_shapes.TOKEN`, and the JSON is kept split at TOKEN. Item ``i`` of
a run is then persona ``(i * STRIDE + offset) % PERSONA_COUNT`` (neighbours come from
different locales) with ``run_tag`` followed by ``i`` on :data:`INDEX_DIGITS` digits in
TOKEN's place: one ``bytes.join`` of the persona's pieces per contact on the fast path.
The dict path builds the very same items as Python objects; ``orjson.dumps`` of a dict
item equals its bytes item.

The token is digits only, so it fits a phone number: ``+<country code><run tag><index>``
has at most 13 digits (E.164 allows 15). Within one run tag, every index gives a different
email, phone and URL; two runs that must not collide use different run tags.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from typing import Any
from uuid import UUID

import orjson

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.errors import GeneratorError
from bulkbench.generators.item_shapes import TOKEN, ItemShape, Profile, item_shape
from bulkbench.generators.value_pools import PERSONA_COUNT, personas

__all__ = [
    "INDEX_DIGITS",
    "MAX_INDEX",
    "ContactTemplates",
    "check_run_tag",
    "csv_cell",
    "default_run_tag",
    "templates_for",
]

#: digits of the per-run index in the unique token; a run holds at most MAX_INDEX items.
INDEX_DIGITS = 8
MAX_INDEX = 10**INDEX_DIGITS
#: odd, hence coprime with PERSONA_COUNT (a power of two): consecutive items differ.
STRIDE = 389

_TOKEN_BYTES = TOKEN.encode()
_MASK48 = (1 << 48) - 1
_MASK64 = (1 << 64) - 1


def default_run_tag(seed: int) -> int:
    """The run tag a seed uses unless told otherwise: three digits, 100..999."""
    return 100 + (seed * 2654435761 + 40503) % 900


def check_run_tag(run_tag: int) -> int:
    if not 100 <= run_tag <= 999:
        raise GeneratorError(f"run tag {run_tag} is not a three-digit number (100..999)")
    return run_tag


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _mix48(x: int) -> int:
    """A bijection of 48-bit integers that scatters neighbours (xorshift-multiply rounds)."""
    x ^= x >> 23
    x = (x * 0x9E3779B97F4B) & _MASK48
    x ^= x >> 21
    x = (x * 0xBF58476D1CE5) & _MASK48
    return x ^ (x >> 24)


def _token_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [path] if TOKEN in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _token_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for k, v in enumerate(value) for p in _token_paths(v, (*path, k))]
    return []


def _replaced(value: Any, path: Sequence[str | int], token: str) -> Any:
    """``value`` with the string at ``path`` holding ``token``; containers on the path copied."""
    if not path:
        return value.replace(TOKEN, token)
    head, rest = path[0], path[1:]
    copy: Any = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _replaced(value[head], rest, token)
    return copy


def csv_cell(value: Any) -> str:
    """A JSON value as one CSV cell: lists joined by commas, objects as JSON."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ContactTemplates:
    """One endpoint's items for one seed, ready to be stamped with unique tokens.

    ``dicts``, ``json_pieces`` and ``token_paths`` hold one entry per persona, in the order
    items use them: item ``i`` takes entry ``i % PERSONA_COUNT``.
    """

    shape: ItemShape
    seed: int
    dicts: tuple[Any, ...]
    json_pieces: tuple[tuple[bytes, ...], ...]
    token_paths: tuple[tuple[tuple[str | int, ...], ...], ...]

    def token(self, run_tag: int, index: int) -> str:
        if not 0 <= index < MAX_INDEX:
            raise GeneratorError(f"item index {index} is outside 0..{MAX_INDEX - 1}")
        return f"{run_tag}{index:0{INDEX_DIGITS}d}"

    def _check_range(self, start: int, count: int) -> None:
        if start < 0 or count < 0 or start + count > MAX_INDEX:
            raise GeneratorError(
                f"items {start}..{start + count - 1} are outside 0..{MAX_INDEX - 1}"
            )

    def uuid(self, run_tag: int, index: int) -> str:
        """A version-4 UUID, unique per (run tag, index) for this seed."""
        salt = _splitmix64(self.seed * 1000 + run_tag)
        low = _mix48((index + salt) & _MASK48)  # a bijection of the index: unique ids
        high = _splitmix64(index ^ salt) << 16 | _splitmix64(index + salt) & 0xFFFF
        return str(UUID(int=(high << 48) | low, version=4))  # sets bits 62-63 and 76-79 only

    def item_bytes(self, start: int, count: int, run_tag: int) -> list[bytes]:
        """Items ``start .. start+count-1`` as JSON bytes (the fast path)."""
        self._check_range(start, count)
        if self.shape.kind == "uuid":
            return [b'"%s"' % self.uuid(run_tag, i).encode() for i in range(start, start + count)]
        first = start % PERSONA_COUNT
        pieces = islice(cycle(self.json_pieces), first, first + count)
        tokens = range(run_tag * MAX_INDEX + start, run_tag * MAX_INDEX + start + count)
        return [(b"%d" % token).join(p) for token, p in zip(tokens, pieces, strict=True)]

    def item_dicts(self, start: int, count: int, run_tag: int) -> list[Any]:
        """Items ``start .. start+count-1`` as Python objects (the dict path)."""
        self._check_range(start, count)
        if self.shape.kind == "uuid":
            return [self.uuid(run_tag, i) for i in range(start, start + count)]
        items = []
        for i in range(start, start + count):
            k = i % PERSONA_COUNT
            template = self.dicts[k]
            token = self.token(run_tag, i)
            item = dict(template)
            for path in self.token_paths[k]:
                if len(path) == 1:  # a top-level string: the item is already a copy
                    item[path[0]] = template[path[0]].replace(TOKEN, token)
                else:
                    item = _replaced(item, path, token)
            items.append(item)
        return items

    def max_item_bytes(self) -> int:
        """The length of the longest item this template set can produce."""
        return self._item_lengths()[1]

    def min_item_bytes(self) -> int:
        """The length of the shortest item this template set can produce."""
        return self._item_lengths()[0]

    def _item_lengths(self) -> tuple[int, int]:
        token = len(f"{100}{0:0{INDEX_DIGITS}d}")
        if self.shape.kind == "uuid":
            return 38, 38
        lengths = [sum(map(len, p)) + token * (len(p) - 1) for p in self.json_pieces]
        return min(lengths), max(lengths)

    def csv_columns(self) -> tuple[str, ...]:
        """The item's fields; a contact inside the item (``x-bulkbench-item-fields``) is
        flattened: its fields follow the item's own."""
        if self.shape.kind != "object":
            return ("id",)
        return self.shape.fields + (self.shape.contact.fields if self.shape.contact else ())

    def csv_rows(
        self,
        start: int,
        count: int,
        run_tag: int,
        columns: Sequence[str] | None = None,
        lineterminator: str = "\n",
    ) -> str:
        """Items as CSV data lines (no header); lists joined by commas, objects as JSON."""
        cols = tuple(columns) if columns is not None else self.csv_columns()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=lineterminator)
        for item in self.item_dicts(start, count, run_tag):
            if isinstance(item, Mapping) and self.shape.contact is not None:
                item = {**item, **_at(item, self.shape.contact_at)}
            if isinstance(item, Mapping):
                writer.writerow([csv_cell(item.get(c)) for c in cols])
            else:
                writer.writerow([item])
        return out.getvalue()


def _at(item: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any]:
    node: Any = item
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _schema_key(endpoint: Endpoint) -> bytes:
    return orjson.dumps(
        [
            endpoint.key,
            endpoint.batch_field,
            endpoint.item_schema,
            endpoint.item_required,
            endpoint.item_fields,
            endpoint.identity_keys,
        ],
        option=orjson.OPT_SORT_KEYS,
    )


_CACHE: dict[tuple[bytes, int, str, tuple[tuple[str, str], ...]], ContactTemplates] = {}
_CACHE_SIZE = 64


def _renamed(item: Any, names: Mapping[str, str]) -> Any:
    if not names or not isinstance(item, dict):
        return item
    return {names.get(k, k): v for k, v in item.items()}


def _build(endpoint: Endpoint, seed: int, profile: Profile,
           names: tuple[tuple[str, str], ...] = ()) -> ContactTemplates:
    people = personas(seed)
    shape = item_shape(endpoint, people[0], profile)
    if shape.kind == "uuid":
        dicts: tuple[Any, ...] = ()
        pieces: tuple[tuple[bytes, ...], ...] = ()
        paths: tuple[tuple[tuple[str | int, ...], ...], ...] = ()
    else:  # in the order items use them: item i takes persona (i * STRIDE + offset) % count
        offset = (seed * 7) % PERSONA_COUNT
        order = [people[(i * STRIDE + offset) % PERSONA_COUNT] for i in range(PERSONA_COUNT)]
        dicts = tuple(_renamed(shape.item(p), dict(names)) for p in order)
        pieces = tuple(tuple(orjson.dumps(d).split(_TOKEN_BYTES)) for d in dicts)
        paths = tuple(tuple(_token_paths(d)) for d in dicts)
    return ContactTemplates(shape, seed, dicts, pieces, paths)


def templates_for(endpoint: Endpoint, seed: int, profile: Profile = "full",
                  names: Mapping[str, str] | None = None) -> ContactTemplates:
    """The templates of ``endpoint``'s items for ``seed``, cached by the content of the item
    schema (an edited spec gets fresh templates). ``names``: the provider's own names of
    fields the page leaves unnamed (``field_names``: spec name → provider name)."""
    renamed = tuple(sorted((names or {}).items()))
    key = (_schema_key(endpoint), seed, profile, renamed)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        found = _CACHE[key] = _build(endpoint, seed, profile, renamed)
    return found
