"""The wheel, built and installed into a fresh virtualenv outside the repository, is the
whole tool: one top-level package, its specs and templates inside it, and the three
commands (catalog, contract against the embedded sandbox, a short load) working from
another folder and leaving nothing there but their run folder.

How it is built and installed (measured on the 2-core development machine):

- The wheel is built with ``pip wheel --no-deps`` (``python -m build`` is not a
  dependency) from a copy of the working tree (about 2 s). The copy leaves out caches and
  then has some planted on purpose (``.hypothesis/``, ``.schemathesis/``,
  ``.pytest_cache/``, ``reports/runs/…``, ``__pycache__/``): what a contract or load run
  leaves in a stage folder must never ship, whatever state the working tree is in.
- The venv is a plain ``python -m venv`` in ``tmp_path`` and the wheel is installed with
  its dependencies from the package registries (about 25 s with pip's cache warm, which
  it is after ``make``'s own install). Borrowing the repository venv's site-packages
  through a ``.pth`` file would be faster but would also lend the editable install's
  ``bulkbench`` (its ``.pth`` and dist-info): the test must see the wheel alone.

Slow (process-level); ``make test`` runs it, ``make test-fast`` leaves it out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
#: the folders of the repository that make up the package (pyproject's only-include).
PACKAGE_FOLDERS = ("contract", "generators", "loadtests", "reports", "sandbox", "core", "specs",
                   "providers")
#: what must not sit at the top of site-packages: the package is bulkbench alone.
FOREIGN_TOP_LEVEL = (*PACKAGE_FOLDERS, "tests", "bench")
#: caches and run output left out of the copy (and so of the expected file list).
LEFT_OUT = {".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__",
            ".hypothesis", ".schemathesis", "dist", "build", "providers_draft"}
#: what a run may leave in a stage folder; planted in the copy, none of it may ship.
PLANTED = ("contract/.hypothesis/examples/0a1b", "loadtests/.schemathesis/state",
           "sandbox/.pytest_cache/v/cache/nodeids", "reports/runs/20250101T000000Z/run.json",
           "generators/__pycache__/strategies.cpython-311.pyc")
STEP_TIMEOUT = 300


@dataclass(frozen=True)
class Installed:
    wheel: Path
    source: Path  # the copy the wheel was built from (before the planting)
    expected: frozenset[str]  # the package's files in the copy, as wheel paths
    venv: Path
    site_packages: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def bulkbench(self) -> Path:
        return self.venv / "bin" / "bulkbench"


def _left_out(folder: str, names: list[str]) -> set[str]:
    dropped = {n for n in names if n in LEFT_OUT or n.endswith(".egg-info")}
    if Path(folder) == REPO / "reports":
        dropped.add("runs")
    return dropped


def _package_files(root: Path) -> frozenset[str]:
    """The files of the package in a source tree, named as the wheel names them."""
    found: set[str] = set()
    for path in (root / "bulkbench").rglob("*"):
        rel = path.relative_to(root)
        if rel.parts[1] in PACKAGE_FOLDERS:  # bulkbench/<stage>: a link, walked below
            continue
        if path.is_file():
            found.add(rel.as_posix())
    for folder in PACKAGE_FOLDERS:
        for path in (root / folder).rglob("*"):
            if path.is_file():
                found.add(f"bulkbench/{path.relative_to(root).as_posix()}")
    return frozenset(found)


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    """The environment of a child: nothing pointing into the repository or its venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv)
    return env


def _run(args: list[str | Path], cwd: Path, venv: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(venv),
                          capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}")
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=_left_out)
    expected = _package_files(source)
    for rel in PLANTED:
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_text("left by a run\n", encoding="utf-8")

    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
          "-q", "-w", dist, source], cwd=base)
    (wheel,) = dist.glob("bulkbench-*.whl")

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check",
          "-q", wheel], cwd=base, venv=venv)
    (site_packages,) = (venv / "lib").glob("python3*/site-packages")
    return Installed(wheel, source, expected, venv, site_packages)


def test_the_wheel_holds_the_package_and_nothing_else(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    dist_info = {n for n in names if n.split("/")[0].endswith(".dist-info")}
    package = set(names) - dist_info

    assert {n.split("/")[0] for n in package} == {"bulkbench"}
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    planted = {f"bulkbench/{p}" for p in PLANTED}
    assert not package & planted, "a run's leftovers in a stage folder were shipped"
    assert not [n for n in package if any(part.startswith(".") for part in n.split("/"))]
    # every file of every stage, of the command line and of the specs, each once
    assert package == installed.expected
    assert len(names) == len(set(names))


def test_site_packages_holds_bulkbench_alone(installed: Installed) -> None:
    top = {p.name for p in installed.site_packages.iterdir()}
    assert "bulkbench" in top
    assert not top & set(FOREIGN_TOP_LEVEL), sorted(top & set(FOREIGN_TOP_LEVEL))
    assert not [n for n in top if n.startswith("__editable__") or "bulkbench.pth" in n]
    record = next(installed.site_packages.glob("bulkbench-*.dist-info")) / "RECORD"
    roots = {line.split(",")[0].split("/")[0] for line in record.read_text().splitlines()}
    assert {r for r in roots if not r.endswith(".dist-info") and r != ".."} == {"bulkbench"}


def test_the_installed_package_finds_its_resources_inside_itself(
        installed: Installed, tmp_path: Path) -> None:
    probe = (
        "import json\n"
        "from importlib.metadata import entry_points\n"
        "from importlib.resources import files\n"
        "import bulkbench, bulkbench.core.catalog as catalog\n"
        "pkg = files('bulkbench')\n"
        "plugin = [e for e in entry_points(group='pytest11') if e.name == 'bulkbench']\n"
        "print(json.dumps({\n"
        "  'package': bulkbench.__file__,\n"
        "  'specs': sorted(p.name for p in (pkg / 'specs').iterdir() if p.is_file()),\n"
        "  'templates': sorted(p.name for p in files('bulkbench.reports')"
        ".joinpath('templates').iterdir()),\n"
        "  'catalog_specs': str(catalog.SPECS_DIR),\n"
        "  'plugin': [(e.value, e.load().__file__) for e in plugin],\n"
        "}))\n")
    found = json.loads(_run([installed.python, "-c", probe], cwd=tmp_path,
                            venv=installed.venv).stdout)
    inside = str(installed.site_packages / "bulkbench")
    assert found["package"].startswith(inside)
    specs = sorted(p.name for p in (installed.source / "specs").iterdir() if p.is_file())
    assert found["specs"] == specs and "sociocs.yaml" in specs
    assert {"index.html.j2", "report.css"} <= set(found["templates"])
    assert found["catalog_specs"] == f"{inside}/specs"
    assert [v for v, _ in found["plugin"]] == ["bulkbench.contract.pytest_entry"]
    assert all(f.startswith(inside) for _, f in found["plugin"])


def test_the_commands_run_from_another_folder_and_leave_only_their_run_folder(
        installed: Installed, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()

    def package_files() -> set[Path]:
        return {p for p in (installed.site_packages / "bulkbench").rglob("*")
                if "__pycache__" not in p.parts}

    before = package_files()
    bulkbench = installed.bulkbench

    catalog = json.loads(_run([bulkbench, "catalog", "--json"], cwd=work,
                              venv=installed.venv).stdout)
    assert "sociocs" in json.dumps(catalog)

    _run([bulkbench, "contract", "--provider", "sociocs", "--out", "run/contract"],
         cwd=work, venv=installed.venv)
    results = json.loads((work / "run" / "contract" / "results.json").read_text())
    assert results["summary"]["passed"] > 0 and results["summary"]["failed"] == 0
    assert {r["provider"] for r in results["results"]} == {"sociocs"}
    assert (work / "run" / "contract" / "junit.xml").is_file()

    _run([bulkbench, "load", "--provider", "sociocs", "--scenario", "steady",
          "--duration", "3s", "--out", "run"], cwd=work, venv=installed.venv)
    summary = json.loads((work / "run" / "load" / "sociocs-steady" / "summary.json")
                         .read_text())
    assert (summary["provider"], summary["scenario"]) == ("sociocs", "steady")
    assert summary["totals"]["requests"] > 0

    assert sorted(p.name for p in work.iterdir()) == ["run"]
    assert sorted(p.name for p in (work / "run").iterdir()) == ["contract", "load"]
    hidden = [p for p in work.rglob(".*")]
    assert not hidden, hidden
    assert package_files() == before, "a run wrote into the installed package"
