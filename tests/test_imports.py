"""The package's import graph has no circles: every `import musicvae_lite...` and `from musicvae_lite...
import` statement, at module level and inside functions alike (a lazy import that only hides a circle from
Python's import machinery is still a circle in the design), read with `ast`, and the graph's strongly
connected components (Tarjan 1972) must all be single modules. Lazy imports that keep torch out of
`mvae --help` are fine as long as they point one way."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "musicvae_lite"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.AST, here: str, is_package: bool, modules: set[str]) -> list[str]:
    """The package modules an import statement names (a `from m import x` names m.x when that is a module)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: from this package (or the one above) down
            base = here.split(".") if is_package else here.split(".")[:-1]
            base = base[:len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
    else:
        return []
    found = []
    for name in names:
        while name not in modules and "." in name:  # `import a.b.c` of a name inside a module: that module
            name = name.rsplit(".", 1)[0]
        if name in modules and name != here:
            found.append(name)
    return found


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """{module: {module it imports: line of the first such import}} over every .py file under `root`."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, dict[str, int]] = {m: {} for m in files}
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in imported(node, name, path.name == "__init__.py", set(files)):
                graph[name].setdefault(target, node.lineno)
    return graph


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    inside = set(component)
    edges = [f"{a}:{line} -> {b}" for a in component for b, line in sorted(graph[a].items()) if b in inside]
    return "circle of " + ", ".join(component) + ":\n    " + "\n    ".join(edges)


def test_the_package_has_no_import_circles():
    graph = import_graph(PACKAGE)
    assert len(graph) > 50 and sum(map(len, graph.values())) > 100  # the walk found the package and its imports
    found = circles(graph)
    assert not found, "\n".join(describe(c, graph) for c in found)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_check_sees_a_circle_held_apart_by_a_lazy_import(tmp_path):
    """The detector itself: a family that imports its task lazily while the task imports the family at the
    top is the circle the melody and image families had; a one-way lazy import is not."""
    pkg = write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/family.py": "FAMILY = 'x'\ndef task():\n    from pkg.task import Task\n    return Task\n",
        "pkg/task.py": "from pkg.family import FAMILY\nclass Task: ...\n",
        "pkg/names.py": "FAMILY = 'x'\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/a.py": "def f():\n    from ..names import FAMILY\n    import pkg.sub.b\n",
        "pkg/sub/b.py": "from . import a\n",
    })
    graph = import_graph(pkg)
    assert graph["pkg.family"] == {"pkg.task": 3} and graph["pkg.task"] == {"pkg.family": 1}
    assert graph["pkg.sub.a"] == {"pkg.names": 2, "pkg.sub.b": 3} and graph["pkg.sub.b"] == {"pkg.sub.a": 1}
    assert circles(graph) == [["pkg.family", "pkg.task"], ["pkg.sub.a", "pkg.sub.b"]]
    assert "pkg.task:1 -> pkg.family" in describe(["pkg.family", "pkg.task"], graph)
    (pkg / "task.py").write_text("from pkg.names import FAMILY\nclass Task: ...\n")  # the fix: the name lives low
    (pkg / "sub" / "b.py").write_text("from pkg import names\n")
    assert circles(import_graph(pkg)) == []


@pytest.mark.parametrize("module", ["musicvae_lite.music.networks.config", "musicvae_lite.music.melody.presets",
                                    "musicvae_lite.music.drums.presets", "musicvae_lite.music.drums.groove.presets",
                                    "musicvae_lite.core.config"])
def test_configs_import_no_torch(module):
    """Configs stay torch-free, so `mvae presets` answers without loading torch."""
    import subprocess

    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_families_carry_the_names_their_tasks_write():
    """The low name modules and the families agree (a family module may still spell its name itself)."""
    from musicvae_lite.image import names as image_names
    from musicvae_lite.image.family import ImageFamily
    from musicvae_lite.music.drums import names as drum_names
    from musicvae_lite.music.drums.family import DrumFamily
    from musicvae_lite.music.melody import names as melody_names
    from musicvae_lite.music.melody.family import MelodyFamily

    assert MelodyFamily.name == melody_names.FAMILY == "melody" and dict(MelodyFamily.bundled) == melody_names.BUNDLED
    assert DrumFamily.name == drum_names.FAMILY == "drums" and ImageFamily.name == image_names.FAMILY == "image"
