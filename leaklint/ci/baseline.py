"""Baselines: adopt leaklint on a legacy codebase by recording today's findings.

A baseline is JSON: a list of entries holding the fingerprint that matching uses
(line-move-proof, see fingerprint.py) and the rule, path, line and message for the
people who read or review the file. Findings whose fingerprint is in the baseline are
not reported; entries no finding matches any more are stale (the leak was fixed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from leaklint import __version__
from leaklint.model import Finding
from leaklint.report.names import as_text
from leaklint.report.output import write_atomic

FORMAT = "leaklint-baseline/v1"


class BaselineError(Exception):
    """The baseline file is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    path: str
    line: int = 0
    message: str = ""


@dataclass
class Match:
    kept: list[int] = field(default_factory=list)  # indexes of findings still reported
    matched: int = 0
    stale: list[Entry] = field(default_factory=list)


def dumps(findings: list[Finding], prints: list[str], paths: list[str]) -> str:
    entries = [
        {"fingerprint": fp, "rule": f.rule_id, "path": as_text(path), "line": f.span.line,
         "message": f.message}
        for f, fp, path in zip(findings, prints, paths, strict=True)
    ]
    entries.sort(key=lambda e: (e["path"], e["line"], e["rule"], e["fingerprint"]))
    doc = {"format": FORMAT, "tool": f"leaklint {__version__}", "findings": entries}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, findings: list[Finding], prints: list[str], paths: list[str]) -> None:
    write_atomic(path, dumps(findings, prints, paths))


def load(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found "
                            "(create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a leaklint baseline (expected \"format\": "
                            f"\"{FORMAT}\")")
    raw = doc.get("findings")
    if not isinstance(raw, list):
        raise BaselineError(f"{path}: \"findings\" must be a list")
    entries = []
    for i, item in enumerate(raw):
        if not (isinstance(item, dict) and isinstance(item.get("fingerprint"), str)):
            raise BaselineError(f"{path}: findings[{i}] has no \"fingerprint\" string")
        entries.append(Entry(
            fingerprint=item["fingerprint"],
            rule=str(item.get("rule", "")),
            path=str(item.get("path", "")),
            line=item.get("line", 0) if isinstance(item.get("line"), int) else 0,
            message=str(item.get("message", "")),
        ))
    return entries


def match(entries: list[Entry], prints: list[str], analysed: set[str] | None = None) -> Match:
    """Split findings (by their fingerprints) into baselined and new. An entry is
    stale only when its file was analysed in this run: a run over part of the tree
    (pre-commit, a path argument) must not call the rest of the baseline stale."""
    known = {e.fingerprint for e in entries}
    out = Match()
    used: set[str] = set()
    for i, fp in enumerate(prints):
        if fp in known:
            out.matched += 1
            used.add(fp)
        else:
            out.kept.append(i)
    out.stale = [
        e for e in entries
        if e.fingerprint not in used and (analysed is None or e.path in analysed)
    ]
    return out
