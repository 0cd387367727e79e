"""Issue 8: the import pipeline's dependency direction. interop imports core and nothing of an
app (the apps register their importers with it); core imports nothing of interop."""

from __future__ import annotations

import ast
from pathlib import Path

import outbreakhq

ROOT = Path(outbreakhq.__file__).parent


def imported_modules(folder: Path) -> set[tuple[str, str]]:
    """(file, module) of every `import` and `from … import` under the folder, at any depth of
    the code (an import inside a function counts as well)."""
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), alias.name) for alias in node.names}
    return found


def test_interop_imports_core_and_no_app() -> None:
    allowed = ("outbreakhq.core", "outbreakhq.interop")
    wrong = sorted((f, m) for f, m in imported_modules(ROOT / "interop")
                   if m.startswith("outbreakhq") and not m.startswith(allowed))
    assert not wrong


def test_core_imports_nothing_of_interop() -> None:
    wrong = sorted((f, m) for f, m in imported_modules(ROOT / "core")
                   if m.startswith("outbreakhq.interop"))
    assert not wrong
