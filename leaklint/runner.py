"""Runs the analyses over discovered files and applies suppressions and ignores."""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaklint import memory
from leaklint.cache import Cache
from leaklint.context import RunContext
from leaklint.discovery import Candidate
from leaklint.guard import AnalysisCrashed, call_guarded
from leaklint.model import FileProblem, FileResult, Finding
from leaklint.parallel import effective_jobs, pool_size, run_pool
from leaklint.plan import WorkUnit, plan
from leaklint.refusal import too_deep
from leaklint.run_record import Inputs
from leaklint.selection import matches
from leaklint.sources import SourceFile, UnreadableSource, read
from leaklint.suppress import scan


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    files_analysed: int = 0
    suppressed: int = 0


def _load(candidate: Candidate, problems: list[FileProblem]) -> SourceFile | None:
    try:
        return read(candidate.path, candidate.display)
    except UnreadableSource as exc:
        problems.append(FileProblem(candidate.display, str(exc), "unreadable"))
        return None


def analyse_go_group(files: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    from leaklint.golang import analyse_package  # tree-sitter is imported only when needed

    # The package's cycles are freed after it (memory.after_unit); collections while
    # it is analysed would only walk its growing heap again and again.
    with memory.collector_paused():
        return analyse_package(files, ctx)


def analyse_python(file: SourceFile, ctx: RunContext) -> FileResult:
    from leaklint.python import analyse_file  # libcst is imported only when needed

    return analyse_file(file, ctx)


def _crashed(display: str, exc: AnalysisCrashed) -> FileProblem:
    if isinstance(exc.__cause__, RecursionError):
        return FileProblem(display, "nesting too deep to analyse (recursion limit)", "unparsable")
    return FileProblem(display, f"internal error while analysing: {exc}", "skipped")


def _safe_python(source: SourceFile, ctx: RunContext) -> FileResult:
    from leaklint.python.prefilter import mentions_api  # bytes only: no libcst import

    # Only a file the prefilter lets through reaches libcst: only it needs the scan and
    # the large-stack thread.
    if not mentions_api(source.source, ctx.settings.python):
        return FileResult(source.display)  # nothing it could report
    refused = too_deep(source, "python", ctx)
    if refused is not None:
        return refused
    try:
        return call_guarded(analyse_python, source, ctx, deep=True)
    except AnalysisCrashed as exc:
        return FileResult(source.display, problems=[_crashed(source.display, exc)])


def _safe_go(group: list[SourceFile], ctx: RunContext) -> list[FileResult]:
    # The nesting guard runs where a file is about to be parsed (leaklint.golang): most
    # files of a package never are.
    results: list[FileResult] = []
    try:
        return call_guarded(analyse_go_group, group, ctx)
    except AnalysisCrashed as exc:
        if len(group) == 1:
            return [FileResult(group[0].display, problems=[_crashed(group[0].display, exc)])]
    # Find the culprit: each file alone (without the package context) so the others
    # are still analysed and only the failing file is reported.
    for source in group:
        try:
            results += call_guarded(analyse_go_group, [source], ctx)
        except AnalysisCrashed as exc:
            results.append(FileResult(source.display, problems=[_crashed(source.display, exc)]))
    return results


def _per_file_ignored(path: str, ctx: RunContext, rule_id: str) -> bool:
    for pattern, codes in ctx.settings.per_file_ignores:
        if (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern)) and (
            matches(codes, rule_id)
        ):
            return True
    return False


def _finish(result: FileResult, source: SourceFile | None, ctx: RunContext, out: RunResult):
    out.problems.extend(result.problems)
    if not result.findings:
        return
    language = "go" if result.path.endswith(".go") else "python"
    suppressions = scan(source.text, language) if source is not None else None
    for finding in result.findings:
        if finding.rule_id not in ctx.enabled or _per_file_ignored(finding.path, ctx,
                                                                  finding.rule_id):
            continue
        if suppressions is not None and suppressions.suppresses(finding):
            out.suppressed += 1
            continue
        out.findings.append(finding)


def process_unit(unit: WorkUnit, ctx: RunContext) -> dict:
    """Analyse one work unit; the outcome is what the cache stores (see leaklint.cache).
    A Go package the prefilter ruled out is still read (unreadable or binary files are
    reported either way) but never parsed."""
    out = RunResult()
    if unit.language == "python":
        source = _load(unit.files[0], out.problems)
        if source is not None:
            out.files_analysed += 1
            _finish(_safe_python(source, ctx), source, ctx, out)
    else:
        # A file the prefilter proved finding-free (outside `only`) is read only to
        # report why it cannot be, unless the planner already read it as text.
        chosen = unit.only if unit.analyse else frozenset()
        to_read = [c for c in unit.files if chosen is None or c.path.name in chosen
                   or c.path.name not in unit.text_files]
        sources = [s for c in to_read if (s := _load(c, out.problems)) is not None]
        out.files_analysed += len(sources) + len(unit.files) - len(to_read)
        if chosen is not None:
            sources = [s for s in sources if s.path.name in chosen]
        if sources and unit.analyse:
            by_display = {s.display: s for s in sources}
            if unit.loop_defer_only or unit.by_name:
                ctx = dataclasses.replace(ctx, loop_defer_only=unit.loop_defer_only,
                                          by_name=unit.by_name)
            for result in _safe_go(sources, ctx):
                _finish(result, by_display.get(result.path), ctx, out)
        # Parsed Go packages sit in reference cycles; a Python file's libcst tree is
        # freed by reference counting, and collecting after it only cost time.
        memory.after_unit(unit.size)
    return outcome_of(out)


def outcome_of(result: RunResult) -> dict:
    """A unit's outcome as the cache stores it (see leaklint.cache)."""
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
) -> RunResult:
    """Analyse every candidate. Work units (Python files, Go packages) found in the
    cache are not read again; the others run on `jobs` processes (0: every core), which
    start as soon as the plan has found enough work and take the rest as it is planned.
    The result does not depend on jobs, cache or prefilter: only the time does."""
    out = RunResult()
    planned = plan(candidates, ctx, cache=cache, prefilter=prefilter, inputs=inputs)
    todo = _uncached(planned, out, cache, inputs)
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
        if cache is not None and unit.key:
            cache.put(unit.key, outcome)
    out.findings.sort(key=Finding.sort_key)
    out.problems.sort(key=lambda p: p.path)
    return out


def _uncached(planned: Iterable[tuple[WorkUnit, dict | None]], out: RunResult,
              cache: Cache | None, inputs: Inputs | None = None) -> Iterator[WorkUnit]:
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
        else:
            yield unit


# Small units travel to the workers together: one round trip per unit made a pool of
# 1,800 small files latency-bound (workers waiting on the parent, not working).
BATCH_BYTES = 256 * 1024
BATCH_UNITS = 64


def _batches(todo: Iterable[WorkUnit]) -> Iterator[tuple[WorkUnit, ...]]:
    """Analysed Go packages alone, small Python files and Go packages that are only
    read grouped in arrival order (an analysed Go package is work enough for a round
    trip; grouping those left one worker with the last heavy batch)."""
    batch: list[WorkUnit] = []
    size = 0
    for unit in todo:
        if unit.language != "python" and unit.analyse and not _loop_only(unit):
            yield (unit,)
            continue
        batch.append(unit)  # small, or a Go package that is only read
        size += unit.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_UNITS:
            yield tuple(batch)
            batch, size = [], 0
    if batch:
        yield tuple(batch)


def _batch_size(batch: tuple[WorkUnit, ...]) -> int:
    return sum(u.size for u in batch)


def _loop_only(unit: WorkUnit) -> bool:
    """A Go package chosen only for files that may defer a Close in a loop: light work
    (most turn out not to), batched like the packages that are only read."""
    return unit.only is not None and unit.only <= unit.loop_defer_only


def process_batch(units: tuple[WorkUnit, ...], ctx: RunContext) -> list[dict]:
    return [process_unit(unit, ctx) for unit in units]


def _preload(candidates: list[Candidate]) -> None:
    """Import the parsers once before the pool forks, not once per worker (the plan
    is not finished yet: the languages of the run's files decide)."""
    languages = {c.language for c in candidates}
    if "go" in languages:
        importlib.import_module("leaklint.golang")
    if "python" in languages:
        importlib.import_module("leaklint.python")
