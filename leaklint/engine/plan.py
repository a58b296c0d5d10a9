"""Splits a run into work units and says, before any parsing, what each one needs.

A unit is what one language analyses at once (a Python file, a Go package: the `.go`
files of a directory). Planning reads each file's bytes once, keeps only a content hash
and what the language asks of the bytes (Go: the import paths), and decides per unit: is
it in the cache (its key), and does the language's prefilter let it through. Bytes are
dropped at once, so memory does not grow with the run. The languages plan their own
units (leaklint.languages); this module holds what they share.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from leaklint.context import RunContext
from leaklint.engine.cache import Cache, StatMemo, digest
from leaklint.engine.discovery import Candidate
from leaklint.engine.run_record import Inputs
from leaklint.languages import UNIT_MODULES, language
from leaklint.sources import MAX_FILE_BYTES, UnreadableSource, decode


@dataclass(frozen=True)
class WorkUnit:
    language: str  # a key of leaklint.languages.UNIT_MODULES
    files: tuple[Candidate, ...]
    analyse: bool = True  # False: the prefilter ruled the unit out; only read it
    # Not analysed, and the planner read every file as text: nothing can come of it
    # (no worker needs to read it again).
    settled: bool = False
    # Light work (a small file, a unit that is mostly only read): travels to a worker
    # batched with others; a heavy unit is a round trip of its own.
    light: bool = True
    size: int = 0  # bytes, to start the largest units first
    key: str | None = None  # cache key; None: not cacheable (a file could not be read)
    detail: Any = None  # the language's own plan of the unit (Go: which files, how)


@dataclass
class Scanned:
    size: int
    digest: bytes | None  # None: unreadable or not wanted
    facts: Any = None  # what the language's inspect found (JSON-able); None: not asked
    readable: bool = False  # False: process_unit will say why
    text: bool = False  # inspected files only: reads as source text


Inspect = Callable[[bytes], Any]


def scan_file(
    path: Path, *, want_digest: bool, inspect: Inspect | None = None,
    memo: StatMemo | None = None, key: str | None = None,
) -> Scanned:
    """What planning needs of one file; `inspect` reads the language's facts from its
    bytes; `key`: its absolute path, when known."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # opening a FIFO would block the run forever
            return Scanned(0, None)
        if st.st_size > MAX_FILE_BYTES or not (want_digest or inspect):
            return Scanned(st.st_size, None, readable=st.st_size <= MAX_FILE_BYTES)
        if key is None:
            key = os.path.abspath(path) if memo is not None else ""
        if memo is not None:
            known = memo.lookup(key, st)
            if known is not None and (known[1] is not None or inspect is None):
                return Scanned(st.st_size, *known, readable=True)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return Scanned(0, None)
    scanned = Scanned(len(data), digest(data) if want_digest else None, readable=True)
    if inspect is not None:
        scanned.text = is_text(data)
        scanned.facts = inspect(data)
    if memo is not None and scanned.digest is not None and len(data) == st.st_size:
        memo.remember(key, st, scanned.digest, scanned.facts)
    return scanned


def is_text(data: bytes) -> bool:
    """Whether leaklint.sources would accept these bytes as a source file."""
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


@dataclass
class Planning:
    """What every language's planner shares in one run."""

    ctx: RunContext
    cache: Cache | None
    prefilter: bool
    context: bytes  # context_fingerprint, or b"" without a cache
    memo: StatMemo | None
    inputs: Inputs | None  # gathers every file and directory the results depend on

    @property
    def want_digest(self) -> bool:
        return self.cache is not None

    def cached(self, parts: list[bytes]) -> tuple[str, dict | None]:
        """The cache key of a unit made of `parts`, and its cached outcome."""
        assert self.cache is not None
        key = self.cache.key(parts)
        return key, self.cache.get(key)


def plan(
    candidates: list[Candidate], ctx: RunContext, *, cache: Cache | None, prefilter: bool,
    inputs: Inputs | None = None,
) -> Iterator[tuple[WorkUnit, dict | None]]:
    """(unit, cached outcome or None), language by language in the order of
    leaklint.languages (Python files largest first, then Go packages by
    directory). A cached unit is not looked at any further."""
    memo = StatMemo(cache) if cache is not None else None
    planning = Planning(ctx, cache, prefilter,
                        context_fingerprint(ctx) if cache is not None else b"", memo, inputs)
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        groups[candidate.language].append(candidate)
    for name in UNIT_MODULES:
        if groups.get(name):
            yield from language(name).plan(groups[name], planning)
    if memo is not None:
        memo.save()
