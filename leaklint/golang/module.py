"""Module awareness: go.mod discovery and lazily indexed sibling packages, so a call into
another package of the same module is understood (SPEC §1: summaries cross packages)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from leaklint.golang.index import PackageIndex, build_index

_MODULE_LINE = re.compile(rb"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)


@functools.lru_cache(maxsize=1024)
def find_module(directory: Path) -> tuple[Path, str] | None:
    """(module root, module path) of the nearest go.mod at or above directory."""
    for candidate in (directory, *directory.parents):
        gomod = candidate / "go.mod"
        try:
            if gomod.is_file():
                m = _MODULE_LINE.search(gomod.read_bytes()[:65536])
                return (candidate, m.group(1).decode("utf-8", "replace")) if m else None
        except OSError:
            return None
    return None


def import_path_of(directory: Path) -> str:
    found = find_module(directory)
    if found is None:
        return str(directory)
    root, module = found
    rel = directory.relative_to(root).as_posix()
    return module if rel == "." else f"{module}/{rel}"


def go_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".go" and p.is_file())
    except OSError:
        return []


@functools.lru_cache(maxsize=32)  # bounded: a long-lived worker must not grow
def sibling_package(import_path: str, anchor: Path) -> PackageIndex | None:
    """The index of another package of anchor's module, or None when it is not one."""
    found = find_module(anchor)
    if found is None:
        return None
    root, module = found
    if not (import_path == module or import_path.startswith(module + "/")):
        return None
    rel = import_path[len(module):].lstrip("/")
    directory = root / rel
    paths = [p for p in go_files(directory) if not p.name.endswith("_test.go")]
    if not paths:
        return None
    # Tests are not part of the package callers import; every file is parsed lazily.
    return build_index(import_path, [], pending=paths)
