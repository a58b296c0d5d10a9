"""Splits a run into work units and says, before any parsing, what each one needs.

A unit is one Python file or one Go package (the `.go` files of a directory). Planning
reads each file's bytes once, keeps only a content hash and (Go) the import paths, and
decides per unit: is it in the cache (its key), and does the Go prefilter let it
through (`analyse`). Bytes are dropped at once, so memory does not grow with the run.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from leaklint.cache import Cache, StatMemo, digest
from leaklint.context import RunContext
from leaklint.discovery import Candidate
from leaklint.go_header import read_header
from leaklint.go_inert import reaching_imports
from leaklint.prefilter import GoChoice, GoIndex, GoPackageInfo, could_defer_close_in_loop
from leaklint.run_record import Inputs
from leaklint.sources import MAX_FILE_BYTES, UnreadableSource, decode


@dataclass(frozen=True)
class WorkUnit:
    language: str  # "go" | "python"
    files: tuple[Candidate, ...]
    analyse: bool = True  # False: the prefilter ruled the package out; only read it
    only: frozenset[str] | None = None  # Go: names of the files to analyse; None: all
    loop_defer_only: frozenset[str] = frozenset()  # Go: of those, the LL202-only ones
    by_name: frozenset[str] = frozenset()  # Go: of those, the ones analysed by names
    # Go: not analysed, and the planner read every file as text: nothing can come of it
    # (no worker needs to read it again).
    settled: bool = False
    # Go: names of the files the planner read as text; one the worker does not analyse
    # (outside `only`) it need not read again.
    text_files: frozenset[str] = frozenset()
    size: int = 0  # bytes, to start the largest units first
    key: str | None = None  # cache key; None: not cacheable (a file could not be read)


@dataclass
class _Scanned:
    size: int
    digest: bytes | None  # None: unreadable or not wanted
    imports: list[str] | None = None  # Go, those that can reach an API; None: not understood
    loop_defer: bool = True  # Go only: could defer a Close in a loop
    readable: bool = False  # False: process_unit will say why
    text: bool = False  # Go only: reads as source text (process_unit would accept it)


def _scan_file(
    path: Path, *, want_digest: bool, go: bool, memo: StatMemo | None = None,
    key: str | None = None,
) -> _Scanned:
    """What planning needs of one file; `key`: its absolute path, when known."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # opening a FIFO would block the run forever
            return _Scanned(0, None)
        if st.st_size > MAX_FILE_BYTES or not (want_digest or go):
            return _Scanned(st.st_size, None, readable=st.st_size <= MAX_FILE_BYTES)
        if key is None:
            key = os.path.abspath(path) if memo is not None else ""
        if memo is not None:
            known = memo.lookup(key, st)
            if known is not None and (known[1] is not None or not go):
                return _Scanned(st.st_size, *known, readable=True)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return _Scanned(0, None)
    scanned = _Scanned(len(data), digest(data) if want_digest else None, readable=True)
    if go:
        scanned.text = _is_text(data)
        header = read_header(data)
        scanned.imports = None if header is None else reaching_imports(data, header)
        scanned.loop_defer = could_defer_close_in_loop(data)
    if memo is not None and scanned.digest is not None and len(data) == st.st_size:
        memo.remember(key, st, scanned.digest, scanned.imports, scanned.loop_defer)
    return scanned


def _is_text(data: bytes) -> bool:
    """Whether leaklint.sources would accept these bytes as a Go file."""
    if data.isascii():
        return b"\0" not in data
    try:
        decode(data)
    except UnreadableSource:
        return False
    return True


def context_fingerprint(ctx: RunContext) -> bytes:
    """Everything of the run context that can change results (sets sorted: their
    order differs between processes)."""
    parts = []
    for f in fields(ctx):
        value = getattr(ctx, f.name)
        if isinstance(value, (set, frozenset)):
            value = sorted(value)
        parts.append(f"{f.name}={value!r}")
    return "\n".join(parts).encode()


def _go_names(directory: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(directory)
                      if e.name.endswith(".go") and e.is_file())
    except OSError:
        return []


class _GoScans:
    """Scans of Go files, each read once per run: a package scanned on demand (a
    same-module dependency the run has not reached yet, or outside the run) and
    later as part of the run shares them."""

    def __init__(self, memo: StatMemo | None, want_digest: bool,
                 inputs: Inputs | None = None) -> None:
        self._memo = memo
        self._want_digest = want_digest
        self._inputs = inputs
        self._files: dict[str, _Scanned] = {}
        self._packages: dict[Path, GoPackageInfo] = {}  # by absolute directory

    def file(self, path: Path, key: str | None = None) -> _Scanned:
        """`key`: the file's absolute path when the caller knows it (the same file
        named relative and absolute is scanned once)."""
        key = key or os.path.abspath(path)
        found = self._files.get(key)
        if found is None:
            if self._inputs is not None:
                self._inputs.files.add(key)
            found = self._files[key] = _scan_file(
                path, want_digest=self._want_digest, go=True, memo=self._memo, key=key)
        return found

    def package(
        self, directory: Path, candidates: list[Candidate] = (),  # type: ignore[assignment]
    ) -> tuple[GoPackageInfo, dict[str, _Scanned]]:
        """Scan a package: the run's files plus the directory's other .go files (the
        Go analysis indexes those too). Returns the info and the run files' scans by
        name."""
        absolute = Path(os.path.abspath(directory))
        prefix = os.path.join(str(absolute), "")
        if self._inputs is not None:  # its listing, and where its go.mod is looked for
            self._inputs.directories.add(str(absolute))
            self._inputs.above(str(absolute))
        named = {c.path.name: c for c in candidates}
        info = self._packages.get(absolute)
        run_scans: dict[str, _Scanned] = {}
        if info is None or not set(named) <= set(info.files):
            info = GoPackageInfo(absolute)
            for name in sorted(set(_go_names(directory)) | set(named)):
                candidate = named.get(name)
                scanned = self.file(candidate.path if candidate else directory / name,
                                    prefix + name)
                info.add_file(name, scanned.imports, scanned.loop_defer)
                info.digests.append(name.encode() + b"\0" + (scanned.digest or b"?"))
                if not scanned.readable:
                    info.understood = False
                if candidate is not None:
                    run_scans[name] = scanned
            self._packages[absolute] = info
            return info, run_scans
        for name, candidate in named.items():  # scanned on demand before: the run's share
            run_scans[name] = self.file(candidate.path, prefix + name)
        return info, run_scans

    def other(self, directory: Path) -> GoPackageInfo | None:
        """A same-module package the run has not reached (or never will), on demand."""
        if not directory.is_dir():
            return None
        return self.package(directory)[0]


def plan(
    candidates: list[Candidate], ctx: RunContext, *, cache: Cache | None, prefilter: bool,
    inputs: Inputs | None = None,
) -> Iterator[tuple[WorkUnit, dict | None]]:
    """(unit, cached outcome or None): Python units in candidate order, then Go
    packages by directory. A cached unit is not looked at any further. `inputs`
    gathers every file and directory the results depend on."""
    want_digest = cache is not None
    context = context_fingerprint(ctx) if cache is not None else b""
    memo = StatMemo(cache) if cache is not None else None
    go_groups: dict[Path, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.language == "go":
            go_groups[candidate.path.parent].append(candidate)
            continue
        if candidate.language != "python":
            continue
        if inputs is not None:
            inputs.files.add(os.path.abspath(candidate.path))
        scanned = _scan_file(candidate.path, want_digest=want_digest, go=False, memo=memo)
        key = None
        if cache is not None and scanned.digest is not None:
            key = cache.key([b"python", context, candidate.display.encode(), scanned.digest])
        cached = cache.get(key) if cache is not None and key else None
        yield WorkUnit("python", (candidate,), size=scanned.size, key=key), cached
    if go_groups:
        yield from _plan_go(go_groups, ctx, cache, prefilter, context, memo, inputs)
    if memo is not None:
        memo.save()


def _plan_go(
    go_groups: dict[Path, list[Candidate]],
    ctx: RunContext,
    cache: Cache | None,
    prefilter: bool,
    context: bytes,
    memo: StatMemo | None,
    inputs: Inputs | None = None,
) -> Iterator[tuple[WorkUnit, dict | None]]:
    """Go units one package at a time, each as soon as it is decided (the runner's
    workers start on the first ones while the rest are planned); a same-module package
    a decision needs and the run has not reached yet is scanned on demand, once."""
    want_digest = cache is not None
    scans = _GoScans(memo, want_digest, inputs)
    index = GoIndex(ctx.settings.go, scans.other, defer_in_loop="LL202" in ctx.enabled)
    package_digests: dict[Path, tuple[bytes, bool] | None] = {}
    for directory in sorted(go_groups):
        files = go_groups[directory]
        if prefilter or want_digest:
            info, run_scans = scans.package(directory, files)
            index.add(info)
            absolute = info.directory
            size = sum(s.size for s in run_scans.values())
            readable = all(s.readable for s in run_scans.values())
        else:
            absolute = Path(os.path.abspath(directory))
            run_scans = {}
            size = sum(_scan_file(c.path, want_digest=False, go=False).size for c in files)
            readable = False
        key = None
        if cache is not None and readable:
            key = _go_key(cache, index, absolute, files, context, prefilter, package_digests)
            cached = cache.get(key) if key else None
            if cached is not None:
                yield WorkUnit("go", tuple(files), size=size, key=key), cached
                continue
        choice = index.choose(absolute) if prefilter else GoChoice(None)
        only = choice.only
        if only is not None and {c.path.name for c in files} <= only:
            only = None
        analyse = only is None or any(c.path.name in only for c in files)
        if only is not None:
            size = sum(run_scans[name].size for name in run_scans if name in only)
        text_files = frozenset(name for name, s in run_scans.items() if s.text) \
            if only is not None or not analyse else frozenset()
        settled = not analyse and len(text_files) == len(files)
        yield WorkUnit("go", tuple(files), analyse=analyse, only=only, size=size, key=key,
                       loop_defer_only=choice.loop_only, by_name=choice.by_name,
                       settled=settled, text_files=text_files), None


def _go_key(
    cache: Cache, index: GoIndex, directory: Path, files: list[Candidate], context: bytes,
    prefilter: bool, package_digests: dict[Path, tuple[bytes, bool] | None],
) -> str | None:
    """Hash of the package's files, go.mod and every same-module package it imports
    (transitively): a change to any of them can change this package's results."""
    parts = [b"go", context, b"prefilter" if prefilter else b"all"]
    parts += [c.display.encode() for c in files]  # findings carry these paths
    module = index.module(directory)
    if module is not None:
        parts += [str(module.root).encode(), module.go_mod]
    if index.incomplete(directory):
        return None  # it imports a package of the module that is not there (yet)
    members = []
    for member in index.closure(directory):
        if member not in package_digests:
            info = index.info(member)
            package_digests[member] = None if info is None else (digest(
                b"\0".join([str(member).encode(), *info.digests])), info.understood)
        found = package_digests[member]
        if found is None or (member != directory and not found[1]):
            return None  # a dependency we cannot read: never cached
        members.append(found[0])
    parts.extend(sorted(members))
    return cache.key(parts)
