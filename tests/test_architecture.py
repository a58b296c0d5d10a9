"""The package layout of docs/architecture.md, enforced: who may import whom.

Every import counts, at module level or inside a function (the lazy imports that keep
start-up fast are imports all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "leaklint"
LANGUAGES = {"golang", "python"}
# Shared by everything, depending on nothing but each other.
CORE = {"model", "catalogue", "config", "context", "selection", "suppress", "sources",
        "positions", "emit", "docs", "languages", "__version__"}
# Each group, and the groups it may import besides itself and the core.
ALLOWED = {
    "core": set(),
    "engine": set(),
    "golang": {"engine"},
    "python": {"engine"},
    "ci": {"engine", "report"},
    "report": {"ci"},
    "commands": {"engine", "ci", "report"},
    "cli": {"commands", "ci"},
    "__main__": {"cli"},
    "flake8_plugin": {"python"},
}


def _group(module: str) -> str:
    """leaklint.engine.plan -> engine; leaklint.model -> core; leaklint -> core."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in CORE:
        return "core"
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported leaklint module) for every import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "leaklint":
                found += [(node.lineno, f"leaklint.{a.name}") for a in node.names]
            elif node.module.startswith("leaklint."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name == "leaklint" or a.name.startswith("leaklint.")]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layout(path: Path) -> None:
    source = _group(_module_name(path))
    assert source in ALLOWED, f"{path.name}: a new top-level group belongs in ALLOWED"
    bad = [f"line {line}: {target}" for line, target in _imports(path)
           if _group(target) not in ALLOWED[source] | {source, "core"}]
    assert not bad, f"{source} may not import these: {bad}"


def test_the_engine_reaches_languages_only_by_name() -> None:
    """leaklint.languages names each language's unit module as a string; nothing in the
    engine, CI or report code imports a language package."""
    text = (PACKAGE / "languages.py").read_text(encoding="utf-8")
    assert not [t for _, t in _imports(PACKAGE / "languages.py")
                if _group(t) in LANGUAGES]
    for name in ("leaklint.golang.unit", "leaklint.python.unit"):
        assert f'"{name}"' in text


def test_every_language_implements_the_interface() -> None:
    from leaklint.languages import SUFFIXES, UNIT_MODULES, language

    for name in UNIT_MODULES:
        module = language(name)
        for member in ("plan", "process", "preload"):
            assert callable(getattr(module, member)), (name, member)
        assert tuple(module.SUFFIXES) == SUFFIXES[name]


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The test above can fail: an engine module importing a language is caught."""
    bad = tmp_path / "leaklint" / "engine" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("def f():\n    from leaklint.golang.analysis import analyse_package\n")
    targets = [_group(t) for _, t in _imports(bad)]
    assert targets == ["golang"]
    assert "golang" not in ALLOWED["engine"]


def test_rule_modules_are_named_by_their_rules() -> None:
    """One naming scheme in both languages: a check module is named by the ids it
    implements (llNNN.py, or llNNN_llMMM.py for rules sharing one analysis), and its
    docstring names them."""
    for language in LANGUAGES:
        for path in sorted((PACKAGE / language / "checks").glob("*.py")):
            if path.name == "__init__.py":
                continue
            ids = path.stem.upper().split("_")
            assert all(len(i) == 5 and i.startswith("LL") and i[2:].isdigit()
                       for i in ids), path
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert all(i in doc for i in ids), (path, ids)
