"""A stable JSON list of findings (SPEC §5)."""

from __future__ import annotations

import json

from leaklint import catalogue
from leaklint.model import Finding


def finding_dict(f: Finding) -> dict:
    rule = catalogue.rule(f.rule_id)
    fix = None
    if f.fix is not None:
        fix = {
            "message": f.fix.description,
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
        "path": f.path,
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "message": f.message,
        "related": [
            {"path": r.path or f.path, "line": r.span.line, "column": r.span.column,
             "message": r.message}
            for r in f.related
        ],
        "fix": fix,
    }


def render(findings: list[Finding]) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
