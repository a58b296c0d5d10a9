"""SARIF 2.1.0 for GitHub code scanning (SPEC §5, docs/ecosystem.md §1)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from leaklint import __version__, catalogue
from leaklint.catalogue import Rule
from leaklint.fingerprint import fingerprints
from leaklint.model import FileProblem, Finding, Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/leaklint/leaklint"
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
NOTIFICATIONS = {
    "unreadable": ("LLN001", "file-unreadable", "A file could not be read and was not analysed."),
    "unparsable": ("LLN002", "file-unparsable", "A file could not be parsed completely."),
    "skipped": ("LLN003", "file-skipped", "A file was skipped."),
}


def repository_root(start: Path) -> Path:
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def artifact_uri(path: str, base: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        rel = absolute.relative_to(base)
    except ValueError:
        real = Path(os.path.realpath(path))
        try:
            rel = real.relative_to(base)
        except ValueError:
            return real.as_uri()
    return quote(rel.as_posix(), safe="/")


def rule_descriptor(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary[:1024]},
        "fullDescription": {"text": rule.description[:1024]},
        "help": {"text": rule.help, "markdown": _help_markdown(rule)},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": rule.level.value, "enabled": rule.enabled},
        "properties": {
            "tags": list(rule.tags)[:20],
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY[rule.level.value],
            "languages": list(rule.languages),
        },
    }


def _help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.id} {rule.name}**: {rule.summary}", "", rule.description, "", rule.help]
    for ex in rule.examples:
        lang = "go" if ex.language == "go" else "python"
        parts += ["", f"{ex.kind.capitalize()} ({ex.language}):", "", f"```{lang}",
                  ex.code.strip("\n"), "```"]
    return "\n".join(parts)


def _region(span: Span) -> dict:
    region = {"startLine": span.line, "startColumn": max(1, span.column_utf16 or span.column)}
    if span.end_line >= span.line:
        region["endLine"] = span.end_line
        end = span.end_column_utf16 or span.end_column
        if span.end_line > span.line or end > region["startColumn"]:
            region["endColumn"] = end
    return region


def _location(uri: str, span: Span, message: str | None = None, ident: int | None = None) -> dict:
    loc: dict = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": _region(span),
        }
    }
    if message:
        loc["message"] = {"text": message}
    if ident is not None:
        loc["id"] = ident
    return loc


def render(
    findings: list[Finding],
    problems: list[FileProblem],
    *,
    base: Path,
    category: str | None = None,
) -> str:
    rules = list(catalogue.load().values())
    index = {r.id: i for i, r in enumerate(rules)}
    uris = [artifact_uri(f.path, base) for f in findings]
    prints = fingerprints(findings, uris)
    results = []
    for f, uri, fp in zip(findings, uris, prints, strict=False):
        rule = catalogue.rule(f.rule_id)
        message = f.message
        result: dict = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": rule.level.value,
            "message": {"text": message},
            "locations": [_location(uri, f.span)],
            "partialFingerprints": {"leaklint/v1": fp},
        }
        if f.related:
            related = [
                _location(uri, r.span, r.message, i + 1) for i, r in enumerate(f.related[:999])
            ]
            result["relatedLocations"] = related
            links = ", ".join(f"[{r.message}]({i + 1})" for i, r in enumerate(f.related[:10]))
            result["message"] = {"text": f"{message} ({links})" if links else message}
            if f.rule_id == "LL101":
                flows = []
                for r in f.related[:100]:
                    flows.append({"locations": [
                        {"location": _location(uri, f.span, "response acquired here")},
                        {"location": _location(uri, r.span, r.message)},
                    ]})
                result["codeFlows"] = [{"threadFlows": flows}]
        if f.fix is not None:
            result["fixes"] = [{
                "description": {"text": f.fix.description},
                "artifactChanges": [{
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {"deletedRegion": _region(e.span),
                         "insertedContent": {"text": e.replacement}}
                        for e in f.fix.edits
                    ],
                }],
            }]
        results.append(result)
    notes = []
    for p in problems:
        desc_id = NOTIFICATIONS.get(p.kind, NOTIFICATIONS["skipped"])[0]
        notes.append({
            "level": "error" if p.kind == "unreadable" else "warning",
            "message": {"text": f"{p.path}: {p.reason}"},
            "descriptor": {"id": desc_id},
            "locations": [{"physicalLocation": {"artifactLocation": {
                "uri": artifact_uri(p.path, base), "uriBaseId": "%SRCROOT%"}}}],
        })
    run: dict = {
        "tool": {
            "driver": {
                "name": "leaklint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(r) for r in rules],
                "notifications": [
                    {"id": i, "name": n, "shortDescription": {"text": t}}
                    for i, n, t in NOTIFICATIONS.values()
                ],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
        "columnKind": "utf16CodeUnits",
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
    }
    if category:
        run["automationDetails"] = {"id": category.rstrip("/") + "/"}
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
