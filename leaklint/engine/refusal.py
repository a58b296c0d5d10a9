"""A file nested beyond what the parsers survive is refused before it is parsed."""

from __future__ import annotations

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.guard import MAX_NESTING, nesting
from leaklint.model import FileProblem, FileResult
from leaklint.sources import SourceFile


def too_deep(source: SourceFile, language: str, ctx: RunContext) -> FileResult | None:
    """Refuse a file nested beyond what the parsers survive, before parsing it."""
    deep = nesting(source.source, language)
    if not deep.line:
        return None
    reason = f"nesting too deep to analyse (over {MAX_NESTING[language]} levels)"
    result = FileResult(source.display)
    if "LL000" in ctx.enabled:
        report = FileReport(source, language, ctx.enabled)
        at = (deep.line - 1, deep.column - 1)
        report.report("LL000", source.lines.span_from_points(at, (at[0], at[1] + 1)),
                      reason=reason)
        result.findings = report.findings
    else:  # the file is still not analysed: say so
        result.problems.append(FileProblem(source.display, reason, "skipped"))
    return result
