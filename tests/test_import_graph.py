"""The modules' imports, read from the code (every import, a function-level one included: one
that hides a cycle is still a cycle): no cycle among msakb's modules, and no module imports a
top-level folder name (`extract`, `db`, `filings`, `web`) instead of the one package, and no module
uses another's private names."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from tests.kbtools import REPO


def package_modules() -> dict[str, Path]:
    """Every module of the package, by its import name."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    out = {}
    for pkg in config["packages"]:
        top, *rest = pkg.split(".")
        mapped = next((p for p in sorted(config["package-dir"], key=len, reverse=True)
                       if pkg == p or pkg.startswith(p + ".")), None)
        folder = REPO / config["package-dir"][mapped] / Path(*pkg[len(mapped) + 1:].split(".")) if pkg != mapped \
            else REPO / config["package-dir"][mapped]
        if not (folder / "__init__.py").is_file():
            continue
        for path in folder.glob("*.py"):
            name = pkg if path.stem == "__init__" else f"{pkg}.{path.stem}"
            out[name] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.stem == "__init__"
    base = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                mod = f"{parent}.{node.module}" if node.module else parent
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    # Importing a.b.c runs the packages a and a.b first (their __init__): a package's face that
    # imports modules is part of every import below it.
    for t in list(found):
        parent = t.rpartition(".")[0]
        while parent:
            if parent in known and parent != name and not name.startswith(parent + "."):
                found.add(parent)
            parent = parent.rpartition(".")[0]
    return found


def test_no_module_imports_a_top_level_folder():
    offenders = []
    for name, path in package_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else []
            offenders += [f"{name}: {m}" for m in mods if m.split(".")[0] in ("extract", "db", "filings", "web")]
    assert offenders == []


def test_no_import_cycle():
    modules = package_modules()
    known = set(modules)
    graph = {name: imports_of(name, path, known) for name, path in modules.items()}
    # A package's __init__ that only hands on names of its submodules is a face, not a cycle:
    # an import of `msakb.db.pipeline.patch` runs `msakb.db.pipeline` first, but the edge counted is
    # the one to the module named.
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_graph_is_read():
    """The test above can fail: the graph holds the edges a reader sees in the code."""
    modules = package_modules()
    graph = {name: imports_of(name, path, set(modules)) for name, path in modules.items()}
    assert "msakb.db.pipeline.patch" in graph["msakb.db.pipeline.builder"]
    assert "msakb.db.pipeline.builder" in graph["msakb.commands.build"]  # a function-level import counts
    assert "msakb.extract.shared.text" in graph["msakb.extract.shared.records"]
    # an import runs the packages above the module first
    assert "msakb.extract" in graph["msakb.knowledge.gazetteer"]


def test_no_module_uses_another_modules_private_names():
    """A name starting with `_` is its module's own: no other module of the package or of the
    benchmark imports it or reaches for it (`from m import _x`, `m._x`)."""
    modules = package_modules()
    known = set(modules)
    files = {**modules, **{f"bench.{p.stem}": p for p in sorted((REPO / "bench").glob("*.py"))}}
    offenders = []
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}  # a local name -> the package module it is
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("msakb"):
                for a in node.names:
                    if f"{node.module}.{a.name}" in known:
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                    elif a.name.startswith("_") and not a.name.startswith("__") and node.module != name:
                        offenders.append(f"{name}: from {node.module} import {a.name}")
            elif isinstance(node, ast.Import):
                aliases.update({a.asname: a.name for a in node.names if a.asname and a.name in known})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__") and aliases[node.value.id] != name):
                offenders.append(f"{name}: {aliases[node.value.id]}.{node.attr}")
    assert offenders == []
