"""Files refused before they are parsed: nested beyond what the parsers survive, or
(Python) declaring an encoding Python itself refuses."""

from __future__ import annotations

from pathlib import Path

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.guard import MAX_NESTING, nesting
from leaklint.model import FileProblem, FileResult
from leaklint.sources import RefusedEncoding, SourceFile


def _ll000(source: SourceFile, language: str, ctx: RunContext, at: tuple[int, int],
           reason: str, kind: str) -> FileResult:
    """LL000 at `at` (0-based row, byte column), or, with LL000 off, a notice: the file
    is still not analysed."""
    result = FileResult(source.display)
    if "LL000" in ctx.enabled:
        report = FileReport(source, language, ctx.enabled)
        report.report("LL000", source.lines.span_from_points(at, (at[0], at[1] + 1)),
                      reason=reason)
        result.findings = report.findings
    else:
        result.problems.append(FileProblem(source.display, reason, kind))
    return result


def refused_encoding(path: Path, display: str, exc: RefusedEncoding,
                     ctx: RunContext) -> FileResult:
    """A Python file whose coding declaration Python refuses: LL000 at that line."""
    source = SourceFile(path, display, exc.shown)
    return _ll000(source, "python", ctx, (exc.line - 1, 0), str(exc), "unparsable")


def too_deep(source: SourceFile, language: str, ctx: RunContext) -> FileResult | None:
    """Refuse a file nested beyond what the parsers survive, before parsing it."""
    deep = nesting(source.source, language)
    if not deep.line:
        return None
    reason = f"nesting too deep to analyse (over {MAX_NESTING[language]} levels)"
    return _ll000(source, language, ctx, (deep.line - 1, deep.column - 1), reason, "skipped")
