"""What a language hands back from one work unit, and the helpers every language uses
to produce it: reading a file, reporting a crash, and applying ignores and
suppressions to a file's results."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from leaklint import catalogue
from leaklint.context import RunContext
from leaklint.engine.discovery import Candidate
from leaklint.engine.guard import AnalysisCrashed
from leaklint.model import FileProblem, FileResult, Finding
from leaklint.selection import matches
from leaklint.sources import RefusedEncoding, SourceFile, UnreadableSource, read
from leaklint.suppress import UNUSED_RULE, Suppressions, scan


@dataclass
class UnitOutput:
    """Findings and problems of a unit, or of a whole run (they merge)."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    files_analysed: int = 0
    suppressed: int = 0

    def finish(self, result: FileResult, source: SourceFile | None, ctx: RunContext) -> None:
        """Take one file's result: its problems, and its findings that are enabled,
        not ignored for its path and not suppressed by a comment in it; then, when
        LL001 runs, the comments that suppressed nothing."""
        self.problems.extend(result.problems)
        # A file the analysis could not read whole (a syntax error, a crash) may hide
        # the very findings its comments silence: its comments are not judged.
        judge = UNUSED_RULE in ctx.enabled and source is not None and not result.problems \
            and not any(f.rule_id == "LL000" for f in result.findings)
        if not result.findings and not judge:
            return
        language = "go" if result.path.endswith(".go") else "python"
        suppressions = scan(source.text, language) if source is not None else None
        for finding in result.findings:
            if finding.rule_id in ctx.enabled:
                self._keep(finding, suppressions, ctx)
        if judge and suppressions is not None and suppressions.directives:
            for finding in unused_suppressions(suppressions, source, language, ctx):
                self._keep(finding, suppressions, ctx)

    def _keep(self, finding: Finding, suppressions: Suppressions | None,
              ctx: RunContext) -> None:
        if _per_file_ignored(finding.path, ctx, finding.rule_id) or (
                suppressions is not None and suppressions.suppresses(finding)):
            self.suppressed += 1
        else:
            self.findings.append(finding)


_WHERE = {1: "on this line", 2: "on this line or the next", 0: "in this file"}


def unused_suppressions(suppressions: Suppressions, source: SourceFile, language: str,
                        ctx: RunContext) -> list[Finding]:
    """LL001 findings: one per directive, naming its codes that silenced nothing."""
    rule = catalogue.rule(UNUSED_RULE)
    out = []
    for directive, codes in suppressions.unused(language, ctx.enabled, source.text):
        span = source.lines.span_from_chars(directive.line, directive.start,
                                            directive.line, directive.end)
        names = "leaklint" if codes == ("ALL",) else ", ".join(codes)
        message = rule.message(language, codes=names, where=_WHERE[len(directive.covers)])
        out.append(Finding(UNUSED_RULE, source.display, span, message,
                           snippet=source.lines.line_text(directive.line).strip()))
    return out


def _per_file_ignored(path: str, ctx: RunContext, rule_id: str) -> bool:
    for pattern, codes in ctx.settings.per_file_ignores:
        if (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern)) and (
            matches(codes, rule_id)
        ):
            return True
    return False


def load(candidate: Candidate, problems: list[FileProblem]) -> SourceFile | None:
    """The file's text, or None with the reason added to `problems` (RefusedEncoding
    is raised: a language may report it as a finding)."""
    try:
        return read(candidate.path, candidate.display)
    except RefusedEncoding:
        raise
    except UnreadableSource as exc:
        problems.append(FileProblem(candidate.display, str(exc), "unreadable"))
        return None


def crashed(display: str, exc: AnalysisCrashed) -> FileProblem:
    """The problem to report for a file whose analysis raised."""
    if isinstance(exc.__cause__, RecursionError):
        return FileProblem(display, "nesting too deep to analyse (recursion limit)", "unparsable")
    return FileProblem(display, f"internal error while analysing: {exc}", "skipped")
