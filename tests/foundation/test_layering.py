"""The layers: the base (``bulkbench.core``) imports no stage, no stage imports the command
line, and the stages import one another only along the data flow of DESIGN.md.

Every ``import`` counts, those inside functions too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bulkbench

PACKAGE = Path(bulkbench.__file__).parent
COMMAND_LINE = ("cli", "commands", "orchestration", "__main__")
#: what each part of the package may import besides itself and the base.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "generators": set(),
    "reports": set(),
    "sandbox": {"generators"},
    "loadtests": {"generators", "sandbox"},  # a load run starts its own sandbox
    "contract": {"generators", "sandbox"},  # the suite starts its own sandboxes
    # the bundled providers' folders: each adds to the sandbox, the checks, the cases
    "providers": {"generators", "sandbox", "contract"},
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "bulkbench" else None


def _imports(path: Path, module: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = module.split(".")[: -node.level]
                found.add(".".join([*base, node.module or ""]).rstrip("."))
            elif node.module:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names
                          if node.module == "bulkbench"}
    return found


def _modules(part: str) -> list[tuple[str, Path]]:
    folder = PACKAGE / part
    return [("bulkbench." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts), p)
            for p in sorted(folder.rglob("*.py"))]


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(part: str) -> None:
    modules = _modules(part)
    assert modules, part
    wrong = []
    for module, path in modules:
        for imported in _imports(path, module):
            target = _part(imported)
            if target is None or target in (part, "core"):
                continue
            if target in COMMAND_LINE or target not in ALLOWED[part]:
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_the_command_line_is_the_only_importer_of_itself() -> None:
    assert set(ALLOWED) | set(COMMAND_LINE) >= {
        p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"
    } - {"specs"}
