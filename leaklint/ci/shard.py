"""`--shard I/N`: one CI runner's share of the work, the same share on every machine.

The unit of work is kept whole (a Python file, a Go package: the files of one
directory), so a package's local summaries are never split across runners. A unit goes
to shard crc32(its path) mod N: stable across runs, machines and Python versions, and
independent of which other files exist, so adding a file never reshuffles the rest.
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import PurePosixPath

from leaklint.engine.discovery import Candidate


def parse(value: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N, for argparse."""
    index, slash, count = value.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i = n = 0
    if not slash or n < 1 or not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {value!r}")
    return i, n


def unit_name(display: str) -> str:
    """The work unit a path belongs to: a Go file's directory, any other file itself."""
    path = PurePosixPath(display.replace("\\", "/"))
    return str(path.parent) if path.suffix == ".go" else str(path)


def in_shard(display: str, shard: tuple[int, int]) -> bool:
    index, count = shard
    return zlib.crc32(unit_name(display).encode("utf-8", "surrogateescape")) % count == index - 1


def select(files: list[Candidate], shard: tuple[int, int] | None) -> list[Candidate]:
    if shard is None or shard[1] == 1:
        return files
    return [c for c in files if in_shard(c.display, shard)]
