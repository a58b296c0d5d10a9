"""Runs work units on worker processes that the run supervises.

Each worker takes one batch of units at a time and answers unit by unit, so the parent
always knows which unit a worker is in and since when. A plain process pool knows
neither, and one dead worker breaks it for every unit in flight. Here:

- a unit that overruns its time budget costs its worker (killed and replaced) and gets
  a notice; the rest of its batch goes to the other workers;
- a worker that dies (the out-of-memory killer, a crash inside a native parser) is
  replaced; the unit it was in runs once more, alone, and if that run dies too the
  unit's files are reported as not analysed; no other finding is lost;
- a signal to the parent ends the run at once: workers are killed, never waited for;
- workers die with their parent, so a CI timeout's SIGKILL leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leaklint.context import RunContext
from leaklint.engine.limits import not_analysed, out_of_time
from leaklint.engine.plan import WorkUnit

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Batch = tuple[WorkUnit, ...]
Budget = Callable[[WorkUnit], "float | None"]

# Test-only: "die:MARKER" or "hang:MARKER" makes a worker kill itself (SIGKILL) or stop
# responding when it reaches a unit with a file whose path contains MARKER. Read once
# per worker; the suite uses it to make a worker fail deterministically.
FAULT_VARIABLE = "LEAKLINT_TEST_WORKER_FAULT"
_PARENT_POLL_SECONDS = 0.5
_IDLE_WAIT_SECONDS = 1.0


def supervise(
    batches: Iterable[Batch | None], jobs: int, ctx: RunContext, budget: Budget,
    weight: Callable[[Batch], int], languages: frozenset[str] = frozenset(),
) -> Iterator[tuple[WorkUnit, dict, bool]]:
    """Yield (unit, outcome, cacheable) for every unit of every batch, computed by up to
    `jobs` worker processes, in completion order. `batches` may still be producing: it
    is drained as fast as it yields, and a free worker takes the heaviest batch drained
    so far (a None is no batch: the producer is busy and lets the workers be tended).
    Outcomes of units that ran out of time or killed their worker twice are not
    cacheable (they depend on the machine, not on the code). A worker imports the
    parsers of `languages` before it takes work (not on the clock of its first unit)."""
    from multiprocessing.connection import wait

    from leaklint.engine.parallel import start_method

    mp = start_method()
    waiting: list[tuple[int, int, Batch, bool]] = []  # heap: (-weight, arrival, batch, retry)
    arrival = itertools.count()
    source = iter(batches)
    drained = False
    workers: list[_Worker] = []
    try:
        while True:
            idle = [w for w in workers if w.ready and not w.batch]
            while waiting and idle:
                _, _, batch, retry = heapq.heappop(waiting)
                idle.pop().give(batch, retry)
            if waiting and len(workers) < jobs:
                workers.append(_Worker.start(mp, ctx, languages))
            if not drained:
                try:
                    batch = next(source)
                except StopIteration:
                    drained = True
                else:
                    if batch is not None:
                        heapq.heappush(waiting, (-weight(batch), next(arrival), batch, False))
                timeout: float | None = 0.0  # no waiting while producing
            elif waiting or any(w.batch for w in workers):
                timeout = _IDLE_WAIT_SECONDS
            else:
                break
            now = time.monotonic()
            for worker in workers:
                if worker.batch:
                    left = worker.deadline(budget) - now
                    timeout = left if timeout is None else max(0.0, min(timeout, left))
            ready = wait([w.conn for w in workers], timeout) if workers else []
            lost: list[_Worker] = []
            for worker in workers:
                if worker.conn in ready:
                    try:
                        while worker.conn.poll():
                            answer = worker.conn.recv()
                            if answer is None:  # the worker is ready
                                worker.ready = True
                            else:
                                yield worker.answered(answer), answer[1], True
                    except (EOFError, OSError):  # it died
                        lost.append(worker)
                        for unit, outcome in _after_death(worker, waiting, arrival, weight):
                            yield unit, outcome, False
                        continue
                if worker.batch and time.monotonic() >= worker.deadline(budget) \
                        and not worker.conn.poll():  # (an answer read late is in time)
                    lost.append(worker)
                    unit = worker.batch[worker.done]
                    yield unit, out_of_time(unit, budget(unit) or 0.0), False
                    _requeue(worker.batch[worker.done + 1:], waiting, arrival, weight)
            for worker in lost:
                worker.stop()
                workers.remove(worker)
    finally:
        for worker in workers:
            worker.stop()


def _after_death(worker: _Worker, waiting: list, arrival: Iterator[int],
                 weight: Callable[[Batch], int]) -> Iterator[tuple[WorkUnit, dict]]:
    """The unit a dead worker was in runs again alone, once; the units after it in its
    batch had not started and go back to the queue."""
    if not worker.batch:  # died between batches: nothing was lost
        return
    unit = worker.batch[worker.done]
    if worker.retry:
        yield unit, not_analysed(unit, f"the worker process analysing it died twice "
                                       f"({_death(worker.process)})")
    else:
        heapq.heappush(waiting, (-(1 << 62), next(arrival), (unit,), True))  # first
    _requeue(worker.batch[worker.done + 1:], waiting, arrival, weight)


def _requeue(rest: Batch, waiting: list, arrival: Iterator[int],
             weight: Callable[[Batch], int]) -> None:
    if rest:
        heapq.heappush(waiting, (-weight(rest), next(arrival), rest, False))


def _death(process: BaseProcess) -> str:
    process.join(1.0)
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}" if code is not None else "lost"


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    batch: Batch = ()
    done: int = 0  # units of the batch answered
    since: float = 0.0  # when its current unit started
    retry: bool = False  # the batch is one unit that already killed a worker

    @classmethod
    def start(cls, mp, ctx: RunContext, languages: frozenset[str]) -> _Worker:
        parent_end, child_end = mp.Pipe()
        process = mp.Process(target=_work, name="leaklint-worker", daemon=True,
                             args=(child_end, ctx, languages, os.environ.get(FAULT_VARIABLE)))
        process.start()
        child_end.close()  # EOF on parent_end once the worker is gone
        return cls(process, parent_end)

    def give(self, batch: Batch, retry: bool) -> None:
        self.conn.send(batch)
        self.batch, self.done, self.retry = batch, 0, retry
        self.since = time.monotonic()

    def deadline(self, budget: Budget) -> float:
        seconds = budget(self.batch[self.done])
        return float("inf") if seconds is None else self.since + seconds

    def answered(self, answer: tuple[int, dict]) -> WorkUnit:
        unit = self.batch[answer[0]]
        self.done = answer[0] + 1
        self.since = time.monotonic()
        if self.done == len(self.batch):
            self.batch = ()
        return unit

    def stop(self) -> None:
        """Kill, never wait for work to finish (an idle worker loses nothing)."""
        if self.process.exitcode is None:
            with contextlib.suppress(OSError, AttributeError):
                self.process.kill()
        self.process.join(5.0)
        self.conn.close()


def _work(conn: Connection, ctx: RunContext, languages: frozenset[str],
          fault: str | None) -> None:
    """A worker: analyse the units of each batch it is sent, answering unit by unit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    from leaklint.engine.runner import process_unit
    from leaklint.languages import language

    for name in sorted(languages):
        language(name).preload()  # a no-op after fork from a parent that has them
    conn.send(None)  # ready: the budget of its first unit starts now, not at import
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        for index, unit in enumerate(batch):
            if fault:
                _test_fault(fault, unit)
            try:
                outcome = process_unit(unit, ctx)
            except Exception as exc:  # a bug of ours: that unit's files say so
                from leaklint.engine.guard import describe

                outcome = not_analysed(unit, f"internal error: {describe(exc)}")
            conn.send((index, outcome))


def _die_with_parent() -> None:
    """End this process when the one that started it ends, however it ends."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            if ctypes.CDLL(None, use_errno=True).prctl(
                    pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the call took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch_parent, args=(parent,), name="leaklint-parent-watch",
                     daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _test_fault(fault: str, unit: WorkUnit) -> None:
    action, _, marker = fault.partition(":")
    if not marker or not any(marker in str(c.path) for c in unit.files):
        return
    if action == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "hang":
        while True:
            time.sleep(60)
