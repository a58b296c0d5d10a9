"""Python analysis (libcst). Entry point: analyse_file.

libcst is imported only for files that pass the byte-level prefilter.
"""

from __future__ import annotations

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.model import FileProblem, FileResult
from leaklint.python.prefilter import mentions_api
from leaklint.sources import SourceFile

PYTHON_RULES = frozenset({"LL000", "LL101", "LL102", "LL201", "LL301", "LL401", "LL402"})


def analyse_file(file: SourceFile, ctx: RunContext) -> FileResult:
    result = FileResult(file.display)
    enabled = ctx.enabled & PYTHON_RULES
    if not enabled or not mentions_api(file.source, ctx.settings.python):
        return result
    from leaklint.python.parse import parse

    report = FileReport(file, "python", frozenset(enabled))
    module = parse(file, report, result)
    if module is not None:
        from leaklint.python.engine import analyse

        try:
            analyse(file, module, report, ctx.settings.python)
        except RecursionError:
            result.problems.append(
                FileProblem(file.display, "code nested too deeply to analyse", "skipped")
            )
    result.findings.extend(report.findings)
    return result
