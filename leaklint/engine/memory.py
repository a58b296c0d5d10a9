"""Keeps a worker's memory near the size of the unit in flight.

A parsed Go package leaves its trees in reference cycles (files, index, resolver) that
only the cyclic collector frees, and CPython runs a full collection rarely: a worker
that analysed net/http, runtime, crypto/tls and net in a row held 196 MB, of which
about 150 MB was such garbage. A full collection costs tens of milliseconds, so it runs
only when the process has grown by a set amount since the last one.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator

GROWTH_BYTES = 8 * 1024 * 1024
# Without /proc (macOS, Windows): collect after this much analysed source instead.
SOURCE_BYTES = 2 * 1024 * 1024

_malloc_trim = None  # resolved on first use; False where unavailable
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_source_since = 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while a libcst tree is built and read: its hundreds of
    thousands of allocations triggered collections that walked the growing heap again
    and again (about a tenth of the CPU of a Python file), and the tree holds no cycles
    (reference counting frees it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _trim() -> None:
    """Give freed heap back to the system (glibc keeps it otherwise)."""
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc; musl has none
            except (OSError, AttributeError):
                _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


def resident_bytes() -> int | None:
    """This process's resident set size, or None where it cannot be read cheaply."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def after_unit(source_bytes: int) -> bool:
    """Called after each work unit; True when it ran a collection."""
    global _baseline, _source_since
    rss = resident_bytes()
    if rss is None or _baseline is None:
        _source_since += source_bytes
        if _source_since < SOURCE_BYTES:
            return False
    elif rss - _baseline < GROWTH_BYTES:
        return False
    gc.collect()
    _trim()
    _source_since = 0
    if rss is not None:
        _baseline = resident_bytes() or rss
    return True


_baseline: int | None = resident_bytes()  # at start (workers inherit it by fork)
