"""CSV text and a column mapping → import rows (contact-field dicts), with the stdlib ``csv``.

The dialect is the one the spec assumes (``leadlex.yaml``, ``ImportRequest.csv``): RFC 4180,
comma-separated, UTF-8, LF or CRLF (or CR) line ends, double-quoted fields that may hold
commas, quotes (doubled) and newlines. The dialect is not sniffed: a ``;``-separated file
is one column per line, as it would be for a provider that documents "CSV". A leading
byte-order mark is dropped.

Rows (NOTES.md L9, L16):

- A record is one logical CSV row: a quoted field spanning lines counts once. Blank lines
  are not rows. With ``has_header`` (the default) the first record is the header and not a
  row; the rows are the records after it, in order (row ``i`` of the result is row_number
  ``i + 1``).
- Mapping keys are header names (``has_header``) or 1-based column numbers as strings
  (``has_header`` false). Without a mapping, header names equal to a contact field name map
  to that field. Columns the mapping does not name are ignored, and so are mapping keys
  that name no column.
- Cells are trimmed; an empty cell is an absent field. A ``tags`` cell is split on commas.
  When two columns fill one field, the first non-empty one wins (``tags`` are joined).
- A record the parser cannot read (a quote in an unquoted field, text after a closing
  quote, an unterminated quote, a field over the parser's size limit) is a
  :class:`RowProblem` ``invalid_row``; parsing goes on with the next line.

``literal=True`` is a variant's other reading of the dialect (NOTES L27, "csv dialect"):
the text is read as sent, so a leading byte-order mark is part of the first header name
(``\ufefffull_name`` maps nothing) and a blank line (or one of empty cells) is a record
that is an ``invalid_row`` (when it is the header line, every data record is one too).

Checking the mapped fields against the row schema is the caller's business.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "Row",
    "RowProblem",
    "column_targets",
    "csv_rows",
    "iter_csv_rows",
    "read_records",
]


class RowProblem(NamedTuple):
    """A row that cannot be imported: a row-error code and a message (no number yet)."""

    code: str
    message: str


#: one import row: the contact fields it carries, or why it cannot be imported.
Row = dict[str, Any] | RowProblem


#: one physical line with its line end (LF, CRLF or CR), or the last line without one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The lines of ``text[start:]`` as ``io.StringIO(text, newline="")`` gives them, one at a
    time (a StringIO would hold a second, four-bytes-a-character copy of the whole text)."""
    return (match.group() for match in _LINE.finditer(text, start))


def read_records(text: str, *, literal: bool = False) -> Iterator[list[str] | RowProblem]:
    """The non-blank records of ``text``; an unparseable one as a ``RowProblem``
    (``literal``: the BOM kept, and a blank record as a ``RowProblem`` too)."""
    start = 1 if text.startswith("\ufeff") else 0
    if literal:  # NOTES L27, the variant's reading: the BOM is part of the first name
        start = 0
    reader = csv.reader(_lines(text, start), strict=True)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowProblem("invalid_row", f"the CSV record cannot be parsed: {exc}")
            continue
        if record and any(cell.strip() for cell in record):
            yield record
        elif literal:  # NOTES L27, the variant's reading: a blank line is a row
            yield RowProblem("invalid_row", "the CSV line is blank")


def column_targets(header: Sequence[str] | None, mapping: Mapping[str, str] | None,
                   fields: Sequence[str]) -> dict[int, str]:
    """``{0-based column: contact field}`` for a header (or none) and a mapping (or none)."""
    targets: dict[int, str] = {}
    if header is not None:
        names = [name.strip() for name in header]
        if mapping is None:
            known = set(fields)
            return {i: name for i, name in enumerate(names) if name in known}
        wanted = {str(key).strip(): value for key, value in mapping.items()}
        return {i: wanted[name] for i, name in enumerate(names) if name in wanted}
    for key, value in (mapping or {}).items():
        text = str(key).strip()
        if text.isdigit() and text.isascii() and int(text) >= 1:
            targets[int(text) - 1] = value
    return targets


def _row(record: Sequence[str], targets: Mapping[int, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, field in targets.items():
        if column >= len(record):
            continue
        cell = record[column].strip()
        if not cell:
            continue
        if field == "tags":
            tags = [t.strip() for t in cell.split(",") if t.strip()]
            if tags:
                row["tags"] = list(dict.fromkeys([*row.get("tags", ()), *tags]))
        elif field not in row:
            row[field] = cell
    return row


def iter_csv_rows(text: str, *, has_header: bool = True,
                  mapping: Mapping[str, str] | None = None,
                  fields: Sequence[str] = (), literal: bool = False) -> Iterator[Row]:
    """The rows of a CSV import, in order, parsed as they are consumed (the header at once).

    ``fields`` are the mappable contact fields. A body that passes the schema is answered
    200 (NOTES L11, L27): when ``has_header`` and the header line cannot be parsed, no
    column can be mapped, so every data record is an ``invalid_row`` saying why.
    ``literal``: the variant's dialect (:func:`read_records`).
    """
    records = read_records(text, literal=literal)
    header: list[str] | None = None
    if has_header:
        first = next(records, None)
        if first is None:
            return iter(())
        if isinstance(first, RowProblem):
            problem = RowProblem("invalid_row", "the CSV header line cannot be parsed "
                                 f"({first.message}), so no column can be mapped")
            return (problem for _ in records)
        header = first
    targets = column_targets(header, mapping, fields)
    return (record if isinstance(record, RowProblem) else _row(record, targets)
            for record in records)


def csv_rows(text: str, *, has_header: bool = True, mapping: Mapping[str, str] | None = None,
             fields: Sequence[str] = (), literal: bool = False) -> list[Row]:
    """:func:`iter_csv_rows` as a list."""
    return list(iter_csv_rows(text, has_header=has_header, mapping=mapping, fields=fields,
                              literal=literal))
