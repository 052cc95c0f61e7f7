"""A large request body's batch array, parsed a chunk at a time instead of all at once.

Parsed whole, a body of many small items costs about four times its size in Python
objects (180,000 import rows of ~100 bytes: ~80 MB of dicts and strings for a 19 MB body),
on top of the raw bytes it is parsed from. An endpoint that needs its items only a few at a
time (the LeadLex import: a queued job keeps the raw body, and its worker re-reads the rows
a chunk at a time) can instead have :func:`split_body` parse everything of the body but the
batch array, and the array as :class:`ArrayChunks`: an iterable with a length whose items
are parsed, ~:data:`CHUNK_BYTES` of text at a time, each time it is iterated.

How an array is cut without a tokenizer of our own: a candidate cut is a ``,`` after a
``}`` at or past the chunk's target size; ``[[`` + the text from the chunk's start to the
cut + ``]]`` is given to orjson, and it parses only when the cut is a separator of the array
itself (outside any string and any nested value): JSON is read left to right, so a prefix
of the array is tokenized as it is in the whole body. The last chunk ends where orjson,
given the rest of the body, reports content after a complete array. The double wrapper
keeps the items exactly as deep as they are in ``{"field": [...]}``, so a chunk parses
exactly when the whole body would (orjson refuses nesting deeper than 1024).

Every byte of the body is parsed by orjson exactly once per scan: the text before the
array (with ``"field":0}`` appended, which must make it a complete object whose last key is
the field: the array is then a member of the top-level object), each chunk, and the text
after the array (after ``{"field":0``; twice when it holds a backslash, see
:func:`_rest`). Anything unusual (the array not found at the top level, the field named
again after it in any spelling, a chunk that cannot be cut in :data:`MAX_TRIES`
candidates, invalid JSON anywhere) makes :func:`split_body` return None: the caller then
parses the whole body the ordinary way, which also gives the ordinary errors. A key given
twice resolves as in that whole parse: the last occurrence wins (NOTES.md X6), whatever
its spelling (``"\\u0072ows"`` is ``"rows"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

__all__ = ["CHUNK_BYTES", "MAX_TRIES", "MIN_BODY_BYTES", "ArrayChunks", "Visit", "split_body"]

#: the target size of the text of one chunk.
CHUNK_BYTES = 256 * 1024
#: bodies smaller than this are parsed whole (splitting costs more than it saves).
MIN_BODY_BYTES = 4 * CHUNK_BYTES
#: candidate cuts (or candidate keys) tried before giving up on splitting.
MAX_TRIES = 8

_CUT = re.compile(rb"\}[ \t\n\r]*,")
_CLOSE_BRACKET = ord("]")
_WHITESPACE = b" \t\n\r"

#: ``visit(index_of_first_item, items)`` for each chunk as it is scanned; False stops the
#: scan (and the split).
Visit = Callable[[int, list[Any]], bool]

Buffer = bytes | bytearray


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _byte_offset(data: bytes, chars: int) -> int | None:
    """The byte offset of the ``chars``-th character of UTF-8 ``data``."""
    if data.isascii():
        return chars
    try:
        return len(data.decode()[:chars].encode())
    except UnicodeDecodeError:
        return None


def _items(view: memoryview, begin: int, stop: int) -> list[Any] | None:
    """The items of ``view[begin:stop]`` (a run of complete array items), or None."""
    parsed = _loads(b"".join((b"[[", view[begin:stop], b"]]")))
    return parsed[0] if isinstance(parsed, list) else None


class ArrayChunks:
    """The JSON array whose ``[`` is at ``start`` in ``raw``, read a chunk at a time.

    :meth:`scan` finds the chunks once (and the array's closing ``]``: :attr:`end`); then
    ``len()`` is the number of items and iterating parses them again, chunk by chunk, from
    the recorded cuts. ``raw`` must not change meanwhile.
    """

    def __init__(self, raw: Buffer, start: int, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.raw = raw
        self.start = start
        self.chunk_bytes = max(1, chunk_bytes)
        #: the index of the closing ``]`` (-1 until scanned).
        self.end = -1
        self._spans: list[tuple[int, int]] = []
        self._count = 0

    def scan(self, visit: Visit | None = None) -> bool:
        """Cut the array into chunks, parsing each once; False when it cannot be split."""
        if self.end >= 0:
            raise RuntimeError("the array was scanned already")
        view = memoryview(self.raw)
        size = len(view)
        pos = self.start + 1
        spans: list[tuple[int, int]] = []
        count = 0
        while True:
            cut_items = self._cut(view, pos) if size - pos > 2 * self.chunk_bytes else None
            if cut_items is None:  # the rest is short, or no candidate cut is left in it
                last = self._last(view, pos, size)
                if last is None:
                    return False
                items, end = last
                if not items and count:  # "[..., ]": a trailing comma
                    return False
                if items and visit is not None and not visit(count, items):
                    return False
                spans.append((pos, end))
                count += len(items)
                break
            if not isinstance(cut_items, tuple):
                return False
            cut, items = cut_items
            if visit is not None and not visit(count, items):
                return False
            spans.append((pos, cut))
            count += len(items)
            pos = cut + 1
        self._spans, self._count, self.end = spans, count, end
        return True

    def _cut(self, view: memoryview, pos: int) -> tuple[int, list[Any]] | bool | None:
        """(the ``,`` ending a chunk that starts at ``pos``, the chunk's items); None when
        no candidate is left (the rest is the last chunk); False after too many tries."""
        for tries, match in enumerate(_CUT.finditer(self.raw, pos + self.chunk_bytes)):
            if tries == MAX_TRIES:
                return False
            cut = match.end() - 1
            items = _items(view, pos, cut)
            if items:
                return cut, items
        return None

    @staticmethod
    def _last(view: memoryview, pos: int, size: int) -> tuple[list[Any], int] | None:
        """(the items from ``pos`` to the array's ``]``, the ``]``'s index), or None."""
        probe = b"".join((b"[", view[pos:size]))
        try:
            orjson.loads(probe)
        except orjson.JSONDecodeError as exc:
            # "[" + the rest of the body: orjson stops at what follows the array's "]"
            # (its position counts characters, not bytes: try both readings)
            where = {exc.pos, _byte_offset(probe, exc.pos)}
        else:
            return None  # the body ends with the array: the object around it is not closed
        for stop in sorted(w for w in where if w is not None):
            end = stop - 1
            while end > 0 and probe[end] in _WHITESPACE:
                end -= 1
            if end > 0 and probe[end] == _CLOSE_BRACKET:
                items = _items(view, pos, pos + end - 1)
                if items is not None:
                    return items, pos + end - 1
        return None

    def __len__(self) -> int:
        if self.end < 0:
            raise RuntimeError("the array was not scanned")
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        if self.end < 0:
            raise RuntimeError("the array was not scanned")
        view = memoryview(self.raw)
        for begin, stop in self._spans:
            items = _items(view, begin, stop)
            if items is None:
                raise RuntimeError("the body changed after it was scanned")
            yield from items

    def __repr__(self) -> str:
        count = self._count if self.end >= 0 else "?"
        return f"<ArrayChunks of {count} items in {len(self._spans)} chunks>"


def _rest(raw: Buffer, after: int, name: bytes, field: str) -> dict[str, Any] | None:
    """The members after the array (``raw[after:]``, the text after its ``]``), or None
    when they are not the end of the object, or name the field again in any spelling
    (``"\\u0072ows"``): the last occurrence of a key wins (NOTES.md X6), so the array
    would not be the field's value. The field is put first with a sentinel value: a
    repeat overrides it. Only an escaped spelling can repeat the field without the
    caller's literal search seeing it, so a second sentinel is tried only when a backslash
    follows the array (a repeat whose value happens to equal the first sentinel)."""
    view = memoryview(raw)
    rest: dict[str, Any] | None = None
    for sentinel in (0, 1):
        if sentinel and raw.find(b"\\", after) < 0:
            break
        parsed = _loads(b"".join((b"{", name, b":%d" % sentinel, view[after:])))
        if not isinstance(parsed, dict):
            return None
        rest = parsed
        value = rest.pop(field, None)
        if type(value) is not int or value != sentinel:
            return None
    return rest


def split_body(raw: Buffer, field: str, visit: Visit | None = None, *,
               chunk_bytes: int = CHUNK_BYTES) -> dict[str, Any] | None:
    """The JSON object ``raw`` with its top-level array ``field`` as :class:`ArrayChunks`
    (scanned: ``visit`` has seen every chunk), or None when it cannot be split that way."""
    view = memoryview(raw)
    name = orjson.dumps(field)
    key = re.compile(re.escape(name) + rb"[ \t\n\r]*:[ \t\n\r]*\[")
    for tries, match in enumerate(key.finditer(raw)):
        if tries == MAX_TRIES:
            return None
        head = _loads(b"".join((view[:match.start()], name, b":0}")))
        if not isinstance(head, dict) or type(head.get(field)) is not int or head[field] != 0:
            continue  # not a key of the top-level object: inside a string or a nested value
        array = ArrayChunks(raw, match.end() - 1, chunk_bytes)
        if not array.scan(visit):
            return None
        after = array.end + 1
        if raw.find(name, after) >= 0:
            return None  # the field named again (a repeated key wins in a whole parse)
        rest = _rest(raw, after, name, field)
        if rest is None:
            return None
        head[field] = array
        head.update(rest)  # a key repeated after the array wins, as in a whole parse
        return head
    return None
