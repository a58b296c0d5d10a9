"""libcst parsing; a syntax error becomes one LL000 finding, never an exception."""

from __future__ import annotations

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


def parse(file: SourceFile, report: FileReport, result: FileResult) -> cst.Module | None:
    try:
        return cst.parse_module(file.text)
    except cst.ParserSyntaxError as exc:
        line, column, reason = _where(exc)
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
