"""What a language hands back from one work unit, and the helpers every language uses
to produce it: reading a file, reporting a crash, and applying ignores and
suppressions to a file's results."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import AnalysisCrashed
from leaklint.model import FileProblem, FileResult, Finding
from leaklint.selection import matches
from leaklint.sources import SourceFile, UnreadableSource, read
from leaklint.suppress import scan


@dataclass
class UnitOutput:
    """Findings and problems of a unit, or of a whole run (they merge)."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    files_analysed: int = 0
    suppressed: int = 0

    def finish(self, result: FileResult, source: SourceFile | None, ctx: RunContext) -> None:
        """Take one file's result: its problems, and its findings that are enabled,
        not ignored for its path and not suppressed by a comment in it."""
        self.problems.extend(result.problems)
        if not result.findings:
            return
        language = "go" if result.path.endswith(".go") else "python"
        suppressions = scan(source.text, language) if source is not None else None
        for finding in result.findings:
            if finding.rule_id not in ctx.enabled or _per_file_ignored(
                    finding.path, ctx, finding.rule_id):
                continue
            if suppressions is not None and suppressions.suppresses(finding):
                self.suppressed += 1
                continue
            self.findings.append(finding)


def _per_file_ignored(path: str, ctx: RunContext, rule_id: str) -> bool:
    for pattern, codes in ctx.settings.per_file_ignores:
        if (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern)) and (
            matches(codes, rule_id)
        ):
            return True
    return False


def load(candidate: Candidate, problems: list[FileProblem]) -> SourceFile | None:
    """The file's text, or None with the reason added to `problems`."""
    try:
        return read(candidate.path, candidate.display)
    except UnreadableSource as exc:
        problems.append(FileProblem(candidate.display, str(exc), "unreadable"))
        return None


def crashed(display: str, exc: AnalysisCrashed) -> FileProblem:
    """The problem to report for a file whose analysis raised."""
    if isinstance(exc.__cause__, RecursionError):
        return FileProblem(display, "nesting too deep to analyse (recursion limit)", "unparsable")
    return FileProblem(display, f"internal error while analysing: {exc}", "skipped")
