"""Whether code of the module outside a package may call one of its exported functions.

LL301 asks who calls a function before calling its construction per call. An exported
function of an ordinary package may be called from anywhere, so its callers are unknown.
In a package that only its own module can use (under `internal/`) or that only tests
use (under `test/`, `tests/`, `e2e/`), the module's own files are every caller there
can be: when none outside the package calls the function by a qualified name
(`pkg.Name(`), its callers are those of its package, as an unexported function's are.

The module is read once per process: the qualified names each directory calls.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from leaklint.golang.module import find_module

_PRIVATE_SEGMENTS = frozenset({"internal", "test", "tests", "e2e"})
_SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
# `x.Name(`: a qualified call (a method call too: more mentions, never fewer).
_QUALIFIED_CALL = re.compile(rb"\.([A-Z][A-Za-z0-9_]*)\s*[(\[]")
_MAX_FILES = 50_000  # a tree larger than this is not read whole: callers stay unknown


def module_private(directory: Path) -> bool:
    """The package at directory can be imported only by its module (internal/) or is
    test code (test/, tests/, e2e/ below the module root)."""
    found = find_module(directory)
    if found is None:
        return False
    root, _module = found
    try:
        parts = directory.relative_to(root).parts
    except ValueError:
        return False
    return any(p in _PRIVATE_SEGMENTS for p in parts)


def called_outside(directory: Path, name: str) -> bool:
    """Some .go file of the module outside directory calls something named name by a
    qualified name (or the module cannot be read whole: then the answer is yes)."""
    found = find_module(directory)
    if found is None:
        return True
    calls = _qualified_calls(Path(os.path.abspath(found[0])))
    if calls is None:
        return True
    here = Path(os.path.abspath(directory))
    return any(d != here for d in calls.get(name, ()))


@functools.lru_cache(maxsize=8)
def _qualified_calls(root: Path) -> dict[str, frozenset[Path]] | None:
    """For the module at root: each name called qualified, and the directories that do."""
    by_name: dict[str, set[Path]] = {}
    seen = 0
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith((".", "_"))]
        here = Path(os.path.abspath(current))
        for name in files:
            if not name.endswith(".go"):
                continue
            seen += 1
            if seen > _MAX_FILES:
                return None
            try:
                data = (here / name).read_bytes()
            except OSError:
                return None
            for called in set(_QUALIFIED_CALL.findall(data)):
                by_name.setdefault(called.decode(), set()).add(here)
    return {k: frozenset(v) for k, v in by_name.items()}
