"""libcst parsing; a syntax error becomes one LL000 finding, never an exception."""

from __future__ import annotations

import ast
import re

import libcst as cst

from leaklint.emit import FileReport
from leaklint.model import FileProblem, FileResult
from leaklint.sources import SourceFile

# libcst's native parser names the offending token as "error at LINE:COLUMN" in its
# message (1-based line, 0-based column); its raw_line can point past it.
_AT = re.compile(r"^(?:parser error: )?error at (\d+):(\d+):\s*")


def _where(exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    message = " ".join(exc.message.split())
    found = _AT.match(message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        message = message[found.end():]
    else:
        line, column = exc.raw_line, exc.raw_column
    if len(message) > 120:
        message = message[:117] + "..."
    return max(1, line), max(0, column), message or "invalid syntax"


def _cpython_syntax_error(text: str) -> tuple[int, int, str] | None:
    """Where CPython's own parser (ast.parse: parsing only, nothing runs) places the
    error, as flake8's E999 does; None when CPython accepts the file."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        column = max(0, (exc.offset or 1) - 1)
        return exc.lineno or 0, column, exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError):
        return 0, 0, ""
    return None


def parse(file: SourceFile, report: FileReport, result: FileResult,
          text: str | None = None) -> cst.Module | None:
    """Parse `text` (the file's text with irrelevant bodies blanked, same line numbers)
    or the file's own text."""
    try:
        return cst.parse_module(file.text if text is None else text)
    except cst.ParserSyntaxError as exc:
        cpython = _cpython_syntax_error(file.text)
        if cpython is None:  # valid Python that libcst cannot read: not the user's error
            result.problems.append(FileProblem(
                file.display, f"not analysed: the parser does not support this syntax "
                f"({_where(exc)[2]})", "skipped"))
            return None
        line, column, reason = cpython if cpython[0] > 0 else _where(exc)
        line = min(max(1, line), max(1, file.source.count(b"\n") + 1))
        column = min(column, len(file.lines.line_text(line)))
        span = file.lines.span_from_chars(line, column, line, column)
        report.report("LL000", span, reason=reason)
        result.problems.append(FileProblem(file.display, f"syntax error at line {line}",
                                           "unparsable"))
    except RecursionError:
        result.problems.append(
            FileProblem(file.display, "code nested too deeply to parse", "skipped")
        )
    return None
