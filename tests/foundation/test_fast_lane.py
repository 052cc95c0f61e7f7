"""The fast lane stays fast: a test that starts a process or a server carries the ``slow``
marker (tests/conftest.py), and the guard (tests/fast_lane.py) fails one that does not.

The guard is run here on small test files in an in-process pytest session (pytester);
the suite's own modules are held statically: every entry of the slow list names a module
or test that exists, and every module that imports a way to start a process is listed.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SLOW, SLOW_FIXTURES

TESTS = Path(__file__).resolve().parents[1]
#: names that start a child process or a server when a test calls them.
STARTERS = {"subprocess", "multiprocessing", "start_sandbox", "SandboxProcess",
            "run_bulkbench", "bulkbench_command", "run_cli", "run_suite", "uvicorn",
            "ThreadingHTTPServer", "HTTPServer"}

STARTS_A_PROCESS = """
import subprocess, sys
{mark}
def test_it():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
"""
STARTS_A_SERVER = """
import socket
def test_it():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
"""
STARTS_NOTHING = """
def test_it():
    assert sum(range(4)) == 6
"""


def _run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makepyfile(test_lane=textwrap.dedent(source))
    return pytester.runpytest_inprocess("-p", "tests.fast_lane", "-q")


def test_an_unmarked_test_starting_a_process_fails_naming_it(
        pytester: pytest.Pytester) -> None:
    result = _run(pytester, STARTS_A_PROCESS.format(mark=""))
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_it starts a process or a server but is not marked "
                                 "slow*subprocess.Popen*-c pass*"])


def test_a_marked_test_may_start_a_process(pytester: pytest.Pytester) -> None:
    result = _run(pytester, STARTS_A_PROCESS.format(mark="import pytest\n@pytest.mark.slow"))
    result.assert_outcomes(passed=1)


def test_an_unmarked_test_starting_a_server_fails(pytester: pytest.Pytester) -> None:
    result = _run(pytester, STARTS_A_SERVER)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*not marked slow*socket.bind*127.0.0.1*"])


def test_a_test_starting_nothing_passes_unmarked(pytester: pytest.Pytester) -> None:
    _run(pytester, STARTS_NOTHING).assert_outcomes(passed=1)


def _modules() -> dict[str, ast.Module]:
    return {path.relative_to(TESTS.parent).as_posix(): ast.parse(path.read_text("utf-8"))
            for path in sorted(TESTS.rglob("test_*.py"))}


def _functions(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def _names(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
            found |= {alias.name.split(".")[-1] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {alias.name for alias in node.names}
            found |= set((node.module or "").split("."))
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def _fixtures_asked(tree: ast.Module) -> set[str]:
    """The arguments of the module's test functions: the fixtures they ask for."""
    return {arg.arg for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for arg in node.args.args}


def _marked_slow_in_file(tree: ast.Module) -> bool:
    """``pytestmark = pytest.mark.slow`` (or a list holding it) at module level."""
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
                and "pytest.mark.slow" in ast.unparse(node.value)):
            return True
    return False


def test_every_entry_of_the_slow_list_exists() -> None:
    modules = _modules()
    for entry in SLOW:
        module, _, function = entry.partition("::")
        assert module in modules, f"SLOW names a module that does not exist: {entry}"
        assert not function or function in _functions(modules[module]), (
            f"SLOW names a test that does not exist: {entry}")
    defined: set[str] = set()
    for conftest in TESTS.rglob("conftest.py"):
        defined |= _functions(ast.parse(conftest.read_text("utf-8")))
    assert defined >= SLOW_FIXTURES, sorted(SLOW_FIXTURES - defined)


def test_every_module_that_can_start_a_process_has_slow_tests() -> None:
    """A module naming a way to start a process or a server is slow as a whole, has slow
    tests listed, or uses a slow fixture; which of its tests really start one, the guard
    says at run time."""
    unmarked = []
    for module, tree in _modules().items():
        names = _names(tree)
        if not names & STARTERS:
            continue
        listed = module in SLOW or any(e.startswith(f"{module}::") for e in SLOW)
        uses = _fixtures_asked(tree) & SLOW_FIXTURES
        if not (listed or uses or _marked_slow_in_file(tree)):
            unmarked.append(f"{module}: {sorted(names & STARTERS)}")
    assert not unmarked, unmarked
