"""Line-move-proof fingerprints: rule, file, enclosing function and the normalised
text of the flagged line, plus an occurrence counter for identical twins.

The line number is deliberately not hashed, so adding or removing unrelated lines
above a finding keeps its fingerprint (SARIF `partialFingerprints["leaklint/v1"]` and
baseline matching both rely on that)."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from pathlib import Path

from leaklint.model import Finding

KEY = "leaklint/v1"
_SPACE = re.compile(r"\s+")


def repository_root(start: Path) -> Path:
    """The git top level above `start` (a file or directory). Outside git: the
    working directory when `start` is below it (paths then read as typed), else
    `start` itself."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():  # a directory, or a file in worktrees
            return directory
    cwd = Path.cwd().resolve()
    if start == cwd or cwd in start.parents:
        return cwd
    return start if start.is_dir() else start.parent


def repo_path(path: str, base: Path) -> str | None:
    """`path` relative to `base` with `/` separators, or None when it lies outside.
    Symlinks are resolved first: GitHub shows results only at the resolved path."""
    for candidate in (os.path.realpath(path), os.path.abspath(path)):
        try:
            rel = Path(candidate).relative_to(base)
        except ValueError:
            continue
        return rel.as_posix()
    return None


def stable_path(path: str, base: Path) -> str:
    """A spelling of `path` that does not depend on the working directory."""
    rel = repo_path(path, base)
    return rel if rel is not None else Path(os.path.realpath(path)).as_posix()


def _key(f: Finding, path: str) -> str:
    scope = f.scope.name if f.scope else ""
    return "\0".join((f.rule_id, path, scope, _SPACE.sub(" ", f.snippet.strip())))


def fingerprints(findings: list[Finding], paths: list[str] | None = None) -> list[str]:
    """One fingerprint per finding, in order. `paths` overrides each finding's path
    (repository-relative paths make fingerprints independent of the working directory).
    Findings must be in source order so the occurrence counter is stable."""
    seen: Counter[str] = Counter()
    out = []
    for index, f in enumerate(findings):
        key = _key(f, paths[index] if paths else f.path)
        seen[key] += 1
        text = f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")  # any file name
        out.append(hashlib.sha256(text).hexdigest()[:32])
    return out


def for_run(findings: list[Finding], base: Path) -> list[str]:
    """Fingerprints of a run's findings, with paths relative to the repository root."""
    return fingerprints(findings, [stable_path(f.path, base) for f in findings])
