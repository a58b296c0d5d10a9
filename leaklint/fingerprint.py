"""Line-move-proof fingerprints: rule, file, enclosing function and the normalised
text of the flagged line, plus an occurrence counter for identical twins."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from leaklint.model import Finding

_SPACE = re.compile(r"\s+")


def _key(f: Finding, path: str) -> str:
    scope = f.scope.name if f.scope else ""
    return "\0".join((f.rule_id, path, scope, _SPACE.sub(" ", f.snippet)))


def fingerprints(findings: list[Finding], paths: list[str] | None = None) -> list[str]:
    """One fingerprint per finding, in order. `paths` overrides each finding's path
    (repository-relative paths make fingerprints independent of the working directory)."""
    seen: Counter[str] = Counter()
    out = []
    for index, f in enumerate(findings):
        key = _key(f, paths[index] if paths else f.path)
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()[:32]
        out.append(digest)
    return out
