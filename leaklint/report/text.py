"""`path:line:col: LL101 [*] error: message`, coloured on a terminal, optionally with
the source line and a caret under the column, then a summary line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from leaklint import catalogue
from leaklint.model import Finding, Level
from leaklint.report.names import shown
from leaklint.report.summary import Summary

_COLORS = {Level.ERROR: "\033[31m", Level.WARNING: "\033[33m", Level.NOTE: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"
FIXABLE = "[*]"  # ruff's mark for a finding `--fix` can repair


def render(
    findings: list[Finding],
    *,
    color: bool = False,
    statistics: bool = False,
    quiet: bool = False,
    summary: Summary | None = None,
    show_source: bool = False,
    baseline_file: object = None,
) -> str:
    rules = catalogue.load()
    sources = _Sources()
    out: list[str] = []
    for f in findings:
        loc = f"{shown(f.path)}:{f.span.line}:{f.span.column}:"
        level = rules[f.rule_id].level
        mark = f" {FIXABLE}" if f.fix is not None else ""
        if color:
            out.append(f"{_BOLD}{loc}{_RESET} {_COLORS[level]}{f.rule_id}{_RESET}{mark} "
                       f"{_COLORS[level]}{level.value}{_RESET}: {f.message}")
        else:
            out.append(f"{loc} {f.rule_id}{mark} {level.value}: {f.message}")
        if show_source:
            out.extend(_context(f, sources.line(f.path, f.span.line)))
    if statistics and findings:
        counts = Counter(f.rule_id for f in findings)
        for rule_id in sorted(counts):
            out.append(f"{counts[rule_id]:>6}  {rule_id}  {rules[rule_id].name}")
    if not quiet and summary is not None:
        out.extend(summary.lines(baseline_file))
    return "\n".join(out) + ("\n" if out else "")


def _context(f: Finding, line: str | None) -> list[str]:
    """The finding's line under a gutter, and carets under the flagged columns (tabs
    kept as tabs so that the carets line up in any tab width)."""
    if line is None:
        return []
    number = str(f.span.line)
    gutter = " " * len(number)
    start = max(f.span.column - 1, 0)
    end = f.span.end_column - 1 if f.span.end_line == f.span.line else len(line)
    width = max(1, min(end, len(line)) - start)
    pad = "".join(c if c == "\t" else " " for c in line[:start])
    return [f"{gutter} |", f"{number} | {line}", f"{gutter} | {pad}{'^' * width}", ""]


class _Sources:
    """Source lines read on demand, each file once; None where it cannot be read."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._lines:
            from leaklint.sources import UnreadableSource, read

            try:
                text = read(Path(path), path).text
                # Lines as positions count them (not at a form feed or U+2028).
                self._lines[path] = [line.removesuffix("\r") for line in text.split("\n")]
            except (UnreadableSource, OSError):
                self._lines[path] = None
        lines = self._lines[path]
        if lines is None or not 0 < number <= len(lines):
            return None
        return lines[number - 1]
