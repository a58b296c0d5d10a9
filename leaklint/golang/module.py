"""Module awareness: go.mod discovery and lazily indexed sibling packages, so a call into
another package of the same module is understood (SPEC §1: summaries cross packages)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from leaklint.golang.index import PackageIndex, build_index, load_file
from leaklint.sources import UnreadableSource, decode

_MODULE_LINE = re.compile(rb"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)
# Indexing a sibling package reads at most this many bytes of Go source.
_MAX_SIBLING_BYTES = 4 * 1024 * 1024


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


@functools.lru_cache(maxsize=256)
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
    files = []
    budget = _MAX_SIBLING_BYTES
    for path in go_files(directory):
        if path.name.endswith("_test.go"):
            continue  # tests are not part of the package callers import
        try:
            raw = path.read_bytes()
            budget -= len(raw)
            if budget < 0:
                break
            files.append(load_file(None, path, decode(raw)))
        except (OSError, UnreadableSource):
            continue
    if not files:
        return None
    return build_index(import_path, files)
