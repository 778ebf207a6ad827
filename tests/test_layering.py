"""The package's imports point one way and form no cycle (CONVENTIONS, "The layout that shows it").

Every module of ``checker`` (``checker/``, and ``rules/`` and ``policies/`` as ``checker.rules`` and
``checker.policies``) is read with :mod:`ast`, not imported. Counted as imports:

- ``import checker.x`` and ``from checker.x import y`` (``y`` itself when it is a module), relative
  ones resolved, at the top of a module and inside functions too: a function-local (lazy) import is
  a real dependency, only a later one;
- not those under ``if TYPE_CHECKING:`` (annotations only, never run);
- not modules named by a string (``importlib.import_module(REPORTERS[name])``, the registry loading
  ``checker.rules``): plugins found at run time, the way a higher layer reaches a lower one.

Two rules: no cycle between modules (a strongly connected component of more than one module, or a
module importing itself), and no import up the layer order of :data:`LAYERS`. Imports within one
layer are allowed when they form no cycle. A module that no entry of :data:`LAYERS` covers fails
the test: place it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Lowest first. A module belongs to the longest prefix that names it (``checker`` alone: the package's
# __init__, which holds __version__ and data_file).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("model", ("checker", "checker.model", "checker.paths", "checker.parallel", "checker.policies")),
    ("catalog", ("checker.catalog",)),
    ("analysis", ("checker.analysis",)),
    # The front ends, the rule engine (with the rules it loads) and the reporters; the core types
    # they share (Settings, InputError, config discovery; Report, ExplainEntry) live beside them.
    ("sources, engine, reporters", ("checker.sources", "checker.terraform", "checker.engine", "checker.rules",
                                    "checker.reporters", "checker.settings", "checker.report")),
    ("pipeline", ("checker.pipeline",)),
    ("api", ("checker.api",)),
    # The front doors: the command line, the pre-commit hook, the GitHub Action, verify.
    ("cli", ("checker.cli",)),
]
RANK = {prefix: rank for rank, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes}


def layer(module: str) -> int | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        rank = RANK.get(".".join(parts[:n]))
        if rank is not None:
            return rank
    return None


def modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package's __init__)."""
    out: dict[str, tuple[Path, bool]] = {}
    for folder, package in ((REPO / "checker", "checker"), (REPO / "rules", "checker.rules"),
                            (REPO / "policies", "checker.policies")):
        for f in sorted(folder.rglob("*.py")):
            parts = [package, *f.relative_to(folder).with_suffix("").parts]
            is_init = parts[-1] == "__init__"
            out[".".join(parts[:-1] if is_init else parts)] = (f, is_init)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imports_of(module: str, file: Path, is_init: bool, known: set[str]) -> set[str]:
    """The project's modules ``module`` imports (see the module doc for what counts)."""
    found: set[str] = set()
    package = module.split(".") if is_init else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for stmt in child.orelse:
                    visit(stmt)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.add(alias.name)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[:len(package) - child.level + 1]
                    source = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    source = child.module or ""
                for alias in child.names:
                    sub = f"{source}.{alias.name}"
                    found.add(sub if sub in known else source)
            visit(child)

    visit(ast.parse(file.read_text(encoding="utf-8"), str(file)))
    return {m for m in found if m in known and m != module} | ({module} if module in found else set())


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, f, is_init, known) for name, (f, is_init) in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, and modules importing themselves (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_the_walk_sees_the_package() -> None:
    edges = graph()
    # A few edges known to exist, lazy and top-level, absolute and relative: the walk is not blind.
    assert "checker.pipeline" in edges["checker.api"]
    assert "checker.engine.runner" in edges["checker.pipeline"]  # a function-local import
    assert "checker.rules._util" in edges["checker.rules.iam101_write_action_allowed"]  # relative
    assert "checker.catalog" in edges["checker.analysis.trust"]
    # ... and imports under TYPE_CHECKING are not edges: checker.report names Profile only for annotations.
    assert "checker.engine.profiles" not in edges["checker.report"]


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in graph() if layer(m) is None)
    assert unplaced == [], f"add these modules to LAYERS in {Path(__file__).name}: {unplaced}"


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_imports_point_down_the_layers() -> None:
    names = [name for name, _ in LAYERS]
    upward = sorted(f"{a} ({names[la]}) imports {b} ({names[lb]})"
                    for a, targets in graph().items() for b in targets
                    if (la := layer(a)) is not None and (lb := layer(b)) is not None and lb > la)
    assert upward == []


@pytest.mark.parametrize(("edges", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"a"}}, [["a"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_cycles_finds_what_it_should(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected
