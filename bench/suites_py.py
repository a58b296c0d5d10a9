"""Python peer suites: pylint missing-timeout / consider-using-with, ruff S113, bandit B113."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from common import PY_DEF, Clone, Finding, enclosing
from suite import Built, Suite

PYLINT_DIR = "tests/functional"
# pylint's expected-output files: `symbol:line:col:...`
PYLINT_TXT = re.compile(r"^([a-z-]+):(\d+):")
HTTP_LINE = re.compile(r"urlopen|requests|httpx|aiohttp|HTTPConnection|http\.client|Session")


def _write(root: Path, rel: str, text: str) -> list[str]:
    dest = root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return text.splitlines()


def _functions(rel: str, lines: list[str]) -> dict:
    return {(rel, i + 1): enclosing(lines, i, PY_DEF) for i in range(len(lines))}


def _line_scope(rules: set[str]):
    def scope(f: Finding):
        return (f.path, f.line, f.rule) if f.rule in rules or f.rule == "LL000" else None
    return scope


def build_pylint(clone: Clone, root: Path, stem: str, symbol: str, rule: str,
                 rules: set[str]) -> Built:
    folder = f"{PYLINT_DIR}/{stem[0]}/{stem.split('_')[0]}"
    rel = f"pylint/{stem}.py"
    lines = _write(root, rel, clone.read(f"{folder}/{stem}.py"))
    expected: Counter = Counter()
    for entry in clone.read(f"{folder}/{stem}.txt").splitlines():
        m = PYLINT_TXT.match(entry)
        if not m or m.group(1) != symbol:
            continue
        line = int(m.group(2))
        # consider-using-with covers files, locks, processes...: keep only the HTTP cases
        if symbol == "consider-using-with" and not HTTP_LINE.search(lines[line - 1]):
            continue
        expected[(rel, line, rule)] += 1
    return Built(expected, _line_scope(rules), _functions(rel, lines))


RUFF_FIXTURE = "crates/ruff_linter/resources/test/fixtures/flake8_bandit/S113.py"
RUFF_SNAP = ("crates/ruff_linter/src/rules/flake8_bandit/snapshots/"
             "ruff_linter__rules__flake8_bandit__tests__S113_S113.py.snap")
SNAP_LOC = re.compile(r"-->\s*S113\.py:(\d+):\d+")


def build_ruff(clone: Clone, root: Path) -> Built:
    rel = "ruff/S113.py"
    lines = _write(root, rel, clone.read(RUFF_FIXTURE))
    expected: Counter = Counter()
    for m in SNAP_LOC.finditer(clone.read(RUFF_SNAP)):
        expected[(rel, int(m.group(1)), "LL402")] += 1
    return Built(expected, _line_scope({"LL402"}), _functions(rel, lines))


BANDIT_EXAMPLE = "examples/requests-missing-timeout.py"
BANDIT_TEST = "tests/functional/test_functional.py"


def build_bandit(clone: Clone, root: Path) -> Built:
    """bandit's test states only a total; the plugin's rule (requests.* without a timeout
    or with timeout=None; httpx only with timeout=None) gives the lines, and the total is
    checked against bandit's own count."""
    rel = "bandit/requests-missing-timeout.py"
    lines = _write(root, rel, clone.read(BANDIT_EXAMPLE))
    expected: Counter = Counter()
    in_errors = False
    for i, line in enumerate(lines):
        if line.startswith("#"):
            in_errors = "Errors" in line
            continue
        if in_errors and (line.startswith("requests.") or "timeout=None" in line):
            expected[(rel, i + 1, "LL402")] += 1
    built = Built(expected, _line_scope({"LL402"}), _functions(rel, lines))
    test = clone.read(BANDIT_TEST)
    m = re.search(r'"SEVERITY": \{([^}]*)\}[^}]*\}\s*self\.check_example\("requests-missing-'
                  r'timeout\.py"', test)
    if m:
        total = sum(int(v) for v in re.findall(r":\s*(\d+)", m.group(1)))
        if total != sum(expected.values()):
            raise RuntimeError(f"bandit expects {total}, derived {sum(expected.values())}")
    return built


SUITES = [
    Suite("pylint missing-timeout", "pylint",
          lambda c, r: build_pylint(c, r, "missing_timeout", "missing-timeout", "LL402",
                                    {"LL402"})),
    Suite("pylint consider-using-with (http)", "pylint",
          lambda c, r: build_pylint(c, r, "consider_using_with", "consider-using-with",
                                    "LL101", {"LL101", "LL102"})),
    Suite("ruff S113", "ruff", build_ruff),
    Suite("bandit B113", "bandit", build_bandit),
]
