"""CSV cases of the LeadLex import: header or not, mappings good and bad, and the dialects
and cells real CSV files bring (BOM, CRLF, quoted commas and newlines, ``;``, blank lines,
ragged rows, an unparseable line, formula injection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators.edge_cases.building import (
    CaseContext,
    Draft,
    doc,
    queued,
    rejected,
    spec_implied,
    success,
)
from bulkbench.generators.edge_cases.csv_requests import IMPORT, ROWS, csv_import, set_cells
from bulkbench.generators.edge_cases.model import (
    Basis,
    CaseRequest,
    Expected,
    ItemRef,
    Outcome,
    RowError,
    StoredContact,
)

__all__ = ["csv_cases"]

#: a cell the csv module would quote, written verbatim instead (``quoting_broken``): a
#: quoted field followed by more text, which no RFC 4180 parser accepts.
_UNPARSEABLE = '"{}" Jr'

_CSV_DIALECT = (
    "RFC 4180 CSV, comma-separated, UTF-8, LF or CRLF line ends, double-quoted "
    "fields may contain commas, quotes and newlines"
)


def _ok(
    ep: Endpoint, source: str, basis: Basis, rows: int = ROWS, fields: Sequence[str] = ()
) -> Expected:
    stored = (
        [
            StoredContact(ItemRef("request", i), ItemRef("request", i), tuple(fields))
            for i in range(rows)
        ]
        if fields
        else []
    )
    return success(ep, Outcome.ACCEPTED, source, basis, created=rows, stored=stored)


def _row_errors(
    ep: Endpoint, source: str, errors: Sequence[RowError], rows: int = ROWS
) -> Expected:
    return success(
        ep,
        Outcome.ROW_ERRORS,
        source,
        Basis.SPEC_IMPLIED,
        created=rows - len(errors),
        skipped=len(errors),
        row_errors=errors,
    )


def csv_cases(catalog: Catalog) -> Iterator[Draft]:
    """The CSV cases of the LeadLex import (none if the catalog has no such endpoint)."""
    if IMPORT not in {ep.key for ep in catalog.endpoints()}:
        return
    ep = catalog.endpoint(IMPORT)
    tags = frozenset({"csv"})
    mapping_doc = doc(ep, "supply a `mapping` that maps CSV column names")
    malformed = doc(ep, "mapping is malformed")
    no_row = spec_implied(_CSV_DIALECT)

    def draft(
        suffix: str,
        title: str,
        expected: Expected,
        build: Callable[[CaseContext], CaseRequest],
        *extra: str,
    ) -> Draft:
        return Draft(suffix, ep.key, title, expected, build, tags | set(extra))

    yield draft(
        "csv_header_and_mapping",
        "a header line and a mapping of its names",
        _ok(ep, mapping_doc, Basis.DOCUMENTED, fields=("full_name", "email")),
        csv_import(),
    )
    yield draft(
        "csv_header_field_names_without_mapping",
        "header names equal to the contact field names, no mapping",
        _ok(
            ep,
            spec_implied(
                "Without a mapping, header names equal to contact field names map to those fields"
            ),
            Basis.SPEC_IMPLIED,
        ),
        csv_import(mapping="none"),
    )
    yield draft(
        "csv_without_header",
        "has_header false: the first line is a contact",
        _ok(
            ep,
            doc(ep, "unless `has_header` is `false`")
            + " / "
            + spec_implied("With has_header false, the mapping's keys are 1-based column numbers"),
            Basis.SPEC_IMPLIED,
            fields=("full_name",),
        ),
        csv_import(header=False, mapping="numbers"),
    )
    yield draft(
        "csv_unknown_columns",
        "columns the mapping does not name",
        _ok(ep, doc(ep, "Unknown columns are ignored."), Basis.DOCUMENTED, fields=("full_name",)),
        csv_import(extra_columns=True),
    )
    for kind, title in (
        ("unknown_field", "maps a column to a name that is no contact field"),
        ("not_object", "is an array of pairs, not an object"),
        ("not_string", "maps a column to a number"),
    ):
        yield draft(
            f"csv_mapping_{kind}",
            f"the mapping {title}",
            rejected(ep, malformed, Basis.DOCUMENTED),
            csv_import(mapping=kind),
            "mapping",
        )
    yield draft(
        "csv_bom",
        "a UTF-8 byte-order mark before the header",
        _ok(
            ep,
            spec_implied("UTF-8 CSV: the byte-order mark is not part of the first header name"),
            Basis.SPEC_IMPLIED,
            fields=("full_name",),
        ),
        csv_import(bom=True),
    )
    yield draft(
        "csv_crlf",
        "CRLF line ends",
        _ok(ep, no_row, Basis.SPEC_IMPLIED, fields=("full_name",)),
        csv_import(line="\r\n"),
    )

    def tricky(contacts: list[dict[str, Any]]) -> None:
        contacts[0]["full_name"] = f"{contacts[0]['full_name']}, Jr."
        contacts[1]["company"] = f"{contacts[1]['company']}\nWest Wing"
        contacts[2]["job_title"] = f'The "{contacts[2]["job_title"]}"'
        contacts[3]["company"] = f'{contacts[3]["company"]},\r\n"Ltd"'

    yield draft(
        "csv_quoted_commas_newlines_quotes",
        "quoted cells holding commas, newlines and double quotes",
        _ok(ep, no_row, Basis.SPEC_IMPLIED, fields=("full_name", "company", "job_title")),
        csv_import(shape=tricky),
    )

    def no_commas(contacts: list[dict[str, Any]]) -> None:  # one cell per line, no ragged rows
        for c in contacts:
            c.update({k: v.replace(",", "") for k, v in c.items() if isinstance(v, str)})

    yield draft(
        "csv_semicolon_delimiter",
        "semicolons instead of commas: one column that the mapping does not name",
        _row_errors(
            ep,
            spec_implied(f"{_CSV_DIALECT}; a row without full_name is missing_required_field"),
            [RowError(n, "missing_required_field") for n in range(1, ROWS + 1)],
        ),
        csv_import(delimiter=";", shape=no_commas),
    )
    yield draft(
        "csv_blank_lines",
        "blank lines before, between and after the rows",
        _ok(
            ep,
            spec_implied(
                "a blank line holds no record and is not a data row (not stated by the spec)"
            ),
            Basis.SPEC_IMPLIED,
        ),
        csv_import(blank_lines=True),
    )

    def ragged(table: list[list[str]]) -> None:
        table[1] = table[1][:2]
        table[2] = [*table[2], "surplus"]

    yield draft(
        "csv_ragged_rows",
        "a row with too few cells and one with too many",
        _ok(
            ep,
            doc(ep, "Unknown columns are ignored.")
            + " / "
            + spec_implied(
                "only an unparseable CSV line is invalid_row: a short row lacks the "
                "missing columns' fields, a surplus cell is a column no mapping names"
            ),
            Basis.SPEC_IMPLIED,
            fields=("full_name",),
        ),
        csv_import(raw_rows=ragged),
    )

    def unparseable(table: list[list[str]]) -> None:
        table[1][0] = _UNPARSEABLE.format(table[1][0])

    yield draft(
        "csv_unparseable_line",
        "the second data row has text after a closing quote",
        _row_errors(
            ep,
            spec_implied("invalid_row for an unparseable CSV line"),
            [RowError(2, "invalid_row")],
        ),
        csv_import(raw_rows=unparseable, quoting_broken=True),
    )

    def formulas(contacts: list[dict[str, Any]]) -> None:
        contacts[0]["full_name"] = "=cmd|' /C calc'!A0"
        contacts[1]["company"] = "+SUM(1+1)*cmd|' /C calc'!A0"
        contacts[2]["job_title"] = "@SUM(A1:A9)"
        contacts[3]["full_name"] = "-2+3+cmd|' /C calc'!A0"

    yield draft(
        "csv_formula_injection",
        "cells starting with =, +, @ and - (CSV injection)",
        _ok(
            ep,
            spec_implied("no sanitising is stated: a cell is stored as sent"),
            Basis.SPEC_IMPLIED,
            fields=("full_name", "company", "job_title"),
        ),
        csv_import(shape=formulas),
        "security",
    )
    yield draft(
        "csv_row_missing_full_name",
        "the second data row has an empty full_name cell",
        _row_errors(
            ep,
            spec_implied(
                "row_number is the 1-based position among the data "
                "rows (CSV header line not counted); an empty "
                "cell is a missing field"
            ),
            [RowError(2, "missing_required_field")],
        ),
        csv_import(shape=set_cells(1, full_name="")),
    )
    yield draft(
        "csv_invalid_email_cell",
        "the third data row has a malformed email",
        _row_errors(
            ep,
            spec_implied("malformed email or URL → invalid_field"),
            [RowError(3, "invalid_field")],
        ),
        csv_import(shape=set_cells(2, email="not-an-email")),
    )
    yield draft(
        "csv_tags_column",
        "a Tags column with comma-separated tags in one cell",
        _ok(
            ep,
            spec_implied("A column mapped to tags is split on commas"),
            Basis.SPEC_IMPLIED,
            fields=("tags",),
        ),
        csv_import(tags_column=True),
    )
    if ep.sync_max_rows is not None:
        sync = ep.sync_max_rows
        sentence = doc(ep, "larger imports are queued")
        yield draft(
            "csv_sync_max_rows",
            f"{sync} data rows after a header: synchronous",
            _ok(ep, sentence, Basis.DOCUMENTED, rows=sync),
            csv_import(rows=sync),
            "boundary",
        )
        yield draft(
            "csv_sync_max_rows_plus_1",
            f"{sync + 1} data rows: queued",
            queued(ep, sentence, Basis.DOCUMENTED),
            csv_import(rows=sync + 1),
            "boundary",
        )
