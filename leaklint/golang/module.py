"""Module awareness: go.mod discovery and lazily indexed sibling packages, so a call into
another package of the same module is understood (SPEC §1: summaries cross packages)."""

from __future__ import annotations

import functools
import os
import re
from collections import OrderedDict
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
    """The directory's .go files in name order (a scan: no stat per file)."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries
                           if e.name.endswith(".go") and e.name != ".go" and e.is_file())
    except OSError:
        return []
    return [directory / name for name in names]


# The sibling packages met lately (least recent first), keyed by their directory, so
# every package of the module that imports one shares its index. Trimmed only between
# packages (release_sibling_caches): while one package is analysed, summaries reach
# through as many packages as its calls do (an SDK's client constructor calls one
# constructor per service package, a hundred or more), and evicting any of them then
# dropped the summaries being computed and started them over, again and again. Bounded
# between packages: a long-lived worker must not grow with the packages it has seen.
_SIBLINGS: OrderedDict[Path, PackageIndex | None] = OrderedDict()
_SIBLINGS_KEPT = 64


def sibling_package(import_path: str, anchor: Path) -> PackageIndex | None:
    """The index of another package of anchor's module, or None when it is not one."""
    directory = _sibling_directory(import_path, anchor)
    if directory is None:
        return None
    if directory in _SIBLINGS:
        _SIBLINGS.move_to_end(directory)
        return _SIBLINGS[directory]
    index = _SIBLINGS[directory] = _sibling_package(import_path, directory)
    return index


def release_sibling_caches() -> None:
    """Drop the node lists of the sibling packages' files once a package is done: the
    indexes (names, signatures, summaries) stay for the next package, the Python node
    wrappers, the bulk of their memory, are rebuilt if ever needed. The least recent
    packages beyond the bound are dropped whole."""
    while len(_SIBLINGS) > _SIBLINGS_KEPT:
        _SIBLINGS.popitem(last=False)
    for index in _SIBLINGS.values():
        if index is not None:
            for gofile in index.files:
                gofile.release_caches()


@functools.lru_cache(maxsize=4096)
def _sibling_directory(import_path: str, anchor: Path) -> Path | None:
    """Where import_path lives when it is a package of anchor's module."""
    found = find_module(anchor)
    if found is None:
        return None
    root, module = found
    if not (import_path == module or import_path.startswith(module + "/")):
        return None
    return root / import_path[len(module):].lstrip("/")


def _sibling_package(import_path: str, directory: Path) -> PackageIndex | None:
    paths = [p for p in go_files(directory) if not p.name.endswith("_test.go")]
    if not paths:
        return None
    # Tests are not part of the package callers import; every file is parsed lazily.
    return build_index(import_path, [], pending=[(p, None) for p in paths])
