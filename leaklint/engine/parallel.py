"""How many worker processes a run uses, and how they start (the workers themselves:
leaklint.engine.workers)."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import multiprocessing.context

# Below this much work a pool costs more to start than it saves.
MIN_PARALLEL_UNITS = 2
MIN_PARALLEL_BYTES = 256 * 1024


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def effective_jobs(requested: int, units: int, total_bytes: int) -> int:
    """Worker processes to use: `requested` (0: every core), 1 for small runs."""
    jobs = requested if requested > 0 else available_cores()
    if units < MIN_PARALLEL_UNITS or total_bytes < MIN_PARALLEL_BYTES:
        return 1
    return max(1, min(jobs, units))


def can_fork() -> bool:
    """fork shares the already imported parsers with the workers at no cost; it is safe
    on Linux while this process runs a single thread. Elsewhere (macOS system
    libraries, Windows) or with threads alive, workers start as clean interpreters."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def start_method() -> multiprocessing.context.BaseContext:
    import multiprocessing  # here, not at import: a run that needs no pool (warm, small)

    if can_fork():
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def pool_size(requested: int) -> int:
    """Worker processes for a run big enough for a pool (0: every core)."""
    return requested if requested > 0 else available_cores()
