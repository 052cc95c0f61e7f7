"""The rows of one LeadLex import: how they are read, checked, matched and stored.

The decisions are the spec's (``leadlex.yaml``) and NOTES.md L7-L19, L26:

- Rows: ``rows`` (JSON objects with the Contact fields) or ``csv`` (``sandbox/csv_rows.py``:
  ``has_header``, ``mapping``). A JSON row that breaks the row schema was refused with 400 by
  the pipeline; a row without ``full_name`` is a row error ``missing_required_field``; a CSV
  row is checked against the same row schema here and reported per row (``invalid_field``,
  ``invalid_row``). ``row_number`` is the 1-based position among the data rows. The codes
  are answered as ``row_error_codes`` says (:data:`ROW_ERROR_MEANINGS`).
- ``tags`` are added to every row's own tags (union). ``update_existing``: a row whose email
  (case-insensitive) or else phone matches a contact of the workspace, the first one stored
  winning, updates it (fields replaced, tags and custom_fields merged) or, when false, is
  skipped. Rows of one import see the contacts created by the rows before them.
  ``skipped_count`` counts matched-and-not-updated rows and rows in ``errors``, so
  created + updated + skipped = rows.
- Imported contacts are rows of the shared ``contacts`` table, like bulk create's, so
  add-to-list and ``/_sandbox/leadlex/contacts`` see them.
- A variant may take the other reading of an open point the checks tolerate
  (``Sandbox.takes_other_reading``): "malformed import row" (L11: a JSON row is checked
  against the row schema here, first, and one that breaks it is an ``invalid_field`` row
  error), "email case" (L18: emails match as sent, case-sensitively, like the fault
  ``leadlex_import_email_match_case_sensitive``), "csv dialect" (L27, ``csv_rows``:
  ``literal``) and "format strictness" (L28: internationalised emails are valid).

:class:`ImportRows` is both the synchronous import's rows and a queued job's
``import_worker.ImportPlan``: rows are built lazily from the body (a CSV is parsed as its
rows are consumed, a large ``rows`` array a chunk at a time), so a queued import never
holds all its rows at once.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from bulkbench.sandbox import import_jobs
from bulkbench.sandbox.batch_chunks import MIN_BODY_BYTES, split_body
from bulkbench.sandbox.body import IDN_EMAIL_FORMATS
from bulkbench.sandbox.csv_rows import Row, RowProblem, iter_csv_rows
from bulkbench.sandbox.ids import uuid7_batch
from bulkbench.sandbox.storage import INSERT_CONTACT_SQL, ContactRow, norm_email

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["ROW_ERROR_MEANINGS", "ImportRows", "RowRules", "row_error_code", "row_rules"]

PROVIDER = "leadlex"
#: the row problems, in the order of meaning of the ``row_error_codes`` assumption: a
#: configured list names them in this order (a shorter list: its last code for the rest).
ROW_ERROR_MEANINGS = ("missing_required_field", "invalid_field", "invalid_row")
_LOOKUP_CHUNK = 500
_STATE_KEY = "leadlex_import.rows"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RowRules:
    """What a row is checked against: the row schema (for CSV rows) and the fields a CSV
    column can be mapped to, both from the catalog's import endpoint."""

    validator: Any
    fields: tuple[str, ...]


def row_rules(sandbox: Sandbox) -> RowRules:
    """The sandbox's :class:`RowRules` (compiled on first use)."""
    rules = sandbox.state.get(_STATE_KEY)
    if not isinstance(rules, RowRules):
        endpoint = sandbox.catalog.provider(PROVIDER).endpoint("import_contacts")
        mapping = endpoint.request_schema.get("properties", {}).get("mapping", {})
        fields = tuple(mapping.get("additionalProperties", {}).get("enum", ()))
        # NOTES L28: the variant's reading accepts internationalised email addresses
        checkers = (dict(IDN_EMAIL_FORMATS)
                    if sandbox.takes_other_reading("format strictness") else None)
        validator = jsonschema_rs.validator_for(dict(endpoint.item_schema or {}),
                                                validate_formats=True, formats=checkers)
        rules = sandbox.state[_STATE_KEY] = RowRules(validator, fields)
    return rules


def row_error_code(sandbox: Sandbox, meaning: str) -> str:
    """The code answered for a row problem of ``meaning`` (``row_error_codes``)."""
    codes = sandbox.assumed(PROVIDER, "row_error_codes")
    if meaning not in ROW_ERROR_MEANINGS or not codes:
        return meaning
    return str(codes[min(ROW_ERROR_MEANINGS.index(meaning), len(codes) - 1)])


# --------------------------------------------------------------------------- matching


def _union(*lists: Any) -> list[Any]:
    out: dict[Any, None] = {}
    for items in lists:
        if isinstance(items, list):
            out.update(dict.fromkeys(t for t in items if isinstance(t, str)))
    return list(out)


def _merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """An existing contact updated by a row: fields replaced, tags and custom_fields merged."""
    merged = {**old, **new}
    if "tags" in old and "tags" in new:
        merged["tags"] = _union(old["tags"], new["tags"])
    old_cf, new_cf = old.get("custom_fields"), new.get("custom_fields")
    if isinstance(old_cf, dict) and isinstance(new_cf, dict):
        merged["custom_fields"] = {**old_cf, **new_cf}
    return merged


def _exact_email(value: object) -> str | None:
    """The email as sent (trimmed): the matching key of the case-sensitive fault."""
    return (value.strip() or None) if isinstance(value, str) else None


def _phone_key(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class _Known:
    """A contact a row may match: stored (``pending`` False) or created by this chunk."""

    id: str
    data: dict[str, Any] | None
    pending: bool


# --------------------------------------------------------------------------- rows


class ImportRows:
    """The rows of one import, checked as they are read, and how to import some of them.

    Rows are built lazily from the body (a CSV is parsed as its rows are consumed), so a
    queued import never holds all its rows at once; see ``import_worker.ImportPlan``.
    """

    def __init__(self, sandbox: Sandbox, body: Mapping[str, Any]) -> None:
        self.sandbox = sandbox
        self.rules = row_rules(sandbox)
        self.body = body
        self.is_csv = "rows" not in body
        #: NOTES L11: the variant reports a JSON row that breaks the row schema per row
        self.check_json_rows = sandbox.takes_other_reading("malformed import row")
        self.update_existing = bool(body.get("update_existing", False))
        self.tags: list[str] = ([] if sandbox.fault("leadlex_import_tags_not_applied")
                                else list(body.get("tags", [])))

    @classmethod
    def from_raw(cls, sandbox: Sandbox, raw: bytes) -> ImportRows:
        """The rows of a stored raw body (a queued job's): a large ``rows`` array is read a
        chunk at a time (``sandbox/batch_chunks.py``), never parsed whole."""
        body = split_body(raw, "rows") if len(raw) >= MIN_BODY_BYTES else None
        return cls(sandbox, body if body is not None else orjson.loads(raw))

    def _source(self) -> Iterator[Any]:
        body = self.body
        if not self.is_csv:
            return iter(body["rows"])
        return iter_csv_rows(body["csv"], has_header=body.get("has_header", True),
                             mapping=body.get("mapping"), fields=self.rules.fields,
                             literal=self.sandbox.takes_other_reading("csv dialect"))

    def count(self) -> int:
        """The number of rows (a CSV's data records)."""
        if not self.is_csv:
            return len(self.body["rows"])
        return sum(1 for _ in self._source())

    def iter_rows(self, start: int = 0) -> Iterator[Row]:
        return (self._check(row) for row in itertools.islice(self._source(), start, None))

    def _schema_problem(self, row: Any) -> RowProblem | None:
        for error in self.rules.validator.iter_errors(row):
            where = ".".join(str(p) for p in error.instance_path) or "row"
            return RowProblem("invalid_field", f"{where}: {error.message}")
        return None

    def _check(self, row: Any) -> Row:
        if isinstance(row, RowProblem):
            return row
        if self.check_json_rows and not self.is_csv and (  # the pipeline let it through
                problem := self._schema_problem(row)) is not None:
            return problem
        if not isinstance(row.get("full_name"), str) or not row["full_name"]:
            return RowProblem("missing_required_field", "full_name is required")
        if self.is_csv and (problem := self._schema_problem(row)) is not None:
            return problem
        contact = dict(row)
        if self.tags:
            contact["tags"] = _union(row.get("tags"), self.tags)
        return contact

    # ------------------------------------------------------------------ applying

    def _row_number(self, index: int) -> int:
        number = index + 1
        if self.sandbox.fault("leadlex_import_row_number_zero_based"):
            number -= 1
        if self.is_csv and self.sandbox.fault("leadlex_import_csv_header_counted"):
            number += 1
        return number

    def _lookup(self, conn: sqlite3.Connection, workspace: str, column: str,
                values: Sequence[str], with_data: bool) -> dict[str, _Known]:
        """``{value: first stored contact with it}``: indexed lookups, 500 values a query."""
        found: dict[str, _Known] = {}
        select = "id, data" if with_data else "id, NULL"
        for start in range(0, len(values), _LOOKUP_CHUNK):
            chunk = values[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            first = dict(conn.execute(  # the covering index answers this one
                f"SELECT min(seq), {column} FROM contacts WHERE provider = ? AND workspace = ?"
                f" AND {column} IN ({marks}) GROUP BY {column}", (PROVIDER, workspace, *chunk)))
            if not first:
                continue
            marks = ",".join("?" * len(first))
            for seq, cid, data in conn.execute(
                    f"SELECT seq, {select} FROM contacts WHERE seq IN ({marks})", tuple(first)):
                found[first[seq]] = _Known(cid, orjson.loads(data) if with_data else None, False)
        return found

    def _lookup_exact_emails(self, conn: sqlite3.Connection, workspace: str,
                             emails: Sequence[str], with_data: bool) -> dict[str, _Known]:
        """``{email: first stored contact with exactly it}``: the stored ``email`` column is
        lower-cased, so the candidates are read by it and compared by the email as stored."""
        found: dict[str, _Known] = {}
        wanted = set(emails)
        lowered = list({e.lower() for e in emails})
        for start in range(0, len(lowered), _LOOKUP_CHUNK):
            chunk = lowered[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            for cid, data in conn.execute(
                    f"SELECT id, data FROM contacts WHERE provider = ? AND workspace = ?"
                    f" AND email IN ({marks}) ORDER BY seq", (PROVIDER, workspace, *chunk)):
                contact = orjson.loads(data)
                email = _exact_email(contact.get("email"))
                if email is not None and email in wanted and email not in found:
                    found[email] = _Known(cid, contact if with_data else None, False)
        return found

    def apply(self, conn: sqlite3.Connection, workspace: str, first_index: int,
              rows: Sequence[Any], now: float) -> import_jobs.ChunkOutcome:
        """Import ``rows`` (rows ``first_index …`` of the import) in the caller's transaction."""
        sandbox = self.sandbox
        update = self.update_existing
        if sandbox.fault("leadlex_import_update_existing_ignored"):
            update = False
        if sandbox.fault("leadlex_import_always_updates"):
            update = True
        errors_skip = 0 if sandbox.fault("leadlex_import_skipped_excludes_errors") else 1
        case_sensitive = sandbox.fault("leadlex_import_email_match_case_sensitive")
        if sandbox.takes_other_reading("email case"):  # NOTES L18: the variant's reading
            case_sensitive = True
        email_key = _exact_email if case_sensitive else norm_email
        contacts = [r for r in rows if isinstance(r, dict)]
        keys = [(email_key(r.get("email")), _phone_key(r.get("phone"))) for r in contacts]
        emails = list({e for e, _ in keys if e is not None})
        by_email = (self._lookup_exact_emails(conn, workspace, emails, update) if case_sensitive
                    else self._lookup(conn, workspace, "email", emails, update))
        by_phone = self._lookup(conn, workspace, "phone",
                                list({p for _, p in keys if p is not None}), update)
        ids = iter(uuid7_batch(len(contacts)))
        next_keys = iter(keys).__next__
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        out = import_jobs.ChunkOutcome()

        for offset, row in enumerate(rows):
            if isinstance(row, RowProblem):
                out.errors.append({"row_number": self._row_number(first_index + offset),
                                   "code": row_error_code(sandbox, row.code),
                                   "message": row.message})
                out.skipped += errors_skip
                continue
            email, phone = next_keys()
            known = by_email.get(email) if email is not None else None
            if known is None and phone is not None:
                known = by_phone.get(phone)
            if known is None:  # a new contact, which the rows after this one may match
                known = _Known(next(ids), row, True)
                inserts[known.id] = row
                if email is not None:
                    by_email[email] = known
                if phone is not None:
                    by_phone[phone] = known
                out.created += 1
            elif update:
                known.data = _merge(known.data or {}, row)
                (inserts if known.pending else updates)[known.id] = known.data
                if (new_email := email_key(known.data.get("email"))) is not None:
                    by_email.setdefault(new_email, known)
                if (new_phone := _phone_key(known.data.get("phone"))) is not None:
                    by_phone.setdefault(new_phone, known)
                out.updated += 1
            else:
                out.skipped += 1

        def stored(cid: str, data: Mapping[str, Any]) -> ContactRow:
            return (cid, PROVIDER, workspace, data.get("full_name"), norm_email(data.get("email")),
                    _phone_key(data.get("phone")), orjson.dumps(data), now, now)

        if inserts:
            conn.executemany(INSERT_CONTACT_SQL, [stored(c, d) for c, d in inserts.items()])
        if updates:
            conn.executemany(
                "UPDATE contacts SET name = ?, email = ?, phone = ?, data = ?, updated_at = ?"
                " WHERE id = ?",
                [(d.get("full_name"), norm_email(d.get("email")), _phone_key(d.get("phone")),
                  orjson.dumps(d), now, c) for c, d in updates.items()])
        return out
