"""`path:line:col: LL101 message`, coloured on a TTY, then a summary line."""

from __future__ import annotations

from collections import Counter

from leaklint import catalogue
from leaklint.model import Finding, Level
from leaklint.report.names import shown

_COLORS = {Level.ERROR: "\033[31m", Level.WARNING: "\033[33m", Level.NOTE: "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(
    findings: list[Finding],
    *,
    color: bool = False,
    statistics: bool = False,
    quiet: bool = False,
    files: int = 0,
    suppressed: int = 0,
) -> str:
    rules = catalogue.load()
    out: list[str] = []
    for f in findings:
        loc = f"{shown(f.path)}:{f.span.line}:{f.span.column}:"
        if color:
            level = rules[f.rule_id].level
            out.append(f"{_BOLD}{loc}{_RESET} {_COLORS[level]}{f.rule_id}{_RESET} {f.message}")
        else:
            out.append(f"{loc} {f.rule_id} {f.message}")
    if statistics and findings:
        counts = Counter(f.rule_id for f in findings)
        for rule_id in sorted(counts):
            out.append(f"{counts[rule_id]:>6}  {rule_id}  {rules[rule_id].name}")
    if not quiet:
        n = len(findings)
        plural = "s" if files != 1 else ""
        summary = f"Found {n} problem{'s' if n != 1 else ''} in {files} file{plural}"
        if suppressed:
            summary += f" ({suppressed} suppressed)"
        out.append(summary + "." if n else f"All clear: {files} file{plural} checked.")
    return "\n".join(out) + ("\n" if out else "")
