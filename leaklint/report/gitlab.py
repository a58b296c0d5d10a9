"""GitLab Code Quality report: the JSON array that `artifacts:reports:codequality`
reads (a subset of the Code Climate issue format)."""

from __future__ import annotations

import json
from pathlib import Path

from leaklint import catalogue
from leaklint.ci.fingerprint import stable_path
from leaklint.model import Finding
from leaklint.report.names import as_text

# GitLab's severities are info, minor, major, critical and blocker.
SEVERITY = {"note": "info", "warning": "minor", "error": "major"}


def render(findings: list[Finding], base: Path, prints: list[str]) -> str:
    """`prints`: the run's line-move-proof fingerprints, aligned with `findings`, so an
    unchanged finding keeps its identity between pipelines and GitLab does not report it
    as fixed and new again. Paths are relative to the repository root, as GitLab
    expects."""
    issues = []
    for finding, fingerprint in zip(findings, prints, strict=True):
        rule = catalogue.rule(finding.rule_id)
        issues.append({
            "type": "issue",
            "check_name": finding.rule_id,
            "description": f"{finding.rule_id} {rule.name}: {finding.message}",
            "categories": ["Bug Risk"],
            "severity": SEVERITY[rule.level.value],
            "fingerprint": fingerprint,
            "location": {
                "path": as_text(stable_path(finding.path, base)),
                "lines": {"begin": finding.span.line, "end": finding.span.end_line},
            },
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
