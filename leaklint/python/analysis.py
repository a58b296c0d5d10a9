"""Analyses one Python file (libcst): analyse_file.

libcst is imported only for files that pass the byte-level prefilter.
"""

from __future__ import annotations

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.memory import collector_paused
from leaklint.model import FileProblem, FileResult
from leaklint.python.prefilter import api_names, mentions_api
from leaklint.sources import SourceFile

PYTHON_RULES = frozenset({"LL000", "LL101", "LL102", "LL201", "LL301", "LL401", "LL402"})


def analyse_file(file: SourceFile, ctx: RunContext) -> FileResult:
    result = FileResult(file.display)
    enabled = ctx.enabled & PYTHON_RULES
    if not enabled or not mentions_api(file.source, ctx.settings.python):
        return result
    from leaklint.python.parse import parse
    from leaklint.python.slicing import relevant_source

    report = FileReport(file, "python", frozenset(enabled))
    with collector_paused():
        sliced = relevant_source(file.text, api_names(ctx.settings.python))
        module = parse(file, report, result, sliced.text)
        if module is not None:
            from leaklint.python.engine import analyse

            try:
                analyse(file, module, report, ctx.settings.python, sliced)
            except RecursionError:
                result.problems.append(
                    FileProblem(file.display, "code nested too deeply to analyse", "skipped")
                )
    result.findings.extend(report.findings)
    return result
