"""libcst parsing; a syntax error becomes one LL000 finding, never an exception."""

from __future__ import annotations

import libcst as cst

from leaklint.emit import FileReport
from leaklint.model import FileProblem, FileResult
from leaklint.sources import SourceFile


def parse(file: SourceFile, report: FileReport, result: FileResult) -> cst.Module | None:
    try:
        return cst.parse_module(file.text)
    except cst.ParserSyntaxError as exc:
        line = max(1, exc.raw_line)
        text = file.lines.line_text(line)
        column = min(max(0, exc.raw_column), len(text))
        span = file.lines.span_from_chars(line, column, line, column)
        reason = " ".join(exc.message.split()) or "syntax error"
        report.report("LL000", span, reason=reason)
        result.problems.append(FileProblem(file.display, f"syntax error at line {line}",
                                           "unparsable"))
    except RecursionError:
        result.problems.append(
            FileProblem(file.display, "code nested too deeply to parse", "skipped")
        )
    return None
