"""Cheap byte-level prefilter for Go packages: skip parsing a package that cannot matter.

A Go package (all `.go` files of one directory) is analysed only when one of its files
imports an API the rules or the user's Go API models care about, or imports a package
of the same module that (transitively) does: a same-module helper may return a
`*http.Response` whose body the caller then owns. Everything else is left unparsed.

The planner reads each file's import declarations (leaklint.golang.header) and, for net,
net/http and crypto/tls, the members the file selects (leaklint.golang.inert); this module
decides from those facts, per package and per file. Anything not understood counts as
relevant: the prefilter may keep too much, never too little. LL202 has a lexical check
of its own here (may_defer_close_in_loop), since it applies to any Close.

Python files are not filtered here: the Python analysis has its own prefilter.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.config import GoModels

# Import paths whose use the Go rules look for (net.Conn / tls.Conn dials, *http.Response,
# Transport / Client / Server literals, gRPC connections, third-party HTTP clients).
_EXACT = frozenset({"net", "crypto/tls"})
_PREFIXES = ("net/http",)
_SUBSTRINGS = ("grpc", "cleanhttp", "retryablehttp", "resty")

_MODULE = re.compile(rb'^\s*module\s+"?([^\s"/][^\s"]*)"?', re.MULTILINE)


# What decides whether a `defer` sits in a loop body: strings and comments (skipped),
# brackets, newlines and five keywords.
_LEX = re.compile(
    rb'"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'|//[^\n]*|/\*.*?\*/'
    rb"|[{}()\[\]\n]|\b(?:for|func|defer|struct|interface)\b",
    re.DOTALL,
)
_BRACE_FOLLOWS = re.compile(rb"[ \t]*\{")


def could_defer_close_in_loop(source: bytes) -> bool:
    """The planner's cheap first look (three searches, no scan): false when the file
    cannot defer a Close in a loop; true leaves the answer to may_defer_close_in_loop,
    run by the worker that has the bytes anyway."""
    if b"Close" not in source:
        return False
    last_defer = source.rfind(b"defer")
    first_for = source.find(b"for")
    return last_defer >= 0 and 0 <= first_for < last_defer


# A deferred call of a plain name without arguments that is not a Close
# (`defer mu.Unlock()`, `defer cancel()`): LL202 can never fire on it.
_IDLE_DEFER = re.compile(rb"[ \t]+([\w.]+)\(\)[ \t]*(?://[^\n]*)?(?:\n|$)")


def _closing_defer(source: bytes, end: int, any_call: bool) -> bool:
    """Whether the defer ending at `end` may close something (`any_call`: the user's
    models name body closers, which may be methods without arguments)."""
    if any_call:
        return True
    idle = _IDLE_DEFER.match(source, end)
    return idle is None or b"Close" in idle.group(1)


# A function or method declaration at the start of a line: Go has no nested named
# functions, so outside a raw string or a block comment this is the top level.
_TOP_FUNC = re.compile(rb"\nfunc[ \t]+(?:\([^()\n]*\)[ \t]*)?[\w\x80-\xff]+[ \t]*[\[(]")


def _words(source: bytes, word: bytes, start: int = 0, end: int | None = None
           ) -> Iterator[int]:
    """Start offsets of `word` standing alone (bytes.find: far faster than a pattern
    that opens with a look-behind)."""
    end = len(source) if end is None else end
    at = source.find(word, start, end)
    while at >= 0:
        after = at + len(word)
        if (at == 0 or not _is_word_byte(source[at - 1])) and (
                after >= len(source) or not _is_word_byte(source[after])):
            yield at
        at = source.find(word, after, end)


def _is_word_byte(byte: int) -> bool:
    return byte >= 0x80 or byte == 0x5F or 0x30 <= byte <= 0x39 or (
        0x41 <= byte <= 0x5A) or 0x61 <= byte <= 0x7A


def _top_funcs(source: bytes) -> list[int]:
    out = []
    at = source.find(b"\nfunc")
    while at >= 0:
        if _TOP_FUNC.match(source, at):
            out.append(at)
        at = source.find(b"\nfunc", at + 5)
    return out


def may_defer_close_in_loop(source: bytes, *, any_call: bool = False) -> bool:
    """Whether a file may hold a `defer` inside a loop body of its own function (LL202
    applies to any Close, network or not). Each defer that may close something is read
    back only to the function declaration it is in (or skipped when no `for` comes in
    between); when that line may sit in a raw string or a comment, the file is read
    from its start (see _defer_in_loop)."""
    if not could_defer_close_in_loop(source):
        return False
    tops: list[int] | None = None
    segments: list[tuple[int, int]] = []
    whole = False  # some defer needs the file read from its start
    last = 0
    for at in _words(source, b"defer"):
        end = at + 5
        if source[at - 1:at] == b"." or not _closing_defer(source, end, any_call):
            continue
        last = end
        if tops is None:
            tops = _top_funcs(source)
        i = bisect.bisect_left(tops, at) - 1
        start = tops[i] if i >= 0 else 0
        if i >= 0 and (source.find(b"`", start, at) >= 0 or
                       source.find(b"*/", start, at) >= 0):
            whole = True
        elif next(_words(source, b"for", start, at), None) is not None:
            segments.append((start, end))
        # else: no loop since its declaration began
    if whole:
        return _defer_in_loop(source, 0, last, any_call)
    return any(_defer_in_loop(source, start, end, any_call) for start, end in segments)


def _defer_in_loop(source: bytes, start: int, end: int, any_call: bool) -> bool:
    """Whether a defer that may close something sits in a loop body of its own
    function, between `start` (the top level) and `end`. A lexical reading: a
    function body is the first brace on its signature's line (Go ends a signature at a
    newline), and every brace at the level of a `for` counts as its loop, header
    literals included, until one closes without another opening right after it on the
    same line. Anything it cannot tell counts as a loop: too much, never too little."""
    braces: list[bytes] = []  # per open brace: b"func", b"loop" or b"block"
    depth = 0  # open parentheses and square brackets
    func_at: int | None = None  # bracket depth of a `func` awaiting its body
    fors: list[tuple[int, int]] = []  # (brace level, bracket depth) of open `for`s
    type_brace = False  # the next brace opens a struct or interface type
    for match in _LEX.finditer(source, start, end):
        tok = match.group()
        if tok == b"{":
            if type_brace:
                kind, type_brace = b"block", False
            elif func_at is not None and depth == func_at:
                kind, func_at = b"func", None
            elif fors and fors[-1] == (len(braces), depth):
                kind = b"loop"
            else:
                kind = b"block"
            braces.append(kind)
        elif tok == b"}":
            kind = braces.pop() if braces else b"block"
            while fors and fors[-1][0] > len(braces):
                fors.pop()  # the block around an unfinished `for` closed
            if kind == b"loop" and fors and fors[-1][0] == len(braces) and \
                    not _BRACE_FOLLOWS.match(source, match.end()):
                fors.pop()  # a loop body closed (a header literal is followed by one)
        elif tok in (b"(", b"["):
            depth += 1
        elif tok in (b")", b"]"):
            depth = max(0, depth - 1)
        elif tok == b"\n" or (tok.startswith(b"/*") and b"\n" in tok):
            if func_at is not None and depth <= func_at:
                func_at = None  # a func type, not a function: no body follows
        elif tok == b"func":
            func_at = depth
        elif tok == b"for":
            fors.append((len(braces), depth))
        elif tok in (b"struct", b"interface"):
            type_brace = True
        elif tok == b"defer" and _closing_defer(source, match.end(), any_call):
            for kind in reversed(braces):
                if kind == b"loop":
                    return True
                if kind == b"func":
                    break
    return False


def model_packages(models: GoModels) -> frozenset[str]:
    """Import paths named by the user's Go API models ("example.com/x/httpx.Fetch" ->
    "example.com/x/httpx"; methods such as "pkg.Client.Do" -> "pkg")."""
    paths = set()
    for entry in (*models.response_functions, *models.body_closers,
                  *models.client_constructors):
        slash = entry.rfind("/")
        paths.add(entry[: slash + 1] + entry[slash + 1:].split(".", 1)[0])
    return frozenset(paths)


def relevant_import(path: str, models: frozenset[str] = frozenset()) -> bool:
    """Whether importing `path` may give a package something the Go rules look at."""
    if path in _EXACT or path.startswith(_PREFIXES):
        return True
    if any(s in path for s in _SUBSTRINGS):
        return True
    return any(path == m or path.startswith(m + "/") for m in models)


@dataclass(frozen=True)
class GoModule:
    root: Path
    path: str  # the module path from go.mod
    go_mod: bytes

    @property
    def prefix(self) -> str:
        """What the import paths of its packages (other than the root's) start with."""
        return self.path + "/"


def find_module(directory: Path, memo: dict[Path, GoModule | None]) -> GoModule | None:
    """The module (nearest go.mod upward) a package directory belongs to."""
    trail = []
    current: Path | None = directory
    module = None
    while current is not None:
        if current in memo:
            module = memo[current]
            break
        trail.append(current)
        try:
            data = (current / "go.mod").read_bytes()
        except OSError:
            data = None
        if data is not None:
            found = _MODULE.search(data)
            module = GoModule(current, found.group(1).decode("utf-8", "replace"), data) \
                if found else None
            break
        current = current.parent if current.parent != current else None
    for seen in trail:
        memo[seen] = module
    return module


@dataclass
@dataclass(frozen=True)
class GoFileFacts:
    imports: list[str] | None  # None: the header could not be scanned
    loop_defer: bool  # could defer a Close inside a loop (LL202; the worker decides)


@dataclass
class GoPackageInfo:
    """What the prefilter and the cache know about one package directory."""

    directory: Path
    imports: set[str] = field(default_factory=set)
    understood: bool = True  # False: some file's header could not be scanned
    loop_defer: bool = False  # some file may defer a Close inside a loop (LL202)
    digests: list[bytes] = field(default_factory=list)  # content hashes, file-name order
    files: dict[str, GoFileFacts] = field(default_factory=dict)  # by file name

    def add_file(self, name: str, imports: list[str] | None, loop_defer: bool) -> None:
        self.files[name] = GoFileFacts(imports, loop_defer)
        if imports is None:
            self.understood = False
        else:
            self.imports.update(imports)
        self.loop_defer = self.loop_defer or loop_defer


class GoIndex:
    """Import graph of the Go packages of a run, for the prefilter and the cache keys.

    `scan(directory)` must return the package's info; packages outside the run (a
    same-module dependency of an analysed package) are scanned on demand."""

    def __init__(
        self, models: GoModels, scan: Callable[[Path], GoPackageInfo | None], *,
        defer_in_loop: bool = True,
    ) -> None:
        self._models = model_packages(models)
        self._defer_in_loop = defer_in_loop
        self._scan = scan
        self._packages: dict[Path, GoPackageInfo | None] = {}
        self._modules: dict[Path, GoModule | None] = {}
        self._closures: dict[Path, frozenset[Path]] = {}
        self._incomplete: dict[Path, bool] = {}  # closure holds a missing import
        self._deps: dict[Path, tuple[list[Path], bool]] = {}
        self._api: dict[Path, bool] = {}
        self._targets: dict[tuple[Path, str], Path | bool] = {}
        self._relevant_paths: dict[str, bool] = {}  # relevant_import, per import path

    def add(self, info: GoPackageInfo) -> None:
        self._packages[info.directory] = info

    def info(self, directory: Path) -> GoPackageInfo | None:
        if directory not in self._packages:
            self._packages[directory] = self._scan(directory)
        return self._packages[directory]

    def module(self, directory: Path) -> GoModule | None:
        return find_module(directory, self._modules)

    def _same_module_dirs(self, info: GoPackageInfo) -> tuple[list[Path], bool]:
        """Directories of the same-module packages `info` imports; the flag says some
        import of the module could not be mapped to a directory."""
        if info.directory in self._deps:
            return self._deps[info.directory]
        module = self.module(info.directory)
        dirs, missing = [], False
        if module is not None:
            prefix = module.prefix
            for imp in sorted(info.imports):
                if imp == module.path or imp.startswith(prefix):
                    target = self._module_dir(module, imp)
                    if target is False:
                        missing = True
                    else:
                        dirs.append(target)
        self._deps[info.directory] = (dirs, missing)
        return dirs, missing

    def incomplete(self, directory: Path) -> bool:
        """Whether the package or a same-module package it imports (transitively)
        imports a package of the module that is not on disk."""
        self.closure(directory)
        return self._incomplete[directory]

    def closure(self, directory: Path) -> frozenset[Path]:
        """The package and every same-module package it imports, transitively."""
        if directory in self._closures:
            return self._closures[directory]
        seen = {directory}
        stack = [directory]
        missing = False
        while stack:
            info = self.info(stack.pop())
            if info is None:
                continue
            deps, gap = self._same_module_dirs(info)
            missing = missing or gap
            for dep in deps:
                if dep in seen:
                    continue
                done = self._closures.get(dep)
                if done is not None:
                    seen |= done  # a dependency's finished closure: no walk through it
                    missing = missing or self._incomplete[dep]
                else:
                    seen.add(dep)
                    stack.append(dep)
        result = frozenset(seen)
        self._closures[directory] = result
        self._incomplete[directory] = missing
        return result

    def wanted(self, directory: Path) -> bool:
        """Whether any file of the package needs the analysis."""
        return self.select(directory) != frozenset()

    def _api_relevant(self, directory: Path) -> bool:
        """Whether importing this same-module package can hand its importer something
        the rules look at: some non-test file of it, or of a same-module package it
        imports (transitively), imports a relevant API or cannot be read."""
        if directory in self._api:
            return self._api[directory]
        self._api[directory] = True  # an import cycle (broken code): assume relevant
        result = False
        info = self.info(directory)
        if info is None or not info.files:
            result = True
        else:
            module = self.module(directory)
            for name, facts in info.files.items():
                if name.endswith("_test.go"):
                    continue  # importers never see a package's tests
                if self._file_relevant(module, facts):
                    result = True
                    break
        self._api[directory] = result
        return result

    def _import_relevant(self, module: GoModule | None, imp: str) -> bool:
        """Whether an import of a package of `module` may reach a relevant API."""
        known = self._relevant_paths.get(imp)
        if known is None:
            known = self._relevant_paths[imp] = relevant_import(imp, self._models)
        if known:
            return True
        if module is None or not (imp == module.path or imp.startswith(module.prefix)):
            return False  # another module's package, not modelled
        target = self._module_dir(module, imp)
        return target is False or self._api_relevant(target)

    def _module_dir(self, module: GoModule, imp: str) -> Path | bool:
        """The directory of a same-module import; False: a package of the module that
        does not exist on disk."""
        found = self._targets.get((module.root, imp))
        if found is None:
            target = module.root / imp[len(module.path):].lstrip("/")
            known = target in self._packages and self._packages[target] is not None
            found = target if known or target.is_dir() else False
            self._targets[(module.root, imp)] = found
        return found

    def _file_relevant(self, module: GoModule | None, facts: GoFileFacts) -> bool:
        if facts.imports is None:
            return True
        return any(self._import_relevant(module, imp) for imp in facts.imports)

    def select(self, directory: Path) -> frozenset[str] | None:
        """The file names of the package that need the analysis; None: all of them."""
        return self.choose(directory).only

    def _itself_relevant(self, directory: Path) -> bool:
        """Whether the package is itself one whose API the rules model (its own files
        then use that API unqualified: every file counts)."""
        module = self.module(directory)
        if module is None:
            return False
        try:
            rel = directory.relative_to(module.root).as_posix()
        except ValueError:
            return True
        path = module.path if rel == "." else f"{module.path}/{rel}"
        return relevant_import(path, self._models)

    def choose(self, directory: Path) -> GoChoice:
        """Which files of the package need the analysis, and how.

        Go imports are per file, so a file can only reach HTTP, net or gRPC values
        through its own imports or through package-level names of files it can see
        (non-test files see only non-test files). The files whose imports reach a
        modelled API (directly or through same-module packages) are analysed; the
        others of the package are left to the names they mention (`by_name`, decided
        while analysing: leaklint.golang.reach). When no non-test file reaches one,
        only the test files can see a relevant name, and only when some test file
        reaches one. A file that may defer a Close in a loop (LL202, any Close) is
        still analysed for that rule alone."""
        info = self.info(directory)
        if info is None or self._itself_relevant(directory):
            return GoChoice(None)
        module = self.module(directory)
        seeds = {n for n, facts in info.files.items() if self._file_relevant(module, facts)}
        tests = {n for n in info.files if n.endswith("_test.go")}
        looping = {n for n, facts in info.files.items() if facts.loop_defer} \
            if self._defer_in_loop else set()
        if seeds - tests:
            return GoChoice(None, by_name=frozenset(set(info.files) - seeds))
        if seeds:
            chosen = tests | looping
            only = None if chosen == set(info.files) else frozenset(chosen)
            return GoChoice(only, by_name=frozenset(chosen - seeds))
        return GoChoice(frozenset(looping), loop_only=frozenset(looping))


@dataclass(frozen=True)
class GoChoice:
    """What the prefilter decides for one package."""

    only: frozenset[str] | None  # the files to analyse; None: all of them
    loop_only: frozenset[str] = frozenset()  # of those, the ones for LL202 alone
    by_name: frozenset[str] = frozenset()  # of those, the ones left to the names they mention
