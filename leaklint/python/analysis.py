"""Analyses one Python file (libcst): analyse_file.

libcst is imported only for files that pass the byte-level prefilter.
"""

from __future__ import annotations

import itertools
import re

from leaklint.context import RunContext
from leaklint.emit import FileReport
from leaklint.engine.memory import collector_paused
from leaklint.model import FileProblem, FileResult
from leaklint.python.prefilter import api_names, mentions_api
from leaklint.sources import SourceFile

PYTHON_RULES = frozenset({"LL000", "LL101", "LL102", "LL201", "LL301", "LL401", "LL402"})

# A file's memory budget: one worker stays under 500 MB. CPython's tree, which the
# slicer reads, costs some 500 bytes per token of source; libcst's, some 2 KB per token
# of what is left to parse. Past either limit the file gets a notice instead. (Tokens,
# not bytes: indentation, comments and long strings cost next to nothing.)
MAX_SOURCE_TOKENS = 600_000
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
    if _tokens(file.text, MAX_SOURCE_TOKENS) > MAX_SOURCE_TOKENS:
        return _too_big(result, f"over {MAX_SOURCE_TOKENS:,} tokens of source")
    with collector_paused():
        sliced = relevant_source(file.text, api_names(ctx.settings.python))
        tokens = _tokens(sliced.text, MAX_PARSED_TOKENS)
        if tokens > MAX_PARSED_TOKENS:
            return _too_big(result, f"over {MAX_PARSED_TOKENS:,} tokens left after "
                                    "slicing")
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


def _tokens(text: str, limit: int) -> int:
    """About how many tokens a parser would make of the text, counted up to one past
    `limit` (one regex pass in C)."""
    return sum(1 for _ in itertools.islice(_TOKEN.finditer(text), limit + 1))


def _too_big(result: FileResult, why: str) -> FileResult:
    result.problems.append(FileProblem(
        result.path, f"not analysed: too large to analyse within its memory budget ({why})",
        "skipped"))
    return result
