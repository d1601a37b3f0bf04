"""The house has no circles: the import graph of ``ainimotion_vs`` and ``scripts/*.py``, read
from the source (AST, no imports run), has no cycle, and no script imports the tests or a
private module.

Edges: every ``import`` and ``from ... import`` (absolute or relative, at module level or
inside a function) that names a module of the package or a script; ``from pkg import name``
points at the submodule ``pkg.name`` when there is one, else at ``pkg`` (its ``__init__``).
Imports under ``if TYPE_CHECKING:`` never run and are left out.
"""
from __future__ import annotations

import ast
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
PACKAGE = "ainimotion_vs"

def _module_files() -> dict[str, Path]:
    """``{module name: file}`` for the package and the scripts (scripts by their bare name,
    as they import each other with ``scripts/`` on the path)."""
    mods: dict[str, Path] = {}
    for path in sorted((REPO / PACKAGE).rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    for path in sorted((REPO / "scripts").glob("*.py")):
        mods[f"scripts/{path.stem}"] = path
    return mods


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import node that runs (all depths), skipping ``if TYPE_CHECKING:`` bodies."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom, mods: dict[str, Path]) -> list[str]:
    """Modules of ``mods`` that ``node`` (in module ``name`` at ``path``) imports, as written
    (``tests``/``conftest`` included, for the script rules)."""
    script = name.startswith("scripts/")

    def resolve(dotted: str) -> str | None:
        """The longest prefix of ``dotted`` that is a known module (scripts: a sibling script)."""
        if script and f"scripts/{dotted}" in mods:
            return f"scripts/{dotted}"
        parts = dotted.split(".")
        if parts[0] in ("tests", "conftest"):
            return dotted
        for i in range(len(parts), 0, -1):
            cand = ".".join(parts[:i])
            if cand in mods:
                return cand
        return None

    out: list[str] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            t = resolve(alias.name)
            if t:
                out.append(t)
        return out
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        base_parts = package.split(".")
        if node.level > 1:
            base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    for alias in node.names:
        t = resolve(f"{base}.{alias.name}") if f"{base}.{alias.name}" in mods else resolve(base)
        if t:
            out.append(t)
    return out


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` over the package and the scripts."""
    mods = _module_files()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = {t for node in _imports(tree) for t in _targets(name, path, node, mods)}
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one
    cycle through its members (a readable path ``a -> b -> ... -> a``)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return [_cycle_path(graph, set(c)) for c in comps]


def _cycle_path(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """One cycle through the component, found by a breadth-first search back to its start."""
    start = min(members)
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [*reversed(path), start]
                if w not in prev and w != start:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(members)  # pragma: no cover - a component always has a cycle


def test_graph_sees_relative_absolute_and_function_imports(tmp_path):
    """The reader itself: a cycle made of every kind of import is found and printed."""
    mods = {"p": tmp_path / "p" / "__init__.py", "p.a": tmp_path / "p" / "a.py", "p.b": tmp_path / "p" / "b.py",
            "p.c": tmp_path / "p" / "c.py"}
    src = {
        "p.a": "from . import b\n",
        "p.b": "def f():\n    import p.c\n",
        "p.c": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import x\nfrom .a import y\n",
    }
    graph = {}
    for name, text in src.items():
        tree = ast.parse(text)
        graph[name] = {t for node in _imports(tree) for t in _targets(name, mods[name], node, mods)}
    assert graph == {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}}
    assert cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles (each: a -> b -> ... -> a):\n" + "\n".join(" -> ".join(c) for c in found)


def test_scripts_import_no_tests_and_no_private_modules():
    graph = import_graph()
    bad = []
    for name, targets in sorted(graph.items()):
        if not name.startswith("scripts/"):
            continue
        for t in sorted(targets):
            if t.split(".")[0] in ("tests", "conftest"):
                bad.append((name, t))
            elif t.startswith(f"{PACKAGE}.") and any(p.startswith("_") for p in t.split(".")[1:]):
                bad.append((name, t))
    assert not bad, "scripts importing tests or private modules:\n" + "\n".join(f"{s} imports {t}" for s, t in bad)
