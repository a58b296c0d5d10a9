"""Every fix leaklint offers on every fixture, applied at once (`--fix --unsafe-fixes`):
each rewritten file still parses when it did before (`gofmt -e` when Go is installed,
else tree-sitter; `compile()` for Python, which runs nothing), a second run changes
nothing, each fixed
finding is gone (per file and rule, the count drops by the number fixed) and no fix is
offered again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import FIXTURES
from test_fix_fixtures import parses


def leaklint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaklint", "check", "--no-cache",
                           "--select", "ALL", "--extend-select", "LL103", *args, "."],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def findings(cwd: Path) -> list[dict]:
    data = json.loads(leaklint(cwd, "--format", "json").stdout)
    return data["findings"] if isinstance(data, dict) else data


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix in (".go", ".py")}


def test_every_fix_on_every_fixture(tmp_path: Path) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree, ignore=shutil.ignore_patterns("*.after.*"))
    before = snapshot(tree)
    found = findings(tree)
    fixable = [f for f in found if f["fix"] is not None]
    assert len(fixable) >= 40, "the fixtures should exercise every fix many times"
    assert {f["rule"] for f in fixable} >= {"LL101", "LL102", "LL201", "LL202", "LL401",
                                            "LL402"}

    proc = leaklint(tree, "--fix", "--unsafe-fixes")
    assert proc.returncode != 2, proc.stderr
    fixed = snapshot(tree)
    changed = [name for name in fixed if fixed[name] != before[name]]
    assert changed
    assert {f["path"] for f in fixable} == set(changed)
    originals = tmp_path / "originals"
    for name in changed:
        (originals / name).parent.mkdir(parents=True, exist_ok=True)
        (originals / name).write_bytes(before[name])
    broken = [name for name in changed
              if not parses(tree / name) and parses(originals / name)]
    assert broken == [], "fixed files that no longer parse"

    leaklint(tree, "--fix", "--unsafe-fixes")
    assert snapshot(tree) == fixed, "a second --fix changed files again"

    left = findings(tree)
    assert [f for f in left if f["fix"] is not None] == []
    had = Counter((f["path"], f["rule"]) for f in found)
    gone = Counter((f["path"], f["rule"]) for f in fixable)
    now = Counter((f["path"], f["rule"]) for f in left)
    for key, count in gone.items():
        assert now[key] == had[key] - count, f"{key}: the fixed findings are not all gone"
