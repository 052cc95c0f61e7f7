"""``reports`` is its own stage: a small public surface, nothing of the other stages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bulkbench import reports

REPORTS = Path(reports.__file__).resolve().parent
OTHER_STAGES = {"contract", "generators", "loadtests", "sandbox"}


def test_the_public_surface():
    assert sorted(reports.__all__) == sorted([
        "SUMMARY_SCHEMA", "Comparison", "Rendered", "ReportError", "RunData",
        "RunFolderError", "Verdict", "build_summary", "compare_runs", "decide", "read_run",
        "render_run"])
    for name in reports.__all__:
        assert getattr(reports, name) is not None


def test_no_module_imports_another_stage():
    for path in REPORTS.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in OTHER_STAGES, f"{path.name} imports {name}"


def test_importing_reports_loads_no_other_stage():
    code = ("import sys, reports, reports.handlers, reports.compare; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {OTHER_STAGES!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_schema_file_ships_with_the_package():
    assert (REPORTS / "summary.schema.json").is_file()
    assert (REPORTS / "templates" / "index.html.j2").is_file()
