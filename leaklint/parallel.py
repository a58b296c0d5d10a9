"""Runs work units on a process pool, a bounded number in flight.

Units are submitted largest first (the long ones start early, so the pool drains
evenly) and at most a few per worker are pending at any time: the parent never holds
more than the results of the units in flight, whatever the repository size. Output
order is the caller's business (the runner sorts everything it collects).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this much work a pool costs more to start than it saves.
MIN_PARALLEL_UNITS = 2
MIN_PARALLEL_BYTES = 256 * 1024
IN_FLIGHT_PER_WORKER = 2


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


def _context() -> multiprocessing.context.BaseContext:
    # fork shares the already imported parsers with the workers at no cost; it is safe
    # on Linux while this process runs a single thread. Elsewhere (macOS system
    # libraries, Windows) or with threads alive, start clean interpreters instead.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def run_pool(
    func: Callable[..., R], items: Sequence[T], jobs: int, *args: Any
) -> Iterator[tuple[T, R]]:
    """Yield (item, func(item, *args)) for every item, computed by `jobs` processes,
    in completion order. `items` should be sorted largest first."""
    pending: dict[Future, T] = {}
    queue = iter(items)
    limit = jobs * IN_FLIGHT_PER_WORKER
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        for item in queue:
            pending[pool.submit(func, item, *args)] = item
            if len(pending) >= limit:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                yield item, future.result()
            for item in queue:
                pending[pool.submit(func, item, *args)] = item
                if len(pending) >= limit:
                    break
