"""The Python side of the engine's interface (leaklint.languages): a unit is one file.
Cheap to import: libcst is loaded only when a file passes the byte-level prefilter."""

from __future__ import annotations

import os
from collections.abc import Iterator

from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import AnalysisCrashed, call_guarded
from leaklint.engine.plan import Planning, WorkUnit, scan_file
from leaklint.engine.refusal import refused_encoding, too_deep
from leaklint.engine.units import UnitOutput, crashed, load
from leaklint.model import FileResult
from leaklint.python.prefilter import mentions_api
from leaklint.sources import RefusedEncoding, SourceFile

SUFFIXES = (".py", ".pyi")


def plan(candidates: list[Candidate], planning: Planning) -> Iterator[tuple[WorkUnit, dict | None]]:
    """One unit per file, in candidate order."""
    for candidate in candidates:
        if planning.inputs is not None:
            planning.inputs.files.add(os.path.abspath(candidate.path))
        scanned = scan_file(candidate.path, want_digest=planning.want_digest,
                            memo=planning.memo)
        key, cached = None, None
        if planning.cache is not None and scanned.digest is not None:
            key, cached = planning.cached(
                [b"python", planning.context, os.fsencode(candidate.display), scanned.digest])
        yield WorkUnit("python", (candidate,), size=scanned.size, key=key), cached


def analyse_python(file: SourceFile, ctx: RunContext) -> FileResult:
    from leaklint.python.analysis import analyse_file  # libcst, only when needed

    return analyse_file(file, ctx)


def _safe_python(source: SourceFile, ctx: RunContext) -> FileResult:
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
        return FileResult(source.display, problems=[crashed(source.display, exc)])


def process(unit: WorkUnit, ctx: RunContext, out: UnitOutput) -> None:
    candidate = unit.files[0]
    try:
        source = load(candidate, out.problems)
    except RefusedEncoding as exc:  # Python would not run it: LL000, not a silent skip
        out.files_analysed += 1
        out.finish(refused_encoding(candidate.path, candidate.display, exc, ctx), None, ctx)
        return
    if source is not None:
        out.files_analysed += 1
        out.finish(_safe_python(source, ctx), source, ctx)


def preload() -> None:
    """Import the parser before a pool forks (not once per worker)."""
    import leaklint.python.analysis  # noqa: F401


def parses(text: str) -> bool:
    """Does the text parse as Python (the fixer's check)? Parsing only: nothing runs."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
