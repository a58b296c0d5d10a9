"""Shared pieces of the accuracy benchmarks: reading clones, running leaklint, scoring."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path


class Clone:
    """A local clone given on the command line: a work tree or a bare git directory."""

    def __init__(self, path: str, rev: str = "HEAD") -> None:
        self.path = Path(path)
        self.rev = rev
        self.bare = not (self.path / ".git").exists() and (self.path / "HEAD").is_file()

    def _git(self, *args: str) -> str:
        git_dir = str(self.path) if self.bare else str(self.path / ".git")
        return subprocess.run(
            ["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True
        ).stdout

    def read(self, rel: str) -> str:
        if self.bare or self.rev != "HEAD":
            return self._git("show", f"{self.rev}:{rel}")
        return (self.path / rel).read_text(encoding="utf-8")

    def show(self, rev: str, rel: str) -> str:
        return self._git("show", f"{rev}:{rel}")

    def siblings(self, rev: str, rel: str) -> list[str]:
        """Files in the same directory as `rel` at `rev` (not recursive)."""
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        out = self._git("ls-tree", "--name-only", rev, folder or ".")
        return [line for line in out.splitlines() if line]

    def list(self, folder: str) -> list[str]:
        out = self._git("ls-tree", "-r", "--name-only", self.rev, folder)
        return [line for line in out.splitlines() if line]

    def commit(self) -> str:
        return self._git("rev-parse", self.rev).strip()


@dataclass
class Finding:
    rule: str
    path: str
    line: int
    message: str


def report_findings(report: object) -> list[dict]:
    """The findings of a JSON report: {"findings": [...]}, or the bare list that
    reports written before version 0.2 hold."""
    return report if isinstance(report, list) else report["findings"]  # type: ignore[index]


def run_leaklint(root: Path, select: str = "LL", extend: str | None = None) -> list[Finding]:
    """Run the installed leaklint on `root` and return its findings (paths relative to root)."""
    cmd = [sys.executable, "-m", "leaklint", "check", "--format", "json", "--no-cache",
           "--exit-zero", "--quiet", "--select", select]
    if extend:
        cmd += ["--extend-select", extend]
    proc = subprocess.run([*cmd, "."], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"leaklint failed ({proc.returncode}): {proc.stderr.strip()}")
    out = []
    for item in report_findings(json.loads(proc.stdout)):
        path = item["path"].removeprefix("./")
        out.append(Finding(item["rule"], path, item["line"], item["message"]))
    return out


@dataclass
class Score:
    """Expectations and findings reduced to comparable keys, with multiplicities."""

    suite: str
    expected: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    # keys where leaklint deliberately differs from the peer, with the reason
    disagreements: dict[Hashable, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _split(self) -> tuple[Counter, Counter]:
        exp = Counter({k: v for k, v in self.expected.items() if k not in self.disagreements})
        got = Counter({k: v for k, v in self.found.items() if k not in self.disagreements})
        return exp, got

    def numbers(self) -> dict:
        exp, got = self._split()
        tp = sum(min(exp[k], got[k]) for k in exp)
        n_exp, n_got = sum(exp.values()), sum(got.values())
        return {
            "expected": n_exp,
            "found": n_got,
            "missed": n_exp - tp,
            "extra": n_got - tp,
            "recall": tp / n_exp if n_exp else None,
            "precision": tp / n_got if n_got else None,
            "disagree": sum(1 for k in self.disagreements
                            if self.expected.get(k) or self.found.get(k)),
        }

    def mismatches(self) -> tuple[list, list]:
        exp, got = self._split()
        missed = sorted((k for k in exp if exp[k] > got[k]), key=str)
        extra = sorted((k for k in got if got[k] > exp[k]), key=str)
        return missed, extra


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(scores: list[Score], out=sys.stdout) -> None:
    head = ("suite", "expected", "found", "missed", "extra", "recall", "precision", "disagree")
    rows = []
    for s in scores:
        n = s.numbers()
        rows.append((s.suite, n["expected"], n["found"], n["missed"], n["extra"],
                     fmt_ratio(n["recall"]), fmt_ratio(n["precision"]), n["disagree"]))
    print("| " + " | ".join(head) + " |", file=out)
    print("|" + "---|" * len(head), file=out)
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |", file=out)


def enclosing(lines: list[str], index: int, pattern: re.Pattern[str]) -> str:
    """Name of the nearest enclosing definition above line `index` (0-based)."""
    for i in range(index, -1, -1):
        m = pattern.match(lines[i])
        if m:
            return m.group(1)
    return "<module>"


def py_enclosing(lines: list[str], index: int) -> str:
    """Nearest `def` whose body contains line `index` (by indentation), else <module>."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for i in range(index - 1, -1, -1):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        level = len(text) - len(text.lstrip())
        if level < indent:
            m = PY_DEF.match(text)
            if m:
                return m.group(1)
            indent = level
    return "<module>"


GO_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)")
PY_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)")

Scope = Callable[[Finding], Hashable | None]
