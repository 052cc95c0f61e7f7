"""CSV + mapping → import rows (``sandbox/csv_rows.py``), without a server."""

from __future__ import annotations

from bulkbench.sandbox.csv_rows import RowProblem, column_targets, csv_rows

FIELDS = ("full_name", "email", "phone", "job_title", "company", "linkedin_url", "tags")


def test_header_names_equal_to_fields_map_without_a_mapping():
    rows = csv_rows("full_name,email,Notes\nJane,jane@acme.com,hi\n", fields=FIELDS)
    assert rows == [{"full_name": "Jane", "email": "jane@acme.com"}]


def test_mapping_by_header_name_ignores_unknown_columns():
    text = "Full Name,Email Address,Notes\nJane Doe,jane@acme.com,met at fair\nBob,,\n"
    rows = csv_rows(text, mapping={"Email Address": "email", "Full Name": "full_name"},
                    fields=FIELDS)
    assert rows == [{"full_name": "Jane Doe", "email": "jane@acme.com"}, {"full_name": "Bob"}]


def test_bom_crlf_quoted_commas_quotes_and_newlines():
    text = ('\ufefffull_name,company\r\n"Doe, Jane","Acme ""West"""\r\n'
            '"Multi\r\nLine",Beta\r\nBob,Gamma\r\n')
    rows = csv_rows(text, fields=FIELDS)
    assert rows == [{"full_name": "Doe, Jane", "company": 'Acme "West"'},
                    {"full_name": "Multi\r\nLine", "company": "Beta"},
                    {"full_name": "Bob", "company": "Gamma"}]


def test_bare_cr_line_ends_and_blank_lines_are_not_rows():
    rows = csv_rows("full_name\rA\r\r\nB\n\n,\n", fields=FIELDS)
    assert rows == [{"full_name": "A"}, {"full_name": "B"}]


def test_unparseable_record_is_an_invalid_row_and_parsing_goes_on():
    rows = csv_rows('full_name,email\nA,a@x.com\nB,"b"@x.com\nC,c@x.com\n', fields=FIELDS)
    assert rows[0] == {"full_name": "A", "email": "a@x.com"}
    assert isinstance(rows[1], RowProblem) and rows[1].code == "invalid_row"
    assert rows[2] == {"full_name": "C", "email": "c@x.com"}


def test_unterminated_quote_is_one_invalid_row():
    rows = csv_rows('full_name\nA\n"B\nC\n', fields=FIELDS)
    assert rows[0] == {"full_name": "A"}
    assert len(rows) == 2 and isinstance(rows[1], RowProblem)


def test_unparseable_header_makes_every_data_row_invalid():
    rows = csv_rows('"full_name"x\nA\nB\n', fields=FIELDS)
    assert len(rows) == 2
    for row in rows:
        assert isinstance(row, RowProblem) and row.code == "invalid_row"
        assert "header line cannot be parsed" in row.message
    assert csv_rows('"full_name"x\n', fields=FIELDS) == []


def test_no_header_maps_one_based_column_numbers():
    rows = csv_rows("jane@acme.com,Jane,x\nbob@beta.com,Bob,y\n", has_header=False,
                    mapping={"2": "full_name", "1": "email", "name": "company", "0": "phone"},
                    fields=FIELDS)
    assert rows == [{"full_name": "Jane", "email": "jane@acme.com"},
                    {"full_name": "Bob", "email": "bob@beta.com"}]


def test_no_header_without_mapping_maps_nothing():
    assert csv_rows("Jane,jane@acme.com\n", has_header=False, fields=FIELDS) == [{}]


def test_tags_cells_are_split_and_joined_and_first_non_empty_cell_wins():
    text = "n1,n2,t1,t2\n,Jane,\"a, b\",b;c\n"
    rows = csv_rows(text, mapping={"n1": "full_name", "n2": "full_name", "t1": "tags",
                                   "t2": "tags"}, fields=FIELDS)
    assert rows == [{"full_name": "Jane", "tags": ["a", "b", "b;c"]}]


def test_semicolons_are_not_sniffed():
    rows = csv_rows("full_name;email\nJane;jane@acme.com\n", fields=FIELDS)
    assert rows == [{}]


def test_short_records_leave_fields_out_and_long_ones_are_cut():
    rows = csv_rows("full_name,email\nJane\nBob,b@x.com,extra,cells\n", fields=FIELDS)
    assert rows == [{"full_name": "Jane"}, {"full_name": "Bob", "email": "b@x.com"}]


def test_header_only_has_no_rows():
    assert csv_rows("full_name,email\r\n", fields=FIELDS) == []
    assert csv_rows("", fields=FIELDS) == []


def test_column_targets_strip_header_names():
    assert column_targets([" Email ", "x"], {"Email": "email"}, FIELDS) == {0: "email"}
