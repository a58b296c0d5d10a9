"""Runs a plan's work units, in process or on a pool, and merges their outcomes with
the cached ones. Each unit goes to its language (leaklint.languages)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator

from leaklint.context import RunContext
from leaklint.engine.cache import Cache
from leaklint.engine.discovery import Candidate
from leaklint.engine.limits import out_of_time, unit_budget
from leaklint.engine.parallel import can_fork, effective_jobs, pool_size
from leaklint.engine.plan import WorkUnit, plan
from leaklint.engine.progress import Progress
from leaklint.engine.run_record import Inputs
from leaklint.engine.units import UnitOutput
from leaklint.languages import UNIT_MODULES, language
from leaklint.model import Finding

RunResult = UnitOutput  # a run's output is the merge of its units


def process_unit(unit: WorkUnit, ctx: RunContext) -> dict:
    """Analyse one work unit with its language; the outcome is what the cache stores
    (see leaklint.engine.cache)."""
    out = RunResult()
    language(unit.language).process(unit, ctx, out)
    return outcome_of(out)


def outcome_of(result: RunResult) -> dict:
    """A unit's outcome as the cache stores it (see leaklint.engine.cache)."""
    return {"findings": result.findings, "problems": result.problems,
            "suppressed": result.suppressed, "files": result.files_analysed}


def merge(outcome: dict, out: RunResult) -> None:
    out.findings.extend(outcome["findings"])
    out.problems.extend(outcome["problems"])
    out.suppressed += outcome["suppressed"]
    out.files_analysed += outcome["files"]


def run(
    candidates: list[Candidate],
    ctx: RunContext,
    *,
    jobs: int = 1,
    cache: Cache | None = None,
    prefilter: bool = True,
    inputs: Inputs | None = None,
    isolate: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Analyse every candidate. Work units (Python files, Go packages) found in the
    cache are not read again; the others run on `jobs` processes (0: every core), which
    start as soon as the plan has found enough work and take the rest as it is planned.
    The result does not depend on jobs, cache or prefilter: only the time does.

    With `isolate` (the command line), a run too small for a pool still analyses on one
    worker process where one starts cheaply (fork): a native parser holds the
    interpreter for as long as it parses, so only a separate process can be stopped
    at a signal or at the end of its time budget (leaklint.engine.workers)."""
    out = RunResult()
    planned = plan(candidates, ctx, cache=cache, prefilter=prefilter, inputs=inputs)
    todo = _uncached(planned, out, cache, inputs, progress)
    head: list[WorkUnit] = []  # planned before the pool starts (all of a small run)
    size = 0
    pooled = False
    for unit in todo:
        if unit is None:
            continue
        head.append(unit)
        size += unit.size
        if effective_jobs(jobs, len(head), size) > 1:
            pooled = True
            break
    def budget(unit: WorkUnit) -> float | None:
        return unit_budget(unit.size, ctx.settings.timeout)

    done: Iterable[tuple[WorkUnit, dict, bool]]
    if pooled or (isolate and head and can_fork()):
        from leaklint.engine.workers import supervise

        if pooled:
            _preload(_pool_languages(head, candidates))
        else:  # a parser the worker will need, imported where a later pool can share it
            _preload({u.language for u in head if u.analyse and u.language != "python"})
        done = supervise(_batches(itertools.chain(head, todo)),
                         pool_size(jobs) if pooled else 1, ctx, budget, weight=_batch_size,
                         languages=frozenset(u.language for u in head if u.analyse))
    else:
        head.sort(key=lambda u: -u.size)
        done = (_in_process(unit, ctx, budget(unit)) for unit in head)
    for unit, outcome, cacheable in done:
        merge(outcome, out)
        if progress is not None:
            progress.advance(len(unit.files))
        if not cacheable:  # it ran out of time or killed its worker: try again next run
            if inputs is not None:
                inputs.complete = False
        elif cache is not None and unit.key:
            cache.put(unit.key, outcome)
    out.findings.sort(key=Finding.sort_key)
    out.problems.sort(key=lambda p: p.path)
    return out


def _in_process(unit: WorkUnit, ctx: RunContext, budget: float | None
                ) -> tuple[WorkUnit, dict, bool]:
    from leaklint.engine.guard import OutOfTime, time_budget

    try:
        with time_budget(budget):
            return unit, process_unit(unit, ctx), True
    except OutOfTime:
        return unit, out_of_time(unit, budget or 0.0), False


# While the plan settles units (files the prefilter rules out, cached ones), a pool's
# supervisor hears from it this often, to hand its workers the units already found.
TICK_SECONDS = 0.005


def _uncached(planned: Iterable[tuple[WorkUnit, dict | None]], out: RunResult,
              cache: Cache | None, inputs: Inputs | None = None,
              progress: Progress | None = None) -> Iterator[WorkUnit | None]:
    """The units left to analyse; cached outcomes, and those of units the planner
    settled, go straight into `out` (with a None now and then meanwhile: a moment for
    the caller to tend its workers)."""
    last = time.monotonic()
    for unit, cached in planned:
        if inputs is not None and unit.key is None:
            inputs.complete = False  # it depends on something no key could name
        if cached is None and unit.settled:
            cached = outcome_of(RunResult(files_analysed=len(unit.files)))
            if cache is not None and unit.key:
                cache.put(unit.key, cached)
        if cached is not None:
            merge(cached, out)
            if progress is not None:
                progress.advance(len(unit.files))
            now = time.monotonic()
            if now - last >= TICK_SECONDS:
                last = now
                yield None
        else:
            yield unit


# Small units travel to the workers together: one round trip per unit made a pool of
# 1,800 small files latency-bound (workers waiting on the parent, not working).
BATCH_BYTES = 256 * 1024
BATCH_UNITS = 64


def _batches(todo: Iterable[WorkUnit | None]) -> Iterator[tuple[WorkUnit, ...] | None]:
    """Heavy units alone, light ones grouped in arrival order (a heavy unit is work
    enough for a round trip; grouping those left one worker with the last heavy batch).
    A None from the plan passes through."""
    batch: list[WorkUnit] = []
    size = 0
    for unit in todo:
        if unit is None:
            yield None
            continue
        if not unit.light:
            yield (unit,)
            continue
        batch.append(unit)
        size += unit.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_UNITS:
            yield tuple(batch)
            batch, size = [], 0
    if batch:
        yield tuple(batch)


def _batch_size(batch: tuple[WorkUnit, ...]) -> int:
    return sum(u.size for u in batch)


def _pool_languages(head: list[WorkUnit], candidates: list[Candidate]) -> set[str]:
    """The languages whose parsers a pool starting now will need: those of the units
    planned so far that are analysed, and those whose files are not planned yet (most
    of which will be). A language whose planned files were all settled needs none."""
    order = list(UNIT_MODULES)
    current = order.index(head[-1].language)
    later = {c.language for c in candidates if order.index(c.language) > current}
    return {u.language for u in head if u.analyse} | later


def _preload(languages: set[str]) -> None:
    """Import the parsers once before the pool forks, not once per worker."""
    for name in sorted(languages):
        language(name).preload()
