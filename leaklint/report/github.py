"""GitHub Actions workflow commands: ::error file=…,line=…,col=…,title=LL101::message"""

from __future__ import annotations

from pathlib import Path

from leaklint import catalogue
from leaklint.ci.fingerprint import stable_path
from leaklint.model import Finding
from leaklint.report.names import as_text

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: list[Finding], base: Path | None = None) -> str:
    """`base` (the repository root) makes `file=` repository-relative: GitHub matches
    annotations against paths from the checkout root, whatever directory ran leaklint."""
    lines = []
    for f in findings:
        rule = catalogue.rule(f.rule_id)
        path = stable_path(f.path, base) if base is not None else f.path
        props = ",".join(
            f"{k}={escape_property(str(v))}"
            for k, v in (
                ("file", as_text(path)),
                ("line", f.span.line),
                ("endLine", f.span.end_line),
                ("col", f.span.column),
                ("endColumn", f.span.end_column),
                ("title", f"{f.rule_id} {rule.name}"),
            )
        )
        lines.append(f"::{_COMMAND[rule.level.value]} {props}::{escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
