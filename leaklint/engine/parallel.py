"""Runs work units on a process pool, a bounded number in flight.

Units are submitted largest first among those known (the long ones start early, so
the pool drains evenly), while the caller may still be producing them, and at most a
few per worker are pending at any time: the parent never holds more than the results
of the units in flight. Output order is the caller's business (the runner sorts
everything it collects).
"""

from __future__ import annotations

import heapq
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

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
    import multiprocessing  # here, not at import: a run that needs no pool (warm, small)

    # fork shares the already imported parsers with the workers at no cost; it is safe
    # on Linux while this process runs a single thread. Elsewhere (macOS system
    # libraries, Windows) or with threads alive, start clean interpreters instead.
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def pool_size(requested: int) -> int:
    """Worker processes for a run big enough for a pool (0: every core)."""
    return requested if requested > 0 else available_cores()


def run_pool(
    func: Callable[..., R], items: Iterable[T], jobs: int, *args: Any,
    weight: Callable[[T], int] = lambda _: 0,
) -> Iterator[tuple[T, R]]:
    """Yield (item, func(item, *args)) for every item, computed by `jobs` processes,
    in completion order.

    `items` may still be producing (the runner plans while the workers work): it is
    drained as fast as it yields, and each free worker slot gets the heaviest item
    drained so far, so long items start early and the pool drains evenly."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pending: dict[Future, T] = {}
    waiting: list[tuple[int, int, T]] = []  # heap of (-weight, arrival, item)
    arrival = itertools.count()  # ties keep their order; items are never compared
    source = iter(items)
    drained = False
    limit = jobs * IN_FLIGHT_PER_WORKER
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        while True:
            while waiting and len(pending) < limit:
                item = heapq.heappop(waiting)[2]
                pending[pool.submit(func, item, *args)] = item
            if not drained:
                try:
                    item = next(source)
                except StopIteration:
                    drained = True
                else:
                    heapq.heappush(waiting, (-weight(item), next(arrival), item))
                finished = [f for f in pending if f.done()]  # no waiting while producing
            elif pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            else:
                break
            for future in finished:
                yield pending.pop(future), future.result()
