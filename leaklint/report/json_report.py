"""The JSON report: {"version", "summary", "findings"}; each finding with its level,
fingerprint, documentation URL and fix (null when there is none)."""

from __future__ import annotations

import json

from leaklint import __version__, catalogue
from leaklint.model import Finding
from leaklint.report.names import as_text
from leaklint.report.summary import Summary


def finding_dict(f: Finding, fingerprint: str | None = None) -> dict:
    rule = catalogue.rule(f.rule_id)
    fix = None
    if f.fix is not None:
        fix = {
            "message": f.fix.description,
            "applicability": "safe" if f.fix.safe else "unsafe",
            "edits": [
                {
                    "line": e.span.line,
                    "column": e.span.column,
                    "end_line": e.span.end_line,
                    "end_column": e.span.end_column,
                    "content": e.replacement,
                }
                for e in f.fix.edits
            ],
        }
    return {
        "rule": f.rule_id,
        "name": rule.name,
        "level": rule.level.value,
        "path": as_text(f.path),
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "message": f.message,
        "fingerprint": fingerprint,
        "url": rule.help_uri,
        "related": [
            {"path": as_text(r.path or f.path), "line": r.span.line, "column": r.span.column,
             "message": r.message}
            for r in f.related
        ],
        "fix": fix,
    }


def render(findings: list[Finding], summary: Summary, prints: list[str]) -> str:
    """`prints`: the fingerprints of the findings (leaklint.ci.fingerprint), in order."""
    report = {
        "version": __version__,
        "summary": summary.as_dict(),
        "findings": [finding_dict(f, fp) for f, fp in zip(findings, prints, strict=True)],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
