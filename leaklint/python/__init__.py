"""Python analysis (libcst). Entry point: analyse_file."""

from __future__ import annotations

from leaklint.context import RunContext
from leaklint.model import FileResult
from leaklint.sources import SourceFile


def analyse_file(file: SourceFile, ctx: RunContext) -> FileResult:
    return FileResult(file.display)
