"""What a tolerant judgement counts a case's answer against: the rows the request sent,
whatever form its body takes (JSON, bytes, or a stream of many megabytes)."""

from __future__ import annotations

import pytest

from bulkbench.contract.checks.tolerance import sent_rows
from bulkbench.generators import find_case


@pytest.mark.parametrize("name", ["leadlex.bulk_create.body_at_limit",
                                  "leadlex.bulk_create.size_max"])
def test_the_rows_of_a_case_are_counted_whatever_its_body(name: str) -> None:
    case = find_case(name)
    request = case.request(0, run_tag=100)
    rows = sent_rows(request, request.batch_field or "contacts")
    expected = dict(case.expected.counts).get("created")
    assert expected and len(rows) == expected, (len(rows), case.expected)
    assert all(isinstance(row, dict) and row.get("full_name") for row in rows)
