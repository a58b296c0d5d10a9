"""The Python side of the engine's interface (leaklint.languages): a unit is one file.
Cheap to import: libcst is loaded only when a file passes the byte-level prefilter.

The planner reads each file once and runs the prefilter on it: a file that decodes and
names no modelled API is settled there (nothing can come of it), so no worker reads it
again, and a run whose files all are settled starts no worker and never loads libcst."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator

from leaklint.config import PythonModels
from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import AnalysisCrashed, call_guarded
from leaklint.engine.plan import Planning, WorkUnit, scan_file
from leaklint.engine.refusal import refused_encoding, too_deep
from leaklint.engine.units import UnitOutput, crashed, load
from leaklint.model import FileResult
from leaklint.python.prefilter import mentions_api
from leaklint.sources import RefusedEncoding, SourceFile, UnreadableSource, decode
from leaklint.suppress import UNUSED_RULE

SUFFIXES = (".py", ".pyi")


def plan(candidates: list[Candidate], planning: Planning) -> Iterator[tuple[WorkUnit, dict | None]]:
    """One unit per file, largest first. With the prefilter on and LL001 off (it
    reads every file's comments), a file the prefilter rules out is settled."""
    settle = planning.prefilter and UNUSED_RULE not in planning.ctx.enabled
    models = planning.ctx.settings.python
    tag = _models_tag(models)
    for candidate in _largest_first(candidates):
        if planning.inputs is not None:
            planning.inputs.files.add(os.path.abspath(candidate.path))
        inspect = _inspector(models, tag, _is_python(candidate)) if settle else None
        scanned = scan_file(candidate.path, want_digest=planning.want_digest,
                            memo=planning.memo, inspect=inspect)
        key, cached = None, None
        if planning.cache is not None and scanned.digest is not None:
            key, cached = planning.cached(
                [b"python", planning.context, os.fsencode(candidate.display), scanned.digest])
        mentions = _mentions(scanned.facts, tag) if settle else None
        # A file that names an API is real work: a round trip of its own.
        yield WorkUnit("python", (candidate,), analyse=mentions is not False,
                       settled=mentions is False, light=mentions is not True,
                       size=scanned.size, key=key), cached


def _largest_first(candidates: list[Candidate]) -> list[Candidate]:
    """The files that name an API are few and mostly large (a client module, its
    tests): planned first, they reach the workers while the planner still reads the
    many small files it settles, instead of after them. (Results are sorted at the end:
    the order of the plan changes only the time.)"""
    def size(candidate: Candidate) -> int:
        try:
            return os.stat(candidate.path).st_size
        except OSError:
            return 0  # scan_file says why
    return sorted(candidates, key=size, reverse=True)


def _is_python(candidate: Candidate) -> bool:
    """Whether leaklint.sources reads the file with Python's coding rules."""
    return candidate.path.suffix in SUFFIXES


def _models_tag(models: PythonModels) -> str:
    """Names the configured models: a remembered verdict (the cache's stat memo) counts
    only under the models it was reached with."""
    return hashlib.blake2b(repr(models).encode(), digest_size=8).hexdigest()


def _inspector(models: PythonModels, tag: str, python: bool) -> Callable[[bytes], list | None]:
    def inspect(data: bytes) -> list | None:
        """[tag, whether the prefilter lets the file through], on the bytes the worker
        would see; None when they do not decode (the worker reports why)."""
        try:
            source = decode(data, python=python)
        except UnreadableSource:
            return None
        return [tag, mentions_api(source, models)]
    return inspect


def _mentions(facts: object, tag: str) -> bool | None:
    """The prefilter's verdict from a scan's facts; None: unknown."""
    if isinstance(facts, list) and len(facts) == 2 and facts[0] == tag \
            and isinstance(facts[1], bool):
        return facts[1]
    return None


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
    """Import the parser and the checks before a pool forks (not once per worker)."""
    import leaklint.python.analysis
    import leaklint.python.checks
    import leaklint.python.engine
    import leaklint.python.parse
    import leaklint.python.slicing  # noqa: F401


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
