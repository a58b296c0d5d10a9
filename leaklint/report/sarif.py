"""SARIF 2.1.0 for GitHub code scanning (SPEC §5, docs/ecosystem.md §1)."""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from leaklint import __version__, catalogue
from leaklint.catalogue import Rule
from leaklint.ci.fingerprint import KEY, for_run, repo_path, repository_root
from leaklint.docs import render_rule_markdown
from leaklint.model import FileProblem, Finding, Span
from leaklint.report.names import shown

__all__ = ["render", "repository_root"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/leaklint/leaklint"
SRCROOT = "%SRCROOT%"
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_LEVEL_RANK = {"error": 0, "warning": 1, "note": 2}
# Descriptors of toolExecutionNotifications: (id, name, short text, what to do).
NOTIFICATIONS = {
    "unreadable": (
        "LLN001", "file-unreadable", "A file could not be read and was not analysed.",
        "The file is binary, not valid UTF-8 or UTF-16, too large, or not readable. "
        "Fix its encoding or permissions, or exclude it with `exclude` in the configuration.",
    ),
    "unparsable": (
        "LLN002", "file-unparsable", "A file could not be parsed completely.",
        "Parts of the file were not analysed; the LL000 finding names the first syntax "
        "error. Fix it, or exclude the file if it is not source code.",
    ),
    "skipped": (
        "LLN003", "file-skipped", "A file was skipped.",
        "leaklint did not analyse this file; the message gives the reason.",
    ),
    "notice": (
        "LLN004", "directory-alias", "A symlinked directory was analysed once, at its target.",
        "Nothing was left out: the link leads to a directory analysed under its own path.",
    ),
}

# GitHub code scanning rejects uploads above these (docs/ecosystem.md §1.8).
MAX_RESULTS = 25_000
MAX_RELATED = 1_000
MAX_FLOW_STEPS = 10_000
MAX_TAGS = 20
MAX_GZIP_BYTES = 10 * 1024 * 1024


def _stderr(message: str) -> None:
    sys.stderr.write(f"leaklint: {message}\n")


def artifact_location(path: str, base: Path) -> dict:
    """Relative to the repository root under %SRCROOT%, `/` separators, no `./`.
    A file outside the root (--path-base below it) gets a `../` reference: GitHub
    rejects absolute file URIs it cannot relate to the checkout."""
    rel = repo_path(path, base)
    if rel is None:
        try:
            rel = Path(os.path.relpath(os.path.realpath(path), base)).as_posix()
        except ValueError:  # another drive on Windows: nothing relative exists
            return {"uri": Path(os.path.realpath(path)).as_uri()}
    return {"uri": quote(os.fsencode(rel), safe="/"), "uriBaseId": SRCROOT}


def _base_uri(base: Path) -> str:
    uri = base.as_uri()
    return uri if uri.endswith("/") else uri + "/"


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
            "tags": list(rule.tags)[:MAX_TAGS],
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY[rule.level.value],
            "languages": list(rule.languages),
        },
    }


def _help_markdown(rule: Rule) -> str:
    """The rule's documentation page, without its generated-file comment."""
    page = render_rule_markdown(rule)
    return "\n".join(line for line in page.split("\n") if not line.startswith("<!--"))


def region(span: Span) -> dict:
    """1-based UTF-16 columns (run.columnKind); endColumn is exclusive and is left
    out rather than written as an empty or inverted range."""
    start = max(1, span.column_utf16 or span.column)
    out = {"startLine": max(1, span.line), "startColumn": start}
    if span.end_line > span.line:
        out["endLine"] = span.end_line
        out["endColumn"] = max(1, span.end_column_utf16 or span.end_column)
    elif span.end_line == span.line:
        end = span.end_column_utf16 or span.end_column
        if end > start:
            out["endLine"] = span.end_line
            out["endColumn"] = end
    return out


def _location(art: dict, span: Span, message: str | None = None,
              ident: int | None = None) -> dict:
    loc: dict = {"physicalLocation": {"artifactLocation": dict(art), "region": region(span)}}
    if ident is not None:
        loc["id"] = ident
    if message:
        loc["message"] = {"text": message}
    return loc


def _escape_link_text(text: str) -> str:
    """A message with embedded links must escape its literal brackets (SARIF §3.11.6)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _with_links(message: str, related: list[str]) -> str:
    links = ", ".join(f"[{_escape_link_text(text)}]({i + 1})" for i, text in enumerate(related))
    return f"{_escape_link_text(message)}. See {links}."


def _result(f: Finding, art: dict, fingerprint: str, index: int, base: Path) -> dict:
    rule = catalogue.rule(f.rule_id)
    result: dict = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": rule.level.value,
        "message": {"text": f.message},
        "locations": [_location(art, f.span)],
        "partialFingerprints": {KEY: fingerprint},
    }
    related = list(f.related[:MAX_RELATED])
    if related:
        result["relatedLocations"] = [
            _location(art if r.path is None else artifact_location(r.path, base), r.span,
                      r.message or "related location", i + 1)
            for i, r in enumerate(related)
        ]
        result["message"] = {"text": _with_links(f.message, [r.message or "here"
                                                             for r in related[:10]])}
    if f.rule_id == "LL101" and related:
        # One path per leaking exit: where the response was acquired, then where it leaks.
        steps_left = MAX_FLOW_STEPS
        flows = []
        for r in related:
            if steps_left < 2:
                break
            steps_left -= 2
            flows.append({
                "message": {"text": f"leaks at line {r.span.line}"},
                "threadFlows": [{"locations": [
                    {"location": _location(art, f.span, "response acquired here"),
                     "nestingLevel": 0, "executionOrder": 1},
                    {"location": _location(art, r.span, r.message or "leaking exit"),
                     "nestingLevel": 0, "executionOrder": 2},
                ]}],
            })
        result["codeFlows"] = flows
    if f.fix is not None and f.fix.edits:
        safety = "safe" if f.fix.safe else "unsafe"
        result["fixes"] = [{
            "description": {"text": f"{safety.capitalize()} fix: {f.fix.description}"},
            "properties": {"applicability": safety},
            "artifactChanges": [{
                "artifactLocation": dict(art),
                "replacements": [
                    {"deletedRegion": _edit_region(e.span),
                     "insertedContent": {"text": e.replacement}}
                    for e in f.fix.edits
                ],
            }],
        }]
    return result


def _edit_region(span: Span) -> dict:
    """A replacement may delete nothing (an insertion), so keep empty ranges here."""
    return {
        "startLine": span.line,
        "startColumn": max(1, span.column_utf16 or span.column),
        "endLine": span.end_line,
        "endColumn": max(1, span.end_column_utf16 or span.end_column),
    }


def _notification(p: FileProblem, base: Path) -> dict:
    desc_id = NOTIFICATIONS.get(p.kind, NOTIFICATIONS["skipped"])[0]
    return {
        # Unreadable files were not analysed at all: results are incomplete.
        "level": {"unreadable": "error", "notice": "note"}.get(p.kind, "warning"),
        "message": {"text": f"{shown(p.path)}: {p.reason}"},
        "descriptor": {"id": desc_id},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(p.path,
                                                                                  base)}}],
    }


def _cap(findings: list[Finding], prints: list[str],
         warn: Callable[[str], None]) -> tuple[list[Finding], list[str]]:
    if len(findings) <= MAX_RESULTS:
        return findings, prints
    # Keep the most severe results, in their original order.
    order = sorted(range(len(findings)),
                   key=lambda i: (_LEVEL_RANK[catalogue.rule(findings[i].rule_id).level.value], i))
    kept = sorted(order[:MAX_RESULTS])
    warn(f"SARIF output capped at {MAX_RESULTS} results (GitHub's limit per run); "
         f"{len(findings) - MAX_RESULTS} less severe results left out; "
         "use --format json for the complete list")
    return [findings[i] for i in kept], [prints[i] for i in kept]


def build(
    findings: list[Finding],
    problems: list[FileProblem],
    *,
    base: Path,
    category: str | None = None,
    prints: list[str] | None = None,
    warn: Callable[[str], None] = _stderr,
) -> dict:
    """The SARIF log as a dict. `prints` are fingerprints computed on the complete
    run (before diff or baseline filtering), aligned with `findings`."""
    rules = list(catalogue.load().values())
    index = {r.id: i for i, r in enumerate(rules)}
    if prints is None:
        prints = for_run(findings, base)
    findings, prints = _cap(findings, prints, warn)
    results = [
        _result(f, artifact_location(f.path, base), fp, index[f.rule_id], base)
        for f, fp in zip(findings, prints, strict=True)
    ]
    notes = [_notification(p, base) for p in problems]
    invocation: dict = {"executionSuccessful": True, "toolExecutionNotifications": notes}
    run: dict = {
        "tool": {
            "driver": {
                "name": "leaklint",
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(r) for r in rules],
                "notifications": [
                    {"id": i, "name": n, "shortDescription": {"text": short},
                     "fullDescription": {"text": f"{short} {advice}"},
                     "help": {"text": advice},
                     "defaultConfiguration": {"level": {"LLN001": "error", "LLN004": "note"}
                                              .get(i, "warning")}}
                    for i, n, short, advice in NOTIFICATIONS.values()
                ],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": _base_uri(base)}},
        "columnKind": "utf16CodeUnits",
        "results": results,
        "invocations": [invocation],
    }
    if category:
        # Only when asked: an id in the file overrides the upload's `category` input.
        run["automationDetails"] = {"id": category.rstrip("/") + "/"}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(
    findings: list[Finding],
    problems: list[FileProblem],
    *,
    base: Path,
    category: str | None = None,
    prints: list[str] | None = None,
    warn: Callable[[str], None] = _stderr,
) -> str:
    log = build(findings, problems, base=base, category=category, prints=prints, warn=warn)
    text = json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    if len(text) > MAX_GZIP_BYTES:  # only a large file can compress above the limit
        size = len(gzip.compress(text.encode("utf-8"), compresslevel=6))
        if size > MAX_GZIP_BYTES:
            warn(f"SARIF output is {size // (1024 * 1024)} MiB gzip-compressed; GitHub "
                 "rejects uploads above 10 MiB: narrow the run or shard it")
    return text
