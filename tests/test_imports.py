"""The package's layers import downwards only: no import cycle inside fairseq_emo/, counting the imports made
inside functions too (a lazy import hides a cycle from Python, not from a reader)."""
import ast
import os

from conftest import REPO


def package_imports():
    root = os.path.join(REPO, "fairseq_emo")
    modules = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = os.path.relpath(path, REPO)[:-3].replace(os.sep, ".")
                modules[module.removesuffix(".__init__")] = path
    graph = {}
    for module, path in modules.items():
        deps = set()
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fairseq_emo"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("fairseq_emo"))
        graph[module] = {d for d in deps if d in modules and d != module}
    return graph


def cycle_through(graph, start):
    """A path start -> ... -> start, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def test_no_import_cycle_inside_the_package():
    graph = package_imports()
    assert len(graph) > 30 and graph["fairseq_emo.reporting.report"]  # the walk found the package and its imports
    cycles = [c for c in (cycle_through(graph, m) for m in sorted(graph)) if c]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_planted_cycle():
    assert cycle_through({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert cycle_through({"a": {"b"}, "b": set()}, "a") is None


# The stage packages, each with the packages it may import (docs/recipe.md "Where to change things"). serving is
# beside evaluation and reporting, not above them: a prediction never needs a fold's decoding or a report.
LAYERS = {
    "core": set(),
    "units": {"core"},
    "data": {"core", "units"},
    "decoding": {"core", "units", "data"},
    "training": {"core", "units", "data", "decoding"},
    "evaluation": {"core", "units", "data", "decoding", "training"},
    "reporting": {"core", "units", "data", "decoding", "training", "evaluation"},
    "serving": {"core", "units", "data", "decoding", "training"},
    "recipe": {"core", "units", "data", "decoding", "training", "evaluation", "reporting"},
    "cli": {"core", "units", "data", "decoding", "training", "evaluation", "reporting", "serving", "recipe"},
}


def layer_of(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None   # None: the package root (fairseq's user_dir entry point)


def layer_violations(graph):
    """Imports that go up or sideways: ['a.b -> c.d (b may import ...)']."""
    bad = []
    for module, deps in sorted(graph.items()):
        own = layer_of(module)
        if own is None:
            continue
        assert own in LAYERS, f"{module}: package {own} has no place in LAYERS (tests/test_imports.py)"
        for dep in sorted(deps):
            other = layer_of(dep)
            if other not in (own, None) and other not in LAYERS[own]:
                bad.append(f"{module} -> {dep} ({own} may import {sorted(LAYERS[own]) or 'nothing'})")
    return bad


def test_the_stage_packages_import_downwards_only():
    graph = package_imports()
    assert graph["fairseq_emo.serving.predict"] and graph["fairseq_emo.reporting.results"]
    assert not layer_violations(graph), "imports against the layer order:\n" + "\n".join(layer_violations(graph))


def test_the_layer_check_finds_a_planted_upward_import():
    graph = {m: set(d) for m, d in package_imports().items()}
    graph["fairseq_emo.core.layout"].add("fairseq_emo.reporting.results")
    graph["fairseq_emo.serving.predict"].add("fairseq_emo.evaluation.decode")
    found = layer_violations(graph)
    assert any(v.startswith("fairseq_emo.core.layout -> fairseq_emo.reporting.results") for v in found)
    assert any(v.startswith("fairseq_emo.serving.predict -> fairseq_emo.evaluation.decode") for v in found)


def test_the_package_top_level_is_the_stage_list():
    root = os.path.join(REPO, "fairseq_emo")
    modules = [n for n in os.listdir(root) if n.endswith(".py")]
    packages = sorted(n for n in os.listdir(root) if os.path.isfile(os.path.join(root, n, "__init__.py")))
    assert len(modules) <= 10, modules
    assert set(packages) <= set(LAYERS), f"a package without a layer: {set(packages) - set(LAYERS)}"


def function_local_imports():
    """Imports of the package's own modules made inside functions: ['path:line', ...] and those without a comment
    saying why (on the line or the line above)."""
    root = os.path.join(REPO, "fairseq_emo")
    found, bare = [], []
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".py") or "hf_code" in folder:
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            lines = text.split("\n")
            for fn in ast.walk(ast.parse(text)):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(fn):
                    own = (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fairseq_emo")) or (
                        isinstance(node, ast.Import) and any(a.name.startswith("fairseq_emo") for a in node.names))
                    if own:
                        where = f"{os.path.relpath(path, REPO)}:{node.lineno}"
                        found.append(where)
                        if "#" not in lines[node.lineno - 1] + lines[node.lineno - 2]:
                            bare.append(where)
    return found, bare


def test_function_local_imports_are_few_and_justified():
    """A lazy import of our own module is kept only for a heavy optional dependency (torch, fairseq, pypinyin,
    scipy), and says which."""
    found, bare = function_local_imports()
    assert len(found) <= 20, f"{len(found)} function-local imports of fairseq_emo modules:\n" + "\n".join(found)
    assert not bare, "function-local imports without a comment saying why:\n" + "\n".join(bare)
