"""The walk leaves out exactly the files git leaves out: git itself is the oracle.

Each case is a small tree with .gitignore files; `git ls-files --others
--exclude-standard` lists what git would add, and the walk must find the same .go and
.py files. A project whose top .gitignore ignores everything and then re-includes
directories and files with an extension (`*`, `!*.*`, `!*/`) was once skipped whole.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from leaklint.engine.discovery import discover

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

FILES = (
    "main.go", "Makefile.go", "core/a.go", "core/x/b.go", "core/x/y/c.py", "build/d.go",
    "build/keep/e.go", "docs/f.py", "docs/keep.py", "a.go/inner.go", "deep/g.go",
    "deep/sub/h.go", "deep/sub/i.py", "logs/j.go", "x/logs/k.go", "nested/l.go",
    "nested/m.go", "nested/n/o.go", "space /p.go", "bang!/q.go",
)

CASES = {
    "ignore all, re-include files with an extension and every directory": {
        ".gitignore": "*\n!*.*\n!*/\n**/logs\n",
    },
    "ignore all, re-include directories only": {".gitignore": "*\n!*/\n!*.py\n"},
    "a directory pattern does not re-include files inside it": {
        ".gitignore": "*.go\n!core/\n",
    },
    "a file cannot be re-included under an ignored directory": {
        ".gitignore": "build/\n!build/keep/\n!build/keep/e.go\n",
    },
    "contents ignored, a subdirectory re-included": {
        ".gitignore": "build/*\n!build/keep/\n",
    },
    "a nested .gitignore re-includes what the parent ignores": {
        ".gitignore": "*.go\n", "nested/.gitignore": "!l.go\n",
    },
    "a nested .gitignore ignores, a parent line does not re-include it": {
        ".gitignore": "!m.go\n", "nested/.gitignore": "m.go\nn/\n",
    },
    "anchored and unanchored, double stars": {
        ".gitignore": "/deep/sub/\n**/logs/\ncore/**/*.py\n/main.go\n",
    },
    "a name with an extension as a directory": {".gitignore": "*.go\n!*/\n!inner.go\n"},
    "trailing spaces, escapes, comments": {
        ".gitignore": "# core/\n\\#x\ndocs/*.py \n!docs/keep.py\nbang\\!/\n",
    },
}


def _git_untracked(root: Path) -> set[str]:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    out = subprocess.run(
        ["git", "-c", "core.quotepath=off", "ls-files", "--others", "--exclude-standard",
         "-z"], cwd=root, capture_output=True, text=True, check=True).stdout
    return {p for p in out.split("\0") if p.endswith((".go", ".py"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_walk_matches_git(tmp_path: Path, case: str) -> None:
    root = tmp_path / "repo"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("package x\n" if name.endswith(".go") else "x = 1\n")
    for name, text in CASES[case].items():
        (root / name).write_text(text)
    expected = _git_untracked(root)
    found = discover([str(root)], cwd=root)
    walked = {Path(f.path).resolve().relative_to(root.resolve()).as_posix()
              for f in found.files}
    assert walked == expected
    assert expected, "a case that keeps nothing proves nothing"
