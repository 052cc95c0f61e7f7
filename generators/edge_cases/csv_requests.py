"""CSV import requests built from generated contacts, for the CSV cases.

The contacts are written with the ``csv`` module (so quoting is right unless a case breaks
it on purpose) and kept as ``CaseRequest.items``: the contact each data row must produce,
for the stored-contact checks. The columns are the contact fields the spec lets a CSV
column map to (``mapping``'s value enum), in the import item's order; headers are the
names a CSV export would use (``Full Name``), mapped back by the ``mapping``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.contact_templates import csv_cell
from bulkbench.generators.edge_cases.building import CaseContext
from bulkbench.generators.edge_cases.model import CaseRequest
from bulkbench.generators.errors import GeneratorError

__all__ = [
    "IMPORT",
    "ROWS",
    "Shaper",
    "csv_columns",
    "csv_import",
    "header_name",
    "set_cells",
]

IMPORT = "leadlex.import_contacts"
#: data rows of a CSV case unless it says otherwise.
ROWS = 4
_TAGS = ("vip", "partner")

Shaper = Callable[[list[dict[str, Any]]], None]  # edits the contacts before they are written


def csv_columns(endpoint: Endpoint) -> tuple[str, ...]:
    """The item fields a CSV column may map to, per the spec's ``mapping`` value enum."""
    mapping = (endpoint.request_schema.get("properties") or {}).get("mapping") or {}
    allowed = (mapping.get("additionalProperties") or {}).get("enum")
    if not allowed:
        raise GeneratorError(
            f"{endpoint.key}: the spec gives mapping values no enum of contact field names"
        )
    return tuple(f for f in endpoint.item_fields if f in allowed)


def header_name(field: str) -> str:
    """The human header a CSV export would use for ``field`` (``full_name`` → ``Full Name``)."""
    return " ".join(w.upper() if w in ("url", "id") else w.capitalize() for w in field.split("_"))


def _write(
    rows: Sequence[Sequence[str]],
    delimiter: str = ",",
    line: str = "\n",
    quoting_broken: bool = False,
) -> str:
    out = io.StringIO()
    if quoting_broken:  # cells written verbatim, quotes and all
        out.writelines(delimiter.join(r) + line for r in rows)
    else:
        csv.writer(out, delimiter=delimiter, lineterminator=line).writerows(rows)
    return out.getvalue()


def _plain(cell: str) -> str:
    """``cell`` without what would need quoting (commas, quotes, line breaks)."""
    return " ".join(cell.replace(",", " ").replace('"', "").split())


def csv_import(
    *,
    header: bool = True,
    mapping: str = "names",
    delimiter: str = ",",
    line: str = "\n",
    bom: bool = False,
    blank_lines: bool = False,
    extra_columns: bool = False,
    rows: int = ROWS,
    shape: Shaper | None = None,
    tags_column: bool = False,
    quoting_broken: bool = False,
    raw_rows: Callable[[list[list[str]]], None] | None = None,
) -> Callable[[CaseContext], CaseRequest]:
    """A CSV import builder. ``mapping``: ``names`` (header names → fields), ``numbers``
    (1-based column numbers, for no header), ``none``, or a malformation: ``unknown_field``,
    ``not_object``, ``not_string``."""

    def build(ctx: CaseContext) -> CaseRequest:
        ep = ctx.endpoint(IMPORT)
        columns = [c for c in csv_columns(ep) if c != "tags"]
        if tags_column:
            columns.append("tags")
        contacts = [
            {k: v for k, v in c.items() if k in columns} for c in ctx.contacts(IMPORT, rows)
        ]
        if tags_column:
            for c in contacts:
                c["tags"] = list(_TAGS)
        if shape is not None:
            shape(contacts)
        names = [header_name(c) if mapping != "none" else c for c in columns]
        table = [[csv_cell(c.get(col)) for col in columns] for c in contacts]
        if extra_columns:
            names += ["Favourite Colour", "Notes"]
            table = [[*r, "teal", f"met at fair {n}"] for n, r in enumerate(table, 1)]
        if raw_rows is not None:
            raw_rows(table)
        if quoting_broken:  # written verbatim: every cell but the broken one made plain
            table = [[c if c.startswith('"') else _plain(c) for c in r] for r in table]
        text = _write(([names] if header else []) + table, delimiter, line, quoting_broken)
        if blank_lines:
            text = line + line.join(f"{r}{line}" for r in text.split(line) if r) + line
        if bom:
            text = "\ufeff" + text
        body: dict[str, Any] = {"csv": text, "has_header": header}
        maps = {header_name(c): c for c in columns}
        if mapping == "names":
            body["mapping"] = maps
        elif mapping == "numbers":
            body["mapping"] = {str(n): c for n, c in enumerate(columns, 1)}
        elif mapping == "unknown_field":
            body["mapping"] = {**maps, header_name(columns[1]): "e_mail_address"}
        elif mapping == "not_object":
            body["mapping"] = [[k, v] for k, v in maps.items()]
        elif mapping == "not_string":
            body["mapping"] = {**maps, header_name(columns[0]): 1}
        return CaseRequest(body=body, items=tuple(contacts))

    return build


def set_cells(index: int, **values: str) -> Shaper:
    """A shaper giving contact ``index`` these values."""

    def shape(contacts: list[dict[str, Any]]) -> None:
        contacts[index].update(values)

    return shape
