"""What a peer-suite builder hands back, and how a suite is run and scored."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import Clone, Scope, Score, run_leaklint


@dataclass
class Built:
    expected: Counter
    scope: Scope
    functions: dict  # (path, line) -> enclosing function, to key disagreements by function
    extend: str | None = None
    preset_disagreements: dict = field(default_factory=dict)


@dataclass
class Suite:
    name: str
    peer: str  # which clone (command-line option) it reads
    build: Callable[[Clone, Path], Built]


def run_suite(suite: Suite, clone: Clone, disagreements: dict, expect_only: bool = False
              ) -> Score:
    """`disagreements`: {(path, function, rule): (reason, line substring or "")}."""
    with tempfile.TemporaryDirectory(prefix="leaklint-peer-") as tmp:
        root = Path(tmp)
        built = suite.build(clone, root)
        findings = [] if expect_only else run_leaklint(root, extend=built.extend)
        texts = {str(f.relative_to(root)): f.read_text(encoding="utf-8").splitlines()
                 for f in root.rglob("*") if f.is_file()}
    score = Score(suite.name, expected=built.expected)
    for f in findings:
        key = built.scope(f)
        if key is not None:
            score.found[key] += 1
    score.disagreements.update(built.preset_disagreements)
    for key in set(score.expected) | set(score.found):
        if len(key) == 3:
            path, line, rule = key
            func = line if isinstance(line, str) else built.functions.get((path, line))
            entry = disagreements.get((path, func, rule))
            if entry is None:
                continue
            reason, match = entry
            lines = texts.get(path, [])
            if match and not (isinstance(line, int) and 0 < line <= len(lines)
                              and match in lines[line - 1]):
                continue
            score.disagreements[key] = reason
    return score
