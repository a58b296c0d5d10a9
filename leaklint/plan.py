"""Splits a run into work units and says, before any parsing, what each one needs.

A unit is one Python file or one Go package (the `.go` files of a directory). Planning
reads each file's bytes once, keeps only a content hash and (Go) the import paths, and
decides per unit: is it in the cache (its key), and does the Go prefilter let it
through (`analyse`). Bytes are dropped at once, so memory does not grow with the run.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from leaklint.cache import Cache, digest
from leaklint.context import RunContext
from leaklint.discovery import Candidate
from leaklint.prefilter import GoIndex, GoPackageInfo, go_imports
from leaklint.sources import MAX_FILE_BYTES


@dataclass(frozen=True)
class WorkUnit:
    language: str  # "go" | "python"
    files: tuple[Candidate, ...]
    analyse: bool = True  # False: the prefilter ruled the package out; only read it
    size: int = 0  # bytes, to start the largest units first
    key: str | None = None  # cache key; None: not cacheable (a file could not be read)


@dataclass
class _Scanned:
    size: int
    digest: bytes | None  # None: unreadable (process_unit will say why)
    imports: list[str] | None = None  # Go only; None: header not understood


def _scan_file(path: Path, *, want_digest: bool, go: bool) -> _Scanned:
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES or not (want_digest or go):
            return _Scanned(size, None)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return _Scanned(0, None)
    return _Scanned(len(data), digest(data) if want_digest else None,
                    go_imports(data) if go else None)


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


def _other_package(directory: Path) -> GoPackageInfo | None:
    """A same-module package outside the run, scanned on demand."""
    try:
        names = sorted(e.name for e in os.scandir(directory)
                       if e.name.endswith(".go") and e.is_file())
    except OSError:
        return None
    info = GoPackageInfo(directory)
    for name in names:
        scanned = _scan_file(directory / name, want_digest=True, go=True)
        info.digests.append(name.encode() + b"\0" + (scanned.digest or b"?"))
        if scanned.imports is None or scanned.digest is None:
            info.understood = False
        else:
            info.imports.update(scanned.imports)
    return info


def plan(
    candidates: list[Candidate], ctx: RunContext, *, cache: Cache | None, prefilter: bool
) -> Iterator[WorkUnit]:
    """Python units in candidate order, then Go packages by directory."""
    want_digest = cache is not None
    context = context_fingerprint(ctx) if cache is not None else b""
    go_groups: dict[Path, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.language == "go":
            go_groups[candidate.path.parent].append(candidate)
            continue
        if candidate.language != "python":
            continue
        scanned = _scan_file(candidate.path, want_digest=want_digest, go=False)
        key = None
        if cache is not None and scanned.digest is not None:
            key = cache.key([b"python", context, candidate.display.encode(), scanned.digest])
        yield WorkUnit("python", (candidate,), size=scanned.size, key=key)
    if not go_groups:
        return
    yield from _plan_go(go_groups, ctx, cache, prefilter, context)


def _plan_go(
    go_groups: dict[Path, list[Candidate]],
    ctx: RunContext,
    cache: Cache | None,
    prefilter: bool,
    context: bytes,
) -> Iterator[WorkUnit]:
    want_digest = cache is not None
    index = GoIndex(ctx.settings.go, _other_package)
    packages: list[tuple[Path, Path, list[Candidate], int, bool]] = []
    for directory in sorted(go_groups):
        files = go_groups[directory]
        absolute = Path(os.path.abspath(directory))
        info = GoPackageInfo(absolute)
        size, readable = 0, True
        if prefilter or want_digest:
            for candidate in files:
                scanned = _scan_file(candidate.path, want_digest=want_digest, go=True)
                size += scanned.size
                if scanned.imports is None:
                    info.understood = False
                else:
                    info.imports.update(scanned.imports)
                if want_digest:
                    readable = readable and scanned.digest is not None
                    info.digests.append(candidate.display.encode() + b"\0"
                                        + (scanned.digest or b"?"))
        else:
            size = sum(_scan_file(c.path, want_digest=False, go=False).size for c in files)
        index.add(info)
        packages.append((directory, absolute, files, size, readable))
    for _directory, absolute, files, size, readable in packages:
        analyse = index.wanted(absolute) if prefilter else True
        key = None
        if cache is not None and readable:
            key = _go_key(cache, index, absolute, context, prefilter)
        yield WorkUnit("go", tuple(files), analyse=analyse, size=size, key=key)


def _go_key(
    cache: Cache, index: GoIndex, directory: Path, context: bytes, prefilter: bool
) -> str | None:
    """Hash of the package's files, go.mod and every same-module package it imports
    (transitively): a change to any of them can change this package's results."""
    parts = [b"go", context, b"prefilter" if prefilter else b"all"]
    module = index.module(directory)
    if module is not None:
        parts += [str(module.root).encode(), digest(module.go_mod)]
    for member in sorted(index.closure(directory)):
        info = index.info(member)
        if info is None:
            return None
        if member != directory and not info.understood:
            return None
        parts.append(str(member).encode())
        parts.extend(info.digests)
    return cache.key(parts)
