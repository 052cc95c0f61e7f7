"""`bulkbench generate`: valid batches in three formats, cases, the case list, errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest

from bulkbench.cli import main
from bulkbench.core.catalog import Catalog
from bulkbench.generators import edge_cases, find_case, valid_body_bytes, valid_items


def test_json_to_a_file_is_the_valid_body(tmp_path: Path, catalog: Catalog) -> None:
    out = tmp_path / "batch.json"
    assert (
        main(
            [
                "generate",
                "--endpoint",
                "leadlex.bulk_create",
                "--size",
                "37",
                "--seed",
                "4",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes() == valid_body_bytes(catalog.endpoint("leadlex.bulk_create"), 37, 4)


def test_ndjson_and_csv(tmp_path: Path, catalog: Catalog) -> None:
    ep = catalog.endpoint("datananas.bulk_create")
    nd, table = tmp_path / "b.ndjson", tmp_path / "b.csv"
    assert main(["generate", "-e", ep.key, "-n", "12", "-f", "ndjson", "-o", str(nd)]) == 0
    assert [orjson.loads(x) for x in nd.read_bytes().splitlines()] == valid_items(ep, 12)
    assert main(["generate", "-e", ep.key, "-n", "12", "-f", "csv", "-o", str(table)]) == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert [r["email"] for r in rows] == [i["email"] for i in valid_items(ep, 12)]


def test_stdout_and_seed(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["generate", "-e", "sociocs.bulk_upsert", "-n", "3", "-s", "1"]) == 0
    first = capsysbinary.readouterr().out
    assert len(orjson.loads(first)["records"]) == 3
    assert main(["generate", "-e", "sociocs.bulk_upsert", "-n", "3", "-s", "2"]) == 0
    assert capsysbinary.readouterr().out != first


def test_a_case_body_with_placeholders_and_its_setup_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "case.json"
    assert (
        main(["generate", "-e", "leadlex.add_to_list", "--case", "already_in_list", "-o", str(out)])
        == 0
    )
    body = orjson.loads(out.read_bytes())
    assert body["contact_ids"][0] == "<existing[0]>"
    assert "5 contact(s) created with leadlex.bulk_create" in capsys.readouterr().err


def test_a_csv_case_writes_its_csv(tmp_path: Path) -> None:
    out = tmp_path / "import.csv"
    name = "leadlex.import_contacts.csv_crlf"
    assert main(["generate", "--case", name, "-f", "csv", "-o", str(out)]) == 0
    assert out.read_bytes().decode() == find_case(name).request(0).json()["csv"]
    assert "\r\n" in out.read_bytes().decode()


def test_list_cases_one_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--list-cases"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(edge_cases())
    name, endpoint, outcome = lines[0].split("\t")
    assert name.startswith(endpoint) and outcome[:3].isdigit()
    assert main(["generate", "--list-cases", "-e", "leadlex.add_to_list"]) == 0
    assert all("\tleadlex.add_to_list\t" in x for x in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize(
    "args, message",
    [
        (["-e", "leadlex.import_job_status", "-n", "1"], "takes no batch"),
        (["-e", "leadlex.bulk_create", "-c", "nope"], "no edge case named"),
        (["-e", "nobody.bulk", "-n", "1"], "no provider"),
        (["-e", "leadlex.bulk_create"], "--size"),
        (["-e", "leadlex.bulk_create", "-n", "2", "-f", "xml"], "--format"),
        (["-e", "leadlex.bulk_create", "-n", "-1"], "negative"),
        (["-c", "leadlex.bulk_create.body_over_limit", "-f", "ndjson"], "no batch array"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
