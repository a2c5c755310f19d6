"""The house rules (STYLE.md), checked on the import statements of every library module: `core` imports
no family, families never import each other, shared music code imports no music family, and nothing in
the library imports the command line. The families are the ones the registry lists."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import musicvae_lite
from musicvae_lite import families

ROOT = Path(musicvae_lite.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every musicvae_lite module `path` imports, at the top or inside functions, absolute or relative."""
    tree = ast.parse(path.read_text(), str(path))
    here = _module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]  # the package a relative import starts from
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[:len(here) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from pkg import module`
    return {m for m in found if m.startswith("musicvae_lite")}


def _library() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in ROOT.rglob("*.py")}


def _family_packages() -> dict[str, str]:
    """family name -> the package its class lives in (music.melody, image)."""
    return {name: type(f).__module__.rpartition(".")[0] for name, f in families.FAMILIES.items()}


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_registry_lists_a_folder_per_family():
    packages = _family_packages()
    assert set(packages) >= {"melody", "image"}
    for package in packages.values():
        assert (ROOT.parent / package.replace(".", "/") / "__init__.py").is_file(), package


def test_core_imports_no_family_and_not_the_registry():
    bad = {(m, i) for m, imports in _library().items() if _inside(m, "musicvae_lite.core")
           for i in imports if i != "musicvae_lite" and not any(
               _inside(i, ok) for ok in ("musicvae_lite.core", "musicvae_lite.errors", "musicvae_lite.files"))}
    assert not bad


def test_families_never_import_each_other():
    packages = list(_family_packages().values())
    bad = {(m, i) for m, imports in _library().items() for own in packages if _inside(m, own)
           for other in packages if other != own for i in imports if _inside(i, other)}
    assert not bad
    registry = {i for m, imports in _library().items() for own in packages if _inside(m, own)
                for i in imports if i == "musicvae_lite.families"}
    assert not registry  # a family never asks the registry (which would reach every other family)


def test_shared_music_code_imports_no_music_family():
    packages = [p for p in _family_packages().values() if _inside(p, "musicvae_lite.music")]
    shared = {m: imports for m, imports in _library().items()
              if _inside(m, "musicvae_lite.music") and not any(_inside(m, p) for p in packages)}
    assert shared
    bad = {(m, i) for m, imports in shared.items() for p in packages for i in imports if _inside(i, p)}
    assert not bad


def test_nothing_in_the_library_imports_the_command_line():
    bad = {(m, i) for m, imports in _library().items()
           if not _inside(m, "musicvae_lite.cli") and m != "musicvae_lite.__main__"
           for i in imports if _inside(i, "musicvae_lite.cli")}
    assert not bad


@pytest.mark.parametrize("rule", ["core", "family", "cli"])
def test_the_checker_catches_a_broken_rule(tmp_path, rule):
    """The import scanner sees the kinds of import a broken rule would use."""
    line = {"core": "from musicvae_lite.music.melody import model\n",
            "family": "from ...image.presets import IMAGE_PRESETS\n",
            "cli": "def f():\n    import musicvae_lite.cli.common\n"}[rule]
    fake = ROOT / "music" / "melody" / f"_house_probe_{rule}.py"
    fake.write_text(line)
    try:
        imports = _imports(fake)
    finally:
        fake.unlink()
    want = {"core": "musicvae_lite.music.melody.model", "family": "musicvae_lite.image.presets",
            "cli": "musicvae_lite.cli.common"}[rule]
    assert want in imports


def test_every_library_module_imports():
    for name in _library():
        if name != "musicvae_lite.__main__":
            importlib.import_module(name)


def test_no_file_over_600_lines_and_no_function_over_80():
    """The house's size rules (issue 21): a file that grows past 600 lines or a function past 80 is a sign
    that two concepts share it."""
    import ast
    from pathlib import Path

    import musicvae_lite

    too_long = []
    for path in Path(musicvae_lite.__file__).parent.rglob("*.py"):
        source = path.read_text()
        if len(source.splitlines()) > 600:
            too_long.append(f"{path.name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                too_long.append(f"{path.name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not too_long, too_long
