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
    report = FileReport(file, "python", frozenset(enabled))
    if _over(file.text, MAX_SOURCE_TOKENS):
        return _too_big(result, f"over {MAX_SOURCE_TOKENS:,} tokens of source")
    # The trees die inside the pause (with the helper's frame): re-enabled first, the
    # collector would walk the whole live libcst tree once on the next allocation.
    with collector_paused():
        _analyse_text(file, ctx, report, result)
    result.findings.extend(report.findings)
    return result


def _analyse_text(file: SourceFile, ctx: RunContext, report: FileReport,
                  result: FileResult) -> None:
    from leaklint.python.parse import parse
    from leaklint.python.slicing import relevant_source

    sliced = relevant_source(file.text, api_names(ctx.settings.python))
    if _over(sliced.text, MAX_PARSED_TOKENS, sliced.continuations):
        _too_big(result, f"over {MAX_PARSED_TOKENS:,} tokens left after slicing")
        return
    module = parse(file, report, result, sliced.text)
    if module is not None:
        from leaklint.python.engine import analyse

        try:
            analyse(file, module, report, ctx.settings.python, sliced)
        except RecursionError:
            result.problems.append(
                FileProblem(file.display, "code nested too deeply to analyse", "skipped")
            )


def _over(text: str, limit: int, added: int = 0) -> bool:
    """Does the text hold more than `limit` tokens, not counting `added` one-character
    tokens (the slicer's backslashes)? Every token holds a character other than a space
    or a line break, so a text with few such characters is not counted at all."""
    if len(text) - text.count(" ") - text.count("\n") - added <= limit:
        return False
    return _tokens(text, limit + added) - added > limit


def _tokens(text: str, limit: int) -> int:
    """About how many tokens a parser would make of the text, counted up to one past
    `limit` (one regex pass in C)."""
    return sum(1 for _ in itertools.islice(_TOKEN.finditer(text), limit + 1))


def _too_big(result: FileResult, why: str) -> FileResult:
    result.problems.append(FileProblem(
        result.path, f"not analysed: too large to analyse within its memory budget ({why})",
        "skipped"))
    return result
