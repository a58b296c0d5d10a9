"""Runs a plan's work units, in process or on a pool, and merges their outcomes with
the cached ones. Each unit goes to its language (leaklint.languages)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from leaklint.context import RunContext
from leaklint.engine.cache import Cache
from leaklint.engine.discovery import Candidate
from leaklint.engine.parallel import effective_jobs, pool_size, run_pool
from leaklint.engine.plan import WorkUnit, plan
from leaklint.engine.progress import Progress
from leaklint.engine.run_record import Inputs
from leaklint.engine.units import UnitOutput
from leaklint.languages import language
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
    progress: Progress | None = None,
) -> RunResult:
    """Analyse every candidate. Work units (Python files, Go packages) found in the
    cache are not read again; the others run on `jobs` processes (0: every core), which
    start as soon as the plan has found enough work and take the rest as it is planned.
    The result does not depend on jobs, cache or prefilter: only the time does."""
    out = RunResult()
    planned = plan(candidates, ctx, cache=cache, prefilter=prefilter, inputs=inputs)
    todo = _uncached(planned, out, cache, inputs, progress)
    head: list[WorkUnit] = []  # planned before the pool starts (all of a small run)
    size = 0
    pooled = False
    for unit in todo:
        head.append(unit)
        size += unit.size
        if effective_jobs(jobs, len(head), size) > 1:
            pooled = True
            break
    if pooled:
        _preload(candidates)
        done = (pair for batch, outcomes in run_pool(
                    process_batch, _batches(itertools.chain(head, todo)), pool_size(jobs),
                    ctx, weight=_batch_size)
                for pair in zip(batch, outcomes, strict=True))
    else:
        head.sort(key=lambda u: -u.size)
        done = ((unit, process_unit(unit, ctx)) for unit in head)
    for unit, outcome in done:
        merge(outcome, out)
        if progress is not None:
            progress.advance(len(unit.files))
        if cache is not None and unit.key:
            cache.put(unit.key, outcome)
    out.findings.sort(key=Finding.sort_key)
    out.problems.sort(key=lambda p: p.path)
    return out


def _uncached(planned: Iterable[tuple[WorkUnit, dict | None]], out: RunResult,
              cache: Cache | None, inputs: Inputs | None = None,
              progress: Progress | None = None) -> Iterator[WorkUnit]:
    """The units left to analyse; cached outcomes, and those of units the planner
    settled, go straight into `out`."""
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
        else:
            yield unit


# Small units travel to the workers together: one round trip per unit made a pool of
# 1,800 small files latency-bound (workers waiting on the parent, not working).
BATCH_BYTES = 256 * 1024
BATCH_UNITS = 64


def _batches(todo: Iterable[WorkUnit]) -> Iterator[tuple[WorkUnit, ...]]:
    """Heavy units alone, light ones grouped in arrival order (a heavy unit is work
    enough for a round trip; grouping those left one worker with the last heavy batch)."""
    batch: list[WorkUnit] = []
    size = 0
    for unit in todo:
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


def process_batch(units: tuple[WorkUnit, ...], ctx: RunContext) -> list[dict]:
    return [process_unit(unit, ctx) for unit in units]


def _preload(candidates: list[Candidate]) -> None:
    """Import the parsers once before the pool forks, not once per worker (the plan
    is not finished yet: the languages of the run's files decide)."""
    for name in sorted({c.language for c in candidates}):
        language(name).preload()
