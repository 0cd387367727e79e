"""Which package may import which (docs/architecture.md, "Rules between the apps").

A plain walk over the syntax tree of every module: no import-linter, no Django set-up, a second
to run. Imports under `if TYPE_CHECKING:` count too (they name a dependency all the same).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "outbreakhq"

# The Django apps of ours, bottom to top, and the apps each may import besides itself. A new
# module (screening, quarantine, ...) adds its line here: core, never another domain app (hand-
# overs between apps are events, not imports), and wiring, at the top, imports it.
APPS = ("core", "interop", "tracing", "screening", "quarantine", "zones", "support", "command",
        "wiring")
MAY_IMPORT = {
    "core": set(),
    # The import pipeline: modules register their importers with it (AppConfig.ready()).
    "interop": {"core"},
    "tracing": {"core", "interop"},
    # The modules: core (and the import pipeline); what they need of each other is an event
    # (core/events.py) or a question answered through core/hooks.py `provide`/`ask`.
    "screening": {"core", "interop"},
    "quarantine": {"core", "interop"},
    "zones": {"core", "interop"},
    "support": {"core", "interop"},
    # The command centre reads tracing's records for its daily aggregates; the other modules
    # bring their figures as tiles and home panels (core/hooks.py).
    "command": {"core", "interop", "tracing"},
    "wiring": {"core", "interop", "tracing", "screening", "quarantine", "zones", "support",
               "command"},
}
# Plain-Python libraries of ours: importable from anywhere, and they import no app.
LIBRARIES = ("config", "production", "cli", "epi", "simulate", "protocols", "formats")
# Top-level modules that assemble the apps (settings, URLs, the API): no app imports them.
TOP = ("settings", "urls", "api", "wsgi")
# No Django and no app: the rules of the domain, fast to test and usable in a notebook.
PURE = ("epi", "simulate", "tracing.rules")
# Imports inside a function are allowed for these reasons only: Django's app registry (an
# AppConfig.ready or settings, loaded before the models), or a dependency too heavy for every
# start. Anything else inside a function is a dodged import cycle: fix the cycle instead.
LATE_IMPORTS_ALLOWED = {
    # settings.py runs before any app is loaded; apps.ready() runs once the models are.
    ("outbreakhq.settings", "outbreakhq.core.retention"),
    ("outbreakhq.core.apps", "*"),
    ("outbreakhq.tracing.apps", "*"),
    ("outbreakhq.interop.apps", "*"),
    ("outbreakhq.screening.apps", "*"),
    ("outbreakhq.quarantine.apps", "*"),
    ("outbreakhq.zones.apps", "*"),
    ("outbreakhq.support.apps", "*"),
    ("outbreakhq.command.apps", "*"),
    # core/bulk.py loads pyarrow (COPY on PostgreSQL): only a batch write pays for it, not
    # every audit event.
    ("outbreakhq.core.audit", "outbreakhq.core.bulk"),
    # The API assembles the routers of every app; left to the extension-point work of issue 8.
    ("outbreakhq.api", "*"),
    # Cycles that other parts of issue 8 remove (the scoped queryset moves into core/scope; the
    # import and export files move to interop/): listed so that no new one creeps in meanwhile.
    ("outbreakhq.core.models", "outbreakhq.core.scope"),
    ("outbreakhq.tracing.models", "outbreakhq.core.scope"),
    ("outbreakhq.tracing.exporting", "outbreakhq.tracing"),
    ("outbreakhq.tracing.exporting", "outbreakhq.tracing.pseudonyms"),
    ("outbreakhq.tracing.pseudonyms", "outbreakhq.tracing.exporting"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@cache
def imports_of(path: Path) -> tuple[tuple[str, bool], ...]:
    """(imported module, inside a function?) for every import of one file, names resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package[:len(package) - child.level + 1] + ([base] if base
                                                                                   else []))
                found.append((base, in_function))
                # `from outbreakhq.tracing import services` names a module, not an attribute.
                found.extend((f"{base}.{alias.name}", in_function) for alias in child.names
                             if (SRC / Path(*f"{base}.{alias.name}".split("."))).exists()
                             or (SRC / f"{Path(*f'{base}.{alias.name}'.split('.'))}.py").exists())
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return tuple(found)


def part_of(module: str) -> str | None:
    """The app, library or top module of ours that `module` belongs to (None: not ours)."""
    parts = module.split(".")
    if parts[0] != "outbreakhq" or len(parts) < 2:
        return None
    return parts[1]


def is_pure(module: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in
               (f"outbreakhq.{name}" for name in PURE))


def test_every_app_of_ours_has_its_place_in_the_import_rules():
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    assert apps == set(APPS), "add the new app to APPS and MAY_IMPORT (docs/architecture.md)"


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = []
    for path in modules():
        if part_of(module_name(path)) != app:
            continue
        for target, _ in imports_of(path):
            other = part_of(target)
            if other in APPS and other != app and other not in MAY_IMPORT[app]:
                wrong.append(f"{module_name(path)} imports {target}")
            if other in TOP:
                wrong.append(f"{module_name(path)} imports the top-level {target}")
    assert wrong == []


def test_core_imports_no_other_app_of_ours():
    assert MAY_IMPORT["core"] == set()


def test_libraries_of_ours_import_no_app():
    wrong = [f"{module_name(path)} imports {target}" for path in modules()
             if part_of(module_name(path)) in LIBRARIES
             for target, _ in imports_of(path)
             if part_of(target) in APPS or part_of(target) in TOP]
    assert wrong == []


def test_epi_simulate_and_the_rules_import_no_django():
    wrong = [f"{module_name(path)} imports {target}" for path in modules()
             if is_pure(module_name(path))
             for target, _ in imports_of(path)
             if target.split(".")[0] in ("django", "ninja")]
    assert wrong == []


def test_imports_inside_functions_are_only_the_listed_ones():
    """An import inside a function hides a cycle from the reader; the few that have another
    reason are listed above with it."""
    late = set()
    for path in modules():
        here = module_name(path)
        for target, in_function in imports_of(path):
            if not in_function or part_of(target) is None:
                continue
            if (here, "*") in LATE_IMPORTS_ALLOWED or (here, target) in LATE_IMPORTS_ALLOWED:
                continue
            late.add(f"{here} imports {target} inside a function")
    assert sorted(late) == []


def test_the_import_walk_sees_relative_and_module_imports():
    """The rules above are only as good as the walk: it must see `from outbreakhq.x import y`
    as an import of the module outbreakhq.x.y."""
    found = dict(imports_of(PACKAGE / "tracing" / "scenario_load.py"))
    assert "outbreakhq.core.bulk" in found
    assert "outbreakhq.tracing.scenario_rows" in found
