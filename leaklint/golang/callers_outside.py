"""Whether code of the module outside a package may call one of its exported functions.

LL301 asks who calls a function before calling its construction per call. An exported
function of an ordinary package may be called from anywhere, so its callers are unknown.
In a package that only its own module can use (under `internal/`) or that only tests
use (under `test/`, `tests/`, `e2e/`, `integration/`), the module's own files are every
caller there can be: the files of other packages that call the name qualified
(`pkg.Name(`) are found here, and parsed (a test file alone, another file with its
package) so that the rule can judge each call where it is made.

The module's file list is read once per process; the files are searched per name.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from leaklint.golang.index import GoFile, PackageIndex, build_index
from leaklint.golang.module import find_module, import_path_of, sibling_package
from leaklint.golang.parse import NOT_CODE

_PRIVATE_SEGMENTS = frozenset({"internal", "test", "tests", "e2e", "integration"})
_SKIPPED_DIRS = frozenset({"vendor", "testdata", "third_party", "node_modules"})
_MAX_FILES = 50_000  # a tree larger than this is not read whole: callers stay unknown


def _module_parts(directory: Path) -> tuple[Path, str, tuple[str, ...]] | None:
    """(module root, module path, the directory's path segments below the root)."""
    found = find_module(directory)
    if found is None:
        return None
    root, module = found
    try:
        return root, module, directory.relative_to(root).parts
    except ValueError:
        return None


def module_private(directory: Path) -> bool:
    """The package at directory can be imported only by its module (internal/), is
    test code (test/, tests/, e2e/, integration/ below the module root), or belongs to
    one of the module's commands (`cmd/<name>/...`: by Go convention a binary's own
    code, which other modules do not import)."""
    found = _module_parts(directory)
    return found is not None and (any(p in _PRIVATE_SEGMENTS for p in found[2]) or (
        len(found[2]) >= 2 and found[2][0] == "cmd"))


def calling_files(directory: Path, name: str) -> list[Path] | None:
    """The .go files of the module outside directory that call something named name by
    a qualified name; None when the module cannot be read whole."""
    found = find_module(directory)
    if found is None:
        return None
    calls = _calling(Path(os.path.abspath(found[0])), name)
    if calls is None:
        return None
    here = Path(os.path.abspath(directory))
    return sorted(f for f in calls if f.parent != here)


def called_outside(directory: Path, name: str) -> bool:
    """Some .go file of the module outside directory calls name qualified (or the
    module cannot be read whole: then the answer is yes)."""
    files = calling_files(directory, name)
    return files is None or bool(files)


def parsed_caller(path: Path, name: str) -> tuple[PackageIndex, GoFile] | None:
    """A calling file, parsed: with its package's other files pending (they are read
    when a name they declare is looked up), or alone for a test file (its package may
    be the external test package). None when it cannot be parsed."""
    directory = path.parent
    if path.name.endswith("_test.go"):
        index = build_index(f"{import_path_of(directory)}#test:{path.name}", [],
                            pending=[(path, None)])
    else:
        sibling = sibling_package(import_path_of(directory), directory)
        if sibling is None:
            return None
        index = sibling
    # The whole package, not only the files naming the function: the call's receiver
    # (`m.prober.Probe(ctx)`) is typed by declarations anywhere in it.
    if not index.load_mentioning(b""):
        return None
    target = os.path.abspath(path)
    file = next((f for f in index.files if os.path.abspath(f.path) == target), None)
    return (index, file) if file is not None else None


@functools.lru_cache(maxsize=256)
def _calling(root: Path, name: str) -> tuple[Path, ...] | None:
    """The module's files that name name qualified, called or not (read on each new
    question: the questions are few, and a table of every name would cost memory on
    large trees). A mention that is no call (`var handleReq = general.HandleRequest`)
    hands the function on: its callers cannot all be seen."""
    files = _module_go_files(root)
    if files is None:
        return None
    wanted = re.compile(rb"\." + re.escape(name.encode()) + rb"\b")
    out = []
    needle = name.encode()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if needle in data and wanted.search(data):
            out.append(path)
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _module_go_files(root: Path) -> tuple[Path, ...] | None:
    """The .go files of the module at root (vendor/, testdata/ and hidden directories
    left out); None when there are too many to read."""
    out: list[Path] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith((".", "_"))]
        here = Path(os.path.abspath(current))
        out.extend(here / f for f in files if f.endswith(".go"))
        if len(out) > _MAX_FILES:
            return None
    return tuple(out)


def _private_root(directory: Path) -> tuple[Path, str] | None:
    """(the root of the tree whose code is every importer there can be, the package's
    import path) for a package under internal/ (also of a module nested under an
    internal/ directory), or under the module's test, e2e or cmd trees; None for a
    package other modules may import."""
    found = _module_parts(directory)
    if found is None:
        return None
    root, module, parts = found
    root = Path(os.path.abspath(root))
    path = "/".join((module, *parts))
    if module_private(directory):
        return root, path
    above = _internal_parent(root, module)
    return (above, path) if above is not None else None


def _internal_parent(root: Path, module: str) -> Path | None:
    """For a module nested under an internal/ directory of its repository
    (`.../v2/internal/test` at root), that directory's parent: its importers can only be
    in the tree below it. None when the module path has no internal/ segment or the
    directories do not spell it."""
    segments = module.split("/")
    if "internal" not in segments:
        return None
    below = segments[segments.index("internal"):]
    if len(root.parts) <= len(below) or list(root.parts[-len(below):]) != below:
        return None
    return root.parents[len(below) - 1]


def tree_private(directory: Path) -> bool:
    """Only code of the package's own tree can import it (see _private_root)."""
    return _private_root(directory) is not None


def never_called(directory: Path, package: str, name: str) -> bool:
    """An exported function of a package only its own tree can import, which no code
    of that tree names, or names only inside functions that are never called either
    (a generated `NewClientWithResponses` calling `NewClient`): not the package's other
    code, nor any file importing the package (as `alias.Name`). It never runs."""
    found = _private_root(directory)
    if found is None or not name[:1].isupper():
        return False
    return _never_called(found[0], found[1], Path(os.path.abspath(directory)), package,
                         name, 0)


# Functions that run without being named: go test's entries, package initialisers.
_RUN_UNNAMED = re.compile(r"^(Test|Benchmark|Example|Fuzz)|^(init|main)$")
_FUNC_HEADER = re.compile(rb"(?m)^func\s*(\([^)]*\))?\s*(\w+)")
_TOP_LEVEL = re.compile(rb"(?m)^(?:var|const|type)\b")
_MAX_CALLER_DEPTH = 2


@functools.lru_cache(maxsize=1024)
def _never_called(root: Path, import_path: str, directory: Path, package: str,
                  name: str, depth: int) -> bool:
    if _RUN_UNNAMED.search(name):
        return False
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    declared = 0
    for path in _package_files(directory):
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if name.encode() not in data:
            continue
        code = NOT_CODE.sub(b"", data)
        headers = list(_FUNC_HEADER.finditer(code))
        tops = [t.start() for t in _TOP_LEVEL.finditer(code)]
        for mention in word.finditer(code):
            header = next((h for h in reversed(headers) if h.start() <= mention.start()),
                          None)
            if header is not None and any(header.start() < t <= mention.start()
                                          for t in tops):
                header = None  # after a later `var`, `const` or `type`: not in the func
            if header is not None and header.start(2) == mention.start():
                if header.group(1) is None:
                    declared += 1  # the function's own declaration
                    continue
                return False  # a method of the same name: not this function
            caller = header.group(2).decode() if header is not None else None
            if caller is None or header.group(1) is not None or (
                    depth >= _MAX_CALLER_DEPTH) or not _never_called(
                    root, import_path, directory, package, caller, depth + 1):
                # Named outside a function (a package variable), in a method, or by
                # a function that may run: a use.
                return False
    if declared != 1:
        return False
    if not name[:1].isupper():
        return True  # an unexported function: only its package can name it
    importers = _importers(root)
    if importers is None:
        return False
    for path, alias in importers.get(import_path, ()):
        if alias == ".":
            return False  # a dot import: the bare name may be a use
        if alias == "_":
            continue
        try:
            data = path.read_bytes()
        except OSError:
            return False
        spelled = (alias or package).encode()
        if name.encode() in data and re.search(
                rb"\b" + re.escape(spelled) + rb"\s*\.\s*" + re.escape(name.encode()) +
                rb"\b", NOT_CODE.sub(b"", data)):
            return False
    return True


def _package_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".go")
    except OSError:
        return []


_IMPORT_BLOCK = re.compile(rb"(?ms)^import\s*\((.*?)\)|^import\s+([^\n]*)")
_IMPORT_SPEC = re.compile(rb'(?m)^\s*([\w.]+)?\s*"([^"]+)"')
# A top-level declaration: the imports are all above it.
_DECLARATION = re.compile(rb"(?m)^(?:func|type|var|const)\b")


@functools.lru_cache(maxsize=8)
def _importers(root: Path) -> dict[str, tuple[tuple[Path, str], ...]] | None:
    """Every import path of the tree at root, with the files importing it and the alias
    each gives it ("" for none): one read of each file, once per process."""
    files = _module_go_files(root)
    if files is None:
        return None
    table: dict[str, list[tuple[Path, str]]] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                head = handle.read(16384)  # imports come first, after the package clause
                if len(head) == 16384 and not _DECLARATION.search(head):
                    head += handle.read()  # a long header: the imports may lie beyond
        except OSError:
            return None
        for block in _IMPORT_BLOCK.finditer(head):
            for spec in _IMPORT_SPEC.finditer(block.group(1) or block.group(2) or b""):
                alias = spec.group(1).decode() if spec.group(1) else ""
                table.setdefault(spec.group(2).decode(), []).append((path, alias))
    return {k: tuple(v) for k, v in table.items()}


def unused_internal(directory: Path) -> bool:
    """A package under `internal/` that no file of its module imports and that has no
    tests of its own: unless it is a command (package main, the caller checks), none of
    its code ever runs."""
    found = _module_parts(directory)
    if found is None:
        return False
    root, module, parts = found
    root = Path(os.path.abspath(root))
    if "internal" not in parts:
        above = _internal_parent(root, module)  # a module nested under internal/
        if above is None:
            return False
        root = above
    return _unused(root, module + "/" + "/".join(parts), Path(os.path.abspath(directory)))


@functools.lru_cache(maxsize=256)
def _unused(root: Path, import_path: str, directory: Path) -> bool:
    if any(f.name.endswith("_test.go") for f in _package_files(directory)):
        return False
    importers = _importers(root)
    if importers is None:
        return False
    return all(path.parent == directory for path, _alias in importers.get(import_path, ()))
