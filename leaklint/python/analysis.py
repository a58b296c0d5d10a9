"""Analyses one Python file (libcst): analyse_file.

libcst is imported only for files that pass the byte-level prefilter.
"""

from __future__ import annotations

import re

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.memory import collector_paused
from leaklint.model import FileProblem, FileResult
from leaklint.python.prefilter import api_names, mentions_api
from leaklint.sources import SourceFile

PYTHON_RULES = frozenset({"LL000", "LL101", "LL102", "LL201", "LL301", "LL401", "LL402"})

# A file's memory budget: one worker stays under 500 MB. CPython's tree, which the
# slicer reads, costs some 150 bytes per byte of source; libcst's, some 2 KB per token
# of what is left to parse. Past either limit the file gets a notice instead.
MAX_SLICED_BYTES = 2 * 1024 * 1024
MAX_PARSED_TOKENS = 100_000
# Names, numbers, whole strings and comments, single punctuation: about libcst's tokens.
_TOKEN = re.compile(r"""\w+|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*|[^\s\w]""")


def analyse_file(file: SourceFile, ctx: RunContext) -> FileResult:
    result = FileResult(file.display)
    enabled = ctx.enabled & PYTHON_RULES
    if not enabled or not mentions_api(file.source, ctx.settings.python):
        return result
    from leaklint.python.parse import parse
    from leaklint.python.slicing import relevant_source

    report = FileReport(file, "python", frozenset(enabled))
    if len(file.source) > MAX_SLICED_BYTES:
        return _too_big(result, f"{len(file.source) / 2**20:.1f} MB of source, "
                                f"over the {MAX_SLICED_BYTES // 2**20} MB a file may have")
    with collector_paused():
        sliced = relevant_source(file.text, api_names(ctx.settings.python))
        tokens = _tokens(sliced.text)
        if tokens > MAX_PARSED_TOKENS:
            return _too_big(result, f"{tokens:,} tokens left after slicing, over the "
                                    f"{MAX_PARSED_TOKENS:,} a file may have")
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


def _tokens(text: str) -> int:
    """About how many tokens libcst would make of the text (one regex pass in C)."""
    count = 0
    for _ in _TOKEN.finditer(text):
        count += 1
    return count


def _too_big(result: FileResult, why: str) -> FileResult:
    result.problems.append(FileProblem(
        result.path, f"not analysed: too large to analyse within its memory budget ({why})",
        "skipped"))
    return result
